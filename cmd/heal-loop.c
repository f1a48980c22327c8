/*
 * heal-loop — the self-healing loop.  Runs heal-check | heal-analyze |
 * heal-propose | heal-apply as a real pipeline, once (--once) or as a
 * supervised daemon, and reports what it saw; `heal-loop status` and
 * `heal-loop stop` look at a running one, `heal-loop run -- CMD` runs a
 * command under heal's care.  No healing logic lives here: the pipeline
 * is common/loop.c, the accounting common/loop_tally.c.
 */
#include "atomicfile.h"
#include "check_set.h"
#include "ci_run.h"
#include "clock.h"
#include "config.h"
#include "duration.h"
#include "exitcode.h"
#include "log.h"
#include "loop.h"
#include "loop_status.h"
#include "loop_tally.h"
#include "ndjson.h"
#include "options.h"
#include "pidfile.h"
#include "policy.h"
#include "record.h"
#include "sdnotify.h"
#include "signals.h"
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROG "heal-loop"
#define PID_FILE "heal-loop.pid"
#define STATUS_SUFFIX ".status.json"
#define STATUS_MAX (16 * 1024 * 1024)
#define STOP_WAIT_DEFAULT_MS 60000
#define STOP_POLL_MS 50

static struct {
    int once, apply, dry_run, monitor, all_states, workers;
    char *checks, *name, *pid_file, *metrics, *cycle, *max_risk, *drain_timeout, *stop_timeout;
    char *by;
} opt;

struct ctx {
    struct loop_tally tally;
    struct loop_history *history; /* NULL: status changes are not recorded this run */
    struct ndjson_writer *w;
    bool text, once, failed_output;
    const char *mode;
    char state_dir[STATE_PATH_MAX];
    char status_path[STATE_PATH_MAX];
    const char *pid_file; /* the daemon's; NULL for --once */
    const char *metrics;
    int64_t cycle_ms, next_cycle_ms, watchdog_ms, next_watchdog_ms;
    unsigned long records_at_last_cycle;
};

/* Our reader is gone (or stdout broke): nobody would see what the daemon
 * does, so it drains and ends as on SIGTERM, which loop_run() takes by
 * signalfd.  --once simply runs to its end, writing nothing more. */
static void output_failed(struct ctx *c, const struct heal_error *err)
{
    c->failed_output = true;
    if (errno != EPIPE)
        log_error("stdout", "%s", err->msg);
    if (!c->once)
        kill(getpid(), SIGTERM);
}

static void put_line(struct ctx *c, const char *line, size_t len)
{
    struct heal_error err;
    if (c->failed_output)
        return;
    if (ndjson_writer_put_line(c->w, line, len, &err) != 0 ||
        ndjson_writer_flush(c->w, &err) != 0)
        output_failed(c, &err);
}

static void put_record(struct ctx *c, jv rec)
{
    struct heal_error err;
    if (c->failed_output) {
        jv_free(rec);
        return;
    }
    if (ndjson_writer_put(c->w, rec, &err) != 0 || ndjson_writer_flush(c->w, &err) != 0)
        output_failed(c, &err);
}

/* Outside text on a terminal: control characters shown as '?'. */
static void show(const char *s)
{
    for (; s && *s; s++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, stdout);
}

/* A daemon at a terminal: one line per change worth a person's eye.
 * prev is the target's status before this record (NULL: first sight). */
static void print_live(const jv *rec, const char *prev)
{
    const char *target = record_string_borrow(rec, "target");
    char when[16];
    time_t now = (time_t)(clock_now_ms() / 1000);
    struct tm tm;
    strftime(when, sizeof when, "%H:%M:%S", localtime_r(&now, &tm));
    if (record_is_type(rec, "check")) {
        const char *status = record_string_borrow(rec, "status");
        if (prev && status && !strcmp(prev, status))
            return;
        printf("%s  %-8s  ", when, record_string_borrow(rec, "status"));
        show(target);
        fputs("  ", stdout);
        show(record_string_borrow(rec, "summary"));
    } else if (record_is_type(rec, "diagnosis")) {
        printf("%s  %-8s  ", when, "diagnose");
        show(target);
        fputs("  ", stdout);
        show(record_string_borrow(rec, "signature"));
    } else if (record_is_type(rec, "proposal")) {
        printf("%s  %-8s  ", when, "propose");
        show(target);
        jv list = jv_object_get(jv_copy(*rec), jv_string("candidates"));
        int n = jv_get_kind(list) == JV_KIND_ARRAY ? jv_array_length(jv_copy(list)) : 0;
        for (int i = 0; i < n; i++) {
            jv cand = jv_array_get(jv_copy(list), i);
            fputs(i ? ", " : "  ", stdout);
            show(record_string_borrow(&cand, "remedy"));
            jv_free(cand);
        }
        if (!n)
            fputs("  (no remedy)", stdout);
        jv_free(list);
    } else if (record_is_type(rec, "outcome")) {
        printf("%s  %-8s  ", when, record_string_borrow(rec, "action"));
        show(target);
        fputs("  ", stdout);
        show(record_string_borrow(rec, "remedy"));
        fputs(": ", stdout);
        show(record_string_borrow(rec, "result"));
        jv verify = jv_object_get(jv_copy(*rec), jv_string("verify"));
        const char *checked = record_string_borrow(&verify, "status");
        if (checked) {
            fputs(" (re-checked: ", stdout);
            show(checked);
            fputc(')', stdout);
        }
        jv_free(verify);
    } else {
        return;
    }
    fputc('\n', stdout);
    fflush(stdout);
}

static void on_record(void *ctx, const char *line, size_t len, jv rec)
{
    struct ctx *c = ctx;
    if (c->text && !c->once) {
        const char *target = record_string_borrow(&rec, "target");
        jv known = jv_object_get(jv_copy(c->tally.targets), jv_string(target ? target : ""));
        print_live(&rec, record_string_borrow(&known, "status"));
        jv_free(known);
    }
    loop_tally_record(&c->tally, &rec);
    struct heal_error err;
    if (c->history && loop_history_note_check(c->history, &rec, &err) < 0)
        log_warn("history", "%s", err.msg);
    if (!c->text)
        put_line(c, line, len);
    jv_free(rec);
}

static void on_event(void *ctx, jv event)
{
    struct ctx *c = ctx;
    const char *name = record_string_borrow(&event, "event");
    if (name && !strcmp(name, "stage.exited"))
        c->tally.stage_restarts++;
    if (!c->text)
        put_record(c, event);
    else
        jv_free(event);
}

static void notify(const char *state)
{
    struct heal_error err;
    if (sdnotify_send(state, &err) != 0)
        log_warn(NULL, "%s", err.msg);
}

/* loop/NAME.status.json: NAME from the pid file ("heal-loop" for
 * heal-loop.pid), "once" for --once. */
static int status_file_path(const char *loop_dir, const char *pid_path, char out[STATE_PATH_MAX])
{
    struct heal_error err;
    char name[STATE_NAME_SIZE + sizeof STATUS_SUFFIX];
    const char *base = pid_path ? strrchr(pid_path, '/') : NULL;
    base = base ? base + 1 : pid_path ? pid_path : "once";
    size_t len = strlen(base);
    if (len > 4 && !strcmp(base + len - 4, ".pid"))
        len -= 4;
    char raw[STATE_NAME_SIZE];
    snprintf(raw, sizeof raw, "%.*s", (int)(len < STATE_NAME_MAX ? len : STATE_NAME_MAX), base);
    char encoded[STATE_NAME_SIZE];
    if (state_name_encode(raw[0] ? raw : "once", encoded, &err) != 0) {
        log_error("state", "%s", err.msg);
        return -1;
    }
    snprintf(name, sizeof name, "%s%s", encoded, STATUS_SUFFIX);
    if (state_path_join(out, STATE_PATH_MAX, loop_dir, name, &err) != 0) {
        log_error("state", "%s", err.msg);
        return -1;
    }
    return 0;
}

static void write_status(struct ctx *c)
{
    struct heal_error err;
    jv extra = jv_object();
    extra = jv_object_set(extra, jv_string("pid"), jv_number(getpid()));
    extra = jv_object_set(extra, jv_string("mode"), jv_string(c->mode));
    extra = jv_object_set(extra, jv_string("pid_file"),
                          c->pid_file ? jv_string(c->pid_file) : jv_null());
    jv doc = loop_tally_status(&c->tally, extra);
    jv text = jv_dump_string(doc, 0);
    const char *s = jv_string_value(text);
    char *line = malloc(strlen(s) + 2);
    if (line) {
        size_t n = (size_t)sprintf(line, "%s\n", s);
        if (atomicfile_write_cache(c->status_path, line, n, 0644, &err) != 0)
            log_warn("status", "%s", err.msg);
        free(line);
    }
    jv_free(text);
    if (c->metrics && loop_tally_write_metrics(&c->tally, c->metrics, c->mode, &err) != 0)
        log_warn("--metrics", "%s", err.msg);
}

/* Every cycle: status file, metrics, a summary when something happened;
 * the watchdog on its own, shorter clock. */
static void on_tick(void *ctx)
{
    struct ctx *c = ctx;
    int64_t now = clock_mono_ms();
    if (c->watchdog_ms && now >= c->next_watchdog_ms) {
        notify("WATCHDOG=1");
        c->next_watchdog_ms = now + c->watchdog_ms;
    }
    if (now < c->next_cycle_ms)
        return;
    c->next_cycle_ms = now + c->cycle_ms;
    write_status(c);
    if (c->tally.records != c->records_at_last_cycle) {
        c->records_at_last_cycle = c->tally.records;
        if (!c->text)
            put_record(c, loop_tally_summary(&c->tally, "cycle.summary"));
    }
    char status[160];
    jv t = jv_copy(c->tally.targets);
    snprintf(status, sizeof status, "STATUS=%d targets, %s; %lu outcomes",
             jv_object_length(t), loop_tally_healthy(&c->tally) ? "healthy" : "problems remain",
             c->tally.outcome_count);
    notify(status);
}

static void on_ready(void *ctx)
{
    struct ctx *c = ctx;
    if (!c->once) {
        /* At once, so `heal-loop status` finds a daemon the moment it runs. */
        write_status(c);
        notify("READY=1\nSTATUS=pipeline started");
    }
}

static void report_config(void *ctx, const char *message)
{
    (void)ctx;
    log_error(NULL, "%s", message);
}

/* heal-check reports its own configuration's problems, but its exit status
 * is a Nagios state: count them here, quietly, so the exit status says 4. */
static void ignore_problem(void *ctx, const char *message)
{
    (void)ctx, (void)message;
}

static unsigned check_config_problems(const char *config_dir)
{
    struct check_set set;
    check_set_init(&set);
    check_set_load_config(&set, config_dir, false, ignore_problem, NULL);
    unsigned n = set.problems;
    check_set_free(&set);
    return n;
}

/* --- the loop itself: --once, or the daemon --- */

struct stage_args {
    const char *argv[LOOP_ARGS_MAX];
    char verbose[LOOP_ARGS_MAX / 4][4];
    int n;
};

static void stage_args_build(struct stage_args *a, const char *state_dir)
{
    a->n = 0;
    if (heal_opts.config_dir) {
        a->argv[a->n++] = "--config-dir";
        a->argv[a->n++] = heal_opts.config_dir;
    }
    a->argv[a->n++] = "--state-dir";
    a->argv[a->n++] = state_dir;
    if (heal_opts.quiet)
        a->argv[a->n++] = "-q";
    for (int i = 0; i < heal_opts.verbose && i < 3; i++)
        a->argv[a->n++] = "-v";
    if (heal_opts.log_json)
        a->argv[a->n++] = "--log-json";
    a->argv[a->n] = NULL;
}

static int loop_main(poptContext pc)
{
    struct heal_error err;
    int status = HEAL_EXIT_USAGE;
    if (poptGetArg(pc)) {
        log_error(NULL, "unexpected argument (subcommands: status, stop, run; see --help)");
        return HEAL_EXIT_USAGE;
    }
    if (opt.apply + opt.dry_run + opt.monitor > 1) {
        log_error(NULL, "--apply, --dry-run and --monitor exclude each other");
        return HEAL_EXIT_USAGE;
    }
    char config_dir[CONFIG_PATH_MAX];
    bool have_dir = config_dir_resolve(heal_opts.config_dir, geteuid(), config_dir, &err) == 0;
    struct policy policy;
    unsigned problems = policy_load(&policy, have_dir ? config_dir : NULL, report_config, NULL);
    /* The check defaults are heal-check's to read: it reads heal.json too. */
    policy_free(&policy);
    if (have_dir && !opt.checks)
        problems += check_config_problems(config_dir);
    if (opt.max_risk && policy_risk_parse(opt.max_risk, &policy.max_risk) != 0) {
        log_error("--max-risk", "'%s' is not low, medium or high", opt.max_risk);
        return HEAL_EXIT_USAGE;
    }
    if (opt.workers != -1 && (opt.workers < 1 || opt.workers > LOOP_WORKERS_MAX)) {
        log_error("--workers", "must be 1 to %d", LOOP_WORKERS_MAX);
        return HEAL_EXIT_USAGE;
    }
    int64_t drain_ms = LOOP_DRAIN_DEFAULT_MS;
    if (options_duration("--cycle", opt.cycle, &policy.cycle_ms, &err) != 0 ||
        options_duration("--drain-timeout", opt.drain_timeout, &drain_ms, &err) != 0) {
        log_error(NULL, "%s", err.msg);
        return HEAL_EXIT_USAGE;
    }
    if (opt.all_states)
        policy.heal_soft = true;
    enum loop_mode mode = opt.monitor ? LOOP_MONITOR
                          : opt.apply ? LOOP_APPLY
                          : opt.dry_run ? LOOP_DRY_RUN
                          : policy.apply ? LOOP_APPLY
                                         : LOOP_DRY_RUN;
    static const char *const mode_names[] = {"monitor", "dry-run", "apply"};

    struct ctx c = {.once = opt.once, .mode = mode_names[mode], .metrics = opt.metrics};
    loop_tally_init(&c.tally);
    int pid_fd = -1;
    char pid_path[STATE_PATH_MAX] = "";
    status = HEAL_EXIT_INTERNAL;
    char bin_dir[PATH_MAX];
    if (loop_find_bin_dir(bin_dir) != 0) {
        log_error(NULL, "heal-check not found beside heal-loop or on PATH");
        goto out;
    }
    if (state_dir_open(heal_opts.state_dir, c.state_dir, &err) != 0) {
        log_error("state", "%s", err.msg);
        goto out;
    }
    char loop_dir[STATE_PATH_MAX];
    if (state_subdir(c.state_dir, LOOP_DIR, loop_dir, &err) != 0) {
        log_error("state", "%s", err.msg);
        goto out;
    }
    /* Without its history heal-loop still heals; only `heal-loop status` sees less. */
    c.history = loop_history_open(c.state_dir, &err);
    if (!c.history)
        log_warn("history", "%s; status changes are not recorded", err.msg);
    if (!opt.once) {
        if (opt.pid_file)
            snprintf(pid_path, sizeof pid_path, "%s", opt.pid_file);
        else if (state_path_join(pid_path, sizeof pid_path, c.state_dir, PID_FILE, &err) != 0) {
            log_error("state", "%s", err.msg);
            goto out;
        }
        pid_t holder;
        pid_fd = pidfile_acquire(pid_path, &holder, &err);
        if (pid_fd < 0) {
            log_error(NULL, "%s", err.msg);
            goto out;
        }
    }
    /* One status file per daemon, named after its pid file, so a monitor
     * and a healer in one state directory do not overwrite each other. */
    if (status_file_path(loop_dir, opt.once ? NULL : pid_path, c.status_path) != 0)
        goto out;
    c.pid_file = opt.once ? NULL : pid_path;
    c.text = output_is_text();
    c.w = ndjson_writer_new(STDOUT_FILENO);
    if (!c.w) {
        log_error(NULL, "out of memory");
        goto out;
    }
    struct stage_args sa;
    stage_args_build(&sa, c.state_dir);
    const char *check_args[8];
    int nc = 0;
    if (opt.checks) {
        check_args[nc++] = "--checks";
        check_args[nc++] = opt.checks;
    }
    if (opt.name) {
        check_args[nc++] = "--name";
        check_args[nc++] = opt.name;
    }
    check_args[nc] = NULL;
    c.watchdog_ms = opt.once ? 0 : sdnotify_watchdog_ms();
    struct loop_result res;
    for (;;) {
        c.cycle_ms = policy.cycle_ms;
        c.next_cycle_ms = clock_mono_ms() + c.cycle_ms;
        c.next_watchdog_ms = clock_mono_ms() + c.watchdog_ms;
        const char *risk = playbook_risk_name(policy.max_risk);
        struct loop_config cfg = {
            .once = opt.once,
            .mode = mode,
            .bin_dir = bin_dir,
            .stage_args = sa.argv,
            .check_args = check_args,
            .heal_soft = policy.heal_soft,
            .workers = opt.workers != -1 ? opt.workers : policy.max_concurrent_heals,
            .max_risk = risk,
            .drain_ms = drain_ms,
            .tick_ms = opt.once ? 0
                       : c.watchdog_ms && c.watchdog_ms < c.cycle_ms ? c.watchdog_ms
                                                                      : c.cycle_ms,
            .on_record = on_record,
            .on_event = on_event,
            .on_tick = on_tick,
            .on_ready = on_ready,
            .ctx = &c,
        };
        log_info(NULL, "%s pipeline, %s, %d heal-apply worker%s", opt.once ? "one-shot" : "daemon",
                 c.mode, mode == LOOP_MONITOR ? 0 : cfg.workers, cfg.workers == 1 ? "" : "s");
        if (loop_run(&cfg, &res, &err) != 0) {
            log_error("pipeline", "%s", err.msg);
            goto out;
        }
        if (res.end != LOOP_RELOAD)
            break;
        notify("RELOADING=1");
        problems += policy_load(&policy, have_dir ? config_dir : NULL, report_config, NULL);
        policy_free(&policy);
        if (opt.all_states)
            policy.heal_soft = true;
        if (opt.max_risk)
            (void)policy_risk_parse(opt.max_risk, &policy.max_risk);
        log_info(NULL, "configuration read again");
    }
    if (!opt.once)
        notify("STOPPING=1");
    write_status(&c);
    if (opt.once) {
        if (c.text)
            loop_tally_print(&c.tally, stdout, output_use_color());
        else
            put_record(&c, loop_tally_summary(&c.tally, "cycle.summary"));
    }
    if (res.stage_failed && opt.once)
        status = HEAL_EXIT_INTERNAL;
    else if (opt.once)
        status = loop_tally_healthy(&c.tally) ? HEAL_EXIT_OK : HEAL_EXIT_UNHEALTHY;
    else
        status = HEAL_EXIT_OK;
    if ((problems || res.bad_input) && status != HEAL_EXIT_INTERNAL)
        status = HEAL_EXIT_BADINPUT;
out:
    if (c.w)
        ndjson_writer_free(c.w, NULL);
    pidfile_release(pid_path, pid_fd);
    loop_history_close(c.history);
    loop_tally_free(&c.tally);
    return status;
}

/* --- heal-loop stop --- */

static int default_pid_path(char out[STATE_PATH_MAX])
{
    struct heal_error err;
    char state[STATE_PATH_MAX];
    if (opt.pid_file) {
        snprintf(out, STATE_PATH_MAX, "%s", opt.pid_file);
        return 0;
    }
    if (state_dir_resolve(heal_opts.state_dir, state, &err) != 0 ||
        state_path_join(out, STATE_PATH_MAX, state, PID_FILE, &err) != 0) {
        log_error("state", "%s", err.msg);
        return -1;
    }
    return 0;
}

static int stop_main(void)
{
    struct heal_error err;
    char path[STATE_PATH_MAX];
    int64_t wait_ms = STOP_WAIT_DEFAULT_MS;
    if (options_duration("--timeout", opt.stop_timeout, &wait_ms, &err) != 0) {
        log_error(NULL, "%s", err.msg);
        return HEAL_EXIT_USAGE;
    }
    if (default_pid_path(path) != 0)
        return HEAL_EXIT_INTERNAL;
    pid_t pid;
    int running = pidfile_probe(path, &pid, &err);
    if (running < 0) {
        log_error(NULL, "%s", err.msg);
        return HEAL_EXIT_INTERNAL;
    }
    if (!running || pid <= 0) {
        log_error(path, "no heal-loop is running");
        return HEAL_EXIT_UNHEALTHY;
    }
    if (kill(pid, SIGTERM) != 0) {
        log_error(NULL, "pid %ld: %s", (long)pid, strerror(errno));
        return HEAL_EXIT_INTERNAL;
    }
    int64_t deadline = clock_mono_ms() + wait_ms;
    pid_t daemon = pid, still;
    while (pidfile_probe(path, &still, &err) == 1) {
        if (clock_mono_ms() >= deadline) {
            log_error(NULL, "pid %ld still draining after %.0fs", (long)pid,
                      (double)wait_ms / 1000);
            return HEAL_EXIT_INTERNAL;
        }
        struct timespec ts = {0, STOP_POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    log_info(NULL, "pid %ld stopped", (long)daemon);
    return HEAL_EXIT_OK;
}

/* --- heal-loop run --- */

static struct {
    int apply;
    char *max_attempts, *backoff, *backoff_max, *records;
} run_opt;

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
static int run_main(int argc, const char **argv)
{
    struct poptOption table[] = {
        {"max-attempts", '\0', POPT_ARG_STRING, &run_opt.max_attempts, 0,
         "run the command at most N times (default 3)", "N"},
        {"backoff", '\0', POPT_ARG_STRING, &run_opt.backoff, 0,
         "wait at least this long before running again (default 1s)", "DURATION"},
        {"backoff-max", '\0', POPT_ARG_STRING, &run_opt.backoff_max, 0,
         "cap the random part of the wait at this (default 1m)", "DURATION"},
        {"apply", '\0', POPT_ARG_NONE, &run_opt.apply, 0,
         "let heal-apply run `auto` remedies (default: a dry run)", NULL},
        {"records", '\0', POPT_ARG_STRING, &run_opt.records, 0,
         "write the records of failed attempts and a summary event to FILE", "FILE"},
        HEAL_COMMON_OPTIONS,
        POPT_TABLEEND,
    };
    /* POSIXMEHARDER: options end at the command's name, so `run make -j2` needs no `--`. */
    poptContext pc = poptGetContext(PROG " run", argc, argv, table, POPT_CONTEXT_POSIXMEHARDER);
    poptSetOtherOptionHelp(pc, "[OPTION...] [--] COMMAND [ARG...]");
    int status = HEAL_EXIT_USAGE;
    struct heal_error err;
    struct ci_run_config cfg = {
        .backoff_ms = CI_RUN_BACKOFF_DEFAULT_MS,
        .backoff_max_ms = CI_RUN_BACKOFF_MAX_DEFAULT_MS,
    };
    char bin_dir[PATH_MAX];
    if (!options_parse(pc, PROG, "run", &status))
        goto out;
    cfg.argv = (const char *const *)poptGetArgs(pc);
    if (!cfg.argv || !cfg.argv[0] || !cfg.argv[0][0]) {
        log_error("run", "no command given (heal-loop run [OPTION...] -- COMMAND [ARG...])");
        goto out;
    }
    if (parse_attempts(run_opt.max_attempts, &cfg.max_attempts) != 0) {
        log_error("run", "--max-attempts: %s is not between 1 and %d", run_opt.max_attempts,
                  CI_RUN_ATTEMPTS_MAX);
        goto out;
    }
    if (options_duration("--backoff", run_opt.backoff, &cfg.backoff_ms, &err) != 0 ||
        options_duration("--backoff-max", run_opt.backoff_max, &cfg.backoff_max_ms, &err) != 0) {
        log_error("run", "%s", err.msg);
        goto out;
    }
    cfg.apply = run_opt.apply;
    cfg.records = run_opt.records;
    cfg.config_dir = heal_opts.config_dir;
    cfg.state_dir = heal_opts.state_dir;
    cfg.bin_dir = loop_find_bin_dir(bin_dir) == 0 ? bin_dir : NULL;
    status = ci_run(&cfg);
out:
    poptFreeContext(pc);
    free(run_opt.max_attempts);
    free(run_opt.backoff);
    free(run_opt.backoff_max);
    free(run_opt.records);
    options_free();
    return status;
}

/* --- heal-loop status --- */

static void warn_unreadable(const jv *report)
{
    jv counts = jv_object_get(jv_copy(*report), jv_string("unreadable"));
    static const char *const files[] = {"history", "journal"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        jv n = jv_object_get(jv_copy(counts), jv_string(files[i]));
        if (jv_get_kind(n) == JV_KIND_NUMBER && jv_number_value(n) > 0)
            log_warn(files[i], "%.0f unreadable lines skipped", jv_number_value(n));
        jv_free(n);
    }
    jv_free(counts);
}

/* The daemons that wrote a status file in STATE/loop: each with its pid
 * file, whether it runs now (by the pid file's lock), its mode and when
 * it last wrote. */
static jv daemons_found(const char *state)
{
    struct heal_error err;
    jv loops = jv_array();
    char dir[STATE_PATH_MAX];
    if (state_path_join(dir, sizeof dir, state, LOOP_DIR, &err) != 0)
        return loops;
    DIR *d = opendir(dir);
    if (!d)
        return loops;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name), slen = strlen(STATUS_SUFFIX);
        if (e->d_name[0] == '.' || len <= slen || strcmp(e->d_name + len - slen, STATUS_SUFFIX))
            continue;
        char path[STATE_PATH_MAX], *text = NULL;
        size_t n;
        if (state_path_join(path, sizeof path, dir, e->d_name, &err) != 0 ||
            atomicfile_read(path, STATUS_MAX, &text, &n, &err) != 0 || !text)
            continue;
        while (n && text[n - 1] == '\n')
            n--;
        jv doc = ndjson_parse_line(text, n, &err); /* checked first: never jq's parser on bad bytes */
        free(text);
        const char *pid_file = record_string_borrow(&doc, "pid_file");
        if (pid_file) {
            pid_t pid = 0;
            int running = pidfile_probe(pid_file, &pid, &err);
            jv one = jv_object();
            one = jv_object_set(one, jv_string("pid_file"), jv_string(pid_file));
            one = jv_object_set(one, jv_string("pid"), running == 1 ? jv_number(pid) : jv_null());
            one = jv_object_set(one, jv_string("running"), jv_bool(running == 1));
            one = jv_object_set(one, jv_string("mode"),
                                jv_object_get(jv_copy(doc), jv_string("mode")));
            one = jv_object_set(one, jv_string("updated"),
                                jv_object_get(jv_copy(doc), jv_string("ts")));
            loops = jv_array_append(loops, one);
        }
        jv_free(doc);
    }
    closedir(d);
    return loops;
}

static int status_main(poptContext pc)
{
    char state[STATE_PATH_MAX];
    struct heal_error err;
    jv report;
    if (poptPeekArg(pc)) {
        log_error("status", "unexpected argument '%s'", poptPeekArg(pc));
        return HEAL_EXIT_USAGE;
    }
    if (opt.by && !*opt.by) {
        log_error("status", "--by needs a label name");
        return HEAL_EXIT_USAGE;
    }
    if (state_dir_resolve(heal_opts.state_dir, state, &err) != 0 ||
        loop_status_collect(state, opt.by, clock_now_ms(), &report, &err) != 0) {
        log_error("status", "%s", err.msg);
        return HEAL_EXIT_INTERNAL;
    }
    warn_unreadable(&report);
    int status = loop_status_all_ok(&report) ? HEAL_EXIT_OK : HEAL_EXIT_UNHEALTHY;
    if (!opt.by)
        report = jv_object_set(report, jv_string("loops"), daemons_found(state));
    if (output_is_text()) {
        loop_status_print_text(stdout, &report, output_use_color());
        jv_free(report);
    } else {
        jv line = jv_dump_string(report, 0);
        printf("%s\n", jv_string_value(line));
        jv_free(line);
    }
    if (fflush(stdout) != 0 && errno != EPIPE) {
        log_error("stdout", "%s", strerror(errno));
        status = HEAL_EXIT_INTERNAL;
    }
    return status;
}

int main(int argc, const char **argv)
{
    const char *sub = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
    struct poptOption loop_table[] = {
        {"once", '\0', POPT_ARG_NONE, &opt.once, 0,
         "run the pipeline once and exit (default: run as a daemon)", NULL},
        {"apply", '\0', POPT_ARG_NONE, &opt.apply, 0,
         "let heal-apply run remedies under policy (default: heal.json's \"apply\", else a dry "
         "run)",
         NULL},
        {"dry-run", '\0', POPT_ARG_NONE, &opt.dry_run, 0,
         "propose and show what heal-apply would do, run nothing", NULL},
        {"monitor", '\0', POPT_ARG_NONE, &opt.monitor, 0,
         "check and diagnose only: no proposals, no heal-apply", NULL},
        {"checks", '\0', POPT_ARG_STRING, &opt.checks, 0,
         "heal-check reads check definitions from FILE", "FILE"},
        {"name", '\0', POPT_ARG_STRING, &opt.name, 0, "run only the configured check NAME",
         "NAME"},
        {"all-states", '\0', POPT_ARG_NONE, &opt.all_states, 0,
         "heal SOFT problems too (default: heal.json's \"heal_on\", else HARD only)", NULL},
        {"workers", '\0', POPT_ARG_INT, &opt.workers, 0,
         "heal at most N targets at once (default: heal.json's \"max_concurrent_heals\", 4)",
         "N"},
        {"max-risk", '\0', POPT_ARG_STRING, &opt.max_risk, 0,
         "run nothing riskier than RISK: low, medium or high (default: heal.json, low)", "RISK"},
        {"pid-file", '\0', POPT_ARG_STRING, &opt.pid_file, 0,
         "daemon: the pid file (default: STATE_DIR/heal-loop.pid)", "FILE"},
        {"metrics", '\0', POPT_ARG_STRING, &opt.metrics, 0,
         "daemon: write Prometheus metrics to FILE every cycle", "FILE"},
        {"cycle", '\0', POPT_ARG_STRING, &opt.cycle, 0,
         "daemon: how often to write status and metrics (default 10s)", "DURATION"},
        {"drain-timeout", '\0', POPT_ARG_STRING, &opt.drain_timeout, 0,
         "how long stages may take to finish on SIGTERM or SIGHUP (default 30s)", "DURATION"},
        HEAL_COMMON_OPTIONS,
        POPT_TABLEEND,
    };
    struct poptOption stop_table[] = {
        {"pid-file", '\0', POPT_ARG_STRING, &opt.pid_file, 0,
         "the daemon's pid file (default: STATE_DIR/heal-loop.pid)", "FILE"},
        {"timeout", '\0', POPT_ARG_STRING, &opt.stop_timeout, 0,
         "wait this long for it to drain and exit (default 60s)", "DURATION"},
        HEAL_COMMON_OPTIONS,
        POPT_TABLEEND,
    };
    if (sub && !strcmp(sub, "run")) {
        /* Not the loop's signal handling: run's command is ended by our handler. */
        signals_install();
        log_init(PROG);
        return run_main(argc - 1, argv + 1);
    }
    struct poptOption status_table[] = {
        {"by", '\0', POPT_ARG_STRING, &opt.by, 0,
         "roll targets up by the value of LABEL (e.g. project)", "LABEL"},
        HEAL_COMMON_OPTIONS,
        POPT_TABLEEND,
    };
    struct poptOption *table = loop_table;
    const char *name = PROG;
    if (sub && !strcmp(sub, "stop")) {
        table = stop_table;
        name = PROG " stop";
    } else if (sub && !strcmp(sub, "status")) {
        table = status_table;
        name = PROG " status";
    } else if (sub) {
        fprintf(stderr, PROG ": '%s': not a subcommand (status, stop, run) (try --help)\n", sub);
        return HEAL_EXIT_USAGE;
    }
    opt.workers = -1; /* unset: heal.json decides */
    loop_block_signals();
    log_init(PROG);
    poptContext pc = poptGetContext(name, argc - (sub ? 1 : 0), argv + (sub ? 1 : 0), table, 0);
    if (!sub)
        poptSetOtherOptionHelp(pc, "[OPTION...]\n       heal-loop status|stop|run ...");
    int status;
    if (options_parse(pc, PROG, NULL, &status))
        status = !sub                   ? loop_main(pc)
                 : !strcmp(sub, "stop") ? stop_main()
                                        : status_main(pc);
    poptFreeContext(pc);
    free(opt.checks);
    free(opt.name);
    free(opt.pid_file);
    free(opt.metrics);
    free(opt.cycle);
    free(opt.max_risk);
    free(opt.drain_timeout);
    free(opt.stop_timeout);
    free(opt.by);
    options_free();
    return status;
}
