/*
 * jwks_discover.h — where an issuer publishes its keys: the jwks_uri of
 * its OpenID Connect discovery document (ISSUER/.well-known/
 * openid-configuration), else of its RFC 8414 authorization-server
 * metadata (/.well-known/oauth-authorization-server inserted before the
 * issuer's path).  A document naming another issuer is not the issuer's
 * (RFC 8414 §3.3) and is refused.  Thread-safe.
 */
#ifndef HEAL_JWKS_DISCOVER_H
#define HEAL_JWKS_DISCOVER_H

#include "error.h"

/* The two metadata URLs of issuer, malloc'd (caller frees both); -1 if it is not an http URL. */
int jwks_discover_urls(const char *issuer, char **oidc, char **oauth);

/* The jwks_uri (caller frees), or NULL with err saying why each document failed. */
char *jwks_discover(const char *issuer, struct heal_error *err);

#endif
