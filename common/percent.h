/*
 * percent.h — percentages such as disk or memory use thresholds.
 *
 * Text is a decimal number from 0 to 100 with an optional trailing '%':
 * "85", "85%", "99.5%".  The bound is checked on the text, not on the
 * rounded double, so "100.000000000000000001" is refused.  Signs,
 * spaces, exponents, "inf"/"nan" and anything after the '%' are refused.
 * Numbers are read in the C locale.
 *
 * Pure and thread-safe.  Failures return -1 and fill a struct heal_error
 * (see error.h); offsets in messages are 0-based bytes into the text.
 */
#ifndef HEAL_PERCENT_H
#define HEAL_PERCENT_H

#include "error.h"

/* Longest percentage text accepted; longer text is refused, not truncated. */
#define PERCENT_TEXT_MAX 32

/* Parses s into *value in [0, 100].  Returns 0, or -1 (*value unchanged) and err set. */
int percent_parse(const char *s, double *value, struct heal_error *err);

#endif
