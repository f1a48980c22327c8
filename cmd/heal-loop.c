/*
 * heal-loop — the self-healing loop.  This build has only `heal-loop run
 * -- CMD ARGS...`, the CI wrapper: the command runs under heal's care
 * (common/ci_run.c), retried while its failure is transient.
 */
#include "ci_run.h"
#include "exitcode.h"
#include "log.h"
#include "options.h"
#include "signals.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define PROG "heal-loop"

static struct {
    int apply;
    char *max_attempts, *backoff, *backoff_max, *records;
} opt;

/* A whole decimal number of runs, 1..CI_RUN_ATTEMPTS_MAX; NULL keeps the default. */
static int parse_attempts(const char *text, int *n)
{
    *n = CI_RUN_ATTEMPTS_DEFAULT;
    if (!text)
        return 0;
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < 1 || v > CI_RUN_ATTEMPTS_MAX)
        return -1;
    *n = (int)v;
    return 0;
}

/* heal-loop run [OPTION...] [--] COMMAND [ARG...] */
static int cmd_run(int argc, const char **argv)
{
    struct poptOption table[] = {
        {"max-attempts", '\0', POPT_ARG_STRING, &opt.max_attempts, 0,
         "run the command at most N times (default 3)", "N"},
        {"backoff", '\0', POPT_ARG_STRING, &opt.backoff, 0,
         "wait at least this long before running again (default 1s)", "DURATION"},
        {"backoff-max", '\0', POPT_ARG_STRING, &opt.backoff_max, 0,
         "cap the random part of the wait at this (default 1m)", "DURATION"},
        {"apply", '\0', POPT_ARG_NONE, &opt.apply, 0,
         "let heal-apply run `auto` remedies (default: a dry run)", NULL},
        {"records", '\0', POPT_ARG_STRING, &opt.records, 0,
         "write the records of failed attempts and a summary event to FILE", "FILE"},
        HEAL_COMMON_OPTIONS,
        POPT_TABLEEND,
    };
    /* POSIXMEHARDER: options end at the command's name, so `run make -j2` needs no `--`. */
    poptContext pc = poptGetContext(PROG " run", argc, argv, table, POPT_CONTEXT_POSIXMEHARDER);
    poptSetOtherOptionHelp(pc, "[OPTION...] [--] COMMAND [ARG...]");
    int rc = poptGetNextOpt(pc), status = HEAL_EXIT_USAGE;
    struct heal_error err;
    struct ci_run_config cfg = {
        .backoff_ms = CI_RUN_BACKOFF_DEFAULT_MS,
        .backoff_max_ms = CI_RUN_BACKOFF_MAX_DEFAULT_MS,
    };
    char bin_dir[PATH_MAX];
    switch (options_settle(pc, rc, PROG, &err)) {
    case OPTIONS_USAGE:
        log_error("run", "%s", err.msg);
        goto out;
    case OPTIONS_DONE:
        status = HEAL_EXIT_OK;
        goto out;
    case OPTIONS_RUN:
        break;
    }
    cfg.argv = (const char *const *)poptGetArgs(pc);
    if (!cfg.argv || !cfg.argv[0] || !cfg.argv[0][0]) {
        log_error("run", "no command given (heal-loop run [OPTION...] -- COMMAND [ARG...])");
        goto out;
    }
    if (parse_attempts(opt.max_attempts, &cfg.max_attempts) != 0) {
        log_error("run", "--max-attempts: %s is not between 1 and %d", opt.max_attempts,
                  CI_RUN_ATTEMPTS_MAX);
        goto out;
    }
    if (options_duration("--backoff", opt.backoff, &cfg.backoff_ms, &err) != 0 ||
        options_duration("--backoff-max", opt.backoff_max, &cfg.backoff_max_ms, &err) != 0) {
        log_error("run", "%s", err.msg);
        goto out;
    }
    cfg.apply = opt.apply;
    cfg.records = opt.records;
    cfg.config_dir = heal_opts.config_dir;
    cfg.state_dir = heal_opts.state_dir;
    cfg.bin_dir = ci_run_bin_dir(bin_dir) == 0 ? bin_dir : NULL;
    status = ci_run(&cfg);
out:
    poptFreeContext(pc);
    free(opt.max_attempts);
    free(opt.backoff);
    free(opt.backoff_max);
    free(opt.records);
    options_free();
    return status;
}

int main(int argc, const char **argv)
{
    signals_install();
    log_init(PROG);
    if (argc >= 2 && !strcmp(argv[1], "run"))
        return cmd_run(argc - 1, argv + 1);
    log_error(NULL, "%s: not in this build; try 'heal-loop run --help'",
              argc >= 2 ? argv[1] : "no subcommand");
    return HEAL_EXIT_USAGE;
}
