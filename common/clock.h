/*
 * clock.h — the one source of time for heal.
 *
 * Wall-clock time comes from clock_now_ms(); setting HEAL_NOW (seconds
 * since the epoch, fractions allowed, or an RFC 3339 UTC time) freezes it,
 * so tests can move time for cool-downs and back-off without sleeping.
 * Durations use clock_mono_ms(), which is never overridden.
 */
#ifndef HEAL_CLOCK_H
#define HEAL_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* "2026-11-29T19:52:40.123Z" plus NUL */
#define CLOCK_RFC3339_SIZE 25

int64_t clock_now_ms(void);
int64_t clock_mono_ms(void);

/* Formats ms since the epoch as RFC 3339 UTC with milliseconds. */
void clock_format_rfc3339(int64_t ms, char out[CLOCK_RFC3339_SIZE]);

/*
 * Parses an RFC 3339 time (T or space separator, optional fraction, Z or
 * +hh:mm offset) into ms since the epoch.  Returns 0, or -1 if malformed.
 */
int clock_parse_rfc3339(const char *s, int64_t *ms);

#endif
