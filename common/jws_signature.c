/* jws_signature.c — one JWS signature checked with EVP_DigestVerify; see jws_signature.h. */
#include "jws_signature.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <stdlib.h>

#define ES256_COORD 32

/* The DER ECDSA-Sig-Value of a raw r || s (RFC 7518 §3.4); its length, or 0. */
static int es256_der(const unsigned char *sig, size_t sig_len, unsigned char **der)
{
    if (sig_len != 2 * ES256_COORD)
        return 0;
    ECDSA_SIG *s = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, ES256_COORD, NULL);
    BIGNUM *sv = BN_bin2bn(sig + ES256_COORD, ES256_COORD, NULL);
    int len = 0;
    if (s && r && sv && ECDSA_SIG_set0(s, r, sv) == 1) {
        r = sv = NULL; /* now s's */
        len = i2d_ECDSA_SIG(s, der);
    }
    BN_free(r);
    BN_free(sv);
    ECDSA_SIG_free(s);
    return len > 0 ? len : 0;
}

bool jws_signature_valid(EVP_PKEY *pkey, enum jwk_alg alg, const char *input, size_t input_len,
                         const unsigned char *sig, size_t sig_len)
{
    unsigned char *der = NULL;
    const unsigned char *check = sig;
    size_t check_len = sig_len;
    if (alg == JWK_ALG_ES256) {
        int n = es256_der(sig, sig_len, &der);
        if (n == 0)
            return false;
        check = der;
        check_len = (size_t)n;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    /* Ed25519 takes no digest of its own (NULL); the others SHA-256. */
    const char *md = alg == JWK_ALG_EDDSA ? NULL : "SHA256";
    bool ok = ctx && EVP_DigestVerifyInit_ex(ctx, NULL, md, NULL, NULL, pkey, NULL) == 1 &&
              EVP_DigestVerify(ctx, check, check_len, (const unsigned char *)input, input_len) == 1;
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    ERR_clear_error(); /* a failed check leaves OpenSSL's per-thread queue as it found it */
    return ok;
}
