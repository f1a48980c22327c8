/*
 * check_regex.h — PCRE2 patterns from check definitions (process cmdline,
 * log lines): compiled once, with JIT when the platform has it, and
 * matched against bytes that need not be valid UTF-8 (log files and
 * command lines are whatever programs wrote).
 *
 * A struct check_regex owns its match data, so one must not be matched
 * from two threads at once.  Errors come back in struct heal_error.
 */
#ifndef HEAL_CHECK_REGEX_H
#define HEAL_CHECK_REGEX_H

#include "error.h"

#include <stddef.h>

/* A pattern is configuration written by people: longer is a mistake. */
#define CHECK_REGEX_PATTERN_MAX 4096

struct check_regex;

/* Compiles pattern; NULL with err ("offset N: reason") when it is not valid. */
struct check_regex *check_regex_compile(const char *pattern, struct heal_error *err);

/* 1 when s (len bytes) matches, 0 when not, -1 when matching failed (limits). */
int check_regex_match(struct check_regex *re, const char *s, size_t len);

void check_regex_free(struct check_regex *re);

#endif
