/*
 * ratelimit.h — a token bucket per caller: each key (a token's subject,
 * or a peer address) may make `rate` requests a second on average and
 * `burst` at once.  The table is fixed in size; when it is full the
 * bucket idle longest is forgotten (it would be full again by now, or
 * nearly), so a flood of new keys costs no memory.
 */
#ifndef HEAL_RATELIMIT_H
#define HEAL_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define RATELIMIT_KEYS 512
#define RATELIMIT_KEY_MAX 256

struct ratelimit_bucket {
    char key[RATELIMIT_KEY_MAX];
    double tokens;
    int64_t last_ms;
};

struct ratelimit {
    double rate;  /* tokens added per second; <= 0: no limit */
    double burst; /* the bucket's size */
    struct ratelimit_bucket buckets[RATELIMIT_KEYS];
    int used;
};

void ratelimit_init(struct ratelimit *r, double rate, double burst);

/*
 * Takes one token from key's bucket at now_ms: true when there was one;
 * else false with retry_after_s, the whole seconds until there will be.
 */
bool ratelimit_take(struct ratelimit *r, const char *key, int64_t now_ms, int *retry_after_s);

#endif
