/*
 * duration.h — durations as heal's options and files write them.
 *
 * Text is one or more NUMBER UNIT parts, largest unit first, each unit at
 * most once: "250ms", "10s", "1h30m", "1.5s", "2w".  Units are ms, s, m
 * (minute), h, d (24 h) and w (7 d), lower case only.  A bare number
 * ("30", "1.5") means seconds.  Only the last part may have a fraction,
 * and the result must be a whole number of milliseconds: "1.5ms" is
 * refused rather than rounded, so a short timeout never silently becomes
 * 0.  Signs, spaces and anything after the last unit are refused.
 *
 * Pure and thread-safe.  Failures return -1 and fill a struct heal_error
 * (see error.h); offsets in messages are 0-based bytes into the text.
 */
#ifndef HEAL_DURATION_H
#define HEAL_DURATION_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Longest duration text accepted; longer text is refused, not truncated. */
#define DURATION_TEXT_MAX 64
/* Enough for duration_format() of any int64_t, INT64_MIN included. */
#define DURATION_FORMAT_SIZE 48

/*
 * Parses s into *ms (0 ..= INT64_MAX milliseconds).  Returns 0, or -1
 * (with *ms unchanged) and err set.
 */
int duration_parse(const char *s, int64_t *ms, struct heal_error *err);

/*
 * Writes ms as parts from weeks down to milliseconds, omitting zero
 * parts: "1h30m", "250ms", "1w2d", "1s500ms"; 0 is "0s".  A negative
 * value gets a leading '-' (useful for clock skew), which duration_parse()
 * refuses.  Every other result parses back to the same ms.  Returns 0,
 * or -1 if size is too small (buf then holds "" when size > 0).
 */
int duration_format(int64_t ms, char *buf, size_t size);

#endif
