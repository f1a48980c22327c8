/*
 * test_jwt_verify.c — jwt_verify() against a JWKS file, with tokens this
 * test signs itself (RSA-2048, P-256 and Ed25519 keys made here): what a
 * good token of each algorithm gives, and the exact reason for each
 * refusal an attacker or a skewed clock should meet.
 */
#include "atomicfile.h"
#include "base64url.h"
#include "jwks_discover.h"
#include "jwks_http.h"
#include "jwks_source.h"
#include "jwt_sign.h"
#include "jwt_verify.h"
#include "scratch.h"
#include "unit.h"

#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#define NOW 1800000000LL
#define ISS "https://idp.example.com/"
#define AUD "https://heal.example.com/mcp"
#define LEEWAY 60

static char dir[SCRATCH_DIR_SIZE], jwks_path[SCRATCH_DIR_SIZE + 16];
static EVP_PKEY *rsa, *ec, *ed, *rsa2, *weak;

static void write_jwks(const char *keys)
{
    char *doc = NULL;
    if (asprintf(&doc, "{\"keys\":[%s]}", keys) < 0)
        exit(2);
    struct heal_error err;
    if (atomicfile_write(jwks_path, doc, strlen(doc), 0644, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        exit(2);
    }
    free(doc);
}

static struct jwt_verifier *verifier(const char *const *algs, bool at_jwt)
{
    struct jwt_verifier_config c = {ISS, AUD, jwks_path, algs, LEEWAY, at_jwt};
    struct heal_error err;
    struct jwt_verifier *v = jwt_verifier_new(&c, &err);
    if (!v) {
        fprintf(stderr, "jwt_verifier_new: %s\n", err.msg);
        exit(2);
    }
    return v;
}

static char *claims_text(long long exp_delta, const char *more)
{
    char *s = NULL;
    if (asprintf(&s, "{\"iss\":\"%s\",\"aud\":\"%s\",\"sub\":\"alice\",\"exp\":%lld%s}", ISS, AUD,
                 NOW + exp_delta, more) < 0)
        exit(2);
    return s;
}

/* The reason jwt_verify gives at now ("" when it accepts); the claims' sub must come back. */
static const char *verdict_at(struct jwt_verifier *v, const char *token, long long now)
{
    static struct heal_error err;
    jv claims;
    if (jwt_verify(v, token, now, &claims, &err) == 0) {
        jv sub = jv_object_get(claims, jv_string("sub"));
        bool ok = jv_get_kind(sub) == JV_KIND_STRING && !strcmp(jv_string_value(sub), "alice");
        jv_free(sub);
        return ok ? "" : "accepted without its claims";
    }
    if (jv_is_valid(claims))
        return "refused but claims given";
    jv_free(claims);
    return err.msg;
}

static const char *verdict(struct jwt_verifier *v, const char *token)
{
    return verdict_at(v, token, NOW);
}

/* Checks the verdict on a token made of header and payload, signed as asked; frees nothing. */
static void expect(struct jwt_verifier *v, const char *header, const char *payload, enum sign_as as,
                   EVP_PKEY *k, const char *want, const char *what)
{
    char *t = sign_token(header, payload, as, k, NULL, 0);
    CHECK_STR(verdict(v, t), want, "%s", what);
    free(t);
}

static void test_base64url(void)
{
    unsigned char out[16];
    size_t n;
    CHECK(base64url_decode("aGk", 3, out, &n) == 0 && n == 2 && !memcmp(out, "hi", 2),
          "base64url decodes without padding");
    CHECK(base64url_decode("aGk=", 4, out, &n) < 0, "padding is refused");
    CHECK(base64url_decode("aGl", 3, out, &n) < 0, "non-zero unused bits are refused");
    CHECK(base64url_decode("a+k", 3, out, &n) < 0 && base64url_decode("a/k", 3, out, &n) < 0,
          "the standard alphabet's + and / are refused");
    CHECK(base64url_decode("aGkab", 5, out, &n) < 0, "a length of 4n+1 is refused");
    char enc[BASE64URL_ENCODED_SIZE(3)];
    base64url_encode((const unsigned char *)"\xfb\xff\xbf", 3, enc);
    CHECK_STR(enc, "-_-_", "base64url encodes with - and _");
}

static void test_helpers(void)
{
    int64_t age = -1;
    const char line[] = "Cache-Control: public, max-age=300, must-revalidate\r\n";
    jwks_http_cache_control(line, strlen(line), &age);
    CHECK(age == 300, "Cache-Control max-age is read (%lld)", (long long)age);
    age = -1;
    jwks_http_cache_control("cache-control: no-store\r\n", 25, &age);
    CHECK(age == 0, "no-store means nothing to keep");
    age = -1;
    jwks_http_cache_control("Content-Type: x\r\n", 17, &age);
    CHECK(age == -1, "other headers leave it unknown");
    char *a, *b;
    CHECK(jwks_discover_urls("https://idp.example.com/realms/x", &a, &b) == 0, "metadata URLs");
    CHECK_STR(a, "https://idp.example.com/realms/x/.well-known/openid-configuration",
              "OIDC discovery appends to the issuer");
    CHECK_STR(b, "https://idp.example.com/.well-known/oauth-authorization-server/realms/x",
              "RFC 8414 inserts before the issuer's path");
    free(a), free(b);
    CHECK(jwks_http_url("https://idp.example.com/k") && jwks_http_url("http://127.0.0.1:8080/k") &&
              jwks_http_url("http://localhost/k") && jwks_http_url("http://[::1]:80/k"),
          "keys come over https, or over http from loopback");
    CHECK(!jwks_http_url("http://idp.example.com/k") && !jwks_http_url("http://127.0.0.1@evil/k") &&
              !jwks_http_url("http://127.0.0.1.evil.com/k") && !jwks_http_url("ftp://127.0.0.1/") &&
              !jwks_http_url("https://"),
          "not over plain http from elsewhere, nor hidden behind userinfo");
    struct jwt_verifier_config c = {"http://idp.example.com", AUD, NULL, NULL, 60, false};
    struct heal_error err;
    struct jwt_verifier *v = jwt_verifier_new(&c, &err);
    CHECK(!v && strstr(err.msg, "not an https URL"), "no discovery over plain http: %s", err.msg);
    c.issuer = ISS;
    c.jwks = "http://idp.example.com/jwks.json";
    v = jwt_verifier_new(&c, &err);
    CHECK(!v && strstr(err.msg, "not https"), "no JWKS over plain http: %s", err.msg);
    CHECK(jwks_discover_urls("https://idp.example.com/", &a, &b) == 0, "metadata URLs of a host");
    CHECK_STR(b, "https://idp.example.com/.well-known/oauth-authorization-server",
              "a bare host gets the plain RFC 8414 path");
    free(a), free(b);
}

static void test_good(struct jwt_verifier *v)
{
    char *p = claims_text(300, "");
    expect(v, "{\"alg\":\"RS256\",\"kid\":\"r1\",\"typ\":\"at+jwt\"}", p, SIGN_RS256, rsa, "",
           "a good RS256 token is accepted");
    expect(v, "{\"alg\":\"ES256\",\"kid\":\"e1\"}", p, SIGN_ES256, ec, "",
           "a good ES256 token is accepted");
    expect(v, "{\"alg\":\"EdDSA\",\"kid\":\"d1\"}", p, SIGN_EDDSA, ed, "",
           "a good EdDSA token is accepted");
    expect(v, "{\"alg\":\"RS256\",\"kid\":\"dup\"}", p, SIGN_RS256, rsa2, "",
           "of two keys with one kid, the one that signed is found");
    expect(v, "{\"alg\":\"ES256\",\"kid\":\"dup\"}", p, SIGN_ES256, ec, "",
           "a kid shared by keys of two types picks the one of the token's type");
    expect(v, "{\"alg\":\"EdDSA\"}", p, SIGN_EDDSA, ed, "",
           "a token without a kid is checked against the keys of its type");
    free(p);
    p = claims_text(300, ",\"aud\":[\"other\",\"" AUD "\"]");
    expect(v, "{\"alg\":\"RS256\",\"kid\":\"r1\"}", p, SIGN_RS256, rsa, "",
           "an audience array holding ours is accepted");
    free(p);
}

static void test_times(struct jwt_verifier *v)
{
    const char *h = "{\"alg\":\"RS256\",\"kid\":\"r1\"}";
    char *p = claims_text(-3600, "");
    expect(v, h, p, SIGN_RS256, rsa, "expired", "an expired token is refused");
    free(p);
    p = claims_text(-LEEWAY, "");
    expect(v, h, p, SIGN_RS256, rsa, "expired", "exp + leeway == now is expired");
    free(p);
    p = claims_text(-LEEWAY + 1, "");
    expect(v, h, p, SIGN_RS256, rsa, "", "exp + leeway one second ahead is still good");
    free(p);
    char more[96];
    snprintf(more, sizeof more, ",\"nbf\":%lld", NOW + LEEWAY + 1);
    p = claims_text(3600, more);
    expect(v, h, p, SIGN_RS256, rsa, "not yet valid", "nbf beyond the leeway is not yet valid");
    free(p);
    snprintf(more, sizeof more, ",\"nbf\":%lld,\"iat\":%lld", NOW + LEEWAY, NOW + LEEWAY);
    p = claims_text(3600, more);
    expect(v, h, p, SIGN_RS256, rsa, "", "nbf and iat at the leeway's edge are good");
    free(p);
    snprintf(more, sizeof more, ",\"iat\":%lld", NOW + LEEWAY + 1);
    p = claims_text(3600, more);
    expect(v, h, p, SIGN_RS256, rsa, "issued in the future", "iat beyond the leeway is refused");
    free(p);
    expect(v, h, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"alice\"}", SIGN_RS256, rsa,
           "no expiry", "a token without exp is refused");
    expect(v, h, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":\"soon\"}", SIGN_RS256, rsa,
           "malformed", "an exp that is not a number is malformed");
}

static void test_claims(struct jwt_verifier *v)
{
    const char *h = "{\"alg\":\"ES256\",\"kid\":\"e1\"}";
    char exp[32];
    snprintf(exp, sizeof exp, "%lld", NOW + 300);
    char *p = NULL;
    if (asprintf(&p, "{\"iss\":\"https://evil.example.com/\",\"aud\":\"%s\",\"exp\":%s}", AUD,
                 exp) < 0)
        exit(2);
    expect(v, h, p, SIGN_ES256, ec, "wrong issuer", "another issuer is refused");
    free(p);
    if (asprintf(&p, "{\"iss\":\"https://idp.example.com\",\"aud\":\"%s\",\"exp\":%s}", AUD, exp) <
        0)
        exit(2);
    expect(v, h, p, SIGN_ES256, ec, "wrong issuer", "the issuer must match to the last slash");
    free(p);
    if (asprintf(&p, "{\"aud\":\"%s\",\"exp\":%s}", AUD, exp) < 0)
        exit(2);
    expect(v, h, p, SIGN_ES256, ec, "wrong issuer", "a token without iss is refused");
    free(p);
    p = claims_text(300, ",\"aud\":\"https://other.example.com/mcp\"");
    expect(v, h, p, SIGN_ES256, ec, "wrong audience", "another audience (string) is refused");
    free(p);
    p = claims_text(300, ",\"aud\":[\"https://other.example.com/mcp\",7]");
    expect(v, h, p, SIGN_ES256, ec, "wrong audience", "an audience array without ours is refused");
    free(p);
    expect(v, h, "[1,2]", SIGN_ES256, ec, "malformed", "a payload that is not an object");
}

static void test_signatures(struct jwt_verifier *v)
{
    char *p = claims_text(300, "");
    char *t = sign_token("{\"alg\":\"RS256\",\"kid\":\"r1\"}", p, SIGN_RS256, rsa, NULL, 0);
    /* flip one bit in the signature's first byte: its first character's top bit */
    char *dot = strrchr(t, '.');
    unsigned char sig[1024];
    size_t n;
    base64url_decode(dot + 1, strlen(dot + 1), sig, &n);
    sig[n / 2] ^= 0x01;
    char *flipped = malloc((size_t)(dot - t) + 1 + BASE64URL_ENCODED_SIZE(n));
    memcpy(flipped, t, (size_t)(dot - t) + 1);
    base64url_encode(sig, n, flipped + (dot - t) + 1);
    CHECK_STR(verdict(v, flipped), "bad signature", "one bit flipped in the signature is caught");
    free(flipped);
    /* the same signature over another payload */
    char *q = claims_text(301, "");
    char *t2 = sign_token("{\"alg\":\"RS256\",\"kid\":\"r1\"}", q, SIGN_RS256, rsa, NULL, 0);
    char *dot2 = strrchr(t2, '.');
    char *mixed = NULL;
    if (asprintf(&mixed, "%.*s%s", (int)(dot2 - t2), t2, dot) < 0)
        exit(2);
    CHECK_STR(verdict(v, mixed), "bad signature", "a changed payload under the old signature");
    free(mixed), free(t2), free(q), free(t);
    expect(v, "{\"alg\":\"RS256\",\"kid\":\"r1\"}", p, SIGN_RS256, rsa2, "bad signature",
           "a token signed by another RSA key under our kid");
    expect(v, "{\"alg\":\"ES256\",\"kid\":\"e1\"}", p, SIGN_EDDSA, ed, "bad signature",
           "an ES256 signature that is not 64 bytes is refused");
    expect(v, "{\"alg\":\"RS256\",\"kid\":\"nobody\"}", p, SIGN_RS256, rsa, "unknown kid",
           "a kid the set does not know");
    expect(v, "{\"alg\":\"RS256\",\"kid\":\"weak\"}", p, SIGN_RS256, weak, "unusable key",
           "a 1024-bit RSA key is never used");
    expect(v, "{\"alg\":\"RS256\",\"kid\":\"enc\"}", p, SIGN_RS256, rsa, "unusable key",
           "a key published for encryption is never used");
    expect(v, "{\"alg\":\"ES256\",\"kid\":\"r1\"}", p, SIGN_ES256, ec,
           "algorithm ES256 does not fit the key", "an ES256 header with an RSA key's kid");
    expect(v, "{\"alg\":\"ES256\",\"kid\":\"d1\"}", p, SIGN_ES256, ec,
           "algorithm ES256 does not fit the key", "an ES256 header with an Ed25519 key's kid");
    expect(v, "{\"alg\":\"RS256\",\"kid\":\"e1\"}", p, SIGN_RS256, rsa,
           "algorithm RS256 does not fit the key", "an RS256 header with an EC key's kid");
    expect(v, "{\"alg\":\"RS256\",\"kid\":\"pinned\"}", p, SIGN_RS256, rsa,
           "algorithm RS256 does not fit the key", "a key whose own alg is another");
    free(p);
}

static void test_algorithms(struct jwt_verifier *v)
{
    char *p = claims_text(300, "");
    expect(v, "{\"alg\":\"none\",\"kid\":\"r1\"}", p, SIGN_NONE, NULL, "algorithm none refused",
           "alg none with an empty signature");
    char *t = sign_token("{\"alg\":\"none\"}", p, SIGN_RS256, rsa, NULL, 0);
    CHECK_STR(verdict(v, t), "algorithm none refused", "alg none with a real signature");
    free(t);
    expect(v, "{\"alg\":\"NoNe\"}", p, SIGN_NONE, NULL, "algorithm none refused",
           "alg none in any case");
    char *pem = sign_public_pem(rsa);
    t = sign_token("{\"alg\":\"HS256\",\"kid\":\"r1\"}", p, SIGN_HS256, NULL,
                   (const unsigned char *)pem, strlen(pem));
    CHECK_STR(verdict(v, t), "algorithm HS256 not allowed", "HS256 keyed with the public PEM");
    free(t), free(pem);
    BIGNUM *bn = NULL;
    EVP_PKEY_get_bn_param(rsa, OSSL_PKEY_PARAM_RSA_N, &bn);
    unsigned char nb[512];
    int nlen = BN_bn2bin(bn, nb);
    BN_free(bn);
    t = sign_token("{\"alg\":\"HS256\",\"kid\":\"r1\"}", p, SIGN_HS256, NULL, nb, (size_t)nlen);
    CHECK_STR(verdict(v, t), "algorithm HS256 not allowed", "HS256 keyed with the JWK's n");
    free(t);
    expect(v, "{\"alg\":\"RS512\",\"kid\":\"r1\"}", p, SIGN_RS256, rsa,
           "algorithm RS512 not allowed", "an algorithm we do not verify");
    expect(v, "{\"alg\":\"RS256\\n\\u0000<script>\"}", p, SIGN_RS256, rsa, "algorithm not allowed",
           "an alg that is not a name is not echoed");
    expect(v, "{\"kid\":\"r1\"}", p, SIGN_RS256, rsa, "malformed", "a header without alg");
    expect(v, "{\"alg\":\"RS256\",\"kid\":\"r1\",\"crit\":[\"exp\"],\"exp\":1}", p, SIGN_RS256, rsa,
           "crit header refused", "a crit header is refused");
    expect(v, "{\"alg\":\"RS256\",\"kid\":42}", p, SIGN_RS256, rsa, "malformed",
           "a kid that is not a string");

    const char *only_es[] = {"ES256", NULL};
    struct jwt_verifier *es = verifier(only_es, false);
    expect(es, "{\"alg\":\"RS256\",\"kid\":\"r1\"}", p, SIGN_RS256, rsa,
           "algorithm RS256 not allowed", "an algorithm left off the allow-list");
    expect(es, "{\"alg\":\"ES256\",\"kid\":\"e1\"}", p, SIGN_ES256, ec, "", "the one allowed");
    jwt_verifier_free(es);

    const char *hmac[] = {"RS256", "HS256", NULL};
    struct jwt_verifier_config c = {ISS, AUD, jwks_path, hmac, LEEWAY, false};
    struct heal_error err;
    struct jwt_verifier *bad = jwt_verifier_new(&c, &err);
    CHECK(!bad && strstr(err.msg, "HS256"), "HS256 cannot even be configured: %s", err.msg);
    jwt_verifier_free(bad);
    free(p);
}

static void test_typ(void)
{
    struct jwt_verifier *v = verifier(NULL, true);
    char *p = claims_text(300, "");
    expect(v, "{\"alg\":\"RS256\",\"kid\":\"r1\",\"typ\":\"at+jwt\"}", p, SIGN_RS256, rsa, "",
           "typ at+jwt is accepted when required");
    expect(v, "{\"alg\":\"RS256\",\"kid\":\"r1\",\"typ\":\"application/AT+JWT\"}", p, SIGN_RS256,
           rsa, "", "typ application/at+jwt, in any case");
    expect(v, "{\"alg\":\"RS256\",\"kid\":\"r1\",\"typ\":\"JWT\"}", p, SIGN_RS256, rsa,
           "wrong type", "typ JWT is refused when at+jwt is required");
    expect(v, "{\"alg\":\"RS256\",\"kid\":\"r1\"}", p, SIGN_RS256, rsa, "wrong type",
           "no typ is refused when at+jwt is required");
    free(p);
    jwt_verifier_free(v);
}

static void test_malformed(struct jwt_verifier *v)
{
    char *p = claims_text(300, "");
    char *good = sign_token("{\"alg\":\"RS256\",\"kid\":\"r1\"}", p, SIGN_RS256, rsa, NULL, 0);
    CHECK_STR(verdict(v, good), "", "the base token is good");
    size_t len = strlen(good);
    char *bad = malloc(len + 2);
    const char *dot1 = strchr(good, '.');
    size_t at = (size_t)(dot1 - good) + 3;
    memcpy(bad, good, len + 1);
    bad[at] = '+';
    CHECK_STR(verdict(v, bad), "malformed", "a + in the payload is not base64url");
    memcpy(bad, good, len + 1);
    bad[at] = '=';
    CHECK_STR(verdict(v, bad), "malformed", "a = in the payload is not base64url");
    snprintf(bad, len + 2, "%s=", good);
    CHECK_STR(verdict(v, bad), "malformed", "padding after the signature");
    free(bad);
    CHECK_STR(verdict(v, "a.b"), "malformed", "two parts");
    CHECK_STR(verdict(v, "a.b.c.d.e"), "malformed", "five parts (a JWE)");
    CHECK_STR(verdict(v, ""), "malformed", "an empty token");
    CHECK_STR(verdict(v, NULL), "malformed", "no token");
    CHECK_STR(verdict(v, "..."), "malformed", "dots only");
    expect(v, "[\"alg\",\"RS256\"]", p, SIGN_RS256, rsa, "malformed", "a header array");
    expect(v, "\"RS256\"", p, SIGN_RS256, rsa, "malformed", "a header string");
    expect(v, "{\"alg\":\"RS256\" \"kid\":\"r1\"}", p, SIGN_RS256, rsa, "malformed",
           "a header that is not JSON");
    size_t big = JWT_TOKEN_MAX + 10;
    char *huge = malloc(big + 1);
    memset(huge, 'A', big);
    memcpy(huge, good, len);
    huge[big] = '\0';
    CHECK_STR(verdict(v, huge), "malformed", "a token longer than JWT_TOKEN_MAX");
    free(huge), free(good), free(p);
}

/* The set read from its file again on an unknown kid, once per JWT_REFETCH_MIN_S; kept when
 * the file goes bad. */
static void test_reload(const char *all_keys)
{
    char *jwk_r1 = sign_jwk(rsa, "r1", ""), *jwk_new = sign_jwk(rsa2, "new", "");
    write_jwks(jwk_r1);
    struct jwt_verifier *v = verifier(NULL, false);
    char *p = claims_text(3600, "");
    char *old_t = sign_token("{\"alg\":\"RS256\",\"kid\":\"r1\"}", p, SIGN_RS256, rsa, NULL, 0);
    char *new_t = sign_token("{\"alg\":\"RS256\",\"kid\":\"new\"}", p, SIGN_RS256, rsa2, NULL, 0);
    CHECK_STR(verdict(v, old_t), "", "the first token loads the set");
    char *both = NULL;
    if (asprintf(&both, "%s,%s", jwk_r1, jwk_new) < 0)
        exit(2);
    write_jwks(both);
    CHECK_STR(verdict_at(v, new_t, NOW + 1), "unknown kid",
              "within JWT_REFETCH_MIN_S of the load an unknown kid does not reload");
    CHECK_STR(verdict_at(v, new_t, NOW + JWT_REFETCH_MIN_S), "",
              "after it, an unknown kid reloads the set and finds the new key");
    write_jwks("{\"kty\":\"oct\"");
    CHECK_STR(verdict_at(v, new_t, NOW + 3000), "",
              "a set past its time whose reload fails goes on serving");
    unlink(jwks_path);
    CHECK_STR(verdict_at(v, old_t, NOW + 3100), "", "so does a set whose file is gone");
    jwt_verifier_free(v);
    v = verifier(NULL, false);
    jv claims;
    struct heal_error err;
    CHECK(jwt_verify(v, old_t, NOW, &claims, &err) < 0 &&
              !strncmp(err.msg, "keys unavailable: ", 18) && strstr(err.msg, "no such file"),
          "no set at all: %s", err.msg);
    jv_free(claims);
    write_jwks(all_keys);
    CHECK(!strncmp(verdict_at(v, old_t, NOW + 5), "keys unavailable: ", 18),
          "a failed load is not tried again within JWT_REFETCH_MIN_S");
    CHECK_STR(verdict_at(v, old_t, NOW + JWT_REFETCH_MIN_S), "", "after it, it is");
    jwt_verifier_free(v);
    write_jwks(all_keys);
    free(jwk_r1), free(jwk_new), free(both), free(p), free(old_t), free(new_t);
}

#define THREADS 4
#define THREAD_ROUNDS 100

struct worker {
    struct jwt_verifier *v;
    const char *token;
    int base, accepted;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < THREAD_ROUNDS; i++) {
        /* each round past the set's time: loads race with the keys other threads hold */
        long long now = NOW + (long long)(w->base + i * THREADS) * (JWKS_CACHE_DEFAULT_S + 1);
        struct heal_error err;
        jv claims;
        if (jwt_verify(w->v, w->token, now, &claims, &err) == 0)
            w->accepted++;
        jv_free(claims);
    }
    return NULL;
}

/* One verifier shared by threads while its set is loaded again and again. */
static void test_threads(void)
{
    struct jwt_verifier *v = verifier(NULL, false);
    char *p = NULL;
    if (asprintf(&p, "{\"iss\":\"%s\",\"aud\":\"%s\",\"sub\":\"alice\",\"exp\":%lld}", ISS, AUD,
                 NOW + 1000LL * THREADS * THREAD_ROUNDS * JWKS_CACHE_DEFAULT_S) < 0)
        exit(2);
    char *t = sign_token("{\"alg\":\"ES256\",\"kid\":\"e1\"}", p, SIGN_ES256, ec, NULL, 0);
    struct worker w[THREADS];
    pthread_t tid[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){v, t, i, 0};
        pthread_create(&tid[i], NULL, work, &w[i]);
    }
    int accepted = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(tid[i], NULL);
        accepted += w[i].accepted;
    }
    CHECK(accepted == THREADS * THREAD_ROUNDS,
          "%d threads share a verifier while it reloads (%d/%d)", THREADS, accepted,
          THREADS * THREAD_ROUNDS);
    jwt_verifier_free(v);
    free(t), free(p);
}

int main(void)
{
    scratch_make(dir, "jwt");
    snprintf(jwks_path, sizeof jwks_path, "%s/jwks.json", dir);
    test_base64url();
    test_helpers();
    rsa = sign_key_rsa(2048), ec = sign_key_ec(), ed = sign_key_ed25519();
    rsa2 = sign_key_rsa(2048), weak = sign_key_rsa(1024);
    char *keys[] = {
        sign_jwk(rsa, "r1", ",\"use\":\"sig\",\"alg\":\"RS256\""),
        sign_jwk(ec, "e1", ""),
        sign_jwk(ed, "d1", ""),
        sign_jwk(rsa, "dup", ""),
        sign_jwk(rsa2, "dup", ""),
        sign_jwk(ec, "dup", ""),
        sign_jwk(weak, "weak", ""),
        sign_jwk(rsa, "enc", ",\"use\":\"enc\""),
        sign_jwk(rsa, "pinned", ",\"alg\":\"RS384\""),
    };
    size_t nkeys = sizeof keys / sizeof *keys;
    char all[16384] = "";
    for (size_t i = 0; i < nkeys; i++) {
        if (i)
            strcat(all, ",");
        strcat(all, keys[i]);
        free(keys[i]);
    }
    write_jwks(all);
    struct jwt_verifier *v = verifier(NULL, false);
    test_good(v);
    test_times(v);
    test_claims(v);
    test_signatures(v);
    test_algorithms(v);
    test_malformed(v);
    jwt_verifier_free(v);
    test_typ();
    test_threads();
    test_reload(all);
    EVP_PKEY_free(rsa), EVP_PKEY_free(ec), EVP_PKEY_free(ed), EVP_PKEY_free(rsa2),
        EVP_PKEY_free(weak);
    scratch_remove(dir);
    return unit_done();
}
