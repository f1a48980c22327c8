/*
 * mcp_tools.h — heal-mcp's tools: what a client sees, and how each runs.
 *
 * What a client sees (name, title, description, inputSchema, outputSchema,
 * annotations) is data/mcp-tools.json, embedded at build time; the
 * arguments of a call are checked against that same inputSchema
 * (mcp_schema.h).  How a tool runs is a plan: run one heal program with
 * these arguments and this standard input, start a heal-loop daemon, or
 * answer at once.  The programs do the work; a tool only turns arguments
 * into their command line and their NDJSON output into its structured
 * result.  Nothing here checks, diagnoses or heals by itself.
 *
 * Results are tools/call results: structuredContent plus the same JSON as
 * text, or isError with a sentence the model can act on.
 *
 * jv ownership: functions borrow their jv arguments unless they say they
 * consume; a plan owns its jv fields until mcp_plan_free().
 */
#ifndef HEAL_MCP_TOOLS_H
#define HEAL_MCP_TOOLS_H

#include "error.h"
#include "spawn.h"

#include <jv.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define MCP_TOOLS_FILE "mcp-tools.json"

/* What the operator allowed when starting heal-mcp. */
struct mcp_context {
    const char *state_dir; /* opened: the daemons' pid and log files live here */
    bool allow_exec;       /* one-off exec checks: a client may name a program to run */
    bool read_only;        /* refuse whatever would run a remedy */
};

enum mcp_plan_kind {
    MCP_PLAN_RUN,    /* run program with args and input, then mcp_tool_finish() */
    MCP_PLAN_DAEMON, /* start program detached, then wait for its pid file */
    MCP_PLAN_DONE,   /* result holds the answer */
};

struct mcp_plan {
    enum mcp_plan_kind kind;
    const char *program; /* RUN, DAEMON: the heal program's name */
    jv args;             /* RUN, DAEMON: its arguments (strings) after argv[0] */
    jv input;            /* RUN: standard input (a string), or null for none */
    int64_t timeout_ms;  /* RUN */
    const char *mode;    /* DAEMON: "monitor" or "apply" */
    char pid_file[PATH_MAX];
    char log_file[PATH_MAX];
    jv result; /* DONE: the tools/call result */
};

struct mcp_tools;

/* Loads and checks the definitions; NULL with err if they are broken. */
struct mcp_tools *mcp_tools_load(const struct mcp_context *ctx, struct heal_error *err);
void mcp_tools_free(struct mcp_tools *tools);

/* The tools/list result. */
jv mcp_tools_list(const struct mcp_tools *tools);

/* The index of the tool called name, or -1. */
int mcp_tools_find(const struct mcp_tools *tools, const char *name);
const char *mcp_tools_name(const struct mcp_tools *tools, int tool);
/* The scope (mcp_caller.h bits) a caller needs: heal:read for a read-only tool, else heal:apply. */
unsigned mcp_tools_scope(const struct mcp_tools *tools, int tool);

/* 0 if args satisfy the tool's inputSchema; else -1 with err saying where. */
int mcp_tools_check_args(const struct mcp_tools *tools, int tool, const jv *args,
                         struct heal_error *err);

/*
 * Checks args (an object) against the tool's inputSchema and fills plan.
 * A refusal is a DONE plan whose result has isError.  trace is the call's.
 */
void mcp_tool_plan(const struct mcp_tools *tools, int tool, const jv *args, const char *trace,
                   struct mcp_plan *plan);

/* The result of a RUN plan, from what its program did. */
jv mcp_tool_finish(const struct mcp_tools *tools, int tool, const struct mcp_plan *plan,
                   const struct spawn_result *res, const char *trace);

/* The result of a DAEMON plan whose daemon runs as pid (started now, or found running). */
jv mcp_daemon_result(const struct mcp_plan *plan, pid_t pid, bool started, const char *trace);

void mcp_plan_free(struct mcp_plan *plan);

/* A successful result: structured (consumed) as structuredContent and as text. */
jv mcp_result(jv structured, const char *summary);
/* A tool error: isError, with the sentence as text. */
jv mcp_result_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
