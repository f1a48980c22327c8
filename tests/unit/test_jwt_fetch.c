/*
 * test_jwt_fetch.c — jwt_verify() against a real issuer over HTTP:
 * tests/lib/test-issuer serves its metadata and JWKS on a free 127.0.0.1
 * port and mints the tokens.  Seen from the issuer's fetch log: nothing is
 * fetched at start, the set is fetched once and cached, fetched again on an
 * unknown kid at most once per JWT_REFETCH_MIN_S (which is how a rotated
 * key is found) and when its max-age is up; discovery goes through
 * openid-configuration, else oauth-authorization-server; a dead issuer
 * leaves the cached set working.  The issuer not starting is a failure.
 */
#include "clock.h"
#include "jwt_verify.h"
#include "scratch.h"
#include "spawn.h"
#include "unit.h"

#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define AUD "https://heal.test/mcp"
#define MAX_AGE "120"
#define ISSUER_START_MS 15000

static char dir[SCRATCH_DIR_SIZE], issuer[256];
static long long t0;

static char *slurp(const char *name)
{
    char path[SCRATCH_DIR_SIZE + 32];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *s = calloc(1, 65536);
    size_t n = fread(s, 1, 65535, f);
    s[n] = '\0';
    fclose(f);
    return s;
}

static int lines_in(const char *name)
{
    char *s = slurp(name);
    int n = 0;
    for (char *p = s; p && *p; p++)
        n += *p == '\n';
    free(s);
    return n;
}

/* Runs test-issuer with args after "DIR" at time now; its stdout without the newline. */
static char *issuer_run(const char *cmd, const char *const *args, long long now)
{
    const char *argv[16] = {"tests/lib/test-issuer", cmd, dir};
    int n = 3;
    for (; args && *args && n < 15; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    char heal_now[48];
    snprintf(heal_now, sizeof heal_now, "HEAL_NOW=%lld", now);
    const char *extra[] = {heal_now, NULL};
    struct spawn_options o = {0};
    o.argv = argv;
    o.env = SPAWN_ENV_INHERIT;
    o.env_extra = extra;
    o.timeout_ms = 20000;
    struct spawn_result r;
    struct heal_error err;
    if (spawn_run(&o, &r, &err) < 0) {
        printf("# test-issuer %s: %s\n", cmd, err.msg);
        return strdup("");
    }
    if (!r.exited || r.exit_code != 0)
        printf("# test-issuer %s failed: %s\n", cmd, r.err.data);
    char *out = strdup(r.out.data);
    out[strcspn(out, "\n")] = '\0';
    spawn_result_free(&r);
    return out;
}

static char *mint(const char *kind, long long now)
{
    const char *args[] = {"--kind", kind, "--exp-in", "3600", NULL};
    return issuer_run("mint", args, now);
}

static char *mint_kid(const char *kid, long long now)
{
    const char *args[] = {"--kid", kid, "--exp-in", "3600", NULL};
    return issuer_run("mint", args, now);
}

static const char *verdict_at(struct jwt_verifier *v, const char *token, long long now)
{
    static struct heal_error err;
    jv claims;
    if (jwt_verify(v, token, now, &claims, &err) == 0) {
        jv sub = jv_object_get(claims, jv_string("sub"));
        bool ok = jv_get_kind(sub) == JV_KIND_STRING && !strcmp(jv_string_value(sub), "test-user");
        jv_free(sub);
        return ok ? "" : "accepted without its claims";
    }
    jv_free(claims);
    return err.msg;
}

static struct jwt_verifier *verifier(const char *iss, const char *jwks)
{
    struct jwt_verifier_config c = {iss, AUD, jwks, NULL, 60, true};
    struct heal_error err;
    struct jwt_verifier *v = jwt_verifier_new(&c, &err);
    if (!v)
        printf("# jwt_verifier_new: %s\n", err.msg);
    return v;
}

static pid_t start_issuer(void)
{
    char log[SCRATCH_DIR_SIZE + 16];
    snprintf(log, sizeof log, "%s/log", dir);
    const char *argv[] = {
        "tests/lib/test-issuer", "serve", dir, "--aud", AUD, "--max-age", MAX_AGE, NULL};
    struct spawn_options o = {0};
    o.argv = argv;
    o.env = SPAWN_ENV_INHERIT;
    pid_t pid = -1;
    struct heal_error err;
    if (spawn_daemon(&o, log, &pid, &err) < 0) {
        printf("# test-issuer serve: %s\n", err.msg);
        return -1;
    }
    int64_t deadline = clock_mono_ms() + ISSUER_START_MS;
    char *url = NULL;
    while (!(url = slurp("url")) && clock_mono_ms() < deadline)
        usleep(20000);
    if (!url) {
        char *l = slurp("log");
        printf("# test-issuer did not start: %s\n", l ? l : "");
        free(l);
        kill(pid, SIGTERM);
        return -1;
    }
    url[strcspn(url, "\n")] = '\0';
    snprintf(issuer, sizeof issuer, "%s", url);
    free(url);
    return pid;
}

static void test_jwks_url(void)
{
    char jwks[300];
    snprintf(jwks, sizeof jwks, "%s/jwks.json", issuer);
    struct jwt_verifier *v = verifier(issuer, jwks);
    CHECK(v && lines_in("fetches") == 0, "nothing is fetched when the verifier is made");
    char *good = mint("good", t0), *es = mint("es256", t0), *ed = mint("eddsa", t0);
    CHECK_STR(verdict_at(v, good, t0), "", "a good RS256 token from the issuer is accepted");
    CHECK(lines_in("fetches") == 1, "the first token fetched the set (%d fetches)",
          lines_in("fetches"));
    CHECK_STR(verdict_at(v, es, t0), "", "a good ES256 token is accepted");
    CHECK_STR(verdict_at(v, ed, t0 + 1), "", "a good EdDSA token is accepted");
    CHECK(lines_in("fetches") == 1, "further tokens use the cached set");

    static const char *const refusals[][2] = {
        {"expired", "expired"},
        {"nbf-future", "not yet valid"},
        {"wrong-iss", "wrong issuer"},
        {"wrong-aud", "wrong audience"},
        {"bad-sig", "bad signature"},
        {"alg-none", "algorithm none refused"},
        {"hs256-pubkey", "algorithm HS256 not allowed"},
    };
    for (size_t i = 0; i < sizeof refusals / sizeof *refusals; i++) {
        char *t = mint(refusals[i][0], t0);
        CHECK_STR(verdict_at(v, t, t0 + 1), refusals[i][1], "a %s token: %s", refusals[i][0],
                  refusals[i][1]);
        free(t);
    }
    CHECK(lines_in("fetches") == 1, "refused tokens fetch nothing");

    char *rogue = mint("unknown-kid", t0);
    CHECK_STR(verdict_at(v, rogue, t0 + 2), "unknown kid", "a token of an unpublished key");
    CHECK(lines_in("fetches") == 1, "an unknown kid within JWT_REFETCH_MIN_S of the fetch: none");
    CHECK_STR(verdict_at(v, rogue, t0 + JWT_REFETCH_MIN_S), "unknown kid",
              "after it the set is fetched again, and the kid is still unknown");
    CHECK(lines_in("fetches") == 2, "one refetch (%d fetches)", lines_in("fetches"));
    for (int i = 0; i < 20; i++)
        verdict_at(v, rogue, t0 + JWT_REFETCH_MIN_S + 1);
    CHECK(lines_in("fetches") == 2, "a flood of unknown kids costs no more fetches");

    free(issuer_run("add-key", (const char *[]){"rot2", NULL}, t0));
    char *rotated = mint_kid("rot2", t0);
    CHECK_STR(verdict_at(v, rotated, t0 + JWT_REFETCH_MIN_S + 2), "unknown kid",
              "a rotated key is not looked for again within the interval");
    CHECK_STR(verdict_at(v, rotated, t0 + 2 * JWT_REFETCH_MIN_S), "",
              "after it, the refetch finds the rotated key");
    CHECK(lines_in("fetches") == 3, "three fetches in all (%d)", lines_in("fetches"));
    long long later = t0 + 2 * JWT_REFETCH_MIN_S + atoi(MAX_AGE);
    CHECK_STR(verdict_at(v, good, later), "", "when max-age is up the token is still accepted");
    CHECK(lines_in("fetches") == 4, "after a fetch again (%d)", lines_in("fetches"));
    free(good), free(es), free(ed), free(rogue), free(rotated);
    jwt_verifier_free(v);

    snprintf(jwks, sizeof jwks, "%s/nothing.json", issuer);
    v = verifier(issuer, jwks);
    good = mint("good", t0);
    CHECK_STR(verdict_at(v, good, t0), "keys unavailable: HTTP 404", "a JWKS URL that is 404");
    jwt_verifier_free(v);
    v = verifier(issuer, "http://127.0.0.1:1/jwks.json");
    const char *why = verdict_at(v, good, t0);
    CHECK(!strncmp(why, "keys unavailable: ", 18), "a JWKS URL nobody answers: %s", why);
    jwt_verifier_free(v);
    free(good);
}

static void test_discovery(pid_t pid)
{
    struct jwt_verifier *v = verifier(issuer, NULL);
    int before = lines_in("requests");
    char *good = mint("good", t0);
    CHECK_STR(verdict_at(v, good, t0), "", "keys found through openid-configuration");
    char *req = slurp("requests");
    CHECK(req && strstr(req, "/.well-known/openid-configuration 200") &&
              !strstr(req, "oauth-authorization-server"),
          "openid-configuration was asked, and it was enough");
    free(req);
    CHECK(lines_in("requests") == before + 2, "metadata and set: two requests");
    jwt_verifier_free(v);

    char off[SCRATCH_DIR_SIZE + 16];
    snprintf(off, sizeof off, "%s/oidc-off", dir);
    fclose(fopen(off, "w"));
    v = verifier(issuer, NULL);
    CHECK_STR(verdict_at(v, good, t0), "", "without OIDC metadata, RFC 8414's is used");
    req = slurp("requests");
    CHECK(req && strstr(req, "/.well-known/openid-configuration 404") &&
              strstr(req, "/.well-known/oauth-authorization-server 200"),
          "openid-configuration 404, then oauth-authorization-server");
    free(req);
    unlink(off);

    char other[300];
    snprintf(other, sizeof other, "%s/", issuer);
    struct jwt_verifier *w = verifier(other, NULL);
    const char *why = verdict_at(w, good, t0);
    CHECK(strstr(why, "keys unavailable: ") == why && strstr(why, "for another issuer"),
          "metadata naming another issuer is refused: %s", why);
    jwt_verifier_free(w);

    kill(pid, SIGTERM);
    int64_t deadline = clock_mono_ms() + 5000;
    while (kill(pid, 0) == 0 && clock_mono_ms() < deadline)
        usleep(20000);
    CHECK(kill(pid, 0) < 0, "the issuer is stopped");
    CHECK_STR(verdict_at(v, good, t0 + 1000), "", "with the issuer gone, the cached set serves");
    jwt_verifier_free(v);
    free(good);
}

int main(void)
{
    scratch_make(dir, "jwt-fetch");
    t0 = (long long)time(NULL);
    pid_t pid = start_issuer();
    CHECK(pid > 0, "the test issuer starts on a free port");
    if (pid > 0) {
        test_jwks_url();
        test_discovery(pid);
        kill(pid, SIGTERM);
    }
    scratch_remove(dir);
    return unit_done();
}
