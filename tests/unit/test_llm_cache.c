/*
 * test_llm_cache.c — llm_cache.c and llm_config.c: keys that let repeats
 * meet, answers kept for their TTL, the hourly budget, and the endpoint
 * taken from heal.json's llm object and the environment.
 */
#include "llm_cache.h"
#include "llm_config.h"
#include "scratch.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *key(const char *text)
{
    return llm_cache_key("diagnose", "m", text, strlen(text));
}

static void same_key(const char *a, const char *b)
{
    char *ka = key(a), *kb = key(b);
    CHECK_STR(ka, kb, "one key for: '%s' and '%s'", a, b);
    free(ka), free(kb);
}

static void other_key(const char *a, const char *b)
{
    char *ka = key(a), *kb = key(b);
    CHECK(ka && kb && strcmp(ka, kb) != 0, "two keys for: '%s' and '%s'", a, b);
    free(ka), free(kb);
}

static void set_now(long long seconds)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", seconds);
    setenv("HEAL_NOW", buf, 1);
}

static void test_keys(void)
{
    same_key("2026-11-24T10:15:03.412Z ERROR req 4711 failed", "2026-11-29T22:01:59.999Z ERROR "
                                                               "req 12 failed");
    same_key("worker web01 pid 1234 at 0x7ffd5e8c9a10", "worker web02 pid 99 at 0x0000deadbe01");
    same_key("trace 01M86GTHFMM9S346Q3D25VT4F5 lost", "trace 01M86GTHG7V37E3S3E28JT97KB lost");
    same_key("uuid 3f2a9c1e-8b7d-4a5f-9e3d-2c1b0a9f8e7d bad", "uuid 9a8b7c6d-1e2f-4a3b-8c7d-6e5f4a3b2c1d bad");
    same_key("spaces   and\ttabs\n", "spaces and tabs");
    other_key("disk full", "disk empty");
    other_key("ERROR a", "error a");
    char *k1 = llm_cache_key("diagnose", "model-a", "x", 1);
    char *k2 = llm_cache_key("diagnose", "model-b", "x", 1);
    char *k3 = llm_cache_key("propose", "model-a", "x", 1);
    CHECK(strcmp(k1, k2) != 0 && strcmp(k1, k3) != 0, "the model and the kind are in the key");
    char name[22];
    llm_cache_name(k1, name);
    CHECK(strlen(name) == 21 && !strcmp(name + 16, ".json"), "an entry is named by 16 hex digits");
    free(k1), free(k2), free(k3);
}

static void test_entries(const char *dir)
{
    struct heal_error err;
    set_now(1000000);
    jv answer = jv_parse("{\"category\":\"disk\"}");
    CHECK(llm_cache_put(dir, "diagnose\nm\nabc", answer, &err) == 0, "an answer is stored");
    jv got = jv_invalid();
    CHECK(llm_cache_get(dir, "diagnose\nm\nabc", 3600000, &got, &err) == 1 &&
              jv_equal(jv_copy(got), jv_copy(answer)),
          "and found again");
    jv_free(got);
    CHECK(llm_cache_get(dir, "diagnose\nm\nabd", 3600000, &got, &err) == 0, "another key misses");
    set_now(1000000 + 3599);
    CHECK(llm_cache_get(dir, "diagnose\nm\nabc", 3600000, &got, &err) == 1, "kept within its TTL");
    jv_free(got);
    set_now(1000000 + 3601);
    CHECK(llm_cache_get(dir, "diagnose\nm\nabc", 3600000, &got, &err) == 0, "gone after it");
    /* A different key under the same file name (a collision) is a miss, never a wrong answer. */
    char name[22], path[PATH_MAX];
    llm_cache_name("diagnose\nm\nabc", name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fprintf(f, "{\"key\":\"something else\",\"at\":1000000000,\"answer\":{}}");
    fclose(f);
    set_now(1000000);
    CHECK(llm_cache_get(dir, "diagnose\nm\nabc", 3600000, &got, &err) == 0,
          "an entry holding another key is a miss");
    f = fopen(path, "w");
    fprintf(f, "{\"key\": [broken");
    fclose(f);
    CHECK(llm_cache_get(dir, "diagnose\nm\nabc", 3600000, &got, &err) == 0,
          "a damaged entry is a miss");
    jv_free(answer);
}

static void test_budget(const char *dir)
{
    struct heal_error err;
    int64_t next = 0, now = 5000000000LL;
    CHECK(llm_budget_take(dir, 2, now, &next, &err) == 0, "first call of 2 taken");
    CHECK(llm_budget_take(dir, 2, now + 1000, &next, &err) == 0, "second call of 2 taken");
    CHECK(llm_budget_take(dir, 2, now + 2000, &next, &err) == 1 && next == now + 3600000,
          "a third within the hour is refused, and says when one frees up");
    CHECK(llm_budget_take(dir, 2, now + 3600001, &next, &err) == 0,
          "an hour after the first, a call frees up");
    CHECK(llm_budget_take(dir, 0, now, &next, &err) == 1, "a budget of 0 allows no call");
}

static struct llm_config config(const char *json, int *rc, struct heal_error *err)
{
    struct llm_config c;
    jv o = json ? jv_parse(json) : jv_invalid();
    *rc = llm_config_from_json(o, &c, err);
    jv_free(o);
    return c;
}

static void test_config(const char *dir)
{
    struct heal_error err;
    int rc;
    unsetenv("HEAL_LLM_PROVIDER"), unsetenv("HEAL_LLM_URL"), unsetenv("HEAL_LLM_MODEL");
    unsetenv("HEAL_LLM_API_KEY"), unsetenv("HEAL_LLM_API_KEY_FILE");
    struct llm_config c = config(NULL, &rc, &err);
    CHECK(rc == 0 && !c.configured, "nothing set: no endpoint");
    llm_config_free(&c);
    c = config("{\"url\":\"http://127.0.0.1:8080\",\"model\":\"qwen\"}", &rc, &err);
    CHECK_STR(c.url, "http://127.0.0.1:8080/v1/chat/completions", "a base URL gets the OpenAI path");
    llm_config_free(&c);
    c = config("{\"url\":\"http://localhost:11434/v1/\",\"model\":\"llama3\"}", &rc, &err);
    CHECK_STR(c.url, "http://localhost:11434/v1/chat/completions", "a /v1 URL gets the rest");
    llm_config_free(&c);
    c = config("{\"provider\":\"anthropic\",\"model\":\"claude\"}", &rc, &err);
    CHECK_STR(c.url, "https://api.anthropic.com/v1/messages", "anthropic's own URL by default");
    llm_config_free(&c);
    c = config("{\"url\":\"https://gw.example/openai/v1/chat/completions\",\"model\":\"m\","
               "\"timeout\":\"10s\",\"retries\":0,\"max_evidence\":\"4K\",\"redact\":\"strict\","
               "\"json_schema\":false,\"max_calls_per_hour\":5,\"cache_ttl\":\"1h\"}",
               &rc, &err);
    CHECK(rc == 0 && !strcmp(c.url, "https://gw.example/openai/v1/chat/completions") &&
              c.timeout_ms == 10000 && c.retries == 0 && c.max_evidence == 4096 &&
              c.redact == REDACT_STRICT && !c.json_schema && c.calls_per_hour == 5 &&
              c.cache_ttl_ms == 3600000,
          "every field of the llm object is read");
    llm_config_free(&c);
    c = config("{\"url\":\"ftp://x\",\"model\":\"m\"}", &rc, &err);
    CHECK(rc == -1 && strstr(err.msg, "http:// or https://"), "an ftp URL is refused: %s", err.msg);
    c = config("{\"url\":\"http://x\"}", &rc, &err);
    CHECK(rc == -1 && strstr(err.msg, "no model named"), "a URL without a model is refused");
    c = config("{\"url\":\"http://x\",\"model\":\"m\",\"retries\":9}", &rc, &err);
    CHECK(rc == -1 && strstr(err.msg, "retries must be"), "retries beyond 5 are refused");
    c = config("{\"url\":\"http://x\",\"model\":\"m\",\"colour\":\"blue\"}", &rc, &err);
    CHECK(rc == -1 && strstr(err.msg, "unknown field 'colour'"), "an unknown field is refused");

    setenv("HEAL_LLM_URL", "http://127.0.0.1:1234", 1);
    setenv("HEAL_LLM_MODEL", "env-model", 1);
    setenv("HEAL_LLM_API_KEY", "sk-env\r\nX-Evil: 1", 1);
    c = config("{\"model\":\"json-model\"}", &rc, &err);
    CHECK(rc == -1 && strstr(err.msg, "control character"),
          "a key that would inject a header is refused");
    setenv("HEAL_LLM_API_KEY", "sk-env-key", 1);
    c = config("{\"model\":\"json-model\"}", &rc, &err);
    CHECK(rc == 0 && c.configured && !strcmp(c.model, "env-model") &&
              !strcmp(c.api_key, "sk-env-key"),
          "the environment overrides heal.json");
    llm_config_free(&c);
    unsetenv("HEAL_LLM_API_KEY");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/key", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "sk-file-key\n");
    fclose(f);
    chmod(path, 0600);
    setenv("HEAL_LLM_API_KEY_FILE", path, 1);
    c = config(NULL, &rc, &err);
    CHECK(rc == 0 && c.api_key && !strcmp(c.api_key, "sk-file-key"),
          "the key file is read, its newline dropped");
    llm_config_free(&c);
    chmod(path, 0640);
    c = config(NULL, &rc, &err);
    CHECK(rc == -1 && strstr(err.msg, "lets group or others at it") && !strstr(err.msg, "sk-file"),
          "a key file the group may read is refused, without quoting it: %s", err.msg);
    unsetenv("HEAL_LLM_API_KEY_FILE"), unsetenv("HEAL_LLM_URL"), unsetenv("HEAL_LLM_MODEL");
}

int main(void)
{
    char dir[SCRATCH_DIR_SIZE];
    scratch_make(dir, "llm-cache");
    test_keys();
    test_entries(dir);
    test_budget(dir);
    test_config(dir);
    unsetenv("HEAL_NOW");
    scratch_remove(dir);
    return unit_done();
}
