/*
 * mcp_audit.h — every tool call heal-mcp serves, as an `event` record
 * (`event: "tool_call"`) appended to STATE/mcp/audit.ndjson, and the
 * Prometheus metrics of the calls (`--metrics FILE`).
 *
 * One line per call, whatever became of it: ok (the tool ran and
 * answered), error (it answered with isError, or could not start) or
 * denied (the gate refused: no token, bad token, too little scope, wrong
 * Origin, rate limited).  The line holds when, who (sub, client id,
 * remote address, authenticated or not), which tool (or the method, when
 * the refusal came before a tool was known), a SHA-256 digest of the
 * arguments (never the arguments: they may hold what the caller should
 * not leave on disk), the result and why, the outcome ids the call caused
 * (what it changed), how long it took, the session and the trace.
 *
 * Lines are written with one write() on an O_APPEND descriptor (as
 * journal.h does), so concurrent heal-mcp processes and concurrent calls
 * never interleave or lose a line on a local file system.
 */
#ifndef HEAL_MCP_AUDIT_H
#define HEAL_MCP_AUDIT_H

#include "error.h"
#include "mcp_caller.h"

#include <jv.h>
#include <stdint.h>

#define MCP_AUDIT_DIR "mcp"
#define MCP_AUDIT_FILE "audit.ndjson"

enum mcp_audit_result { MCP_AUDIT_OK, MCP_AUDIT_ERROR, MCP_AUDIT_DENIED };

struct mcp_audit_call {
    const struct mcp_caller *caller;
    const char *tool;   /* the tool's name; NULL when not a tools/call */
    const char *method; /* the JSON-RPC method ("tools/call"), or NULL when unreadable */
    const jv *args;     /* borrowed; the arguments, digested; NULL or invalid: none */
    enum mcp_audit_result result;
    const char *reason; /* why denied or what the error was; NULL when ok */
    int http_status;    /* the HTTP status answered; 0 over stdio */
    const jv *changed;  /* borrowed array of outcome record ids; NULL: none */
    int64_t duration_ms;
    const char *session; /* Mcp-Session-Id, or NULL */
    const char *trace;   /* the call's trace id, or NULL */
};

struct mcp_audit;

/* Opens STATE/mcp/audit.ndjson for appending; metrics_path may be NULL. */
struct mcp_audit *mcp_audit_open(const char *state_dir, const char *metrics_path,
                                 struct heal_error *err);
void mcp_audit_close(struct mcp_audit *a);

/*
 * Appends the call's line and counts it for the metrics (rewritten
 * atomically after every call).  -1 with err when the
 * line could not be written whole; the call itself has happened either way.
 */
int mcp_audit_write(struct mcp_audit *a, const struct mcp_audit_call *call, struct heal_error *err);

/* The outcome ids in a program's NDJSON output (records of type outcome), as a jv array. */
jv mcp_audit_outcome_ids(const char *ndjson, size_t len);

/* How much of the journal's end mcp_audit_recent_changes() reads. */
#define MCP_AUDIT_TAIL_BYTES (1024 * 1024)

/*
 * The latest calls that changed something (a non-empty `changed`), newest
 * first, at most max, from the last MCP_AUDIT_TAIL_BYTES of the journal:
 * an array of {ts, tool, sub, remote, changed, trace} (caller's).  A
 * missing journal is an empty array; unreadable lines are skipped.  For
 * `heal-loop status`, which shows who changed what over MCP.
 */
int mcp_audit_recent_changes(const char *state_dir, int max, jv *out, struct heal_error *err);

#endif
