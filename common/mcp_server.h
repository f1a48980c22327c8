/*
 * mcp_server.h — the MCP protocol of heal-mcp, one message at a time.
 *
 * It answers what needs no tool at once (initialize with version
 * negotiation, ping, tools/list, every JSON-RPC error) and hands a
 * checked tools/call and notifications/cancelled to its caller, who runs
 * tools asynchronously (mcp_run.h).  It never blocks and never does I/O
 * itself: messages leave through the send callback.  Before initialize,
 * only ping is served and every other request gets an error at once, so
 * a client that probes with a newer protocol (server/discover) falls back
 * without waiting; notifications are never answered.  Protocol revisions
 * 2025-11-25 and 2025-06-18 are spoken; a client asking for another is
 * answered with 2025-11-25 and decides whether it can use it.
 *
 * jv ownership: callbacks consume the jv they are given.
 */
#ifndef HEAL_MCP_SERVER_H
#define HEAL_MCP_SERVER_H

#include "mcp_tools.h"

#include <jv.h>
#include <stdbool.h>
#include <stddef.h>

struct mcp_server_ops {
    /* Writes one message to the client. */
    void (*send)(void *ctx, jv message);
    /* True if a call with this id is still running (ids must be unique while in flight). */
    bool (*in_flight)(void *ctx, const jv *id);
    /*
     * Starts tools/call of tool with args (an object) for request id;
     * progress_token is a string or number, or null when none was given.
     * The caller answers it through send, later.
     */
    void (*call)(void *ctx, jv id, int tool, jv args, jv progress_token);
    /* The client gave up on request id: stop it and send no answer. */
    void (*cancel)(void *ctx, jv id);
};

struct mcp_server;

/* tools is borrowed and must outlive the server. */
struct mcp_server *mcp_server_new(const struct mcp_tools *tools, const struct mcp_server_ops *ops,
                                  void *ctx);
void mcp_server_free(struct mcp_server *s);

/* One line from the client (without its "\n"). */
void mcp_server_line(struct mcp_server *s, const char *line, size_t len);
/* A line over MCP_LINE_MAX was skipped: refused with an error, id unknown. */
void mcp_server_line_too_long(struct mcp_server *s, size_t len);

/* True when version is a protocol revision heal-mcp speaks. */
bool mcp_server_speaks(const char *version);

/* The negotiated protocol version, or NULL before initialize. */
const char *mcp_server_version(const struct mcp_server *s);

#endif
