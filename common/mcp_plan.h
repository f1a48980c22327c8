/*
 * mcp_plan.h — how each of heal-mcp's tools runs (see mcp_tools.h).
 *
 * One behaviour per tool: plan() turns checked arguments into the
 * command line of a heal program (never through a shell: each value is
 * one argv element, as --flag=VALUE so it can never pass for an option),
 * finish() turns what the program wrote into the tool's result.
 * Records are read back as the NDJSON the programs wrote.
 */
#ifndef HEAL_MCP_PLAN_H
#define HEAL_MCP_PLAN_H

#include "mcp_tools.h"

/*
 * Fills plan from args (borrowed, already checked against the inputSchema);
 * -1 with err to refuse.  A DONE result names trace, the call's.
 */
typedef int mcp_plan_fn(const jv *args, const struct mcp_context *ctx, const char *trace,
                        struct mcp_plan *plan, struct heal_error *err);
/* The tools/call result of a RUN plan. */
typedef jv mcp_finish_fn(const struct mcp_plan *plan, const struct spawn_result *res,
                         const char *trace);

struct mcp_behaviour {
    const char *name;
    mcp_plan_fn *plan;
    mcp_finish_fn *finish; /* NULL for tools that never RUN */
    bool runs_commands;    /* with --allow-exec a client can name a program: not read-only */
};

/*
 * 0 when no string that a plan turns into a command-line argument (the
 * top-level strings but "text", those of "check" and of its "labels")
 * holds a NUL byte, which C would cut short so that "web\u0000x" named
 * "web"; else -1 with err naming the argument.  args is borrowed.
 */
int mcp_plan_args_nul_free(const jv *args, struct heal_error *err);

/* The behaviour of the tool called name, or NULL. */
const struct mcp_behaviour *mcp_behaviour_find(const char *name);
/* Every behaviour, ended by a row whose name is NULL. */
extern const struct mcp_behaviour mcp_behaviours[];

#endif
