/*
 * mcp_http.h — heal-mcp over MCP's Streamable HTTP transport, one
 * endpoint (/mcp), served by libmicrohttpd in external-poll mode inside
 * the same single-threaded poll() loop that runs the tool calls
 * (mcp_calls.h): no threads.
 *
 * POST carries one JSON-RPC message.  A request is answered with
 * application/json, or with text/event-stream when a tools/call asked for
 * progress (progress events, the answer, then the end of the stream); a
 * notification or response with 202.  initialize opens a session
 * (Mcp-Session-Id, random, bound to the caller who opened it); every
 * later request names it, DELETE ends it, idleness expires it.  GET is
 * 405: there are no server-initiated messages.
 *
 * In front of that stands the gate, in this order: Host and Origin
 * against their allow-lists (DNS rebinding), the bearer token
 * (mcp_auth.h), the caller's rate (ratelimit.h), and per tools/call the
 * scope the tool needs.  Every refusal there is audited as denied.
 * TLS is left to a reverse proxy (see heal-mcp(1)).
 */
#ifndef HEAL_MCP_HTTP_H
#define HEAL_MCP_HTTP_H

#include "error.h"
#include "mcp_auth.h"
#include "mcp_tools.h"

#include <stdint.h>

#define MCP_HTTP_PATH "/mcp"
#define MCP_HTTP_SESSIONS_MAX 256
/* With every session taken, the one idle longest gives way if idle this long. */
#define MCP_HTTP_EVICT_IDLE_MS (60 * 1000)
#define MCP_HTTP_CONNECTIONS_MAX 128
#define MCP_HTTP_ALLOW_MAX 32
#define MCP_HTTP_DEFAULT_IDLE_MS (30 * 60 * 1000)
#define MCP_HTTP_DEFAULT_RATE 20
#define MCP_HTTP_DEFAULT_BURST 40

struct mcp_audit;

struct mcp_http_config {
    const struct mcp_tools *tools;
    const char *const *child_options;
    struct mcp_audit *audit;     /* NULL: no journal */
    struct mcp_auth_config auth; /* resource NULL: http://ADDR:PORT/mcp once bound */
    const char *listen;          /* [ADDR:]PORT; ADDR defaults to 127.0.0.1, PORT 0 picks one */
    const char *const *allow_origins; /* NULL-terminated, on top of the loopback ones */
    const char *const *allow_hosts;
    int64_t session_idle_ms;
    double rate, burst;    /* per caller; rate <= 0: unlimited */
    const char *port_file; /* NULL, or where to write the bound port */
};

enum mcp_http_outcome {
    MCP_HTTP_DONE = 0,     /* stopped on a signal */
    MCP_HTTP_FAILED = -1,  /* could not serve (bind, memory): err says why */
    MCP_HTTP_REFUSED = -2, /* the configuration is unsafe or wrong: err says why */
};

int mcp_http_run(const struct mcp_http_config *cfg, struct heal_error *err);

#endif
