#include "mcp_calls.h"
#include "clock.h"
#include "log.h"
#include "mcp_audit.h"
#include "mcp_daemon.h"
#include "mcp_jsonrpc.h"
#include "ndjson.h"
#include "progpath.h"
#include "record.h"
#include "spawn.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MCP_ARGV_MAX 128
#define MCP_PROGRESS_TEXT_MAX 300
#define MCP_AUDIT_REASON_MAX 200

_Static_assert(MCP_CALLS_POLLFDS_MAX >= MCP_CALLS_MAX * SPAWN_POLLFD_MAX,
               "room for every program's descriptors");

struct call {
    bool used, cancelled;
    uint64_t group;
    void *owner; /* NULL once the owner went away */
    const struct mcp_call_sink *sink;
    jv id, token; /* token: null without a progress token */
    jv args;      /* a copy, digested into the audit line */
    jv changed;   /* outcome ids the program wrote */
    int tool;
    char trace[RECORD_ID_SIZE];
    struct mcp_caller caller;
    char session[MCP_SESSION_ID_MAX];
    int http_status;
    struct mcp_plan plan;
    struct spawn_child *child; /* RUN */
    pid_t daemon;              /* DAEMON: started, waiting for its pid file */
    int64_t deadline_ms;       /* DAEMON */
    int64_t started_ms, beat_ms;
    size_t scanned;  /* bytes of the child's stdout looked at for progress */
    size_t records;  /* complete lines seen so far */
    double progress; /* last value sent: it must grow */
    int pollfd_first, pollfd_count;
};

struct mcp_calls {
    struct mcp_calls_config cfg;
    struct call calls[MCP_CALLS_MAX];
};

struct mcp_calls *mcp_calls_new(const struct mcp_calls_config *cfg)
{
    struct mcp_calls *e = calloc(1, sizeof *e);
    if (e)
        e->cfg = *cfg;
    return e;
}

static void send_to_owner(struct call *c, jv msg)
{
    if (c->owner)
        c->sink->send(c->owner, msg);
    else
        jv_free(msg);
}

static int find_call(const struct mcp_calls *e, uint64_t group, const jv *id)
{
    for (int i = 0; i < MCP_CALLS_MAX; i++) {
        const struct call *c = &e->calls[i];
        if (c->used && c->group == group && jv_equal(jv_copy(c->id), jv_copy(*id)))
            return i;
    }
    return -1;
}

bool mcp_calls_in_flight(const struct mcp_calls *e, uint64_t group, const jv *id)
{
    return find_call(e, group, id) >= 0;
}

static void progress(struct call *c, const char *message)
{
    if (jv_get_kind(c->token) == JV_KIND_NULL || c->cancelled)
        return;
    c->progress += 1;
    c->beat_ms = clock_mono_ms() + MCP_PROGRESS_BEAT_MS;
    jv p = jv_object_set(jv_object(), jv_string("progressToken"), jv_copy(c->token));
    p = jv_object_set(p, jv_string("progress"), jv_number(c->progress));
    p = jv_object_set(p, jv_string("message"), jv_string(message));
    send_to_owner(c, mcp_notification("notifications/progress", p));
}

static void call_free(struct call *c)
{
    void *owner = c->owner;
    const struct mcp_call_sink *sink = c->sink;
    jv_free(c->id);
    jv_free(c->token);
    jv_free(c->args);
    jv_free(c->changed);
    mcp_plan_free(&c->plan);
    memset(c, 0, sizeof *c);
    if (owner)
        sink->done(owner);
}

/* The first text of an isError result, for the audit line's reason. */
static void error_text(const jv *result, char *out, size_t size)
{
    jv content = jv_object_get(jv_copy(*result), jv_string("content"));
    jv first =
        jv_get_kind(content) == JV_KIND_ARRAY ? jv_array_get(jv_copy(content), 0) : jv_invalid();
    jv text = jv_get_kind(first) == JV_KIND_OBJECT
                  ? jv_object_get(jv_copy(first), jv_string("text"))
                  : jv_invalid();
    snprintf(out, size, "%s",
             jv_get_kind(text) == JV_KIND_STRING ? jv_string_value(text) : "isError");
    jv_free(text);
    jv_free(first);
    jv_free(content);
}

static void audit(const struct mcp_calls *e, const struct call *c, const jv *result)
{
    if (!e->cfg.audit)
        return;
    char reason[MCP_AUDIT_REASON_MAX] = "";
    bool failed = c->cancelled;
    if (c->cancelled) {
        snprintf(reason, sizeof reason, "cancelled");
    } else {
        jv is_error = jv_object_get(jv_copy(*result), jv_string("isError"));
        failed = jv_get_kind(is_error) == JV_KIND_TRUE;
        jv_free(is_error);
        if (failed)
            error_text(result, reason, sizeof reason);
    }
    struct mcp_audit_call a = {
        .caller = &c->caller,
        .tool = mcp_tools_name(e->cfg.tools, c->tool),
        .method = "tools/call",
        .args = &c->args,
        .result = failed ? MCP_AUDIT_ERROR : MCP_AUDIT_OK,
        .reason = failed ? reason : NULL,
        .http_status = c->http_status,
        .changed = jv_is_valid(c->changed) ? &c->changed : NULL,
        .duration_ms = clock_mono_ms() - c->started_ms,
        .session = c->session[0] ? c->session : NULL,
        .trace = c->trace,
    };
    struct heal_error err;
    if (mcp_audit_write(e->cfg.audit, &a, &err) != 0)
        log_error("audit", "%s", err.msg);
}

/* Answers the call (unless cancelled) with result (consumed) and frees it. */
static void call_answer(struct mcp_calls *e, struct call *c, jv result)
{
    log_set_trace(c->trace);
    const char *name = mcp_tools_name(e->cfg.tools, c->tool);
    audit(e, c, &result);
    if (c->cancelled) {
        log_info(name, "cancelled: no answer sent");
        jv_free(result);
    } else {
        jv is_error = jv_object_get(jv_copy(result), jv_string("isError"));
        log_info(name, "%s after %lld ms",
                 jv_get_kind(is_error) == JV_KIND_TRUE ? "failed" : "done",
                 (long long)(clock_mono_ms() - c->started_ms));
        jv_free(is_error);
        send_to_owner(c, mcp_response(jv_copy(c->id), result));
    }
    log_set_trace(NULL);
    call_free(c);
}

/* argv: the program, the plan's arguments, then the options every program gets. */
static int build_argv(const struct mcp_calls *e, const struct call *c, char *path,
                      const char **argv, struct heal_error *err)
{
    if (progpath_find(c->plan.program, path) != 0)
        return heal_error_set(err, "%s is not installed beside heal-mcp or on PATH",
                              c->plan.program);
    size_t n = 0;
    argv[n++] = path;
    jv_array_foreach(c->plan.args, i, a)
    {
        /* c->plan.args holds the strings for as long as the call lives. */
        if (n < MCP_ARGV_MAX - 1)
            argv[n++] = jv_string_value(a);
        jv_free(a);
    }
    for (const char *const *o = e->cfg.child_options; o && *o && n < MCP_ARGV_MAX - 1; o++)
        argv[n++] = *o;
    argv[n] = NULL;
    return 0;
}

static int start_run(const struct mcp_calls *e, struct call *c, struct heal_error *err)
{
    char path[PATH_MAX], trace_env[64];
    const char *argv[MCP_ARGV_MAX];
    if (build_argv(e, c, path, argv, err) != 0)
        return -1;
    snprintf(trace_env, sizeof trace_env, "HEAL_TRACE=%s", c->trace);
    const char *extra[] = {trace_env, NULL};
    bool has_input = jv_get_kind(c->plan.input) == JV_KIND_STRING;
    struct spawn_options o = {
        .argv = argv,
        .stdin_data = has_input ? jv_string_value(c->plan.input) : NULL,
        .stdin_len = has_input ? (size_t)jv_string_length_bytes(jv_copy(c->plan.input)) : 0,
        .timeout_ms = c->plan.timeout_ms,
        .output_max = MCP_OUTPUT_MAX,
        .env = SPAWN_ENV_INHERIT,
        .env_extra = extra,
    };
    c->child = spawn_start(&o, err);
    if (!c->child)
        return -1;
    char message[MCP_PROGRESS_TEXT_MAX];
    snprintf(message, sizeof message, "started %s", c->plan.program);
    progress(c, message);
    return 0;
}

static int start_daemon(const struct mcp_calls *e, struct call *c, struct heal_error *err)
{
    char path[PATH_MAX];
    const char *argv[MCP_ARGV_MAX];
    if (build_argv(e, c, path, argv, err) != 0)
        return -1;
    /* A daemon runs many cycles, each its own chain: it must not join this call's trace,
     * or heal-apply would take every later cycle for the one it already acted on. */
    const char *extra[] = {"HEAL_TRACE=", NULL};
    struct spawn_options o = {.argv = argv, .env = SPAWN_ENV_INHERIT, .env_extra = extra};
    if (spawn_daemon(&o, c->plan.log_file, &c->daemon, err) != 0)
        return -1;
    log_info(c->plan.program, "started as pid %d, output to %s", (int)c->daemon, c->plan.log_file);
    c->deadline_ms = clock_mono_ms() + MCP_DAEMON_START_MS;
    return 0;
}

void mcp_calls_start(struct mcp_calls *e, const struct mcp_call_origin *origin, void *owner,
                     const struct mcp_call_sink *sink, jv id, int tool, jv args, jv token)
{
    struct call *c = NULL;
    for (int i = 0; i < MCP_CALLS_MAX && !c; i++)
        if (!e->calls[i].used)
            c = &e->calls[i];
    if (!c) {
        jv_free(args);
        jv_free(token);
        sink->send(owner, mcp_response(id, mcp_result_error("%d calls are running; try again "
                                                            "when one has finished",
                                                            MCP_CALLS_MAX)));
        sink->done(owner);
        return;
    }
    c->used = true;
    c->group = origin->group;
    c->owner = owner;
    c->sink = sink;
    c->id = id;
    c->token = token;
    c->args = jv_copy(args);
    c->changed = jv_invalid();
    c->tool = tool;
    c->caller = *origin->caller;
    snprintf(c->session, sizeof c->session, "%s", origin->session ? origin->session : "");
    c->http_status = origin->http_status;
    c->started_ms = clock_mono_ms();
    c->beat_ms = c->started_ms + MCP_PROGRESS_BEAT_MS;
    record_id_new(c->trace);
    log_set_trace(c->trace);
    log_info(mcp_tools_name(e->cfg.tools, tool), "called by %s (%s)",
             c->caller.sub[0] ? c->caller.sub : "?", c->caller.remote);
    mcp_tool_plan(e->cfg.tools, tool, &args, c->trace, &c->plan);
    jv_free(args);
    struct heal_error err;
    int rc = 0;
    if (c->plan.kind == MCP_PLAN_RUN)
        rc = start_run(e, c, &err);
    else if (c->plan.kind == MCP_PLAN_DAEMON)
        rc = start_daemon(e, c, &err);
    log_set_trace(NULL);
    if (rc != 0)
        call_answer(e, c, mcp_result_error("%s", err.msg));
    else if (c->plan.kind == MCP_PLAN_DONE)
        call_answer(e, c, jv_copy(c->plan.result));
}

static void cancel(struct call *c, const char *why)
{
    if (c->cancelled)
        return;
    c->cancelled = true;
    log_set_trace(c->trace);
    log_info(c->plan.program, "%s: stopping", why);
    log_set_trace(NULL);
    if (c->child)
        spawn_child_stop(c->child, MCP_CANCEL_GRACE_MS);
    else if (c->daemon > 0)
        kill(c->daemon, SIGTERM); /* it was started for this call alone */
}

void mcp_calls_cancel(struct mcp_calls *e, uint64_t group, jv id)
{
    int i = find_call(e, group, &id);
    jv_free(id);
    if (i >= 0)
        cancel(&e->calls[i], "cancelled by the client");
}

void mcp_calls_cancel_group(struct mcp_calls *e, uint64_t group)
{
    for (int i = 0; i < MCP_CALLS_MAX; i++)
        if (e->calls[i].used && e->calls[i].group == group)
            cancel(&e->calls[i], "the session ended");
}

void mcp_calls_drop_owner(struct mcp_calls *e, const void *owner)
{
    for (int i = 0; i < MCP_CALLS_MAX; i++)
        if (e->calls[i].used && e->calls[i].owner == owner)
            e->calls[i].owner = NULL;
}

/* Progress from the records the child has written since last time. */
static void child_progress(struct call *c)
{
    size_t len;
    const char *out = spawn_child_stdout(c->child, &len);
    const char *last = NULL;
    size_t last_len = 0;
    while (c->scanned < len) {
        const char *nl = memchr(out + c->scanned, '\n', len - c->scanned);
        if (!nl)
            break;
        last = out + c->scanned;
        last_len = (size_t)(nl - last);
        c->records++;
        c->scanned = (size_t)(nl - out) + 1;
    }
    char message[MCP_PROGRESS_TEXT_MAX];
    if (last) {
        struct heal_error e;
        jv r = ndjson_parse_line(last, last_len, &e);
        const char *type = jv_is_valid(r) ? record_string_borrow(&r, "type") : NULL;
        const char *target = jv_is_valid(r) ? record_string_borrow(&r, "target") : NULL;
        snprintf(message, sizeof message, "%zu record%s from %s; last: %.40s %.100s", c->records,
                 c->records == 1 ? "" : "s", c->plan.program, type ? type : "?",
                 target ? target : "");
        jv_free(r);
        progress(c, message);
    } else if (clock_mono_ms() >= c->beat_ms) {
        snprintf(message, sizeof message, "%s running for %lld s", c->plan.program,
                 (long long)((clock_mono_ms() - c->started_ms) / 1000));
        progress(c, message);
    }
}

static void child_done(struct mcp_calls *e, struct call *c)
{
    struct spawn_result res;
    spawn_child_finish(c->child, &res);
    c->child = NULL;
    log_relay(res.err.data, res.err.len);
    if (e->cfg.audit)
        c->changed = mcp_audit_outcome_ids(res.out.data, res.out.len);
    if (c->cancelled)
        call_answer(e, c, jv_null());
    else
        call_answer(e, c, mcp_tool_finish(e->cfg.tools, c->tool, &c->plan, &res, c->trace));
    spawn_result_free(&res);
}

static void daemon_wait(struct mcp_calls *e, struct call *c)
{
    pid_t running = mcp_daemon_running(c->plan.pid_file);
    if (running > 0 && (running == c->daemon || !mcp_daemon_is_loop(c->daemon))) {
        /* Ours, or another that won the race for the pid file and stopped ours. */
        bool ours = running == c->daemon;
        call_answer(e, c, mcp_daemon_result(&c->plan, running, ours, c->trace));
        return;
    }
    if (c->cancelled && !mcp_daemon_is_loop(c->daemon)) {
        call_answer(e, c, jv_null());
        return;
    }
    char tail[400];
    if (!mcp_daemon_is_loop(c->daemon)) {
        mcp_daemon_log_tail(c->plan.log_file, tail, sizeof tail);
        call_answer(e, c,
                    mcp_result_error("heal-loop exited as it started: %s (see %s)", tail,
                                     c->plan.log_file));
    } else if (clock_mono_ms() >= c->deadline_ms) {
        call_answer(e, c,
                    mcp_result_error("heal-loop runs as pid %d but wrote no pid file %s "
                                     "within %d s; see %s",
                                     (int)c->daemon, c->plan.pid_file, MCP_DAEMON_START_MS / 1000,
                                     c->plan.log_file));
    }
}

int mcp_calls_active(const struct mcp_calls *e)
{
    int n = 0;
    for (int i = 0; i < MCP_CALLS_MAX; i++)
        n += e->calls[i].used;
    return n;
}

int mcp_calls_wait_ms(const struct mcp_calls *e)
{
    int64_t now = clock_mono_ms(), soonest = -1;
    for (int i = 0; i < MCP_CALLS_MAX; i++) {
        const struct call *c = &e->calls[i];
        if (!c->used)
            continue;
        int64_t t = -1;
        if (c->child) {
            int w = spawn_child_wait_ms(c->child);
            t = w >= 0 ? now + w : -1;
            if (jv_get_kind(c->token) != JV_KIND_NULL && (t < 0 || c->beat_ms < t))
                t = c->beat_ms;
        } else if (c->daemon > 0) {
            t = now + MCP_DAEMON_POLL_MS;
        }
        if (t >= 0 && (soonest < 0 || t < soonest))
            soonest = t;
    }
    if (soonest < 0)
        return -1;
    return soonest <= now ? 0 : (int)(soonest - now > 60000 ? 60000 : soonest - now);
}

void mcp_calls_stop_all(struct mcp_calls *e)
{
    for (int i = 0; i < MCP_CALLS_MAX; i++) {
        struct call *c = &e->calls[i];
        if (!c->used)
            continue;
        c->cancelled = true;
        if (c->child)
            spawn_child_stop(c->child, MCP_CANCEL_GRACE_MS);
        else
            call_free(c); /* a daemon being started keeps running: it was asked for */
    }
}

int mcp_calls_pollfds(struct mcp_calls *e, struct pollfd *fds)
{
    int n = 0;
    for (int i = 0; i < MCP_CALLS_MAX; i++) {
        struct call *c = &e->calls[i];
        c->pollfd_first = n;
        c->pollfd_count = c->used && c->child ? spawn_child_pollfds(c->child, fds + n) : 0;
        n += c->pollfd_count;
    }
    return n;
}

void mcp_calls_service(struct mcp_calls *e, struct pollfd *fds, bool ready)
{
    for (int i = 0; i < MCP_CALLS_MAX; i++) {
        struct call *c = &e->calls[i];
        if (!c->used)
            continue;
        if (c->child) {
            bool mine = ready && c->pollfd_count > 0;
            spawn_child_service(c->child, mine ? fds + c->pollfd_first : NULL,
                                mine ? c->pollfd_count : 0);
            child_progress(c);
            if (spawn_child_done(c->child))
                child_done(e, c);
        } else if (c->daemon > 0) {
            daemon_wait(e, c);
        }
    }
}

void mcp_calls_free(struct mcp_calls *e)
{
    if (!e)
        return;
    for (int i = 0; i < MCP_CALLS_MAX; i++) {
        struct call *c = &e->calls[i];
        if (c->used && c->child) {
            struct spawn_result res;
            spawn_child_finish(c->child, &res);
            c->child = NULL;
            spawn_result_free(&res);
        }
        if (c->used) {
            c->owner = NULL;
            call_free(c);
        }
    }
    free(e);
}
