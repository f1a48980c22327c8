/* llm_config.c — the model endpoint from heal.json's `llm` object and HEAL_LLM_* (see llm_config.h). */
#include "llm_config.h"
#include "secretfile.h"
#include "duration.h"
#include "size.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LLM_CONFIG_FILE "heal.json"

const char *llm_provider_name(enum llm_provider p)
{
    return p == LLM_PROVIDER_ANTHROPIC ? "anthropic" : "openai";
}

static int provider_parse(const char *s, enum llm_provider *p, struct heal_error *err)
{
    if (!strcmp(s, "openai"))
        *p = LLM_PROVIDER_OPENAI;
    else if (!strcmp(s, "anthropic"))
        *p = LLM_PROVIDER_ANTHROPIC;
    else
        return heal_error_set(err, "provider '%.64s' is not one of openai, anthropic", s);
    return 0;
}

/* A key or model travels in a header or JSON: no control bytes, no spaces around. */
static bool printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

static int set_key(struct llm_config *c, const char *key, size_t len, const char *from,
                   struct heal_error *err)
{
    while (len > 0 && (key[len - 1] == '\n' || key[len - 1] == '\r' || key[len - 1] == ' ' ||
                       key[len - 1] == '\t'))
        len--;
    if (len == 0)
        return heal_error_set(err, "%s: the API key is empty", from);
    char *k = strndup(key, len);
    if (!k)
        return heal_error_set(err, "out of memory");
    if (strlen(k) != len || !printable(k)) {
        explicit_bzero(k, len);
        free(k);
        return heal_error_set(err, "%s: the API key holds a control character", from);
    }
    if (c->api_key) {
        explicit_bzero(c->api_key, strlen(c->api_key));
        free(c->api_key);
    }
    c->api_key = k;
    return 0;
}

static int read_key_file(struct llm_config *c, const char *path, struct heal_error *err)
{
    char buf[LLM_KEY_MAX + 1];
    size_t n;
    int rc = secretfile_read(path, "API key file", buf, sizeof buf, &n, err);
    if (rc == 0)
        rc = set_key(c, buf, n, path, err);
    explicit_bzero(buf, sizeof buf);
    return rc;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* A base URL becomes the provider's endpoint; a full endpoint URL is kept. */
static int set_url(struct llm_config *c, const char *base, struct heal_error *err)
{
    if (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0)
        return heal_error_set(err, "url must start with http:// or https://");
    if (!printable(base) || strchr(base, ' '))
        return heal_error_set(err, "url holds a space or a control character");
    const char *path = c->provider == LLM_PROVIDER_ANTHROPIC ? "/messages" : "/chat/completions";
    char trimmed[LLM_URL_MAX];
    int w = snprintf(trimmed, sizeof trimmed, "%s", base);
    if (w < 0 || (size_t)w >= sizeof trimmed)
        return heal_error_set(err, "url longer than %d bytes", LLM_URL_MAX - 1);
    for (size_t n = strlen(trimmed); n > 8 && trimmed[n - 1] == '/'; n--)
        trimmed[n - 1] = '\0';
    if (ends_with(trimmed, path))
        w = snprintf(c->url, sizeof c->url, "%s", trimmed);
    else
        w = snprintf(c->url, sizeof c->url, "%s%s%s", trimmed, ends_with(trimmed, "/v1") ? "" : "/v1",
                     path);
    if (w < 0 || (size_t)w >= sizeof c->url)
        return heal_error_set(err, "url longer than %d bytes", LLM_URL_MAX - 1);
    return 0;
}

static const struct config_field llm_fields[] = {
    {"provider", CONFIG_STRING, false},      {"url", CONFIG_STRING, false},
    {"model", CONFIG_STRING, false},         {"api_key_file", CONFIG_STRING, false},
    {"timeout", CONFIG_STRING, false},       {"connect_timeout", CONFIG_STRING, false},
    {"retries", CONFIG_NUMBER, false},       {"max_calls_per_hour", CONFIG_NUMBER, false},
    {"cache_ttl", CONFIG_STRING, false},     {"max_evidence", CONFIG_STRING | CONFIG_NUMBER, false},
    {"max_tokens", CONFIG_NUMBER, false},    {"json_schema", CONFIG_BOOL, false},
    {"redact", CONFIG_STRING, false},        {NULL, 0, false},
};

/* The string at key in o (borrowed), or NULL. */
static const char *field(jv o, const char *key)
{
    if (jv_get_kind(o) != JV_KIND_OBJECT)
        return NULL;
    jv v = jv_object_get(jv_copy(o), jv_string(key));
    const char *s = jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : NULL;
    jv_free(v); /* o keeps its own reference: the pointer stays valid while o lives */
    return s;
}

static int number_field(jv o, const char *key, double lo, double hi, int *out,
                        struct heal_error *err)
{
    jv v = jv_object_get(jv_copy(o), jv_string(key));
    if (jv_get_kind(v) != JV_KIND_NUMBER) {
        jv_free(v);
        return 0;
    }
    double d = jv_number_value(v);
    jv_free(v);
    if (!(d >= lo && d <= hi) || d != (double)(long long)d)
        return heal_error_set(err, "%s must be a whole number from %.0f to %.0f", key, lo, hi);
    *out = (int)d;
    return 0;
}

static int duration_field(jv o, const char *key, int64_t *ms, struct heal_error *err)
{
    const char *s = field(o, key);
    struct heal_error e;
    if (s && (duration_parse(s, ms, &e) != 0 || *ms <= 0))
        return heal_error_set(err, "%s: %s", key, *ms <= 0 ? "must be longer than 0" : e.msg);
    return 0;
}

static int from_object(jv llm, struct llm_config *c, const char **key_file,
                       struct heal_error *err)
{
    struct heal_error e;
    if (config_check_fields(llm, llm_fields, &e) != 0) {
        jv k = jv_object_get(jv_copy(llm), jv_string("api_key"));
        bool key = jv_is_valid(k);
        jv_free(k);
        if (key)
            return heal_error_set(err, "api_key does not belong in heal.json: put the key in a "
                                       "file of its own (api_key_file) or HEAL_LLM_API_KEY");
        return heal_error_set(err, "%s", e.msg);
    }
    const char *p = field(llm, "provider");
    if (p && provider_parse(p, &c->provider, err) != 0)
        return -1;
    if (p)
        c->configured = true;
    const char *model = field(llm, "model");
    if (model)
        snprintf(c->model, sizeof c->model, "%s", model);
    *key_file = field(llm, "api_key_file");
    if (duration_field(llm, "timeout", &c->timeout_ms, err) != 0 ||
        duration_field(llm, "connect_timeout", &c->connect_timeout_ms, err) != 0 ||
        duration_field(llm, "cache_ttl", &c->cache_ttl_ms, err) != 0 ||
        number_field(llm, "retries", 0, LLM_RETRIES_MAX, &c->retries, err) != 0 ||
        number_field(llm, "max_calls_per_hour", 0, 1000000, &c->calls_per_hour, err) != 0 ||
        number_field(llm, "max_tokens", 16, 1000000, &c->max_tokens, err) != 0)
        return -1;
    jv ev = jv_object_get(jv_copy(llm), jv_string("max_evidence"));
    uint64_t bytes = c->max_evidence;
    int rc = 0;
    if (jv_get_kind(ev) == JV_KIND_NUMBER)
        bytes = jv_number_value(ev) >= 0 ? (uint64_t)jv_number_value(ev) : 0;
    else if (jv_get_kind(ev) == JV_KIND_STRING && size_parse(jv_string_value(ev), &bytes, &e) != 0)
        rc = heal_error_set(err, "max_evidence: %s", e.msg);
    jv_free(ev);
    if (rc != 0)
        return -1;
    if (bytes < 256 || bytes > LLM_EVIDENCE_MAX)
        return heal_error_set(err, "max_evidence must be from 256 bytes to %d", LLM_EVIDENCE_MAX);
    c->max_evidence = (size_t)bytes;
    jv js = jv_object_get(jv_copy(llm), jv_string("json_schema"));
    if (jv_get_kind(js) == JV_KIND_FALSE)
        c->json_schema = false;
    jv_free(js);
    const char *r = field(llm, "redact");
    if (r && redact_level_parse(r, &c->redact) != 0)
        return heal_error_set(err, "redact '%.32s' is not one of normal, strict", r);
    return 0;
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

int llm_config_from_json(jv llm, struct llm_config *c, struct heal_error *err)
{
    *c = (struct llm_config){
        .provider = LLM_PROVIDER_OPENAI,
        .connect_timeout_ms = LLM_CONNECT_TIMEOUT_DEFAULT_MS,
        .timeout_ms = LLM_TIMEOUT_DEFAULT_MS,
        .retries = LLM_RETRIES_DEFAULT,
        .calls_per_hour = LLM_CALLS_PER_HOUR_DEFAULT,
        .cache_ttl_ms = LLM_CACHE_TTL_DEFAULT_MS,
        .max_evidence = LLM_EVIDENCE_DEFAULT,
        .max_tokens = LLM_MAX_TOKENS_DEFAULT,
        .json_schema = true,
        .redact = REDACT_NORMAL,
    };
    const char *key_file = NULL, *url = NULL;
    if (jv_get_kind(llm) != JV_KIND_INVALID) {
        if (from_object(llm, c, &key_file, err) != 0)
            goto fail;
        url = field(llm, "url");
    }
    const char *p = env("HEAL_LLM_PROVIDER");
    if (p) {
        struct heal_error e;
        if (provider_parse(p, &c->provider, &e) != 0) {
            heal_error_set(err, "HEAL_LLM_PROVIDER: %s", e.msg);
            goto fail;
        }
        c->configured = true;
    }
    if (env("HEAL_LLM_URL"))
        url = env("HEAL_LLM_URL");
    if (env("HEAL_LLM_MODEL"))
        snprintf(c->model, sizeof c->model, "%s", env("HEAL_LLM_MODEL"));
    if (url)
        c->configured = true;
    if (!c->configured)
        return 0;
    if (!url)
        url = c->provider == LLM_PROVIDER_ANTHROPIC ? "https://api.anthropic.com"
                                                    : "https://api.openai.com";
    struct heal_error e;
    if (set_url(c, url, &e) != 0) {
        heal_error_set(err, "%s", e.msg);
        goto fail;
    }
    if (!c->model[0]) {
        heal_error_set(err, "no model named (llm.model in heal.json, or HEAL_LLM_MODEL)");
        goto fail;
    }
    if (!printable(c->model)) {
        heal_error_set(err, "the model name holds a control character");
        goto fail;
    }
    const char *key = env("HEAL_LLM_API_KEY");
    if (key && set_key(c, key, strlen(key), "HEAL_LLM_API_KEY", err) != 0)
        goto fail;
    if (!key && env("HEAL_LLM_API_KEY_FILE"))
        key_file = env("HEAL_LLM_API_KEY_FILE");
    if (!key && key_file && read_key_file(c, key_file, err) != 0)
        goto fail;
    return 0;
fail:
    llm_config_free(c);
    c->configured = false;
    return -1;
}

/* What reading heal.json collects: the last `llm` object, and where problems go. */
struct llm_read {
    jv llm;
    config_error_fn *report;
    void *ctx;
};

static void keep_llm(void *ctx, jv entry, const char *source)
{
    (void)source;
    struct llm_read *r = ctx;
    jv llm = jv_object_get(entry, jv_string("llm")); /* entries are objects */
    if (jv_is_valid(llm)) {
        jv_free(r->llm);
        r->llm = llm; /* a later entry wins, as drop-ins do */
    } else {
        jv_free(llm);
    }
}

static void pass_problem(void *ctx, const char *message)
{
    struct llm_read *r = ctx;
    if (r->report)
        r->report(r->ctx, message);
}

int llm_config_load(const char *config_dir, config_error_fn *report, void *ctx,
                    struct llm_config *c, struct heal_error *err)
{
    struct llm_read r = {jv_invalid(), report, ctx};
    if (config_dir) {
        struct config_sink sink = {.entry = keep_llm, .error = pass_problem, .ctx = &r};
        config_load_file(config_dir, LLM_CONFIG_FILE, &sink);
    }
    if (jv_is_valid(r.llm) && jv_get_kind(r.llm) != JV_KIND_OBJECT) {
        jv_free(r.llm);
        *c = (struct llm_config){0};
        return heal_error_set(err, "%s: 'llm' must be an object", LLM_CONFIG_FILE);
    }
    int rc = llm_config_from_json(r.llm, c, err);
    jv_free(r.llm);
    return rc;
}

void llm_config_free(struct llm_config *c)
{
    if (c->api_key) {
        explicit_bzero(c->api_key, strlen(c->api_key));
        free(c->api_key);
    }
    c->api_key = NULL;
}
