/*
 * size.h — byte sizes as heal's options and files write them.
 *
 * Text is a number and an optional unit: "512", "512B", "10M", "1.5G".
 * Multiples are binary whatever the spelling: K, KB and KiB all mean
 * 1024 bytes, M 1024^2, then G, T, P and E.  The multiplier letter may be
 * lower case ("512k"), but B must not: "kb" reads as kilobits elsewhere,
 * so it is refused rather than guessed.  A fraction needs a multiplier
 * ("1.5K" is 1536 bytes; "1.5B" is refused) and is rounded to the
 * nearest byte, halves up.  Signs, spaces, exponents and anything after
 * the unit are refused, as is anything above UINT64_MAX bytes.
 *
 * Pure and thread-safe.  Failures return -1 and fill a struct heal_error
 * (see error.h); offsets in messages are 0-based bytes into the text.
 */
#ifndef HEAL_SIZE_H
#define HEAL_SIZE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Longest size text accepted; longer text is refused, not truncated. */
#define SIZE_TEXT_MAX 48
/* Enough for size_format() of any uint64_t. */
#define SIZE_FORMAT_SIZE 24

/* Parses s into *bytes.  Returns 0, or -1 (with *bytes unchanged) and err set. */
int size_parse(const char *s, uint64_t *bytes, struct heal_error *err);

/*
 * Writes bytes for a human, like `ls -h`: "0B", "512B", "1K", "1.5G",
 * using the largest unit not above the value and at most one decimal,
 * rounded to nearest.  Exact (and so parsing back to the same bytes)
 * only when the value is whole in that unit or below 1K; for an exact
 * count, print the number.  Returns 0, or -1 if size is too small (buf
 * then holds "" when size > 0).
 */
int size_format(uint64_t bytes, char *buf, size_t size);

#endif
