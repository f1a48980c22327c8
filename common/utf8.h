/*
 * utf8.h — strict UTF-8 validation (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF).  jq's parser silently replaces bad
 * bytes with U+FFFD, so input is validated here first and refused.
 */
#ifndef HEAL_UTF8_H
#define HEAL_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True if s[0..len) is valid UTF-8; else false and *bad_offset (if not NULL) set. */
bool utf8_valid(const char *s, size_t len, size_t *bad_offset);

#endif
