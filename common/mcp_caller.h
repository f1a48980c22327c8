/*
 * mcp_caller.h — who is calling heal-mcp, as the transport and its gate
 * learnt it: the token's subject and client, the peer address, and the
 * scopes the token grants.  Filled by mcp_auth_check() over HTTP, and as
 * the local user over standard input (where the operator who started
 * heal-mcp is the caller and holds every scope).  The audit journal
 * records it with every call (mcp_audit.h).
 */
#ifndef HEAL_MCP_CALLER_H
#define HEAL_MCP_CALLER_H

#include <stdbool.h>

#define MCP_CALLER_FIELD_MAX 256
#define MCP_CALLER_ADDR_MAX 64

/* Scopes, as bits.  A tool that is not read-only needs MCP_SCOPE_APPLY. */
enum mcp_scope {
    MCP_SCOPE_READ = 1u << 0,  /* heal:read: checks, analysis, proposals, status */
    MCP_SCOPE_APPLY = 1u << 1, /* heal:apply: remedies, healing sessions, daemons */
};

#define MCP_SCOPE_READ_NAME "heal:read"
#define MCP_SCOPE_APPLY_NAME "heal:apply"

struct mcp_caller {
    char sub[MCP_CALLER_FIELD_MAX];       /* token subject, static token name, or local user */
    char client_id[MCP_CALLER_FIELD_MAX]; /* client_id / azp claim; "" when none */
    char remote[MCP_CALLER_ADDR_MAX];     /* peer address ("127.0.0.1:53412"), or "stdio" */
    unsigned scopes;                      /* enum mcp_scope bits */
    bool authenticated;                   /* false: no authentication configured (loopback only) */
};

#endif
