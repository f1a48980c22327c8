/*
 * jwt_sign.h — the issuer's side for the JWT unit tests: keys generated
 * with OpenSSL, their public JWKs, and compact tokens signed with them
 * (or with anything an attacker would try: none, HMAC over the public
 * key, a flipped bit).  Test code: it exits on an OpenSSL failure.
 */
#ifndef HEAL_TEST_JWT_SIGN_H
#define HEAL_TEST_JWT_SIGN_H

#include "base64url.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum sign_as { SIGN_RS256, SIGN_ES256, SIGN_EDDSA, SIGN_HS256, SIGN_NONE };

static inline void sign_fail(const char *what)
{
    fprintf(stderr, "jwt_sign: %s failed\n", what);
    exit(2);
}

static inline EVP_PKEY *sign_key_rsa(unsigned bits)
{
    EVP_PKEY *k = EVP_RSA_gen(bits);
    if (!k)
        sign_fail("RSA keygen");
    return k;
}

static inline EVP_PKEY *sign_key_ec(void)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    if (!k)
        sign_fail("EC keygen");
    return k;
}

static inline EVP_PKEY *sign_key_ed25519(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (!k)
        sign_fail("Ed25519 keygen");
    return k;
}

static inline char *sign_b64(const unsigned char *p, size_t n)
{
    char *s = malloc(BASE64URL_ENCODED_SIZE(n));
    if (!s)
        sign_fail("malloc");
    base64url_encode(p, n, s);
    return s;
}

static inline char *sign_b64_bn(EVP_PKEY *k, const char *param)
{
    BIGNUM *bn = NULL;
    if (!EVP_PKEY_get_bn_param(k, param, &bn))
        sign_fail("get_bn_param");
    unsigned char buf[1024];
    int n = BN_bn2bin(bn, buf);
    BN_free(bn);
    return sign_b64(buf, (size_t)n);
}

/* The public JWK of k, with kid (NULL: none) and extra members (may be "") spliced in. */
static inline char *sign_jwk(EVP_PKEY *k, const char *kid, const char *extra)
{
    char *out = NULL, kidm[300] = "";
    if (kid)
        snprintf(kidm, sizeof kidm, "\"kid\":\"%s\",", kid);
    if (EVP_PKEY_is_a(k, "RSA")) {
        char *n = sign_b64_bn(k, OSSL_PKEY_PARAM_RSA_N), *e = sign_b64_bn(k, OSSL_PKEY_PARAM_RSA_E);
        if (asprintf(&out, "{%s\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"%s\"%s}", kidm, n, e, extra) <
            0)
            sign_fail("asprintf");
        free(n), free(e);
    } else if (EVP_PKEY_is_a(k, "EC")) {
        unsigned char pt[65];
        size_t len;
        if (!EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt, &len) ||
            len != 65)
            sign_fail("EC public key");
        char *x = sign_b64(pt + 1, 32), *y = sign_b64(pt + 33, 32);
        if (asprintf(&out, "{%s\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"%s}", kidm,
                     x, y, extra) < 0)
            sign_fail("asprintf");
        free(x), free(y);
    } else {
        unsigned char raw[32];
        size_t len = sizeof raw;
        if (!EVP_PKEY_get_raw_public_key(k, raw, &len))
            sign_fail("Ed25519 public key");
        char *x = sign_b64(raw, len);
        if (asprintf(&out, "{%s\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\"%s}", kidm, x,
                     extra) < 0)
            sign_fail("asprintf");
        free(x);
    }
    return out;
}

/* The PEM (SubjectPublicKeyInfo) of k's public key, as an HS256 attacker would use it. */
static inline char *sign_public_pem(EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b || !PEM_write_bio_PUBKEY(b, k))
        sign_fail("PEM");
    char *p;
    long n = BIO_get_mem_data(b, &p);
    char *s = strndup(p, (size_t)n);
    BIO_free(b);
    return s;
}

/* The signature of input: raw JWS bytes into sig (at least 1024), its length. */
static inline size_t sign_bytes(enum sign_as as, EVP_PKEY *k, const unsigned char *hmac_key,
                                size_t hmac_len, const char *input, unsigned char *sig)
{
    size_t len = 1024;
    if (as == SIGN_NONE)
        return 0;
    if (as == SIGN_HS256) {
        unsigned int n = 0;
        if (!HMAC(EVP_sha256(), hmac_key, (int)hmac_len, (const unsigned char *)input,
                  strlen(input), sig, &n))
            sign_fail("HMAC");
        return n;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char der[1024];
    unsigned char *dst = as == SIGN_ES256 ? der : sig;
    if (!ctx ||
        EVP_DigestSignInit_ex(ctx, NULL, as == SIGN_EDDSA ? NULL : "SHA256", NULL, NULL, k, NULL) !=
            1 ||
        EVP_DigestSign(ctx, dst, &len, (const unsigned char *)input, strlen(input)) != 1)
        sign_fail("DigestSign");
    EVP_MD_CTX_free(ctx);
    if (as == SIGN_ES256) {
        const unsigned char *p = der;
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
        if (!es || BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32) != 32 ||
            BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32) != 32)
            sign_fail("ECDSA-Sig");
        ECDSA_SIG_free(es);
        len = 64;
    }
    return len;
}

/* The compact token of header and payload (JSON text) signed as asked. */
static inline char *sign_token(const char *header, const char *payload, enum sign_as as,
                               EVP_PKEY *k, const unsigned char *hmac_key, size_t hmac_len)
{
    char *h = sign_b64((const unsigned char *)header, strlen(header));
    char *p = sign_b64((const unsigned char *)payload, strlen(payload));
    char *input = NULL, *token = NULL;
    if (asprintf(&input, "%s.%s", h, p) < 0)
        sign_fail("asprintf");
    unsigned char sig[1024];
    size_t n = sign_bytes(as, k, hmac_key, hmac_len, input, sig);
    char *s = sign_b64(sig, n);
    if (asprintf(&token, "%s.%s", input, s) < 0)
        sign_fail("asprintf");
    free(h), free(p), free(input), free(s);
    return token;
}

#endif
