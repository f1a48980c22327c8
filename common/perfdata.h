/*
 * perfdata.h — parse the performance data a Nagios plugin prints after `|`.
 *
 * perfdata_parse() turns text such as `load1=0.000;5.000;10.000;0; 'it''s'=1`
 * into a jv array of check-record items {label, value, uom, warn, crit, min,
 * max}.  It never fails: an item it cannot read is kept as {raw, error} in
 * its place, so one broken item never hides the others, and a consumer tells
 * the two shapes apart with has("raw").  Items past PERFDATA_ITEMS_MAX or
 * PERFDATA_TEXT_MAX are counted in the stats, not returned.
 *
 * What callers must know:
 * - The returned jv is the caller's to free.  The text is borrowed.
 * - value, min and max are numbers, or null when empty (`U` for the value);
 *   warn and crit are the range strings exactly as printed (null when
 *   empty): they are not evaluated here, because `size=196B;100;0;0;`
 *   shows that plugins print things that are not ranges at all.
 * - uom is the unit as printed ("" when none); perfdata_to_base() gives the
 *   value in base units (s, B) without touching the item.
 * - Numbers may carry an exponent or a comma as the decimal point, as seen
 *   in the wild; they are read with strtod, so LC_NUMERIC must be "C" (heal
 *   programs never change it).
 * - Reentrant: no state is kept between calls.
 */
#ifndef HEAL_PERFDATA_H
#define HEAL_PERFDATA_H

#include <jv.h>
#include <stdbool.h>
#include <stddef.h>

/* Nagios Core keeps 8 KiB of output; 512 items is far past any real plugin. */
#define PERFDATA_ITEMS_MAX 512
/* Bytes read; an item crossing this point is dropped, never read cut short. */
#define PERFDATA_TEXT_MAX (1024 * 1024)

struct perfdata_stats {
    size_t items;   /* items returned, raw ones included */
    size_t raw;     /* of those, items kept as {raw, error} */
    size_t dropped; /* items past PERFDATA_ITEMS_MAX or PERFDATA_TEXT_MAX, not returned */
    bool truncated; /* the text was longer than PERFDATA_TEXT_MAX */
};

/*
 * Parses len bytes of perfdata (NUL bytes allowed; whitespace of any kind
 * separates items).  Returns an array, never invalid.  stats may be NULL.
 */
jv perfdata_parse(const char *text, size_t len, struct perfdata_stats *stats);

struct perfdata_base {
    double value;    /* the value in base units */
    double factor;   /* base = printed * factor; also scales warn/crit/min/max */
    const char *uom; /* "s", "B", "%", "c" or "": a static string */
    bool counter;    /* uom "c": an ever-growing counter, rate it before comparing */
};

/*
 * Converts value printed with uom into base units: s/ms/us to s; B, KB, MB,
 * GB, TB (also kB, KiB, MiB, GiB, TiB) to B with factors of 1024, as
 * monitoring-plugins' check_disk computes them; "", "%" and "c" unchanged.
 * Units are matched exactly.  Returns false for any other unit and leaves
 * base untouched.
 */
bool perfdata_to_base(double value, const char *uom, struct perfdata_base *base);

#endif
