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
 */
#ifndef HEAL_CI_RUN_H
#define HEAL_CI_RUN_H
#include <stdbool.h>
#include <stdint.h>

struct ci_run_config {
    const char *const *argv; /* the command, NULL-terminated */
    int max_attempts;        /* runs in all, >= 1 */
    int64_t backoff_ms;      /* first delay between runs; doubles, capped */
    int64_t backoff_max_ms;
    bool apply;              /* heal-apply --apply (auto remedies under policy) */
    const char *bin_dir;     /* where heal-analyze, heal-propose, heal-apply live */
};

/* Returns the exit status heal-loop run exits with. */
int ci_run(const struct ci_run_config *cfg);
#endif
