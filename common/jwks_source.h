/*
 * jwks_source.h — the issuer's key set where the configuration says it
 * is (a file, an http(s) URL, or the jwks_uri of the issuer's metadata),
 * loaded at first need and kept in memory.
 *
 * The set is loaded again when its time is up (the Cache-Control max-age
 * of the answer, kept within JWKS_CACHE_MIN_S..JWKS_CACHE_MAX_S, else
 * JWKS_CACHE_DEFAULT_S; a file lives the default), and when a token names
 * a kid the set does not know, which is how a rotated key is found; no
 * load is tried again within JWT_REFETCH_MIN_S of the last try, so a
 * flood of made-up kids or a dead issuer costs one fetch per interval.
 * If a load fails the set in hand goes on serving.
 *
 * Times are the caller's (now_s, seconds since the epoch); a clock set
 * back counts as the time being up.  Thread-safe: a mutex guards the set,
 * and the keys handed out hold references of their own.
 */
#ifndef HEAL_JWKS_SOURCE_H
#define HEAL_JWKS_SOURCE_H

#include "error.h"
#include "jwks.h"

#include <stdint.h>

#define JWKS_CACHE_MIN_S 60
#define JWKS_CACHE_DEFAULT_S 600
#define JWKS_CACHE_MAX_S (24 * 3600)

struct jwks_source;

/* location: a file path, an http(s) URL, or NULL (discovered from issuer's metadata).
 * Nothing is read or fetched here. */
struct jwks_source *jwks_source_new(const char *issuer, const char *location,
                                    struct heal_error *err);
void jwks_source_free(struct jwks_source *s);

struct jwks_key {
    EVP_PKEY *pkey; /* a reference of the caller's: jwks_keys_release() */
    enum jwk_alg fits;
};

/*
 * The keys that may verify a token with kid (NULL: none) and alg, as
 * jwks_choose() decides.  JWKS_FOUND fills keys[0..*count); -1 with err
 * "keys unavailable: REASON" when no set was ever loaded.
 */
int jwks_source_choose(struct jwks_source *s, int64_t now_s, const char *kid, enum jwk_alg alg,
                       struct jwks_key keys[JWKS_CANDIDATES_MAX], size_t *count,
                       struct heal_error *err);
void jwks_keys_release(struct jwks_key *keys, size_t count);

#endif
