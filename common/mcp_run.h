/*
 * mcp_run.h — heal-mcp's event loop: the client's messages in, tool calls
 * out to the other heal programs, and answers back.
 *
 * One poll() loop watches standard input and every running program, so a
 * long call never keeps the server from reading: ping is answered and
 * notifications/cancelled stops the call's program (SIGTERM to its
 * process group, SIGKILL after a grace) while it runs, and several calls
 * may run at once.  Each call gets a trace id (a record id), given to its
 * programs as HEAL_TRACE; their stderr is passed on to ours.  With a
 * progress token, a call reports each record its program writes, and a
 * heartbeat while it writes none.  Programs are found beside the running
 * executable first (progpath.h) and started through spawn.c, never a shell.
 *
 * The loop ends at end of input once every call has been answered, when
 * SIGTERM or SIGINT arrives (running programs are stopped, nothing more is
 * sent), or when the client stops reading our output.
 */
#ifndef HEAL_MCP_RUN_H
#define HEAL_MCP_RUN_H

#include "error.h"
#include "mcp_tools.h"

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

struct mcp_run_config {
    const struct mcp_tools *tools;
    /* Given to every program after its own arguments (--config-dir=..., --log-json ...). */
    const char *const *child_options;
    int in_fd, out_fd;
};

/* Runs until the end; 0, or -1 with err when the loop itself failed (poll, memory). */
int mcp_run(const struct mcp_run_config *cfg, struct heal_error *err);

#endif
