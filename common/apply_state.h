/*
 * apply_state.h — what heal-apply remembers per target, and the back-off.
 *
 * STATE/apply/<state_name_encode(target)>.json holds the target's recent
 * runs (remedy, trace, intent id, time), the number of consecutive failed
 * runs and when the last one failed.  heal-apply reads it under the
 * target's lock, adds a run right after journaling the intent (so a run
 * that crashes still counts against cool-down and budget), and records the
 * result after the outcome.  It is a cache: losing it forgets cool-downs,
 * never makes anything run that the playbook does not allow.
 *
 * Back-off: with f consecutive failures (failed, rolled-back, error,
 * interrupted) the least wait after the target's last run is
 *
 *     wait(0) = cooldown
 *     wait(f) = max(cooldown, min(max(cooldown, FLOOR) x 2^f, CAP))
 *
 * FLOOR 10 s, CAP 10 min: the kubelet's CrashLoopBackOff curve scaled to a
 * remedy's own cool-down, never shorter than it.  f returns to 0 after a
 * healed run, or once RESET (20 min, twice the cap as the kubelet does)
 * passed since the last failure.
 *
 * Times are ms since the epoch from clock_now_ms() (HEAL_NOW in tests).
 * Functions return 0 or -1 with err filled; nothing here prints.
 */
#ifndef HEAL_APPLY_STATE_H
#define HEAL_APPLY_STATE_H

#include "error.h"

#include <jv.h>
#include <stdbool.h>
#include <stdint.h>

#define APPLY_STATE_DIR "apply"
#define APPLY_STATE_FILE_MAX (1024 * 1024)
/* Runs remembered per target: enough for any budget a playbook allows (PLAYBOOK_ATTEMPTS_MAX). */
#define APPLY_RUNS_MAX 1000
/* Runs older than this are forgotten even when fewer are kept. */
#define APPLY_RUNS_MAX_AGE_MS (30LL * 24 * 3600 * 1000)

#define APPLY_BACKOFF_FLOOR_MS 10000LL
#define APPLY_BACKOFF_CAP_MS (10LL * 60 * 1000)
#define APPLY_BACKOFF_RESET_MS (2 * APPLY_BACKOFF_CAP_MS)

struct apply_state {
    /* {"v": 1, "target", "failures", "last_failure": TS,
     *  "runs": [{"remedy", "trace", "intent", "at": TS}, ...] (oldest first)} */
    jv doc;
};

/* A missing file loads as empty state; a damaged one is -1 with err (st then empty). */
int apply_state_load(const char *state_dir, const char *target, struct apply_state *st,
                     struct heal_error *err);
/* Writes it atomically (temp file, fsync, rename). */
int apply_state_save(const char *state_dir, const char *target, const struct apply_state *st,
                     struct heal_error *err);
void apply_state_free(struct apply_state *st);

/* Remembers a run that is about to start. */
void apply_state_add_run(struct apply_state *st, const char *remedy, const char *trace,
                         const char *intent, int64_t now_ms);
/* Counts a finished run: healed resets the failures, failed adds one, else unchanged. */
void apply_state_result(struct apply_state *st, bool healed, bool failed, int64_t now_ms);

/* Consecutive failures as of now (0 once APPLY_BACKOFF_RESET_MS passed since the last). */
int apply_state_failures(const struct apply_state *st, int64_t now_ms);
/* The last run of any remedy on the target, or INT64_MIN. */
int64_t apply_state_last_run(const struct apply_state *st);
/* Runs of remedy since since_ms (exclusive). */
int apply_state_attempts(const struct apply_state *st, const char *remedy, int64_t since_ms);
/* The intent id of a run of remedy for this trace, or NULL (borrowed from st). */
const char *apply_state_tried(const struct apply_state *st, const char *remedy, const char *trace);

/* The least wait after the last run, as the header says. */
int64_t apply_backoff_ms(int64_t cooldown_ms, int failures);

#endif
