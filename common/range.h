/*
 * range.h — Nagios threshold ranges, exactly as the monitoring-plugins
 * development guidelines define them.
 *
 * Form `[@]start:end`, both ends inclusive: `10` is `0:10`, `10:` is
 * 10..+inf, `~:10` is -inf..10.  Without `@` a value outside the range
 * alerts; with `@` a value inside it does.  `start > end` is an error.
 *
 * The parser is stricter than the plugins' strtod()-based one, so that a
 * typo never becomes a silently different threshold: numbers are
 * `-?digits[.digits][e[+-]digits]`; no `+`, no leading `.`, no hex, no
 * `inf`/`nan`, no spaces, no `:10` (write `0:10` or `10`), nothing after
 * the end.  Numbers are read in the C locale (heal never calls setlocale
 * for LC_NUMERIC).  Offsets in error messages are 0-based bytes into the
 * text as given.  All functions are pure and thread-safe; failures return
 * -1 and fill a struct heal_error (see error.h).
 */
#ifndef HEAL_RANGE_H
#define HEAL_RANGE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "exitcode.h"

/* Longest range text accepted; longer text is refused, not truncated. */
#define RANGE_TEXT_MAX 64
/* Enough for range_format() of any range range_parse() can produce. */
#define RANGE_FORMAT_SIZE 64

struct range {
    double start;      /* -INFINITY for `~` */
    double end;        /* +INFINITY when the end is left out */
    bool alert_inside; /* `@`: alert when start <= value <= end */
};

/* Parses s into *r.  Returns 0, or -1 (with *r unchanged) and err set. */
int range_parse(const char *s, struct range *r, struct heal_error *err);

/*
 * True when value raises the alert.  NaN always alerts: a reading that
 * is not a number is never "within limits", whichever way round.
 */
bool range_alerts(const struct range *r, double value);

/*
 * The Nagios status of value: CRITICAL if crit alerts, else WARNING if
 * warn alerts, else OK.  Either range may be NULL (not set).  A NaN value
 * is UNKNOWN, since no threshold can be judged against it.
 */
enum nagios_status range_evaluate(double value, const struct range *warn, const struct range *crit);

/*
 * Writes the canonical text of r: the shortest form that range_parse()
 * reads back to the same range ("10", "10:", "~:10", "@1.5:2", "0:").
 * Numbers use the fewest significant digits that round-trip exactly.
 * Returns 0, or -1 if size is too small (buf then holds "" when size > 0).
 */
int range_format(const struct range *r, char *buf, size_t size);

#endif
