/*
 * heal-check — is everything OK right now?  Runs checks concurrently and
 * writes one check record per result (a table on a terminal).  Exit
 * status follows Nagios: the worst status seen; a usage error is UNKNOWN.
 */
#include "check_report.h"
#include "check_runner.h"
#include "check_set.h"
#include "check_state.h"
#include "clock.h"
#include "log.h"
#include "ndjson.h"
#include "options.h"
#include "policy.h"
#include "signals.h"
#include "state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROG "heal-check"
#define ONEOFF_MAX 256

enum { OPT_LABEL = 1, OPT_ONEOFF = 16 }; /* OPT_ONEOFF + index into oneoff_flags */

static const char *const oneoff_flags[] = {"--http", "--tcp", "--exec", "--process",
                                           "--disk", "--file", "--log", "--dns"};

static struct {
    int once, watch, list, builtin, from_start;
    long count;
    int jobs;
    char *checks_file, *name, *warn, *crit, *timeout, *arg;
} opt = {.jobs = CHECK_RUNNER_JOBS_DEFAULT};

struct run {
    struct ndjson_writer *out;
    bool text, color;
    char state_dir[STATE_PATH_MAX]; /* "" when state is unavailable */
    enum nagios_status worst;
    int counts[4];
    bool write_failed;
    struct jsonbuf line; /* one record, reused */
};

static void report_definition(void *ctx, const char *message)
{
    (void)ctx;
    log_error(NULL, "%s", message);
}

static int64_t on_result(void *ctx, struct check_def *def, struct check_result *result)
{
    struct run *run = ctx;
    struct check_state st;
    struct heal_error err;
    if (run->state_dir[0] && check_state_load(run->state_dir, def->name, &st, &err) != 0)
        log_warn(def->name, "state: %s", err.msg);
    if (!run->state_dir[0])
        check_state_init(&st);
    struct check_state before = st;
    check_state_update(&st, (int)result->status, def->max_attempts, def->flap_low, def->flap_high,
                       clock_now_ms());
    if (run->state_dir[0] && check_state_differs(&before, &st) &&
        check_state_save(run->state_dir, def->name, &st, &err) != 0)
        log_warn(def->name, "state: %s", err.msg);
    run->worst = check_status_worse(run->worst, result->status);
    run->counts[result->status & 3]++;
    if (run->text) {
        char line[2048];
        check_text_line(def, result, &st, run->color, line, sizeof line);
        fputs(line, stdout);
        fflush(stdout);
    } else if (!run->write_failed) {
        run->line.len = 0;
        if (check_record_write(&run->line, def, result, &st, heal_opts.trace, &err) != 0 ||
            ndjson_writer_put_line(run->out, run->line.data, run->line.len, &err) != 0) {
            run->write_failed = true;
            if (errno != EPIPE)
                log_error("stdout", "%s", err.msg);
        }
    }
    return st.last_code > 0 && !st.hard ? def->retry_interval_ms : def->interval_ms;
}

/* Builds the definition of a one-off check from a flag such as --http URL. */
static jv oneoff(const char *flag, const char *arg, struct heal_error *err)
{
    jv o = jv_object();
    const char *kind = flag + 2;
    o = jv_object_set(o, jv_string("kind"), jv_string(kind));
    if (!strcmp(kind, "http")) {
        o = jv_object_set(o, jv_string("url"), jv_string(arg));
    } else if (!strcmp(kind, "tcp")) {
        const char *colon = strrchr(arg, ':');
        char *end;
        long port = colon ? strtol(colon + 1, &end, 10) : 0;
        if (!colon || colon == arg || *end || port < 1 || port > 65535) {
            jv_free(o);
            heal_error_set(err, "--tcp: '%s' is not HOST:PORT", arg);
            return jv_invalid();
        }
        const char *h = arg;
        size_t hl = (size_t)(colon - arg);
        if (h[0] == '[' && hl > 2 && h[hl - 1] == ']')
            h++, hl -= 2; /* [::1]:80 */
        o = jv_object_set(o, jv_string("host"), jv_string_sized(h, (int)hl));
        o = jv_object_set(o, jv_string("port"), jv_number((double)port));
    } else if (!strcmp(kind, "exec")) {
        o = jv_object_set(o, jv_string("command"), jv_string(arg));
    } else if (!strcmp(kind, "log")) {
        const char *colon = strchr(arg, ':');
        if (!colon || colon == arg || !colon[1]) {
            jv_free(o);
            heal_error_set(err, "--log: '%s' is not FILE:REGEX", arg);
            return jv_invalid();
        }
        o = jv_object_set(o, jv_string("path"), jv_string_sized(arg, (int)(colon - arg)));
        o = jv_object_set(o, jv_string("patterns"), jv_array_append(jv_array(), jv_string(colon + 1)));
        if (opt.from_start)
            o = jv_object_set(o, jv_string("from_start"), jv_true());
    } else {
        /* process NAME, disk PATH, file PATH, dns NAME */
        o = jv_object_set(o, jv_string(!strcmp(kind, "process") || !strcmp(kind, "dns") ? "name" : "path"),
                          jv_string(arg));
        if (!strcmp(kind, "process") || !strcmp(kind, "dns")) {
            /* "name" is the check's name field too: keep the target apart. */
            jv v = jv_object_get(jv_copy(o), jv_string("name"));
            o = jv_object_delete(o, jv_string("name"));
            o = jv_object_set(o, jv_string(!strcmp(kind, "dns") ? "query" : "process"), v);
        }
    }
    char name[512];
    snprintf(name, sizeof name, "%s:%s", kind, arg);
    o = jv_object_set(o, jv_string("name"), jv_string(opt.name ? opt.name : name));
    return o;
}

static jv apply_common_flags(jv o, jv labels)
{
    if (opt.warn)
        o = jv_object_set(o, jv_string("warn"), jv_string(opt.warn));
    if (opt.crit)
        o = jv_object_set(o, jv_string("crit"), jv_string(opt.crit));
    if (opt.timeout)
        o = jv_object_set(o, jv_string("timeout"), jv_string(opt.timeout));
    if (jv_object_length(jv_copy(labels)) > 0)
        o = jv_object_set(o, jv_string("labels"), jv_copy(labels));
    return o;
}

static void list_checks(const struct check_set *set, bool text)
{
    for (size_t i = 0; i < set->n; i++) {
        const struct check_def *d = &set->defs[i];
        if (text) {
            jv desc = jv_object_get(jv_copy(d->def), jv_string("description"));
            printf("%-24s %-12s %s%s%s\n", d->name, d->kind, d->source,
                   jv_get_kind(desc) == JV_KIND_STRING ? "  " : "",
                   jv_get_kind(desc) == JV_KIND_STRING ? jv_string_value(desc) : "");
            jv_free(desc);
        } else {
            jv o = jv_object_set(jv_copy(d->def), jv_string("source"), jv_string(d->source));
            jv s = jv_dump_string(o, 0);
            printf("%s\n", jv_string_value(s));
            jv_free(s);
        }
    }
}

int main(int argc, const char **argv)
{
    struct poptOption table[] = {
        {"once", '\0', POPT_ARG_NONE, &opt.once, 0, "run each check once (default)", NULL},
        {"watch", '\0', POPT_ARG_NONE, &opt.watch, 0, "run checks forever, each on its interval", NULL},
        {"count", '\0', POPT_ARG_LONG, &opt.count, 0, "run each check N times, then exit", "N"},
        {"jobs", 'j', POPT_ARG_INT, &opt.jobs, 0, "checks in flight at once (default 64)", "N"},
        {"checks", '\0', POPT_ARG_STRING, &opt.checks_file, 0, "read check definitions from FILE (- for stdin)", "FILE"},
        {"builtin", '\0', POPT_ARG_NONE, &opt.builtin, 0, "add the built-in host checks to configured ones", NULL},
        {"list", '\0', POPT_ARG_NONE, &opt.list, 0, "list the checks that would run, and exit", NULL},
        {"http", '\0', POPT_ARG_STRING, &opt.arg, OPT_ONEOFF + 0, "check an HTTP(S) URL", "URL"},
        {"tcp", '\0', POPT_ARG_STRING, &opt.arg, OPT_ONEOFF + 1, "check that a TCP port accepts connections", "HOST:PORT"},
        {"exec", '\0', POPT_ARG_STRING, &opt.arg, OPT_ONEOFF + 2, "run a Nagios plugin or any command (no shell)", "'CMD ARGS'"},
        {"process", '\0', POPT_ARG_STRING, &opt.arg, OPT_ONEOFF + 3, "check that a process runs", "NAME"},
        {"disk", '\0', POPT_ARG_STRING, &opt.arg, OPT_ONEOFF + 4, "check space and inodes of a filesystem", "PATH"},
        {"file", '\0', POPT_ARG_STRING, &opt.arg, OPT_ONEOFF + 5, "check that a file exists (age, size)", "PATH"},
        {"log", '\0', POPT_ARG_STRING, &opt.arg, OPT_ONEOFF + 6, "check new lines of a log for a regex", "FILE:REGEX"},
        {"dns", '\0', POPT_ARG_STRING, &opt.arg, OPT_ONEOFF + 7, "check that a name resolves", "NAME"},
        {"name", '\0', POPT_ARG_STRING, &opt.name, 0, "name the one-off check, or run only the configured check NAME", "NAME"},
        {"warn", 'w', POPT_ARG_STRING, &opt.warn, 0, "warning threshold (Nagios range) for a one-off check", "RANGE"},
        {"crit", 'c', POPT_ARG_STRING, &opt.crit, 0, "critical threshold (Nagios range) for a one-off check", "RANGE"},
        {"timeout", 't', POPT_ARG_STRING, &opt.timeout, 0, "timeout for a one-off check (default 10s)", "DURATION"},
        {"label", 'l', POPT_ARG_STRING, &opt.arg, OPT_LABEL, "label a one-off check (repeatable)", "KEY=VALUE"},
        {"from-start", '\0', POPT_ARG_NONE, &opt.from_start, 0, "log checks: read a log from its start on the first run", NULL},
        HEAL_COMMON_OPTIONS,
        POPT_TABLEEND,
    };
    signals_install();
    log_init(PROG);
    poptContext pc = poptGetContext(PROG, argc, argv, table, 0);
    poptSetOtherOptionHelp(pc, "[OPTION...]");
    jv pending = jv_array(), labels = jv_object();
    int rc, status = NAGIOS_UNKNOWN;
    struct heal_error err;
    while ((rc = poptGetNextOpt(pc)) > 0) {
        if (rc >= OPT_ONEOFF) {
            const char *flag = oneoff_flags[rc - OPT_ONEOFF];
            pending = jv_array_append(pending, jv_array_append(jv_array_append(jv_array(), jv_string(flag)), jv_string(opt.arg)));
        } else if (rc == OPT_LABEL) {
            const char *eq = strchr(opt.arg, '=');
            if (!eq || eq == opt.arg) {
                log_error("--label", "'%s' is not KEY=VALUE", opt.arg);
                goto out;
            }
            labels = jv_object_set(labels, jv_string_sized(opt.arg, (int)(eq - opt.arg)), jv_string(eq + 1));
        }
        free(opt.arg);
        opt.arg = NULL;
    }
    if (rc < -1) {
        log_error(NULL, "%s: %s (try --help)", poptBadOption(pc, POPT_BADOPTION_NOALIAS), poptStrerror(rc));
        goto out;
    }
    if (poptPeekArg(pc)) {
        log_error(NULL, "unexpected argument '%s' (try --help)", poptPeekArg(pc));
        goto out;
    }
    if (options_finish(PROG, &err) != 0) {
        log_error(NULL, "%s", err.msg);
        goto out;
    }
    if (heal_opts.version) {
        options_print_version(PROG);
        status = 0;
        goto out;
    }
    if (opt.watch && opt.count) {
        log_error(NULL, "--watch and --count exclude each other");
        goto out;
    }
    struct check_set set;
    check_set_init(&set);
    {
        /* heal.json's check defaults apply to every definition, one-offs too. */
        char policy_dir[CONFIG_PATH_MAX];
        struct policy policy;
        if (config_dir_resolve(heal_opts.config_dir, geteuid(), policy_dir, &err) == 0) {
            set.problems += policy_load(&policy, policy_dir, report_definition, NULL);
            check_set_defaults(&set, jv_copy(policy.check_defaults));
            policy_free(&policy);
        }
    }
    int noneoff = jv_array_length(jv_copy(pending));
    if (noneoff > 1 && opt.name)
        log_warn("--name", "names only one one-off check; the others keep KIND:ARG");
    for (int i = 0; i < noneoff; i++) {
        jv p = jv_array_get(jv_copy(pending), i);
        jv f = jv_array_get(jv_copy(p), 0), a = jv_array_get(jv_copy(p), 1);
        char *saved = opt.name;
        if (noneoff > 1)
            opt.name = NULL;
        jv o = oneoff(jv_string_value(f), jv_string_value(a), &err);
        opt.name = saved;
        if (!jv_is_valid(o)) {
            jv_free(o);
            log_error(NULL, "%s", err.msg);
            set.problems++;
        } else {
            /* Consumes o: the definition now owns it. */
            check_set_add(&set, apply_common_flags(o, labels), jv_string_value(f), report_definition, NULL);
            o = jv_null(); /* consumed by check_set_add */
        }
        jv_free(f), jv_free(a), jv_free(p);
    }
    if (noneoff == 0) {
        if (opt.checks_file) {
            check_set_load_file(&set, opt.checks_file, report_definition, NULL);
        } else {
            char dir[CONFIG_PATH_MAX];
            if (config_dir_resolve(heal_opts.config_dir, geteuid(), dir, &err) != 0) {
                log_warn("configuration", "%s; using the built-in checks", err.msg);
                check_set_load_config(&set, NULL, true, report_definition, NULL);
            } else {
                check_set_load_config(&set, dir, opt.builtin, report_definition, NULL);
            }
        }
        if (opt.name && check_set_select(&set, opt.name) == 0) {
            log_error(opt.name, "no such check");
            set.problems++;
        }
    }
    struct run run = {.text = output_is_text(), .color = output_use_color(), .worst = NAGIOS_OK};
    if (opt.list) {
        list_checks(&set, run.text);
        status = set.problems ? NAGIOS_UNKNOWN : NAGIOS_OK;
        check_set_free(&set);
        goto out;
    }
    if (state_dir_open(heal_opts.state_dir, run.state_dir, &err) != 0) {
        log_warn("state", "%s; SOFT/HARD attempts will not carry over between runs", err.msg);
        run.state_dir[0] = '\0';
    }
    for (size_t i = 0; i < set.n; i++)
        set.defs[i].state_dir = run.state_dir[0] ? run.state_dir : NULL;
    run.out = ndjson_writer_new(STDOUT_FILENO);
    struct check_runner *runner = check_runner_new(opt.jobs, &err);
    if (runner && run.out) { /* records go out in batches, before every wait */
        ndjson_writer_batch(run.out);
        check_runner_before_wait(runner, ndjson_writer_before_wait, run.out);
    }
    if (!runner || !run.out) {
        log_error(NULL, "%s", runner ? "out of memory" : err.msg);
    } else if (check_runner_run(runner, set.defs, set.n, opt.watch ? 0 : (opt.count > 0 ? opt.count : 1),
                                on_result, &run, &err) != 0) {
        log_error(NULL, "%s", err.msg);
    } else {
        status = run.worst;
        if (set.problems)
            status = check_status_worse(status, NAGIOS_UNKNOWN);
        if (run.text && set.n > 1)
            printf("%zu checks: %d ok, %d warning, %d critical, %d unknown\n", set.n, run.counts[0],
                   run.counts[1], run.counts[2], run.counts[3]);
    }
    check_runner_free(runner);
    jsonbuf_free(&run.line);
    if (run.out && ndjson_writer_free(run.out, &err) != 0 && errno != EPIPE)
        log_error("stdout", "%s", err.msg);
    check_set_free(&set);
out:
    jv_free(pending);
    jv_free(labels);
    free(opt.arg);
    poptFreeContext(pc);
    options_free();
    return status;
}
