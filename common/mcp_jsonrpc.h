/*
 * mcp_jsonrpc.h — JSON-RPC 2.0 messages as MCP's stdio transport carries
 * them: one message per line, UTF-8, no embedded newlines.
 *
 * mcp_message_parse() classifies one line as a request, a notification, a
 * response, or something to refuse with a JSON-RPC error code (parse
 * error, invalid request).  Batches (a JSON array) are refused: MCP
 * removed them in 2025-06-18, the oldest revision heal-mcp speaks.
 * mcp_lines splits bytes read from a non-blocking source into lines with
 * a cap, so a line longer than MCP_LINE_MAX costs a cap's worth of
 * memory and is reported, never buffered whole.
 *
 * jv ownership: the constructors consume their jv arguments; a parsed
 * message owns its parts until mcp_message_free().
 */
#ifndef HEAL_MCP_JSONRPC_H
#define HEAL_MCP_JSONRPC_H

#include "error.h"

#include <jv.h>
#include <stdbool.h>
#include <stddef.h>

/* Longest request line accepted; a longer one is refused and skipped. */
#define MCP_LINE_MAX (1024 * 1024)
/* Longest error message put on the wire. */
#define MCP_ERROR_MESSAGE_MAX 400

enum mcp_error_code {
    MCP_PARSE_ERROR = -32700,
    MCP_INVALID_REQUEST = -32600,
    MCP_METHOD_NOT_FOUND = -32601,
    MCP_INVALID_PARAMS = -32602,
    MCP_INTERNAL_ERROR = -32603,
};

enum mcp_message_kind {
    MCP_MESSAGE_REQUEST,      /* method and id */
    MCP_MESSAGE_NOTIFICATION, /* method, no id: never answered */
    MCP_MESSAGE_RESPONSE,     /* result or error for a request of ours */
    MCP_MESSAGE_INVALID,      /* answer with error_code; id is null when unreadable */
};

struct mcp_message {
    enum mcp_message_kind kind;
    jv msg;             /* the whole object (null when it did not parse) */
    jv id;              /* string or number; null when absent or unreadable */
    const char *method; /* borrowed from msg; NULL unless request or notification */
    jv params;          /* an object, or null when absent */
    int error_code;     /* INVALID: what to answer */
    char error[MCP_ERROR_MESSAGE_MAX];
};

/* Never fails: anything that is not a usable message comes back INVALID. */
void mcp_message_parse(const char *line, size_t len, struct mcp_message *m);
void mcp_message_free(struct mcp_message *m);

/* {"jsonrpc":"2.0","id":id,"result":result} */
jv mcp_response(jv id, jv result);
/* {"jsonrpc":"2.0","id":id,"error":{code,message[,data]}}; data may be jv_invalid() for none. */
jv mcp_error_response(jv id, int code, const char *message, jv data);
/* {"jsonrpc":"2.0","method":method[,"params":params]}; params may be jv_invalid(). */
jv mcp_notification(const char *method, jv params);

/*
 * Serialises msg (consumed) as one line with its "\n" into b (emptied
 * first).  -1 with err when it cannot (out of memory, nested too deep).
 */
struct jsonbuf;
int mcp_message_line(struct jsonbuf *b, jv msg, struct heal_error *err);

/* Lines out of a byte stream, at most MCP_LINE_MAX bytes each. */
struct mcp_lines {
    char *buf;
    size_t len, size;
    size_t skipping; /* > 0: inside an over-long line, this many bytes so far */
};

typedef void mcp_line_fn(void *ctx, const char *line, size_t len);
/* Told once per over-long line, when its end (or the end of input) arrives. */
typedef void mcp_overlong_fn(void *ctx, size_t len);

/*
 * Adds n bytes and hands every complete line (without "\n" and a trailing
 * "\r") to on_line.  -1 with err only when out of memory.
 */
int mcp_lines_feed(struct mcp_lines *l, const char *data, size_t n, mcp_line_fn *on_line,
                   mcp_overlong_fn *on_overlong, void *ctx, struct heal_error *err);
/* End of input: a last line without "\n" still counts. */
void mcp_lines_end(struct mcp_lines *l, mcp_line_fn *on_line, mcp_overlong_fn *on_overlong,
                   void *ctx);
void mcp_lines_free(struct mcp_lines *l);

#endif
