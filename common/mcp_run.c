#include "mcp_run.h"
#include "clock.h"
#include "jsonbuf.h"
#include "log.h"
#include "mcp_daemon.h"
#include "mcp_jsonrpc.h"
#include "mcp_server.h"
#include "ndjson.h"
#include "progpath.h"
#include "record.h"
#include "signals.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MCP_READ_CHUNK (64 * 1024)
#define MCP_ARGV_MAX 128
#define MCP_POLLFDS_MAX (1 + MCP_CALLS_MAX * SPAWN_POLLFD_MAX)
#define MCP_PROGRESS_TEXT_MAX 300

struct call {
    bool used, cancelled;
    jv id, token; /* token: null without a progress token */
    int tool;
    char trace[RECORD_ID_SIZE];
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

struct loop {
    const struct mcp_run_config *cfg;
    struct mcp_server *server;
    struct call calls[MCP_CALLS_MAX];
    struct jsonbuf out;
    struct mcp_lines in;
    bool eof, out_failed;
    bool stopping; /* every call cancelled; waiting for their programs to end */
};

static void send_message(void *ctx, jv msg)
{
    struct loop *l = ctx;
    struct heal_error err;
    if (l->out_failed) {
        jv_free(msg);
        return;
    }
    if (mcp_message_line(&l->out, msg, &err) != 0) {
        log_error("stdout", "%s", err.msg);
        return;
    }
    const char *p = l->out.data;
    size_t left = l->out.len;
    while (left > 0) {
        ssize_t n = write(l->cfg->out_fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            /* The client is gone (EPIPE) or its pipe broke: nobody to answer. */
            if (errno != EPIPE)
                log_error("stdout", "%s", strerror(errno));
            l->out_failed = true;
            return;
        }
        p += n;
        left -= (size_t)n;
    }
}

static struct call *find_call(struct loop *l, const jv *id)
{
    for (int i = 0; i < MCP_CALLS_MAX; i++)
        if (l->calls[i].used && jv_equal(jv_copy(l->calls[i].id), jv_copy(*id)))
            return &l->calls[i];
    return NULL;
}

static bool in_flight(void *ctx, const jv *id)
{
    return find_call(ctx, id) != NULL;
}

static void progress(struct loop *l, struct call *c, const char *message)
{
    if (jv_get_kind(c->token) == JV_KIND_NULL || c->cancelled)
        return;
    c->progress += 1;
    c->beat_ms = clock_mono_ms() + MCP_PROGRESS_BEAT_MS;
    jv p = jv_object_set(jv_object(), jv_string("progressToken"), jv_copy(c->token));
    p = jv_object_set(p, jv_string("progress"), jv_number(c->progress));
    p = jv_object_set(p, jv_string("message"), jv_string(message));
    send_message(l, mcp_notification("notifications/progress", p));
}

static void call_free(struct call *c)
{
    jv_free(c->id);
    jv_free(c->token);
    mcp_plan_free(&c->plan);
    memset(c, 0, sizeof *c);
}

/* Answers the call (unless cancelled) with result (consumed) and frees it. */
static void call_answer(struct loop *l, struct call *c, jv result)
{
    log_set_trace(c->trace);
    if (c->cancelled) {
        log_info(mcp_tools_name(l->cfg->tools, c->tool), "cancelled: no answer sent");
        jv_free(result);
    } else {
        jv is_error = jv_object_get(jv_copy(result), jv_string("isError"));
        log_info(mcp_tools_name(l->cfg->tools, c->tool), "%s after %lld ms",
                 jv_get_kind(is_error) == JV_KIND_TRUE ? "failed" : "done",
                 (long long)(clock_mono_ms() - c->started_ms));
        jv_free(is_error);
        send_message(l, mcp_response(jv_copy(c->id), result));
    }
    log_set_trace(NULL);
    call_free(c);
}

/* argv: the program, the plan's arguments, then the options every program gets. */
static int build_argv(const struct loop *l, const struct call *c, char *path, const char **argv,
                      struct heal_error *err)
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
    for (const char *const *o = l->cfg->child_options; o && *o && n < MCP_ARGV_MAX - 1; o++)
        argv[n++] = *o;
    argv[n] = NULL;
    return 0;
}

static int start_run(struct loop *l, struct call *c, struct heal_error *err)
{
    char path[PATH_MAX], trace_env[64];
    const char *argv[MCP_ARGV_MAX];
    if (build_argv(l, c, path, argv, err) != 0)
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
    progress(l, c, message);
    return 0;
}

static int start_daemon(struct loop *l, struct call *c, struct heal_error *err)
{
    char path[PATH_MAX];
    const char *argv[MCP_ARGV_MAX];
    if (build_argv(l, c, path, argv, err) != 0)
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

static void call_start(void *ctx, jv id, int tool, jv args, jv token)
{
    struct loop *l = ctx;
    struct call *c = NULL;
    for (int i = 0; i < MCP_CALLS_MAX && !c; i++)
        if (!l->calls[i].used)
            c = &l->calls[i];
    if (!c) {
        jv_free(args);
        jv_free(token);
        send_message(l, mcp_response(id, mcp_result_error("%d calls are running; try again when "
                                                          "one has finished",
                                                          MCP_CALLS_MAX)));
        return;
    }
    c->used = true;
    c->id = id;
    c->token = token;
    c->tool = tool;
    c->started_ms = clock_mono_ms();
    c->beat_ms = c->started_ms + MCP_PROGRESS_BEAT_MS;
    record_id_new(c->trace);
    log_set_trace(c->trace);
    log_info(mcp_tools_name(l->cfg->tools, tool), "called");
    mcp_tool_plan(l->cfg->tools, tool, &args, c->trace, &c->plan);
    jv_free(args);
    struct heal_error err;
    int rc = 0;
    if (c->plan.kind == MCP_PLAN_RUN)
        rc = start_run(l, c, &err);
    else if (c->plan.kind == MCP_PLAN_DAEMON)
        rc = start_daemon(l, c, &err);
    log_set_trace(NULL);
    if (rc != 0)
        call_answer(l, c, mcp_result_error("%s", err.msg));
    else if (c->plan.kind == MCP_PLAN_DONE)
        call_answer(l, c, jv_copy(c->plan.result));
}

static void call_cancel(void *ctx, jv id)
{
    struct call *c = find_call(ctx, &id);
    jv_free(id);
    if (!c || c->cancelled)
        return;
    c->cancelled = true;
    log_set_trace(c->trace);
    log_info(c->plan.program, "cancelled by the client: stopping");
    log_set_trace(NULL);
    if (c->child)
        spawn_child_stop(c->child, MCP_CANCEL_GRACE_MS);
    else if (c->daemon > 0)
        kill(c->daemon, SIGTERM); /* it was started for this call alone */
}

/* Progress from the records the child has written since last time. */
static void child_progress(struct loop *l, struct call *c)
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
        progress(l, c, message);
    } else if (clock_mono_ms() >= c->beat_ms) {
        snprintf(message, sizeof message, "%s running for %lld s", c->plan.program,
                 (long long)((clock_mono_ms() - c->started_ms) / 1000));
        progress(l, c, message);
    }
}

static void child_done(struct loop *l, struct call *c)
{
    struct spawn_result res;
    spawn_child_finish(c->child, &res);
    c->child = NULL;
    log_relay(res.err.data, res.err.len);
    if (c->cancelled)
        call_answer(l, c, jv_null());
    else
        call_answer(l, c, mcp_tool_finish(l->cfg->tools, c->tool, &c->plan, &res, c->trace));
    spawn_result_free(&res);
}

static void daemon_wait(struct loop *l, struct call *c)
{
    pid_t running = mcp_daemon_running(c->plan.pid_file);
    if (running > 0 && (running == c->daemon || !mcp_daemon_is_loop(c->daemon))) {
        /* Ours, or another that won the race for the pid file and stopped ours. */
        bool ours = running == c->daemon;
        call_answer(l, c, mcp_daemon_result(&c->plan, running, ours, c->trace));
        return;
    }
    if (c->cancelled && !mcp_daemon_is_loop(c->daemon)) {
        call_answer(l, c, jv_null());
        return;
    }
    char tail[400];
    if (!mcp_daemon_is_loop(c->daemon)) {
        mcp_daemon_log_tail(c->plan.log_file, tail, sizeof tail);
        call_answer(l, c,
                    mcp_result_error("heal-loop exited as it started: %s (see %s)", tail,
                                     c->plan.log_file));
    } else if (clock_mono_ms() >= c->deadline_ms) {
        call_answer(l, c,
                    mcp_result_error("heal-loop runs as pid %d but wrote no pid file %s "
                                     "within %d s; see %s",
                                     (int)c->daemon, c->plan.pid_file, MCP_DAEMON_START_MS / 1000,
                                     c->plan.log_file));
    }
}

static void on_line(void *ctx, const char *line, size_t len)
{
    struct loop *l = ctx;
    mcp_server_line(l->server, line, len);
}

static void on_overlong(void *ctx, size_t len)
{
    struct loop *l = ctx;
    log_warn("stdin", "refused a message of %zu bytes (over %d)", len, MCP_LINE_MAX);
    mcp_server_line_too_long(l->server, len);
}

static int read_input(struct loop *l, struct heal_error *err)
{
    char buf[MCP_READ_CHUNK];
    ssize_t n = read(l->cfg->in_fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (n <= 0) {
        if (n < 0)
            log_error("stdin", "%s", strerror(errno));
        l->eof = true;
        mcp_lines_end(&l->in, on_line, on_overlong, l);
        return 0;
    }
    return mcp_lines_feed(&l->in, buf, (size_t)n, on_line, on_overlong, l, err);
}

static int active_calls(const struct loop *l)
{
    int n = 0;
    for (int i = 0; i < MCP_CALLS_MAX; i++)
        n += l->calls[i].used;
    return n;
}

/* The poll timeout: the soonest a child, a daemon or a heartbeat needs us. */
static int next_wait(const struct loop *l)
{
    int64_t now = clock_mono_ms(), soonest = -1;
    for (int i = 0; i < MCP_CALLS_MAX; i++) {
        const struct call *c = &l->calls[i];
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

/* On a signal, or with nobody left to answer: every call is cancelled. */
static void stop_everything(struct loop *l)
{
    l->stopping = true;
    for (int i = 0; i < MCP_CALLS_MAX; i++) {
        struct call *c = &l->calls[i];
        if (!c->used)
            continue;
        c->cancelled = true;
        if (c->child)
            spawn_child_stop(c->child, MCP_CANCEL_GRACE_MS);
        else
            call_free(c); /* a daemon being started keeps running: it was asked for */
    }
}

int mcp_run(const struct mcp_run_config *cfg, struct heal_error *err)
{
    static const struct mcp_server_ops ops = {
        .send = send_message, .in_flight = in_flight, .call = call_start, .cancel = call_cancel};
    struct loop l = {.cfg = cfg};
    l.server = mcp_server_new(cfg->tools, &ops, &l);
    if (!l.server)
        return heal_error_set(err, "out of memory");
    int rc = 0;
    for (;;) {
        if ((signals_stop_requested() || l.out_failed) && !l.stopping) {
            log_info(NULL, "%s",
                     l.out_failed ? "the client stopped reading" : "stopping on a signal");
            stop_everything(&l);
        }
        if (active_calls(&l) == 0 && (l.eof || l.stopping))
            break;
        bool reading = !l.eof && !l.stopping;
        struct pollfd fds[MCP_POLLFDS_MAX];
        int n = 0;
        if (reading)
            fds[n++] = (struct pollfd){.fd = cfg->in_fd, .events = POLLIN};
        for (int i = 0; i < MCP_CALLS_MAX; i++) {
            struct call *c = &l.calls[i];
            c->pollfd_first = n;
            c->pollfd_count = c->used && c->child ? spawn_child_pollfds(c->child, fds + n) : 0;
            n += c->pollfd_count;
        }
        int ready = poll(fds, (nfds_t)n, next_wait(&l));
        if (ready < 0 && errno != EINTR) {
            rc = heal_error_errno(err, "poll");
            break;
        }
        if (ready > 0 && reading && fds[0].revents && read_input(&l, err) != 0) {
            rc = -1;
            break;
        }
        for (int i = 0; i < MCP_CALLS_MAX; i++) {
            struct call *c = &l.calls[i];
            if (!c->used)
                continue;
            if (c->child) {
                bool mine = ready > 0 && c->pollfd_count > 0;
                spawn_child_service(c->child, mine ? fds + c->pollfd_first : NULL,
                                    mine ? c->pollfd_count : 0);
                child_progress(&l, c);
                if (spawn_child_done(c->child))
                    child_done(&l, c);
            } else if (c->daemon > 0) {
                daemon_wait(&l, c);
            }
        }
    }
    /* Only after a failure of our own: whatever still runs is stopped now. */
    for (int i = 0; i < MCP_CALLS_MAX; i++) {
        struct call *c = &l.calls[i];
        if (c->used && c->child) {
            struct spawn_result res;
            spawn_child_finish(c->child, &res);
            c->child = NULL;
            spawn_result_free(&res);
        }
        if (c->used)
            call_free(c);
    }
    mcp_lines_free(&l.in);
    jsonbuf_free(&l.out);
    mcp_server_free(l.server);
    return rc;
}
