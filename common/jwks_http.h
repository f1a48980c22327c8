/*
 * jwks_http.h — GET of a small JSON document (a JWK Set, an issuer's
 * metadata) with libcurl, as a resource server should fetch keys: http
 * and https only, no redirect followed, JWT_FETCH_TIMEOUT_MS in all, at
 * most `max` bytes, status 200 only.
 *
 * Thread-safe (an easy handle per call).  The reason of a failure is short
 * and never holds the body: "HTTP 404", curl's own text, "larger than N
 * bytes".
 */
#ifndef HEAL_JWKS_HTTP_H
#define HEAL_JWKS_HTTP_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True for the URLs keys may come from: https://, and http:// only to a loopback address
 * (127.0.0.0/8, localhost, [::1]), where nobody can change the keys on their way. */
bool jwks_http_url(const char *s);

/* 0 with *body (NUL-terminated, caller frees), *len and *max_age_s (Cache-Control max-age;
 * -1 when absent, 0 for no-cache or no-store); or -1 with err. */
int jwks_http_get(const char *url, size_t max, char **body, size_t *len, int64_t *max_age_s,
                  struct heal_error *err);

/* The max-age of one Cache-Control header line (folded into *max_age_s); exposed for tests. */
void jwks_http_cache_control(const char *line, size_t len, int64_t *max_age_s);

#endif
