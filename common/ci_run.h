/*
 * ci_run.h — `heal-loop run -- CMD ARGS...`: a command under heal's care,
 * for CI jobs and build scripts.
 *
 * Runs the command with its output shown as it comes; when it fails, pipes
 * that output through heal-analyze --text | heal-propose | heal-apply,
 * retries with back-off while the diagnosis says the failure is transient
 * (network, DNS, a held lock, HTTP 5xx/429...), applies `auto` remedies
 * under policy, and stops retrying at once on a code or test failure.
 * Prints one classification line for the CI log and returns the command's
 * final exit status.
 *
 * Our stdout is the command's stdout, byte for byte: records never go
 * there.  With `records` set, the diagnosis, proposal and outcome records
 * of each failed attempt and a closing `run.summary` event are written to
 * that file instead.  The stages run one after another, each fed the
 * previous one's output (the input is bounded by CI_RUN_KEEP_MAX), through
 * spawn.c; they are found in bin_dir, or on PATH when it is NULL.  The
 * delay before attempt n+2 is backoff_ms + rand(0, min(backoff_max_ms,
 * backoff_ms x 2^n)): full jitter above a floor, so never 0.  Messages go
 * through log.h.  Runs in the foreground: call signals_install() first,
 * SIGTERM/SIGINT then end the command's process group and the run.
 */
#ifndef HEAL_CI_RUN_H
#define HEAL_CI_RUN_H
#include <stdbool.h>
#include <stdint.h>

#define CI_RUN_ATTEMPTS_DEFAULT 3
#define CI_RUN_ATTEMPTS_MAX 100
#define CI_RUN_BACKOFF_DEFAULT_MS 1000
#define CI_RUN_BACKOFF_MAX_DEFAULT_MS 60000
/* Output of one attempt kept for analysis: the last MiB, as much as a stage may be fed. */
#define CI_RUN_KEEP_MAX (1024 * 1024)
/* One stage's output, and how long it may take (heal-apply may run remedies). */
#define CI_RUN_STAGE_OUTPUT_MAX (16 * 1024 * 1024)
#define CI_RUN_STAGE_TIMEOUT_MS (15 * 60 * 1000)
/* A diagnosis summary is cut to this many bytes in the classification line. */
#define CI_RUN_LINE_SUMMARY_MAX 160

struct ci_run_config {
    const char *const *argv; /* the command, NULL-terminated */
    int max_attempts;        /* runs in all, >= 1 */
    int64_t backoff_ms;      /* first delay between runs; doubles, capped */
    int64_t backoff_max_ms;
    bool apply;              /* heal-apply --apply (auto remedies under policy) */
    const char *bin_dir;     /* where heal-analyze, heal-propose, heal-apply live */
    const char *records;     /* file for the records; NULL: none are kept */
    const char *config_dir;  /* given to the stages as --config-dir; NULL: theirs */
    const char *state_dir;   /* given to the stages as --state-dir; NULL: theirs */
};

/* Returns the exit status heal-loop run exits with. */
int ci_run(const struct ci_run_config *cfg);
#endif
