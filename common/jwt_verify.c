/*
 * jwt_verify.c — a JWT access token checked step by step, cheapest and
 * least trusting first: size and base64url, the header (crit, alg, typ),
 * the key, the signature, and only then the claims.  See jwt_verify.h.
 */
#include "jwt_verify.h"

#include "base64url.h"
#include "jsoncheck.h"
#include "jwks_source.h"
#include "jws_signature.h"
#include "jwt_claims.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* An alg is named in a refusal only when it looks like one; anything else is not echoed. */
#define JWT_ALG_SHOWN_MAX 16

struct jwt_verifier {
    char *issuer;
    char *audience;
    bool allowed[JWK_ALG_COUNT];
    int64_t leeway_s;
    bool require_at_jwt;
    struct jwks_source *keys;
};

struct jwt_verifier *jwt_verifier_new(const struct jwt_verifier_config *cfg, struct heal_error *err)
{
    if (!cfg->issuer || !*cfg->issuer || !cfg->audience || !*cfg->audience) {
        heal_error_set(err, "an issuer and an audience are required");
        return NULL;
    }
    if (cfg->leeway_s < 0) {
        heal_error_set(err, "negative leeway");
        return NULL;
    }
    bool allowed[JWK_ALG_COUNT] = {false};
    static const char *const defaults[] = {"RS256", "ES256", "EdDSA", NULL};
    for (const char *const *a = cfg->algorithms ? cfg->algorithms : defaults; *a; a++) {
        int alg = jwk_alg_parse(*a);
        if (alg < 0) {
            heal_error_set(err, "algorithm %.32s is not supported (RS256, ES256, EdDSA are)", *a);
            return NULL;
        }
        allowed[alg] = true;
    }
    struct jwks_source *keys = jwks_source_new(cfg->issuer, cfg->jwks, err);
    if (!keys)
        return NULL;
    struct jwt_verifier *v = calloc(1, sizeof *v);
    if (!v || !(v->issuer = strdup(cfg->issuer)) || !(v->audience = strdup(cfg->audience))) {
        jwks_source_free(keys);
        if (v)
            free(v->issuer);
        free(v);
        heal_error_set(err, "out of memory");
        return NULL;
    }
    memcpy(v->allowed, allowed, sizeof allowed);
    v->leeway_s = cfg->leeway_s;
    v->require_at_jwt = cfg->require_at_jwt;
    v->keys = keys;
    return v;
}

void jwt_verifier_free(struct jwt_verifier *v)
{
    if (!v)
        return;
    jwks_source_free(v->keys);
    free(v->issuer);
    free(v->audience);
    free(v);
}

/* The three parts of a compact JWS, decoded. */
struct jwt_parts {
    const char *signing_input; /* "HEADER.PAYLOAD", as signed */
    size_t signing_len;
    unsigned char *header, *payload, *sig; /* one allocation, at header */
    size_t header_len, payload_len, sig_len;
};

static int decode_part(const char *s, size_t len, unsigned char *out, size_t *out_len)
{
    return base64url_decode(s, len, out, out_len);
}

static int split(const char *token, size_t len, struct jwt_parts *p)
{
    const char *dot1 = memchr(token, '.', len);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
    if (!dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)))
        return -1; /* not three parts: a JWE has five */
    size_t hlen = (size_t)(dot1 - token), plen = (size_t)(dot2 - dot1 - 1);
    size_t slen = len - (size_t)(dot2 + 1 - token);
    if (hlen == 0 || plen == 0)
        return -1;
    size_t cap =
        BASE64URL_DECODED_MAX(hlen) + BASE64URL_DECODED_MAX(plen) + BASE64URL_DECODED_MAX(slen);
    p->header = malloc(cap);
    if (!p->header)
        return -1;
    p->payload = p->header + BASE64URL_DECODED_MAX(hlen);
    p->sig = p->payload + BASE64URL_DECODED_MAX(plen);
    p->signing_input = token;
    p->signing_len = (size_t)(dot2 - token);
    if (decode_part(token, hlen, p->header, &p->header_len) < 0 ||
        decode_part(dot1 + 1, plen, p->payload, &p->payload_len) < 0 ||
        decode_part(dot2 + 1, slen, p->sig, &p->sig_len) < 0) {
        free(p->header);
        return -1;
    }
    return 0;
}

/* A JSON object from decoded bytes, or an invalid jv. */
static jv object_of(const unsigned char *s, size_t len)
{
    if (len == 0 || len > JWT_TOKEN_MAX || jsoncheck((const char *)s, len, NULL, NULL) < 0)
        return jv_invalid();
    jv v = jv_parse_sized((const char *)s, (int)len);
    if (jv_get_kind(v) != JV_KIND_OBJECT) {
        jv_free(v);
        return jv_invalid();
    }
    return v;
}

static bool shown_alg(const char *alg)
{
    size_t n = strlen(alg);
    if (n == 0 || n > JWT_ALG_SHOWN_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)alg[i]) && !strchr("+-_.", alg[i]))
            return false;
    return true;
}

/* -1 with err, or 0 with *alg: the header's algorithm is one we verify and allow. */
static int header_alg(const struct jwt_verifier *v, jv header, enum jwk_alg *alg,
                      struct heal_error *err)
{
    jv a = jv_object_get(jv_copy(header), jv_string("alg"));
    int rc = -1;
    if (jv_get_kind(a) != JV_KIND_STRING) {
        heal_error_set(err, "malformed");
    } else {
        const char *name = jv_string_value(a);
        int known = jwk_alg_parse(name);
        if (strcasecmp(name, "none") == 0)
            heal_error_set(err, "algorithm none refused");
        else if ((known < 0 || !v->allowed[known]) && shown_alg(name))
            heal_error_set(err, "algorithm %s not allowed", name);
        else if (known < 0 || !v->allowed[known])
            heal_error_set(err, "algorithm not allowed");
        else {
            *alg = (enum jwk_alg)known;
            rc = 0;
        }
    }
    jv_free(a);
    return rc;
}

/* typ of RFC 9068 §2.1; media types compare without case (RFC 7515 §4.1.9). */
static bool typ_ok(jv header)
{
    jv t = jv_object_get(jv_copy(header), jv_string("typ"));
    bool ok = jv_get_kind(t) == JV_KIND_STRING &&
              (strcasecmp(jv_string_value(t), "at+jwt") == 0 ||
               strcasecmp(jv_string_value(t), "application/at+jwt") == 0);
    jv_free(t);
    return ok;
}

/* The header's checks; 0 with *alg and *kid (caller frees; NULL when none), or -1 with err. */
static int check_header(const struct jwt_verifier *v, jv header, enum jwk_alg *alg, char **kid,
                        struct heal_error *err)
{
    *kid = NULL;
    /* crit names extensions the verifier must understand (RFC 7515 §4.1.11); we know none. */
    if (jv_object_has(jv_copy(header), jv_string("crit")))
        return heal_error_set(err, "crit header refused");
    if (header_alg(v, header, alg, err) < 0)
        return -1;
    if (v->require_at_jwt && !typ_ok(header))
        return heal_error_set(err, "wrong type");
    jv k = jv_object_get(jv_copy(header), jv_string("kid"));
    int rc = 0;
    if (jv_get_kind(k) == JV_KIND_STRING && strlen(jv_string_value(k)) <= JWK_KID_MAX)
        *kid = strdup(jv_string_value(k));
    if (jv_is_valid(k) && !*kid)
        rc = heal_error_set(err, "malformed");
    jv_free(k);
    return rc;
}

static int signed_by_issuer(struct jwt_verifier *v, const struct jwt_parts *p, const char *kid,
                            enum jwk_alg alg, int64_t now_s, struct heal_error *err)
{
    struct jwks_key keys[JWKS_CANDIDATES_MAX];
    size_t n;
    int c = jwks_source_choose(v->keys, now_s, kid, alg, keys, &n, err);
    if (c < 0)
        return -1;
    switch ((enum jwks_choice)c) {
    case JWKS_FOUND:
        break;
    case JWKS_UNKNOWN_KID:
        return heal_error_set(err, "unknown kid");
    case JWKS_UNUSABLE:
        return heal_error_set(err, "unusable key");
    case JWKS_MISFIT:
        return heal_error_set(err, "algorithm %s does not fit the key", jwk_alg_name(alg));
    }
    bool ok = false;
    for (size_t i = 0; i < n && !ok; i++)
        ok = jws_signature_valid(keys[i].pkey, alg, p->signing_input, p->signing_len, p->sig,
                                 p->sig_len);
    jwks_keys_release(keys, n);
    return ok ? 0 : heal_error_set(err, "bad signature");
}

int jwt_verify(struct jwt_verifier *v, const char *token, int64_t now_s, jv *claims,
               struct heal_error *err)
{
    *claims = jv_invalid();
    size_t len = token ? strnlen(token, JWT_TOKEN_MAX + 1) : 0;
    struct jwt_parts p;
    if (len == 0 || len > JWT_TOKEN_MAX || split(token, len, &p) < 0)
        return heal_error_set(err, "malformed");
    jv header = object_of(p.header, p.header_len);
    enum jwk_alg alg = JWK_ALG_RS256;
    char *kid = NULL;
    int rc = -1;
    if (!jv_is_valid(header))
        heal_error_set(err, "malformed");
    else if (check_header(v, header, &alg, &kid, err) == 0 &&
             signed_by_issuer(v, &p, kid, alg, now_s, err) == 0) {
        jv payload = object_of(p.payload, p.payload_len);
        const char *why = jv_is_valid(payload) ? jwt_claims_check(payload, v->issuer, v->audience,
                                                                  now_s, v->leeway_s)
                                               : "malformed";
        if (why) {
            heal_error_set(err, "%s", why);
            jv_free(payload);
        } else {
            *claims = payload;
            rc = 0;
        }
    }
    jv_free(header);
    free(kid);
    free(p.header);
    return rc;
}
