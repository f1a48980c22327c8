/* jwk.c — a JWK object to an EVP_PKEY with OSSL_PARAM_BLD and EVP_PKEY_fromdata; see jwk.h. */
#include "jwk.h"

#include "base64url.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <stdlib.h>
#include <string.h>

/* The longest member we decode: an 8192-bit modulus is 1366 characters. */
#define JWK_MEMBER_MAX 1400
#define JWK_P256_COORD 32
#define JWK_ED25519_KEY 32

static const char *const alg_names[JWK_ALG_COUNT] = {"RS256", "ES256", "EdDSA"};

const char *jwk_alg_name(enum jwk_alg alg)
{
    return alg_names[alg];
}

int jwk_alg_parse(const char *name)
{
    for (int i = 0; i < JWK_ALG_COUNT; i++)
        if (strcmp(name, alg_names[i]) == 0)
            return i;
    return -1;
}

/* A string member, or NULL when absent or not a string (the copy is the caller's). */
static char *member_string(jv key, const char *name, bool *present)
{
    jv v = jv_object_get(jv_copy(key), jv_string(name));
    char *s = NULL;
    *present = jv_is_valid(v);
    if (jv_get_kind(v) == JV_KIND_STRING)
        s = strdup(jv_string_value(v));
    jv_free(v);
    return s;
}

static bool member_is(jv key, const char *name, const char *want)
{
    bool present;
    char *s = member_string(key, name, &present);
    bool same = s && strcmp(s, want) == 0;
    free(s);
    return same;
}

/* Decodes member name into out (JWK_MEMBER_MAX bytes); its length, or -1. */
static long member_bytes(jv key, const char *name, unsigned char *out)
{
    jv v = jv_object_get(jv_copy(key), jv_string(name));
    long n = -1;
    if (jv_get_kind(v) == JV_KIND_STRING) {
        const char *s = jv_string_value(v);
        size_t len = strlen(s), got;
        if (BASE64URL_DECODED_MAX(len) <= JWK_MEMBER_MAX &&
            base64url_decode(s, len, out, &got) == 0)
            n = (long)got;
    }
    jv_free(v);
    return n;
}

static EVP_PKEY *from_params(const char *type, OSSL_PARAM_BLD *bld)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = params ? EVP_PKEY_CTX_new_from_name(NULL, type, NULL) : NULL;
    EVP_PKEY *pkey = NULL;
    if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pkey = NULL;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return pkey;
}

/* A point that is not on the curve must never reach a verification. */
static bool public_key_checks(EVP_PKEY *pkey)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    bool ok = ctx && EVP_PKEY_public_check(ctx) == 1;
    EVP_PKEY_CTX_free(ctx);
    return ok;
}

static int rsa_key(jv key, struct jwk *k)
{
    unsigned char n_bytes[JWK_MEMBER_MAX], e_bytes[JWK_MEMBER_MAX];
    long n_len = member_bytes(key, "n", n_bytes), e_len = member_bytes(key, "e", e_bytes);
    if (n_len <= 0 || e_len <= 0 || e_len > 8) {
        k->unusable = "RSA key without a valid n and e";
        return -1;
    }
    BIGNUM *n = BN_bin2bn(n_bytes, (int)n_len, NULL), *e = BN_bin2bn(e_bytes, (int)e_len, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    if (!n || !e || !bld) {
        k->unusable = "out of memory";
    } else if (BN_num_bits(n) < JWK_RSA_BITS_MIN || BN_num_bits(n) > JWK_RSA_BITS_MAX) {
        k->unusable = "RSA key shorter than 2048 or longer than 8192 bits";
    } else if (!BN_is_odd(e) || BN_is_one(e)) {
        k->unusable = "RSA key with an invalid exponent";
    } else if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
               !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
               !(k->pkey = from_params("RSA", bld))) {
        k->unusable = "RSA key OpenSSL refuses";
    }
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    k->fits = JWK_ALG_RS256;
    return k->pkey ? 0 : -1;
}

static int ec_key(jv key, struct jwk *k)
{
    unsigned char x[JWK_MEMBER_MAX], y[JWK_MEMBER_MAX];
    if (!member_is(key, "crv", "P-256")) {
        k->unusable = "EC key on a curve other than P-256";
        return -1;
    }
    /* RFC 7518 §6.2.1.2: the coordinates have the full length of the curve, no shorter. */
    if (member_bytes(key, "x", x) != JWK_P256_COORD ||
        member_bytes(key, "y", y) != JWK_P256_COORD) {
        k->unusable = "EC key without 32-byte x and y";
        return -1;
    }
    unsigned char point[1 + 2 * JWK_P256_COORD];
    point[0] = 0x04; /* uncompressed (SEC 1 §2.3.3) */
    memcpy(point + 1, x, JWK_P256_COORD);
    memcpy(point + 1 + JWK_P256_COORD, y, JWK_P256_COORD);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point))
        k->pkey = from_params("EC", bld);
    OSSL_PARAM_BLD_free(bld);
    if (k->pkey && !public_key_checks(k->pkey)) {
        EVP_PKEY_free(k->pkey);
        k->pkey = NULL;
    }
    if (!k->pkey)
        k->unusable = "EC key not a point on P-256";
    k->fits = JWK_ALG_ES256;
    return k->pkey ? 0 : -1;
}

static int okp_key(jv key, struct jwk *k)
{
    unsigned char x[JWK_MEMBER_MAX];
    if (!member_is(key, "crv", "Ed25519")) {
        k->unusable = "OKP key on a curve other than Ed25519";
        return -1;
    }
    if (member_bytes(key, "x", x) != JWK_ED25519_KEY) {
        k->unusable = "Ed25519 key without a 32-byte x";
        return -1;
    }
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    if (bld && OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, x, JWK_ED25519_KEY))
        k->pkey = from_params("ED25519", bld);
    OSSL_PARAM_BLD_free(bld);
    if (!k->pkey)
        k->unusable = "Ed25519 key OpenSSL refuses";
    k->fits = JWK_ALG_EDDSA;
    return k->pkey ? 0 : -1;
}

/* use and key_ops (RFC 7517 §4.2, §4.3): a key published for anything but verifying is not ours. */
static bool for_signatures(jv key)
{
    if (jv_object_has(jv_copy(key), jv_string("use")) && !member_is(key, "use", "sig"))
        return false;
    jv ops = jv_object_get(jv_copy(key), jv_string("key_ops"));
    bool ok = true;
    if (jv_is_valid(ops)) {
        ok = false;
        if (jv_get_kind(ops) == JV_KIND_ARRAY)
            jv_array_foreach(ops, i, op)
            {
                if (jv_get_kind(op) == JV_KIND_STRING && strcmp(jv_string_value(op), "verify") == 0)
                    ok = true;
                jv_free(op);
            }
    }
    jv_free(ops);
    return ok;
}

int jwk_from_json(jv key, struct jwk *k)
{
    memset(k, 0, sizeof *k);
    if (jv_get_kind(key) != JV_KIND_OBJECT) {
        k->unusable = "key is not an object";
        return -1;
    }
    bool present;
    k->kid = member_string(key, "kid", &present);
    if (present && (!k->kid || strlen(k->kid) > JWK_KID_MAX)) {
        free(k->kid);
        k->kid = NULL;
        k->unusable = "kid is not a string of at most 256 bytes";
        return -1;
    }
    k->alg = member_string(key, "alg", &present);
    if (present && !k->alg) {
        k->unusable = "alg is not a string";
        return -1;
    }
    if (!for_signatures(key)) {
        k->unusable = "key not for signatures (use, key_ops)";
        return -1;
    }
    if (jv_object_has(jv_copy(key), jv_string("d")) ||
        jv_object_has(jv_copy(key), jv_string("k"))) {
        /* A published private or symmetric key is known to everyone: nothing it signs proves
         * anything. */
        k->unusable = "private or symmetric key published";
        return -1;
    }
    int rc;
    if (member_is(key, "kty", "RSA"))
        rc = rsa_key(key, k);
    else if (member_is(key, "kty", "EC"))
        rc = ec_key(key, k);
    else if (member_is(key, "kty", "OKP"))
        rc = okp_key(key, k);
    else {
        k->unusable = "unsupported key type";
        rc = -1;
    }
    ERR_clear_error(); /* a refused key leaves OpenSSL's per-thread queue as it found it */
    return rc;
}

void jwk_clear(struct jwk *k)
{
    free(k->kid);
    free(k->alg);
    EVP_PKEY_free(k->pkey);
    memset(k, 0, sizeof *k);
}
