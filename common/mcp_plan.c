#include "mcp_plan.h"
#include "excerpt.h"
#include "exitcode.h"
#include "jsonbuf.h"
#include "mcp_daemon.h"
#include "ndjson.h"
#include "record.h"

#include <stdio.h>
#include <string.h>

/* How long each program may run before it is stopped. */
#define MCP_CHECK_TIMEOUT_MS (5 * 60 * 1000)
#define MCP_STAGE_TIMEOUT_MS (2 * 60 * 1000)
#define MCP_APPLY_TIMEOUT_MS (30 * 60 * 1000)
#define MCP_CYCLE_TIMEOUT_MS (30 * 60 * 1000)
#define MCP_STATUS_TIMEOUT_MS (60 * 1000)
/* heal-loop stop waits for the daemon to finish its cycle. */
#define MCP_STOP_TIMEOUT_MS (5 * 60 * 1000)
#define MCP_SUMMARY_MAX 512
#define MCP_STDERR_EXCERPT 700

static const char *const status_names[] = {"ok", "warning", "critical", "unknown"};

static jv get(const jv *o, const char *key)
{
    return jv_object_get(jv_copy(*o), jv_string(key));
}

static bool flag_set(const jv *args, const char *key)
{
    jv v = get(args, key);
    bool set = jv_get_kind(v) == JV_KIND_TRUE;
    jv_free(v);
    return set;
}

static void add(struct mcp_plan *p, const char *arg)
{
    p->args = jv_array_append(p->args, jv_string(arg));
}

/* --flag=VALUE: one element, so a value can never be taken for an option. */
static void add_value(struct mcp_plan *p, const char *flag, const char *value)
{
    p->args = jv_array_append(p->args, jv_string_fmt("%s=%s", flag, value));
}

/* Adds --flag=VALUE for the string argument key, if given. */
static void add_string(struct mcp_plan *p, const jv *args, const char *key, const char *flag)
{
    jv v = get(args, key);
    if (jv_get_kind(v) == JV_KIND_STRING)
        add_value(p, flag, jv_string_value(v));
    jv_free(v);
}

static void run(struct mcp_plan *p, const char *program, int64_t timeout_ms)
{
    p->kind = MCP_PLAN_RUN;
    p->program = program;
    p->timeout_ms = timeout_ms;
}

/* Records as NDJSON, one per line, for a program's standard input. */
static int records_input(struct mcp_plan *p, jv records, struct heal_error *err)
{
    struct jsonbuf b = {0};
    int rc = 0;
    jv_array_foreach(records, i, r)
    {
        if (rc == 0 && (jsonbuf_append_jv(&b, &r, err) || jsonbuf_append(&b, "\n", 1, err)))
            rc = -1;
        jv_free(r);
    }
    if (rc == 0) {
        jv_free(p->input);
        p->input = jv_string_sized(b.data, (int)b.len);
    }
    jsonbuf_free(&b);
    jv_free(records);
    return rc;
}

/* The records a program wrote; a line that is not one is skipped and counted. */
static jv records_of(const struct spawn_output *out, unsigned *bad)
{
    jv records = jv_array();
    const char *p = out->data, *end = out->data + out->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        struct heal_error e;
        jv r = len ? ndjson_parse_line(p, len, &e) : jv_invalid();
        if (jv_is_valid(r)) {
            records = jv_array_append(records, r);
        } else {
            *bad += len > 0;
            jv_free(r);
        }
        p += len + 1;
    }
    return records;
}

static jv of_type(jv records, const char *type)
{
    jv out = jv_array();
    jv_array_foreach(records, i, r)
    {
        if (record_is_type(&r, type))
            out = jv_array_append(out, r);
        else
            jv_free(r);
    }
    jv_free(records);
    return out;
}

/* True if the program ran to an exit status in [0, last_ok]. */
static bool ran(const struct spawn_result *res, int last_ok)
{
    return res->exited && !res->timed_out && !res->error[0] && res->exit_code >= 0 &&
           res->exit_code <= last_ok;
}

/* Why a program did not give a usable answer, in its own words. */
static jv failure(const struct mcp_plan *p, const struct spawn_result *res)
{
    char why[MCP_STDERR_EXCERPT + 4];
    const char *e = res->err.data;
    size_t len = res->err.len;
    while (len > 0 && (e[len - 1] == '\n' || e[len - 1] == '\r'))
        len--;
    /* The last lines hold the reason; keep the excerpt's end. */
    size_t keep = len > MCP_STDERR_EXCERPT / 2 ? MCP_STDERR_EXCERPT / 2 : len;
    excerpt_printable(e + len - keep, keep, why, sizeof why);
    if (res->error[0])
        return mcp_result_error("%s could not be run: %s", p->program, res->error);
    if (res->timed_out)
        return mcp_result_error("%s did not finish within %lld s and was stopped", p->program,
                                (long long)(p->timeout_ms / 1000));
    if (!res->exited)
        return mcp_result_error("%s was killed by signal %d: %s", p->program, res->signal, why);
    return mcp_result_error("%s failed (exit %d): %s", p->program, res->exit_code, why);
}

static jv with_trace(jv structured, const char *trace)
{
    return jv_object_set(structured, jv_string("trace"), jv_string(trace));
}

/* ---- perform_health_check ---- */

static int plan_check(const jv *args, const struct mcp_context *ctx, const char *trace,
                      struct mcp_plan *p, struct heal_error *err)
{
    (void)trace;
    run(p, "heal-check", MCP_CHECK_TIMEOUT_MS);
    jv check = get(args, "check");
    if (jv_get_kind(check) != JV_KIND_OBJECT) {
        jv_free(check);
        add_string(p, args, "name", "--name");
        if (flag_set(args, "builtin"))
            add(p, "--builtin");
        return 0;
    }
    jv kind = get(&check, "kind"), target = get(&check, "target");
    int rc = 0;
    if (!strcmp(jv_string_value(kind), "exec") && !ctx->allow_exec) {
        rc = heal_error_set(err, "exec checks are refused: heal-mcp runs no program a client "
                                 "names unless started with --allow-exec");
    } else {
        char flag[32];
        snprintf(flag, sizeof flag, "--%s", jv_string_value(kind));
        add_value(p, flag, jv_string_value(target));
        add_string(p, args, "name", "--name");
        add_string(p, &check, "warn", "--warn");
        add_string(p, &check, "crit", "--crit");
        add_string(p, &check, "timeout", "--timeout");
        jv labels = get(&check, "labels");
        if (jv_get_kind(labels) == JV_KIND_OBJECT) {
            jv_object_foreach(labels, key, value)
            {
                if (!jv_string_length_bytes(jv_copy(key)) || strchr(jv_string_value(key), '='))
                    rc = heal_error_set(err, "labels: '%s' is not a label name",
                                        jv_string_value(key));
                p->args =
                    jv_array_append(p->args, jv_string_fmt("--label=%s=%s", jv_string_value(key),
                                                           jv_string_value(value)));
                jv_free(key);
                jv_free(value);
            }
        }
        jv_free(labels);
    }
    jv_free(kind);
    jv_free(target);
    jv_free(check);
    return rc;
}

static jv finish_check(const struct mcp_plan *p, const struct spawn_result *res, const char *trace)
{
    unsigned bad = 0;
    jv checks = of_type(records_of(&res->out, &bad), "check");
    int n = jv_array_length(jv_copy(checks));
    /* heal-check exits 0-3 by the worst status; 3 is also its usage error. */
    if (!ran(res, NAGIOS_UNKNOWN) || (n == 0 && res->exit_code != 0)) {
        jv_free(checks);
        return failure(p, res);
    }
    int counts[4] = {0}, worst = 0;
    static const int badness[4] = {0, 2, 3, 1}; /* CRITICAL > WARNING > UNKNOWN > OK */
    jv_array_foreach(checks, i, c)
    {
        jv code = get(&c, "code");
        int k = jv_get_kind(code) == JV_KIND_NUMBER ? (int)jv_number_value(code) & 3 : 3;
        counts[k]++;
        if (badness[k] > badness[worst])
            worst = k;
        jv_free(code);
        jv_free(c);
    }
    jv cnt = jv_object();
    for (int k = 0; k < 4; k++)
        cnt = jv_object_set(cnt, jv_string(status_names[k]), jv_number(counts[k]));
    char summary[MCP_SUMMARY_MAX];
    snprintf(summary, sizeof summary, "%s: %d check%s, %d ok, %d warning, %d critical, %d unknown",
             status_names[worst], n, n == 1 ? "" : "s", counts[0], counts[1], counts[2], counts[3]);
    jv s = with_trace(jv_object(), trace);
    s = jv_object_set(s, jv_string("status"), jv_string(status_names[worst]));
    s = jv_object_set(s, jv_string("counts"), cnt);
    s = jv_object_set(s, jv_string("checks"), checks);
    return mcp_result(s, summary);
}

/* ---- analyze_failure, propose_fix, apply_fix: records in, records out ---- */

static int plan_analyze(const jv *args, const struct mcp_context *ctx, const char *trace,
                        struct mcp_plan *p, struct heal_error *err)
{
    (void)ctx, (void)trace;
    run(p, "heal-analyze", MCP_STAGE_TIMEOUT_MS);
    jv text = get(args, "text"), record = get(args, "record");
    int rc = 0;
    if (jv_is_valid(text) == jv_is_valid(record)) {
        rc = heal_error_set(err, "give either text or record (one of them)");
    } else if (jv_is_valid(text)) {
        add(p, "--text");
        jv_free(p->input);
        p->input = jv_copy(text);
    } else {
        /* A check is asked about now, not when it has failed often enough. */
        add(p, "--all-states");
        rc = records_input(p, jv_array_append(jv_array(), jv_copy(record)), err);
    }
    jv_free(text);
    jv_free(record);
    return rc;
}

/* A stage's result: the records of one type it wrote, under key. */
static jv finish_stage(const struct mcp_plan *p, const struct spawn_result *res, const char *trace,
                       const char *type, const char *key, jv *records)
{
    unsigned bad = 0;
    /* 0 and 1 are answers; 4 means our input had bad lines: the caller's to fix. */
    if (!ran(res, HEAL_EXIT_UNHEALTHY))
        return failure(p, res);
    *records = of_type(records_of(&res->out, &bad), type);
    return jv_object_set(with_trace(jv_object(), trace), jv_string(key), jv_copy(*records));
}

static jv finish_analyze(const struct mcp_plan *p, const struct spawn_result *res,
                         const char *trace)
{
    jv diagnoses = jv_null();
    jv s = finish_stage(p, res, trace, "diagnosis", "diagnoses", &diagnoses);
    if (jv_get_kind(diagnoses) != JV_KIND_ARRAY)
        return s;
    char summary[MCP_SUMMARY_MAX] = "no known failure found";
    int n = jv_array_length(jv_copy(diagnoses));
    if (n > 0) {
        jv first = jv_array_get(jv_copy(diagnoses), 0);
        const char *sig = record_string_borrow(&first, "signature");
        const char *why = record_string_borrow(&first, "summary");
        snprintf(summary, sizeof summary, "%d diagnos%s; first: %s: %s", n, n == 1 ? "is" : "es",
                 sig ? sig : "?", why ? why : "");
        jv_free(first);
    }
    jv_free(diagnoses);
    return mcp_result(s, summary);
}

static int plan_propose(const jv *args, const struct mcp_context *ctx, const char *trace,
                        struct mcp_plan *p, struct heal_error *err)
{
    (void)ctx, (void)trace;
    run(p, "heal-propose", MCP_STAGE_TIMEOUT_MS);
    return records_input(p, get(args, "diagnoses"), err);
}

static jv finish_propose(const struct mcp_plan *p, const struct spawn_result *res,
                         const char *trace)
{
    jv proposals = jv_null();
    jv s = finish_stage(p, res, trace, "proposal", "proposals", &proposals);
    if (jv_get_kind(proposals) != JV_KIND_ARRAY)
        return s;
    char summary[MCP_SUMMARY_MAX];
    int n = jv_array_length(jv_copy(proposals));
    snprintf(summary, sizeof summary, "%d proposal%s", n, n == 1 ? "" : "s");
    jv_free(proposals);
    return mcp_result(s, summary);
}

static int plan_apply(const jv *args, const struct mcp_context *ctx, const char *trace,
                      struct mcp_plan *p, struct heal_error *err)
{
    (void)trace;
    run(p, "heal-apply", MCP_APPLY_TIMEOUT_MS);
    if (flag_set(args, "apply")) {
        if (ctx->read_only)
            return heal_error_set(err, "apply is refused: heal-mcp was started with --read-only; "
                                       "call without apply for a dry run");
        add(p, "--apply");
    }
    return records_input(p, get(args, "proposals"), err);
}

static jv finish_apply(const struct mcp_plan *p, const struct spawn_result *res, const char *trace)
{
    jv outcomes = jv_null();
    jv s = finish_stage(p, res, trace, "outcome", "outcomes", &outcomes);
    if (jv_get_kind(outcomes) != JV_KIND_ARRAY)
        return s;
    bool applied = false;
    jv_array_foreach(p->args, i, a)
    {
        applied = applied || !strcmp(jv_string_value(a), "--apply");
        jv_free(a);
    }
    int n = jv_array_length(jv_copy(outcomes)), healed = 0;
    jv_array_foreach(outcomes, i, o)
    {
        const char *result = record_string_borrow(&o, "result");
        healed += result && !strcmp(result, "healed");
        jv_free(o);
    }
    char summary[MCP_SUMMARY_MAX];
    snprintf(summary, sizeof summary, "%d outcome%s, %d healed%s", n, n == 1 ? "" : "s", healed,
             applied ? "" : " (dry run: nothing was run)");
    s = jv_object_set(s, jv_string("applied"), jv_bool(applied));
    s = jv_object_set(s, jv_string("healthy"), jv_bool(res->exit_code == HEAL_EXIT_OK));
    jv_free(outcomes);
    return mcp_result(s, summary);
}

/* ---- heal-loop: one cycle, status, and the two daemons ---- */

static int plan_cycle(const jv *args, const struct mcp_context *ctx, const char *trace,
                      struct mcp_plan *p, struct heal_error *err)
{
    (void)trace;
    run(p, MCP_DAEMON_PROGRAM, MCP_CYCLE_TIMEOUT_MS);
    add(p, "--once");
    bool apply = flag_set(args, "apply"), monitor = flag_set(args, "monitor");
    if (apply && monitor)
        return heal_error_set(err, "apply and monitor exclude each other");
    if (apply && ctx->read_only)
        return heal_error_set(err, "apply is refused: heal-mcp was started with --read-only");
    /* Explicit either way: heal.json's "apply" must not turn a plain call into a run. */
    add(p, apply ? "--apply" : monitor ? "--monitor" : "--dry-run");
    add_string(p, args, "name", "--name");
    return 0;
}

static jv finish_cycle(const struct mcp_plan *p, const struct spawn_result *res, const char *trace)
{
    unsigned bad = 0;
    /* 0 healthy, 1 problems remain: both are answers; 3 a stage failed. */
    if (!ran(res, HEAL_EXIT_UNHEALTHY))
        return failure(p, res);
    jv records = records_of(&res->out, &bad), summary = jv_invalid();
    jv_array_foreach(records, i, r)
    {
        const char *event = record_is_type(&r, "event") ? record_string_borrow(&r, "event") : NULL;
        if (event && !strcmp(event, "cycle.summary")) {
            jv_free(summary);
            summary = jv_copy(r);
        }
        jv_free(r);
    }
    if (!jv_is_valid(summary)) {
        jv_free(records);
        return mcp_result_error("%s --once ended without a cycle.summary record", p->program);
    }
    jv healthy = get(&summary, "healthy");
    bool ok = jv_get_kind(healthy) == JV_KIND_TRUE;
    jv_free(healthy);
    char text[MCP_SUMMARY_MAX];
    snprintf(text, sizeof text, "one cycle: %s, %d records", ok ? "healthy" : "problems remain",
             jv_array_length(jv_copy(records)));
    jv s = with_trace(jv_object(), trace);
    s = jv_object_set(s, jv_string("healthy"), jv_bool(ok));
    s = jv_object_set(s, jv_string("summary"), summary);
    s = jv_object_set(s, jv_string("records"), records);
    return mcp_result(s, text);
}

static int plan_status(const jv *args, const struct mcp_context *ctx, const char *trace,
                       struct mcp_plan *p, struct heal_error *err)
{
    (void)ctx, (void)trace, (void)err;
    run(p, MCP_DAEMON_PROGRAM, MCP_STATUS_TIMEOUT_MS);
    add(p, "status");
    add_string(p, args, "by", "--by");
    return 0;
}

static jv finish_status(const struct mcp_plan *p, const struct spawn_result *res, const char *trace)
{
    if (!ran(res, HEAL_EXIT_UNHEALTHY))
        return failure(p, res);
    size_t len = res->out.len;
    while (len > 0 && res->out.data[len - 1] == '\n')
        len--;
    struct heal_error e;
    jv status = ndjson_parse_line(res->out.data, len, &e);
    if (!jv_is_valid(status)) {
        jv_free(status);
        return mcp_result_error("%s status wrote no status object: %s", p->program, e.msg);
    }
    jv targets = get(&status, "targets");
    int n = jv_get_kind(targets) == JV_KIND_ARRAY ? jv_array_length(jv_copy(targets)) : 0;
    jv_free(targets);
    char summary[MCP_SUMMARY_MAX];
    snprintf(summary, sizeof summary, "%d target%s", n, n == 1 ? "" : "s");
    return mcp_result(with_trace(status, trace), summary);
}

/* The state of a daemon as start and stop report it. */
static jv daemon_state(const char *trace, const char *mode, const char *pid_file)
{
    jv s = with_trace(jv_object(), trace);
    s = jv_object_set(s, jv_string("mode"), jv_string(mode));
    return jv_object_set(s, jv_string("pid_file"), jv_string(pid_file));
}

static int plan_start(const struct mcp_context *ctx, const char *trace, const char *mode,
                      const char *pid_name, const char *log_name, struct mcp_plan *p,
                      struct heal_error *err)
{
    if (snprintf(p->pid_file, sizeof p->pid_file, "%s/%s", ctx->state_dir, pid_name) >=
            (int)sizeof p->pid_file ||
        snprintf(p->log_file, sizeof p->log_file, "%s/%s", ctx->state_dir, log_name) >=
            (int)sizeof p->log_file)
        return heal_error_set(err, "state directory path too long");
    p->mode = mode;
    pid_t pid = mcp_daemon_running(p->pid_file);
    if (pid > 0) {
        p->result = mcp_daemon_result(p, pid, false, trace);
        return 0;
    }
    p->kind = MCP_PLAN_DAEMON;
    p->program = MCP_DAEMON_PROGRAM;
    add(p, !strcmp(mode, "apply") ? "--apply" : "--monitor");
    add_value(p, "--pid-file", p->pid_file);
    return 0;
}

jv mcp_daemon_result(const struct mcp_plan *p, pid_t pid, bool started, const char *trace)
{
    jv s = daemon_state(trace, p->mode, p->pid_file);
    s = jv_object_set(s, jv_string("started"), jv_bool(started));
    s = jv_object_set(s, jv_string("running"), jv_true());
    s = jv_object_set(s, jv_string("pid"), jv_number(pid));
    s = jv_object_set(s, jv_string("log_file"), jv_string(p->log_file));
    char summary[MCP_SUMMARY_MAX];
    snprintf(summary, sizeof summary, "heal-loop (%s) %s pid %d", p->mode,
             started ? "started as" : "already runs as", (int)pid);
    return mcp_result(s, summary);
}

static int plan_stop(const struct mcp_context *ctx, const char *mode, const char *pid_name,
                     struct mcp_plan *p, struct heal_error *err)
{
    if (snprintf(p->pid_file, sizeof p->pid_file, "%s/%s", ctx->state_dir, pid_name) >=
        (int)sizeof p->pid_file)
        return heal_error_set(err, "state directory path too long");
    p->mode = mode;
    run(p, MCP_DAEMON_PROGRAM, MCP_STOP_TIMEOUT_MS);
    add(p, "stop");
    add_value(p, "--pid-file", p->pid_file);
    return 0;
}

static jv finish_stop(const struct mcp_plan *p, const struct spawn_result *res, const char *trace)
{
    /* heal-loop stop: 0 it stopped, 1 none was running. */
    if (!ran(res, 1))
        return failure(p, res);
    bool stopped = res->exit_code == 0;
    jv s = daemon_state(trace, p->mode, p->pid_file);
    s = jv_object_set(s, jv_string("stopped"), jv_bool(stopped));
    char summary[MCP_SUMMARY_MAX];
    snprintf(summary, sizeof summary, "heal-loop (%s) %s", p->mode,
             stopped ? "stopped" : "was not running");
    return mcp_result(s, summary);
}

static int plan_start_monitoring(const jv *args, const struct mcp_context *ctx, const char *trace,
                                 struct mcp_plan *p, struct heal_error *err)
{
    (void)args;
    return plan_start(ctx, trace, "monitor", MCP_MONITOR_PID_FILE, MCP_MONITOR_LOG_FILE, p, err);
}

static int plan_stop_monitoring(const jv *args, const struct mcp_context *ctx, const char *trace,
                                struct mcp_plan *p, struct heal_error *err)
{
    (void)args, (void)trace;
    return plan_stop(ctx, "monitor", MCP_MONITOR_PID_FILE, p, err);
}

static int plan_start_loop(const jv *args, const struct mcp_context *ctx, const char *trace,
                           struct mcp_plan *p, struct heal_error *err)
{
    (void)args;
    if (ctx->read_only)
        return heal_error_set(err, "refused: heal-mcp was started with --read-only; "
                                   "start_health_monitoring changes nothing");
    return plan_start(ctx, trace, "apply", MCP_LOOP_PID_FILE, MCP_LOOP_LOG_FILE, p, err);
}

static int plan_stop_loop(const jv *args, const struct mcp_context *ctx, const char *trace,
                          struct mcp_plan *p, struct heal_error *err)
{
    (void)args, (void)trace;
    return plan_stop(ctx, "apply", MCP_LOOP_PID_FILE, p, err);
}

/* Strings (and keys) of the object o, one level deep; path names o. */
static int strings_nul_free(const jv *o, const char *path, const char *skip, struct heal_error *err)
{
    int rc = 0;
    if (jv_get_kind(*o) != JV_KIND_OBJECT)
        return 0;
    jv_object_foreach(*o, key, value)
    {
        const char *k = jv_string_value(key);
        bool cut =
            strlen(k) != (size_t)jv_string_length_bytes(jv_copy(key)) ||
            (jv_get_kind(value) == JV_KIND_STRING &&
             strlen(jv_string_value(value)) != (size_t)jv_string_length_bytes(jv_copy(value)));
        if (rc == 0 && cut && !(skip && !strcmp(k, skip)))
            rc = heal_error_set(err, "%s.%s holds a NUL byte", path, k);
        jv_free(key);
        jv_free(value);
    }
    return rc;
}

int mcp_plan_args_nul_free(const jv *args, struct heal_error *err)
{
    if (jv_get_kind(*args) != JV_KIND_OBJECT)
        return 0;
    jv check = get(args, "check");
    jv labels = jv_get_kind(check) == JV_KIND_OBJECT ? get(&check, "labels") : jv_invalid();
    int rc = strings_nul_free(args, "arguments", "text", err);
    if (rc == 0)
        rc = strings_nul_free(&check, "arguments.check", NULL, err);
    if (rc == 0)
        rc = strings_nul_free(&labels, "arguments.check.labels", NULL, err);
    jv_free(labels);
    jv_free(check);
    return rc;
}

const struct mcp_behaviour mcp_behaviours[] = {
    {"perform_health_check", plan_check, finish_check, true},
    {"analyze_failure", plan_analyze, finish_analyze, false},
    {"propose_fix", plan_propose, finish_propose, false},
    {"apply_fix", plan_apply, finish_apply, false},
    {"trigger_healing_session", plan_cycle, finish_cycle, false},
    {"get_healing_status", plan_status, finish_status, false},
    {"start_health_monitoring", plan_start_monitoring, NULL, false},
    {"stop_health_monitoring", plan_stop_monitoring, finish_stop, false},
    {"start_healing_loop", plan_start_loop, NULL, false},
    {"stop_healing_loop", plan_stop_loop, finish_stop, false},
    {NULL, NULL, NULL, false},
};

const struct mcp_behaviour *mcp_behaviour_find(const char *name)
{
    for (const struct mcp_behaviour *b = mcp_behaviours; b->name; b++)
        if (!strcmp(b->name, name))
            return b;
    return NULL;
}
