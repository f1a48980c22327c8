#include "ratelimit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void ratelimit_init(struct ratelimit *r, double rate, double burst)
{
    memset(r, 0, sizeof *r);
    r->rate = rate;
    r->burst = burst < 1 ? 1 : burst;
}

static struct ratelimit_bucket *bucket_for(struct ratelimit *r, const char *key, int64_t now_ms)
{
    struct ratelimit_bucket *oldest = NULL;
    for (int i = 0; i < r->used; i++) {
        struct ratelimit_bucket *b = &r->buckets[i];
        if (!strcmp(b->key, key))
            return b;
        if (!oldest || b->last_ms < oldest->last_ms)
            oldest = b;
    }
    struct ratelimit_bucket *b = r->used < RATELIMIT_KEYS ? &r->buckets[r->used++] : oldest;
    snprintf(b->key, sizeof b->key, "%s", key);
    b->tokens = r->burst;
    b->last_ms = now_ms;
    return b;
}

bool ratelimit_take(struct ratelimit *r, const char *key, int64_t now_ms, int *retry_after_s)
{
    *retry_after_s = 0;
    if (r->rate <= 0)
        return true;
    struct ratelimit_bucket *b = bucket_for(r, key, now_ms);
    if (now_ms > b->last_ms) {
        b->tokens += r->rate * (double)(now_ms - b->last_ms) / 1000.0;
        if (b->tokens > r->burst)
            b->tokens = r->burst;
    }
    b->last_ms = now_ms;
    if (b->tokens >= 1) {
        b->tokens -= 1;
        return true;
    }
    double wait = (1 - b->tokens) / r->rate;
    *retry_after_s = (int)ceil(wait) < 1 ? 1 : (int)ceil(wait);
    return false;
}
