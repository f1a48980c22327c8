/*
 * jwk.h — one JSON Web Key (RFC 7517, RFC 7518 §6, RFC 8037) turned into
 * an OpenSSL public key, for the three signature algorithms heal accepts.
 *
 * Each key type verifies exactly one algorithm: RSA (2048 to 8192 bits)
 * RS256, EC P-256 ES256, OKP Ed25519 EdDSA.  A key that cannot be used
 * (symmetric, another curve, too short, "use" other than "sig", private
 * parts published, broken numbers) is still kept, with the reason, so a
 * token naming its kid is refused as "unusable key" rather than as an
 * unknown one.
 *
 * jv ownership: jwk_from_json() borrows its argument.
 */
#ifndef HEAL_JWK_H
#define HEAL_JWK_H

#include <jv.h>
#include <openssl/evp.h>
#include <stdbool.h>

#define JWK_KID_MAX 256
#define JWK_RSA_BITS_MIN 2048
#define JWK_RSA_BITS_MAX 8192

enum jwk_alg { JWK_ALG_RS256, JWK_ALG_ES256, JWK_ALG_EDDSA, JWK_ALG_COUNT };

struct jwk {
    char *kid;            /* NULL when absent (or not a string: then unusable) */
    char *alg;            /* the key's own "alg" member, NULL when absent */
    enum jwk_alg fits;    /* the algorithm its type verifies (when pkey is set) */
    EVP_PKEY *pkey;       /* NULL: unusable, see why */
    const char *unusable; /* static text; NULL when pkey is set */
};

/* "RS256", "ES256", "EdDSA". */
const char *jwk_alg_name(enum jwk_alg alg);
/* The algorithm of that name, or -1 for any other (HS256 and none included). */
int jwk_alg_parse(const char *name);

/* Fills k from the JWK object key (borrowed).  Returns 0 (usable) or -1 (k->unusable says why);
 * either way k must be cleared with jwk_clear(). */
int jwk_from_json(jv key, struct jwk *k);
void jwk_clear(struct jwk *k);

#endif
