/*
 * apply.h — heal-apply's engine: from a proposal to an outcome, safely.
 *
 * A proposal record only chooses: its candidates name remedies, and the
 * values of their parameters are treated as untrusted facts.  For each
 * candidate, best first, the remedy is looked up in OUR playbook and filled
 * again with playbook_fill() from the labels of OUR check configuration
 * (found by target) and those facts; the record's argv is never read.
 * Then policy: risk at most max_risk, `auto` unless interactive, and a
 * model's suggestion only when interactive, after the operator confirms
 * the exact argv: a candidate whose source is not "playbook", or whose
 * proposal names an analyzer other than catalog or none (heal-propose
 * marks those of a model's diagnosis "llm").  A candidate whose approval
 * is anything but "auto" runs only when interactive, too.  The first candidate that passes is taken;
 * each one refused before it gets an outcome `denied` with the reason.
 *
 * Executing (execute true) takes the target's lock (waiting lock_wait_ms,
 * else `locked`), then under it reads the target's state (apply_state.h):
 * a run of the same remedy for the same trace is `skipped` (one
 * observation is acted on once, crash or not); over max_attempts in the
 * window or within the back-off wait it is `rate-limited`.  A precondition
 * runs next and `skipped` the remedy when its exit status differs.  Then
 * an intent line is journaled (fsync'd) and the run counted BEFORE the
 * command starts; the command runs through spawn.c (no shell, scrubbed
 * environment, its timeout, cwd "/", output captured and capped); a wait
 * remedy runs nothing.  Verification re-runs the check with heal-check;
 * when it does not pass, the rollback runs if there is one.  The outcome
 * line is journaled and the state updated before the lock is released.
 *
 * Without execute (the dry run) the same policy and state are judged
 * without the lock and nothing is run or written: `dry-run` with the argv.
 *
 * Outcome records go to the emit callback, which consumes them.  Nothing
 * here prints; interaction goes through the choose/confirm callbacks.
 * jv ownership: apply_proposal borrows the proposal.
 */
#ifndef HEAL_APPLY_H
#define HEAL_APPLY_H

#include "check_set.h"
#include "error.h"
#include "journal.h"
#include "playbook.h"
#include "spawn.h"

#include <jv.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#define APPLY_LOCK_WAIT_DEFAULT_MS 10000
#define APPLY_CANDIDATES_MAX 64 /* candidates looked at per proposal */
#define APPLY_EXCERPT_MAX 2048  /* bytes of stdout/stderr kept in an outcome */
#define APPLY_OUTPUT_MAX (64 * 1024)
#define APPLY_CHECK_MARGIN_MS 5000 /* heal-check's own start-up, beyond the check timeout */
#define APPLY_HEAL_CHECK "heal-check"

typedef void apply_emit_fn(void *ctx, jv record);
/* Shows plan (n numbered choices) and returns 1..n, or 0 for none. */
typedef int apply_choose_fn(void *ctx, const char *plan, int n);
/* Asks a yes/no question; true only for an explicit yes. */
typedef bool apply_confirm_fn(void *ctx, const char *question);

struct apply_config {
    const struct playbook *pb;
    const struct check_set *checks; /* our own checks.d: labels and verification */
    const char *state_dir;          /* opened */
    const char *config_dir;         /* passed to heal-check; NULL: none */
    const char *heal_check;         /* path; NULL: results are unverified */
    struct journal *journal;        /* open when execute */
    bool execute, interactive;
    enum playbook_risk max_risk;
    int64_t lock_wait_ms;
    apply_emit_fn *emit;
    void *emit_ctx;
    apply_choose_fn *choose;
    apply_confirm_fn *confirm;
    void *ask_ctx;
};

enum apply_verdict {
    APPLY_HEALED,    /* the proposal's target was healed */
    APPLY_UNHEALTHY, /* anything else: dry run, refused, failed */
    APPLY_BAD,       /* the record was not a usable proposal (reported in err) */
};

enum apply_verdict apply_proposal(const struct apply_config *c, jv proposal,
                                  struct heal_error *err);

/*
 * Reports intents of the journal that have no outcome and whose target's
 * lock is free (so no heal-apply is still running them): for each, an
 * outcome record (action skipped, result none, reason "interrupted: ...")
 * goes to emit, and an outcome line with result "interrupted" to the
 * journal, so it is reported once.  *reported counts them.
 */
int apply_recover(const struct apply_config *c, unsigned *reported, struct heal_error *err);

/* heal-check beside our own executable (/proc/self/exe), else on $PATH.  0 or -1. */
int apply_find_heal_check(char out[PATH_MAX]);

/* --- apply_run.c: running remedies and checks --- */

/* Runs argv (no shell, scrubbed env, cwd "/"); 0, or -1 when it could not start. */
int apply_run_argv(char *const *argv, int64_t timeout_ms, struct spawn_result *res,
                   struct heal_error *err);

/* An excerpt of captured output, secrets redacted, printable, at most APPLY_EXCERPT_MAX bytes. */
jv apply_excerpt(const struct spawn_output *o);

/* A spawn result's exit status as JSON: the code, or null after a signal or timeout. */
jv apply_exit_json(const struct spawn_result *res);

/* Sleeps ms, waking early when SIGTERM/SIGINT asked us to stop; false then. */
bool apply_sleep(int64_t ms);

struct apply_verify {
    int status; /* Nagios code of the last re-check, 3 when none ran */
    char summary[1024];
    int attempts; /* re-checks run */
    bool stopped; /* a stop signal cut the waiting short */
};

/*
 * Re-runs check def with heal-check up to r->verify.attempts times, the
 * first after the remedy's delay, the next ones after that delay times
 * backoff (capped by max_delay), until OK.  A wait remedy is this alone.
 */
void apply_verify_check(const struct apply_config *c, const struct check_def *def,
                        const struct remedy *r, struct apply_verify *v);

#endif
