/*
 * history.h — what the journal says each remedy did for each signature.
 *
 * heal-apply writes an "outcome" line to STATE/journal.ndjson after every
 * run, carrying the diagnosis `signature`, the `remedy`, the `result` and
 * `ts`.  Here those lines become, per (signature, remedy), the number of
 * tries that count and how many healed, plus the same sums weighted by
 * age: a line `age` old weighs 0.5^(age / half_life), so recent outcomes
 * count more and old ones fade.  "healed" counts as a success; "failed"
 * and "rolled-back" as failures; other results (unverified, error, none)
 * and lines without a signature, remedy or readable ts are ignored.  A ts
 * in the future (clock skew) weighs 1.
 *
 * The estimated success is a Beta(1, 1) prior updated by the weighted
 * counts: (1 + healed_w) / (2 + healed_w + failed_w) — 0.5 with no history.
 *
 * jv ownership: history_add borrows its line.  Not thread-safe.
 */
#ifndef HEAL_HISTORY_H
#define HEAL_HISTORY_H

#include "error.h"

#include <jv.h>
#include <stdint.h>

#define HISTORY_HALF_LIFE_DEFAULT_MS (7LL * 24 * 3600 * 1000)
/* Distinct (signature, remedy) pairs kept; outcomes of further pairs are ignored. */
#define HISTORY_PAIRS_MAX 100000
#define HISTORY_NAME_MAX 256 /* bytes of a signature or remedy id in the journal */

struct history_stats {
    double healed_w, failed_w; /* weighted by age */
    unsigned tries, healed;    /* as counted, for people to read */
};

struct history;

/* now_ms: the time ages are measured from; half_life_ms > 0. */
struct history *history_new(int64_t now_ms, int64_t half_life_ms);
void history_free(struct history *h);

/* Counts one journal line (borrowed).  Returns 1 if it counted, 0 if ignored. */
int history_add(struct history *h, jv line);

/*
 * Reads STATE/journal.ndjson (a missing one is empty).  Returns 0 with
 * *unreadable (if not NULL) set to the lines skipped as unreadable, or -1
 * with err when it cannot be read.
 */
int history_load(struct history *h, const char *state_dir, long *unreadable,
                 struct heal_error *err);

struct history_stats history_get(const struct history *h, const char *signature,
                                 const char *remedy);

/* (1 + healed_w) / (2 + healed_w + failed_w) */
double history_success(struct history_stats s);

#endif
