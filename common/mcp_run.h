/*
 * mcp_run.h — heal-mcp over standard input and output: the client's
 * messages in, tool calls out to the other heal programs (mcp_calls.h),
 * and answers back.
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
#include "mcp_calls.h"
#include "mcp_tools.h"

struct mcp_run_config {
    const struct mcp_tools *tools;
    /* Given to every program after its own arguments (--config-dir=..., --log-json ...). */
    const char *const *child_options;
    struct mcp_audit *audit; /* NULL: no journal */
    int in_fd, out_fd;
};

/* Runs until the end; 0, or -1 with err when the loop itself failed (poll, memory). */
int mcp_run(const struct mcp_run_config *cfg, struct heal_error *err);

/* The caller over standard input: the local user, holding every scope, unauthenticated. */
void mcp_caller_local(struct mcp_caller *caller);

#endif
