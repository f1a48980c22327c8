/*
 * jwks.h — a JSON Web Key Set (RFC 7517 §5) parsed once into OpenSSL keys,
 * and the choice of the keys that may have signed a token.
 *
 * Every member of "keys" is kept, usable or not (jwk.h), so a refusal can
 * say whether a kid is unknown, its key unusable, or of the wrong type for
 * the token's alg.  A set is immutable once parsed.
 */
#ifndef HEAL_JWKS_H
#define HEAL_JWKS_H

#include "error.h"
#include "jwk.h"

#include <stddef.h>

#define JWKS_KEYS_MAX 64
/* Keys tried for one token: a kid names at most this many, and a token without a kid is
 * checked against at most this many keys of its algorithm's type. */
#define JWKS_CANDIDATES_MAX 4

struct jwks {
    struct jwk *keys;
    size_t count;
};

enum jwks_choice {
    JWKS_FOUND,       /* candidates filled */
    JWKS_UNKNOWN_KID, /* no key has that kid (no kid: no key of the algorithm's type) */
    JWKS_UNUSABLE,    /* the kid's keys are all unusable */
    JWKS_MISFIT,      /* the kid's key is of another type, or its own alg differs */
};

/* Parses JSON text (checked by jsoncheck first).  0, or -1 with err; the set needs
 * jwks_clear() after a 0 only. */
int jwks_parse(const char *text, size_t len, struct jwks *set, struct heal_error *err);
void jwks_clear(struct jwks *set);

/* The keys (borrowed from set) that may verify a token with this kid (NULL: none) and alg. */
enum jwks_choice jwks_choose(const struct jwks *set, const char *kid, enum jwk_alg alg,
                             const struct jwk *candidates[JWKS_CANDIDATES_MAX], size_t *count);

#endif
