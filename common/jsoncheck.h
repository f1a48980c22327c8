/*
 * jsoncheck.h — strict JSON syntax check (RFC 8259), without allocating.
 *
 * libjq 1.6 leaks memory on some malformed input (a value that follows
 * another without a separator, e.g. ["a" "b"]), and its messages count
 * lines we do not want.  Every text from outside is checked here first,
 * so jq only ever parses well-formed JSON, and a refusal names the byte
 * offset.  Nesting deeper than JSONCHECK_DEPTH_MAX is refused.
 */
#ifndef HEAL_JSONCHECK_H
#define HEAL_JSONCHECK_H

#include "error.h"

#include <stddef.h>

#define JSONCHECK_DEPTH_MAX 256

/*
 * 0 if s[0..len) is exactly one JSON value (whitespace around allowed);
 * else -1 with *offset (if not NULL) at the offending byte and err saying
 * what was wrong there.
 */
int jsoncheck(const char *s, size_t len, size_t *offset, struct heal_error *err);

#endif
