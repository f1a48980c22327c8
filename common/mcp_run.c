#include "mcp_run.h"
#include "jsonbuf.h"
#include "log.h"
#include "mcp_jsonrpc.h"
#include "mcp_server.h"
#include "signals.h"

#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MCP_READ_CHUNK (64 * 1024)
#define MCP_STDIO_GROUP 1

struct loop {
    const struct mcp_run_config *cfg;
    struct mcp_server *server;
    struct mcp_calls *calls;
    struct mcp_caller caller;
    struct jsonbuf out;
    struct mcp_lines in;
    bool eof, out_failed;
    bool stopping; /* every call cancelled; waiting for their programs to end */
};

void mcp_caller_local(struct mcp_caller *caller)
{
    memset(caller, 0, sizeof *caller);
    struct passwd *pw = getpwuid(geteuid());
    if (pw)
        snprintf(caller->sub, sizeof caller->sub, "%s", pw->pw_name);
    else
        snprintf(caller->sub, sizeof caller->sub, "uid:%u", (unsigned)geteuid());
    snprintf(caller->remote, sizeof caller->remote, "stdio");
    caller->scopes = MCP_SCOPE_READ | MCP_SCOPE_APPLY;
    caller->authenticated = false;
}

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

static void call_done(void *owner)
{
    (void)owner; /* the stdio client owns no per-call state */
}

static bool in_flight(void *ctx, const jv *id)
{
    struct loop *l = ctx;
    return mcp_calls_in_flight(l->calls, MCP_STDIO_GROUP, id);
}

static void call_start(void *ctx, jv id, int tool, jv args, jv token)
{
    static const struct mcp_call_sink sink = {.send = send_message, .done = call_done};
    struct loop *l = ctx;
    struct mcp_call_origin origin = {.group = MCP_STDIO_GROUP, .caller = &l->caller};
    mcp_calls_start(l->calls, &origin, l, &sink, id, tool, args, token);
}

static void call_cancel(void *ctx, jv id)
{
    struct loop *l = ctx;
    mcp_calls_cancel(l->calls, MCP_STDIO_GROUP, id);
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

int mcp_run(const struct mcp_run_config *cfg, struct heal_error *err)
{
    static const struct mcp_server_ops ops = {
        .send = send_message, .in_flight = in_flight, .call = call_start, .cancel = call_cancel};
    struct mcp_calls_config calls_cfg = {
        .tools = cfg->tools, .child_options = cfg->child_options, .audit = cfg->audit};
    struct loop l = {.cfg = cfg};
    mcp_caller_local(&l.caller);
    l.server = mcp_server_new(cfg->tools, &ops, &l);
    l.calls = mcp_calls_new(&calls_cfg);
    if (!l.server || !l.calls) {
        mcp_server_free(l.server);
        mcp_calls_free(l.calls);
        return heal_error_set(err, "out of memory");
    }
    int rc = 0;
    for (;;) {
        if ((signals_stop_requested() || l.out_failed) && !l.stopping) {
            log_info(NULL, "%s",
                     l.out_failed ? "the client stopped reading" : "stopping on a signal");
            l.stopping = true;
            mcp_calls_stop_all(l.calls);
        }
        if (mcp_calls_active(l.calls) == 0 && (l.eof || l.stopping))
            break;
        bool reading = !l.eof && !l.stopping;
        struct pollfd fds[1 + MCP_CALLS_POLLFDS_MAX];
        int n = 0;
        if (reading)
            fds[n++] = (struct pollfd){.fd = cfg->in_fd, .events = POLLIN};
        int first = n;
        n += mcp_calls_pollfds(l.calls, fds + first);
        int ready = poll(fds, (nfds_t)n, mcp_calls_wait_ms(l.calls));
        if (ready < 0 && errno != EINTR) {
            rc = heal_error_errno(err, "poll");
            break;
        }
        if (ready > 0 && reading && fds[0].revents && read_input(&l, err) != 0) {
            rc = -1;
            break;
        }
        mcp_calls_service(l.calls, fds + first, ready > 0);
    }
    /* Only after a failure of our own: whatever still runs is stopped now. */
    mcp_calls_free(l.calls);
    mcp_lines_free(&l.in);
    jsonbuf_free(&l.out);
    mcp_server_free(l.server);
    return rc;
}
