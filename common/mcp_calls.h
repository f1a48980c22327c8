/*
 * mcp_calls.h — the tool calls heal-mcp has running, whichever transport
 * asked for them: each runs one heal program (or starts a daemon) through
 * spawn.c, reports progress, can be cancelled, and is answered through
 * the sink of whoever started it.  Both front ends (mcp_run.h over
 * standard input, mcp_http.h over HTTP) drive the same engine from their
 * single poll() loop: they add its descriptors to their own, and service
 * it after every wake-up.
 *
 * A call belongs to a group (the stdio client, or one HTTP session): a
 * request id is unique within its group, and cancellation names the
 * group.  A call's messages (progress, then the answer) go to its owner
 * (the HTTP request that asked, or the stdio client) through the sink;
 * sink.done tells the owner once that the call is over, answered or
 * not.  An owner that goes away first is forgotten (mcp_calls_drop_owner):
 * the program runs on (a half-applied remedy is worse than an unread
 * answer) and its answer is dropped.
 *
 * Every call, however it ends, writes one tool_call event to the audit
 * journal (mcp_audit.h) when one is given.
 */
#ifndef HEAL_MCP_CALLS_H
#define HEAL_MCP_CALLS_H

#include "mcp_caller.h"
#include "mcp_tools.h"

#include <jv.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

/* Calls running at once; one more is answered with an error result. */
#define MCP_CALLS_MAX 16
/* What a program may write to stdout for one call (records), and to stderr. */
#define MCP_OUTPUT_MAX (16 * 1024 * 1024)
/* How long a started daemon has to write its pid file. */
#define MCP_DAEMON_START_MS 10000
/* How often a started daemon's pid file is looked at. */
#define MCP_DAEMON_POLL_MS 50
/* After a cancellation's SIGTERM, how long a program has to stop its own
 * children (heal-loop drains its stages) before SIGKILL. */
#define MCP_CANCEL_GRACE_MS 5000
/* With a progress token: a notification at least this often. */
#define MCP_PROGRESS_BEAT_MS 5000
/* Descriptors the engine may add to a poll set. */
#define MCP_CALLS_POLLFDS_MAX (MCP_CALLS_MAX * 4)
#define MCP_SESSION_ID_MAX 64

struct mcp_audit;

struct mcp_call_sink {
    /* One message for the owner (consumed): progress, then the answer. */
    void (*send)(void *owner, jv message);
    /* The call is over; the owner is not named again. */
    void (*done)(void *owner);
};

struct mcp_calls_config {
    const struct mcp_tools *tools;
    /* Given to every program after its own arguments (--config-dir=..., --log-json ...). */
    const char *const *child_options;
    struct mcp_audit *audit; /* NULL: no journal */
};

/* Who started a call, for the audit journal (copied). */
struct mcp_call_origin {
    uint64_t group;
    const struct mcp_caller *caller;
    const char *session; /* NULL over stdio */
    int http_status;     /* answered with when the call is over; 0 over stdio */
};

struct mcp_calls;

struct mcp_calls *mcp_calls_new(const struct mcp_calls_config *cfg);
/* Stops whatever still runs, at once. */
void mcp_calls_free(struct mcp_calls *e);

/* Starts tools/call of tool (consumes id, args, token); answers through sink, maybe at once. */
void mcp_calls_start(struct mcp_calls *e, const struct mcp_call_origin *origin, void *owner,
                     const struct mcp_call_sink *sink, jv id, int tool, jv args, jv token);
bool mcp_calls_in_flight(const struct mcp_calls *e, uint64_t group, const jv *id);
/* The client gave up on request id (consumed): stop it, send no answer. */
void mcp_calls_cancel(struct mcp_calls *e, uint64_t group, jv id);
/* Every call of the group is cancelled (its session ended). */
void mcp_calls_cancel_group(struct mcp_calls *e, uint64_t group);
/* The owner is gone: its calls run on, their messages are dropped. */
void mcp_calls_drop_owner(struct mcp_calls *e, const void *owner);
/* On a signal, or with nobody left to answer: every call is cancelled. */
void mcp_calls_stop_all(struct mcp_calls *e);
int mcp_calls_active(const struct mcp_calls *e);

/* Fills fds with what the programs need watched; returns how many (<= MCP_CALLS_POLLFDS_MAX). */
int mcp_calls_pollfds(struct mcp_calls *e, struct pollfd *fds);
/* After poll(): fds as filled (with revents), ready false when poll saw nothing. */
void mcp_calls_service(struct mcp_calls *e, struct pollfd *fds, bool ready);
/* The poll timeout the calls need, in ms; -1: none. */
int mcp_calls_wait_ms(const struct mcp_calls *e);

#endif
