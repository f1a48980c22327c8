/*
 * mcp_auth.h — the gate in front of heal-mcp's HTTP transport: an OAuth
 * 2.1 resource server (RFC 6750 bearer tokens, RFC 9068 JWT access tokens,
 * RFC 9728 protected-resource metadata), or a static-token file for small
 * setups, or nothing at all (allowed on a loopback address only).
 *
 * Modes, chosen by mcp_auth_new() from its configuration:
 *   - issuer set: JWT access tokens from that issuer, verified against its
 *     JWKS (jwt_verify.h), audience = this server's resource URL;
 *   - tokens_file set: each line "SHA256-HEX NAME SCOPE..." (the file must
 *     be a regular file of ours, mode 0600 or stricter, as ssh wants of a
 *     private key); a presented token is hashed and compared in constant
 *     time; NAME becomes the caller's sub;
 *   - both: a token that looks like a JWT (three base64url parts) goes to
 *     the issuer, anything else to the file;
 *   - neither: every caller is let in holding every scope, unauthenticated.
 *     heal-mcp refuses this on an address other than loopback.
 *
 * The transport asks mcp_auth_check() once per HTTP request, then
 * mcp_auth_allows() per tools/call with the scope the tool needs
 * (mcp_tool_scope()).  The WWW-Authenticate values for 401 and 403 and
 * the metadata document come from here so that every refusal says the
 * same thing the same way.
 */
#ifndef HEAL_MCP_AUTH_H
#define HEAL_MCP_AUTH_H

#include "error.h"
#include "mcp_caller.h"

#include <jv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MCP_AUTH_HEADER_MAX 1024
#define MCP_AUTH_REASON_MAX 160

struct mcp_auth_config {
    const char *resource;          /* this server's resource URL (the token audience); required
                                      with issuer; default http://ADDR:PORT/mcp */
    const char *issuer;            /* NULL: no JWT tokens */
    const char *jwks;              /* a file path or an https?:// URL; NULL: discovered from the
                                      issuer's metadata (jwks_uri) */
    const char *const *algorithms; /* NULL-terminated allow-list; NULL: RS256, ES256, EdDSA */
    int64_t leeway_s;              /* clock skew allowed on exp/nbf/iat; default 60 */
    bool require_at_jwt;           /* typ must be at+jwt (RFC 9068); off: any typ but none */
    const char *tokens_file;       /* NULL: no static tokens */
};

enum mcp_auth_verdict {
    MCP_AUTH_ALLOWED,   /* caller filled */
    MCP_AUTH_MISSING,   /* no credentials: 401, no error code (RFC 6750 §3.1) */
    MCP_AUTH_INVALID,   /* bad, expired, foreign token: 401 error="invalid_token" */
    MCP_AUTH_MALFORMED, /* not "Bearer TOKEN": 400 error="invalid_request" */
};

struct mcp_auth;

/* NULL with err when the configuration is unusable (unreadable tokens file, bad issuer URL). */
struct mcp_auth *mcp_auth_new(const struct mcp_auth_config *cfg, struct heal_error *err);
void mcp_auth_free(struct mcp_auth *a);

/* True when callers must authenticate (issuer or tokens file configured). */
bool mcp_auth_required(const struct mcp_auth *a);

/*
 * Decides on one request: authorization is the Authorization header or
 * NULL; remote names the peer for the caller record.  On a refusal,
 * reason says why in a few words for the log and the audit journal
 * ("expired", "wrong audience", "unknown kid", ...), never the token.
 */
enum mcp_auth_verdict mcp_auth_check(struct mcp_auth *a, const char *authorization,
                                     const char *remote, struct mcp_caller *caller,
                                     char reason[MCP_AUTH_REASON_MAX]);

/* True when caller holds every scope bit in needed. */
bool mcp_auth_allows(const struct mcp_caller *caller, unsigned needed);

/*
 * The WWW-Authenticate value for a refusal: verdict is the check's (for
 * 401/400), or MCP_AUTH_ALLOWED with needed scopes for a 403
 * insufficient_scope.  Always names resource_metadata and the scope.
 */
void mcp_auth_challenge(const struct mcp_auth *a, enum mcp_auth_verdict verdict, unsigned needed,
                        char out[MCP_AUTH_HEADER_MAX]);

/* The RFC 9728 document served at /.well-known/oauth-protected-resource[/mcp] (caller's). */
jv mcp_auth_metadata(const struct mcp_auth *a);

/* "heal:read heal:apply" for the bits in scopes. */
void mcp_scope_names(unsigned scopes, char *out, size_t size);

#endif
