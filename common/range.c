#include "range.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* "'x'" for a printable byte, "byte 0x01" otherwise, "end of text" for NUL. */
static void range_describe(char c, char out[16])
{
    if (c == '\0')
        snprintf(out, 16, "end of text");
    else if (c >= 0x20 && c < 0x7f)
        snprintf(out, 16, "'%c'", c);
    else
        snprintf(out, 16, "byte 0x%02x", (unsigned char)c);
}

static int range_unexpected(struct heal_error *err, const char *s, size_t at)
{
    char what[16];
    range_describe(s[at], what);
    return heal_error_set(err, "range '%s': unexpected %s at offset %zu", s, what, at);
}

static bool range_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/*
 * Reads one number at s[*at], advancing *at past it.  The grammar is
 * checked by hand first because strtod() alone would also take "inf",
 * "nan", hex and leading spaces, each of which would let a typo through.
 */
static int range_number(const char *s, size_t *at, double *out, struct heal_error *err)
{
    size_t begin = *at, i = *at;
    char what[16];

    if (s[i] == '-')
        i++;
    if (!range_is_digit(s[i])) {
        if (strncasecmp(s + i, "inf", 3) == 0 || strncasecmp(s + i, "nan", 3) == 0)
            return heal_error_set(err,
                                  "range '%s': '%.3s' at offset %zu is not a number "
                                  "(write '~' for minus infinity, leave the end out for "
                                  "plus infinity)",
                                  s, s + i, i);
        range_describe(s[i], what);
        return heal_error_set(err, "range '%s': expected a number at offset %zu, found %s", s, i,
                              what);
    }
    while (range_is_digit(s[i]))
        i++;
    if (s[i] == '.') {
        i++;
        if (!range_is_digit(s[i])) {
            range_describe(s[i], what);
            return heal_error_set(
                err, "range '%s': expected a digit after '.' at offset %zu, found %s", s, i, what);
        }
        while (range_is_digit(s[i]))
            i++;
    }
    if (s[i] == 'e' || s[i] == 'E') {
        i++;
        if (s[i] == '+' || s[i] == '-')
            i++;
        if (!range_is_digit(s[i])) {
            range_describe(s[i], what);
            return heal_error_set(
                err, "range '%s': expected a digit in the exponent at offset %zu, found %s", s, i,
                what);
        }
        while (range_is_digit(s[i]))
            i++;
    }

    /* The text is capped at RANGE_TEXT_MAX, so the span always fits. */
    char span[RANGE_TEXT_MAX + 1];
    size_t len = i - begin;
    memcpy(span, s + begin, len);
    span[len] = '\0';
    char *end;
    errno = 0;
    double v = strtod(span, &end);
    if (errno == ERANGE || !isfinite(v))
        return heal_error_set(err, "range '%s': number '%s' at offset %zu is out of range", s, span,
                              begin);
    if (end != span + len)
        return heal_error_set(err, "range '%s': number '%s' at offset %zu is malformed", s, span,
                              begin);
    /* -0 and 0 behave alike; one spelling keeps format and compare simple. */
    *out = v == 0 ? 0.0 : v;
    *at = i;
    return 0;
}

/*
 * The fewest significant digits that strtod() reads back as exactly v,
 * written without an exponent when %g allows it ("1000", not "1e+03").
 */
static void range_number_text(double v, char out[32])
{
    int digits = 1;
    for (; digits < 17; digits++) {
        snprintf(out, 32, "%.*g", digits, v);
        if (strtod(out, NULL) == v)
            break;
    }
    /* Extra precision adds no digits (%g drops trailing zeros) but keeps
     * %g from switching to an exponent for large whole numbers. */
    char plain[32];
    for (int more = digits; more <= 17; more++) {
        snprintf(plain, sizeof plain, "%.*g", more, v);
        if (!strchr(plain, 'e')) {
            memcpy(out, plain, sizeof plain);
            return;
        }
    }
    snprintf(out, 32, "%.*g", digits, v);
}

int range_parse(const char *s, struct range *r, struct heal_error *err)
{
    size_t len = strlen(s);
    if (len == 0)
        return heal_error_set(err, "range is empty");
    if (len > RANGE_TEXT_MAX)
        return heal_error_set(err, "range is %zu bytes long, more than the %d allowed", len,
                              RANGE_TEXT_MAX);

    struct range out = {.start = 0.0, .end = INFINITY, .alert_inside = false};
    size_t at = 0;
    if (s[at] == '@') {
        out.alert_inside = true;
        at++;
        if (s[at] == '\0')
            return heal_error_set(err, "range '%s': nothing follows '@'", s);
    }

    /* Any ':' means a start is written; without one the start is 0. */
    bool has_start = strchr(s + at, ':') != NULL;
    if (has_start) {
        if (s[at] == ':')
            return heal_error_set(err,
                                  "range '%s': missing start before ':' at offset %zu "
                                  "(write 0:END or just END)",
                                  s, at);
        if (s[at] == '~') {
            out.start = -INFINITY;
            at++;
        } else if (range_number(s, &at, &out.start, err) < 0) {
            return -1;
        }
        if (s[at] != ':')
            return range_unexpected(err, s, at);
        at++;
        if (s[at] == '\0') {
            *r = out;
            return 0;
        }
    } else if (s[at] == '~') {
        return heal_error_set(err, "range '%s': '~' at offset %zu must be followed by ':'", s, at);
    }

    if (s[at] == ':')
        return range_unexpected(err, s, at);
    if (s[at] == '~')
        return heal_error_set(err,
                              "range '%s': '~' at offset %zu can only start a range "
                              "(leave the end out for plus infinity)",
                              s, at);
    if (range_number(s, &at, &out.end, err) < 0)
        return -1;
    if (s[at] != '\0')
        return range_unexpected(err, s, at);
    if (out.start > out.end) {
        char start[32], end[32];
        range_number_text(out.start, start);
        range_number_text(out.end, end);
        return heal_error_set(err, "range '%s': start %s is greater than end %s", s, start, end);
    }
    *r = out;
    return 0;
}

bool range_alerts(const struct range *r, double value)
{
    if (isnan(value))
        return true;
    bool inside = r->start <= value && value <= r->end;
    return r->alert_inside ? inside : !inside;
}

enum nagios_status range_evaluate(double value, const struct range *warn, const struct range *crit)
{
    if (isnan(value))
        return NAGIOS_UNKNOWN;
    if (crit && range_alerts(crit, value))
        return NAGIOS_CRITICAL;
    if (warn && range_alerts(warn, value))
        return NAGIOS_WARNING;
    return NAGIOS_OK;
}

int range_format(const struct range *r, char *buf, size_t size)
{
    char start[32] = "", end[32] = "";
    const char *colon = ":";

    if (isinf(r->start) && r->start < 0)
        snprintf(start, sizeof start, "~");
    else if (r->start != 0 || isinf(r->end))
        range_number_text(r->start, start);
    else
        colon = ""; /* 0:N is written N, its Nagios shorthand */
    if (!isinf(r->end))
        range_number_text(r->end, end);

    int n = snprintf(buf, size, "%s%s%s%s", r->alert_inside ? "@" : "", start, colon, end);
    if (n < 0 || (size_t)n >= size) {
        if (size > 0)
            buf[0] = '\0';
        return -1;
    }
    return 0;
}
