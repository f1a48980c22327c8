/*
 * heal-apply — fix it, prove it, or undo it.  Reads proposal records and,
 * for each, runs the best candidate that its own playbook and policy allow
 * (a dry run unless --apply), verifies with heal-check, rolls back on
 * failure, and writes one outcome record per decision.  Every other record
 * passes through unchanged.  The engine is common/apply.c.
 */
#include "apply.h"
#include "check_set.h"
#include "clock.h"
#include "duration.h"
#include "exitcode.h"
#include "log.h"
#include "ndjson.h"
#include "options.h"
#include "policy.h"
#include "record.h"
#include "signals.h"
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROG "heal-apply"
#define ANSWER_MAX 64

static struct {
    int apply, interactive;
    char *max_risk, *lock_wait;
    char **playbooks; /* --playbook, repeatable */
} opt;

struct out {
    struct ndjson_writer *w;
    bool text, failed;
    FILE *tty; /* --interactive */
    unsigned long outcomes, executed, healed;
};

/* Outside text on a terminal: control characters shown as '?'. */
static void show(FILE *f, const char *s, int width)
{
    int n = 0;
    for (; s && s[n]; n++)
        fputc((unsigned char)s[n] < 0x20 || s[n] == 0x7f ? '?' : s[n], f);
    for (; n < width; n++)
        fputc(' ', f);
}

static void put(struct out *o, jv rec)
{
    struct heal_error err;
    if (o->failed) {
        jv_free(rec);
    } else if (ndjson_writer_put(o->w, rec, &err) != 0) {
        o->failed = true;
        if (errno != EPIPE)
            log_error("stdout", "%s", err.msg);
    }
}

static void emit(void *ctx, jv rec)
{
    struct out *o = ctx;
    o->outcomes++;
    const char *action = record_string_borrow(&rec, "action");
    const char *result = record_string_borrow(&rec, "result");
    o->executed += action && !strcmp(action, "executed");
    o->healed += result && !strcmp(result, "healed");
    if (!o->text) {
        put(o, rec);
        return;
    }
    show(stdout, record_string_borrow(&rec, "target"), 20);
    fputc(' ', stdout);
    show(stdout, record_string_borrow(&rec, "remedy"), 24);
    printf(" %-12s %-11s ", action ? action : "?", result ? result : "?");
    const char *reason = record_string_borrow(&rec, "reason");
    jv verify = jv_object_get(jv_copy(rec), jv_string("verify"));
    show(stdout, reason ? reason : record_string_borrow(&verify, "summary"), 0);
    fputc('\n', stdout);
    fflush(stdout);
    jv_free(verify);
    jv_free(rec);
}

static int choose(void *ctx, const char *plan, int n)
{
    struct out *o = ctx;
    char answer[ANSWER_MAX];
    fprintf(o->tty, "%sRun which? [1-%d, or 0 for none]: ", plan, n);
    fflush(o->tty);
    if (!fgets(answer, sizeof answer, o->tty))
        return 0;
    char *end;
    long k = strtol(answer, &end, 10);
    return end != answer && k >= 1 && k <= n ? (int)k : 0;
}

static bool confirm(void *ctx, const char *question)
{
    struct out *o = ctx;
    char answer[ANSWER_MAX];
    fprintf(o->tty, "%s [y/N]: ", question);
    fflush(o->tty);
    return fgets(answer, sizeof answer, o->tty) && (answer[0] == 'y' || answer[0] == 'Y');
}

static void report_config(void *ctx, const char *message)
{
    (void)ctx;
    log_error(NULL, "%s", message);
}

/* Reads one input; returns the number of bad lines. */
static uint64_t apply_fd(const struct apply_config *cfg, int fd, const char *name, struct out *o,
                         unsigned long *unhealthy)
{
    struct ndjson_reader *r = ndjson_reader_new(fd, NDJSON_LINE_MAX);
    if (!r) {
        log_error(name, "out of memory");
        return 1;
    }
    uint64_t bad = 0;
    struct heal_error err;
    enum ndjson_status st;
    jv rec;
    while (!o->failed && !signals_stop_requested() &&
           (st = ndjson_reader_next(r, &rec, &err)) != NDJSON_EOF) {
        if (st == NDJSON_ERROR || st == NDJSON_BAD) {
            if (st == NDJSON_BAD)
                log_error_at(name, ndjson_reader_lineno(r), "%s", err.msg);
            else
                log_error(name, "%s", err.msg);
            bad++;
            if (st == NDJSON_ERROR)
                break;
            continue;
        }
        if (!record_is_type(&rec, "proposal")) {
            if (!o->text)
                put(o, rec);
            else
                jv_free(rec);
            continue;
        }
        /* The proposal goes on first, so every outcome follows its parent. */
        if (!o->text)
            put(o, jv_copy(rec));
        log_set_trace(record_string_borrow(&rec, "trace"));
        enum apply_verdict v = apply_proposal(cfg, rec, &err);
        log_set_trace(NULL);
        if (v == APPLY_BAD) {
            log_error_at(name, ndjson_reader_lineno(r), "%s", err.msg);
            bad++;
        }
        *unhealthy += v != APPLY_HEALED;
        jv_free(rec);
    }
    ndjson_reader_free(r);
    return bad;
}

/* The risk ceiling: --max-risk, else heal.json's max_risk, else low.
 * Returns -1 on a usage error; *problems counts heal.json's. */
static int parse_policy(struct apply_config *cfg, unsigned *problems)
{
    struct heal_error err;
    if (opt.max_risk) {
        if (policy_risk_parse(opt.max_risk, &cfg->max_risk) != 0) {
            log_error("--max-risk", "'%s' is not low, medium or high", opt.max_risk);
            return -1;
        }
    } else {
        char dir[CONFIG_PATH_MAX];
        struct policy policy;
        bool have_dir = config_dir_resolve(heal_opts.config_dir, geteuid(), dir, &err) == 0;
        *problems += policy_load(&policy, have_dir ? dir : NULL, report_config, NULL);
        cfg->max_risk = policy.max_risk;
        policy_free(&policy);
    }
    cfg->lock_wait_ms = APPLY_LOCK_WAIT_DEFAULT_MS;
    if (opt.lock_wait && duration_parse(opt.lock_wait, &cfg->lock_wait_ms, &err) != 0) {
        log_error("--lock-wait", "%s", err.msg);
        return -1;
    }
    return 0;
}

int main(int argc, const char **argv)
{
    struct poptOption table[] = {
        {"apply", '\0', POPT_ARG_NONE, &opt.apply, 0,
         "run remedies (default: a dry run that runs nothing)", NULL},
        {"interactive", 'i', POPT_ARG_NONE, &opt.interactive, 0,
         "at a terminal, show each plan and ask which candidate to run", NULL},
        {"max-risk", '\0', POPT_ARG_STRING, &opt.max_risk, 0,
         "run nothing riskier than RISK: low, medium or high (default: heal.json, low)",
         "RISK"},
        {"lock-wait", '\0', POPT_ARG_STRING, &opt.lock_wait, 0,
         "wait this long for a target's lock (default 10s)", "DURATION"},
        {"playbook", '\0', POPT_ARG_ARGV, &opt.playbooks, 0,
         "also load the playbook entries in FILE (repeatable)", "FILE"},
        HEAL_COMMON_OPTIONS,
        POPT_TABLEEND,
    };
    signals_install();
    log_init(PROG);
    poptContext pc = poptGetContext(PROG, argc, argv, table, 0);
    poptSetOtherOptionHelp(pc, "[OPTION...] [FILE...]");
    int status = HEAL_EXIT_USAGE;
    struct heal_error err;
    struct out o = {0};
    struct apply_config cfg = {
        .emit = emit, .emit_ctx = &o, .choose = choose, .confirm = confirm, .ask_ctx = &o};
    struct check_set checks;
    struct journal journal = {.fd = -1};
    struct playbook *pb = NULL;
    check_set_init(&checks);
    if (!options_parse(pc, PROG, NULL, &status))
        goto out;
    unsigned problems = 0;
    if (parse_policy(&cfg, &problems) != 0)
        goto out;
    if (opt.interactive) {
        int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
        o.tty = fd >= 0 && isatty(fd) ? fdopen(fd, "r+") : NULL;
        if (!o.tty) {
            if (fd >= 0)
                close(fd);
            log_error("--interactive", "needs a terminal to ask on");
            goto out;
        }
    }
    cfg.interactive = opt.interactive;
    cfg.execute = opt.apply || opt.interactive; /* choosing at a terminal is consenting */
    status = HEAL_EXIT_INTERNAL;
    char dir[CONFIG_PATH_MAX], state[STATE_PATH_MAX], heal_check[PATH_MAX];
    bool have_dir = config_dir_resolve(heal_opts.config_dir, geteuid(), dir, &err) == 0;
    pb = playbook_load(have_dir ? dir : NULL, true, (const char *const *)opt.playbooks,
                       report_config, NULL, &problems);
    if (!pb) {
        log_error("playbook", "out of memory");
        goto out;
    }
    check_set_load_config(&checks, have_dir ? dir : NULL, false, report_config, NULL);
    problems += checks.problems;
    if (state_dir_open(heal_opts.state_dir, state, &err) != 0) {
        log_error("state", "%s", err.msg);
        goto out;
    }
    if (cfg.execute && journal_open(&journal, state, &err) != 0) {
        log_error("journal", "%s; running nothing without a journal", err.msg);
        goto out;
    }
    cfg.pb = pb;
    cfg.checks = &checks;
    cfg.state_dir = state;
    cfg.config_dir = have_dir ? dir : NULL;
    cfg.heal_check = apply_find_heal_check(heal_check) == 0 ? heal_check : NULL;
    cfg.journal = &journal;
    if (!cfg.heal_check)
        log_warn(APPLY_HEAL_CHECK, "not found beside heal-apply or on PATH; results unverified");
    o.text = output_is_text();
    o.w = ndjson_writer_new(STDOUT_FILENO);
    if (!o.w) {
        log_error(NULL, "out of memory");
        goto out;
    }
    unsigned long unhealthy = 0;
    unsigned interrupted = 0;
    if (cfg.execute && apply_recover(&cfg, &interrupted, &err) != 0)
        log_warn("journal", "%s; interrupted runs not looked for", err.msg);
    unhealthy += interrupted;
    uint64_t bad = 0;
    const char *file = poptGetArg(pc);
    if (!file)
        bad += apply_fd(&cfg, STDIN_FILENO, "-", &o, &unhealthy);
    for (; file && !signals_stop_requested(); file = poptGetArg(pc)) {
        int fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
        if (fd < 0) {
            log_error(file, "%s", strerror(errno));
            bad++;
            continue;
        }
        bad += apply_fd(&cfg, fd, file, &o, &unhealthy);
        if (fd != STDIN_FILENO)
            close(fd);
    }
    if (ndjson_writer_flush(o.w, &err) != 0 && errno != EPIPE)
        log_error("stdout", "%s", err.msg);
    if (o.text && o.outcomes)
        printf("%lu outcome%s: %lu executed, %lu healed%s\n", o.outcomes,
               o.outcomes == 1 ? "" : "s", o.executed, o.healed,
               cfg.execute ? "" : " (dry run: --apply to run)");
    log_info(NULL, "%lu outcomes: %lu executed, %lu healed", o.outcomes, o.executed, o.healed);
    status = bad || problems ? HEAL_EXIT_BADINPUT : unhealthy ? HEAL_EXIT_UNHEALTHY : HEAL_EXIT_OK;
out:
    journal_close(&journal);
    check_set_free(&checks);
    playbook_free(pb);
    if (o.w)
        ndjson_writer_free(o.w, NULL);
    if (o.tty)
        fclose(o.tty);
    poptFreeContext(pc);
    free(opt.max_risk);
    free(opt.lock_wait);
    for (char **f = opt.playbooks; f && *f; f++)
        free(*f);
    free(opt.playbooks);
    options_free();
    return status;
}
