/*
 * perfdata.c — the perfdata grammar of nagios-and-checks.md §1, read leniently.
 *
 * Items are found before they are understood: an item runs from its label
 * to the next whitespace outside a quoted label.  Knowing where an item ends
 * before reading it is what lets a bad one be kept raw while the scan goes on
 * with the next, instead of the whole string being lost.
 */
#include "perfdata.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The longest number read; real plugins print under 30 characters. */
#define PERFDATA_NUMBER_MAX 64
/* The longest unit kept; longer "units" are text that lost its separator. */
#define PERFDATA_UOM_MAX 32
/* value, warn, crit, min, max; any further field must be empty. */
#define PERFDATA_FIELDS 5

struct perfdata_field {
    const char *s;
    size_t n;
};

static bool perfdata_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool perfdata_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static size_t perfdata_skip_digits(const char *s, size_t n, size_t k)
{
    while (k < n && perfdata_is_digit(s[k]))
        k++;
    return k;
}

/*
 * Scans a number at the start of s: [sign] digits [(.|,) digits] [exponent].
 * Returns the bytes it covers (0 if none) and stores the value; *error is
 * set when the text is a number that cannot be represented.
 */
static size_t perfdata_scan_number(const char *s, size_t n, double *value, const char **error)
{
    size_t k = 0;
    if (k < n && (s[k] == '-' || s[k] == '+'))
        k++;
    size_t int_start = k;
    k = perfdata_skip_digits(s, n, k);
    size_t digits = k - int_start;
    if (k < n && (s[k] == '.' || s[k] == ',')) {
        size_t frac_end = perfdata_skip_digits(s, n, k + 1);
        /* "5." is a number; a lone "." or "," is not. */
        if (digits > 0 || frac_end > k + 1) {
            digits += frac_end - (k + 1);
            k = frac_end;
        }
    }
    if (digits == 0)
        return 0;
    if (k < n && (s[k] == 'e' || s[k] == 'E')) {
        size_t e = k + 1;
        if (e < n && (s[e] == '-' || s[e] == '+'))
            e++;
        /* "15em" is 15 in unit "em", not a broken exponent. */
        if (e < n && perfdata_is_digit(s[e]))
            k = perfdata_skip_digits(s, n, e);
    }
    if (k >= PERFDATA_NUMBER_MAX) {
        *error = "number too long";
        return k;
    }
    char buf[PERFDATA_NUMBER_MAX];
    for (size_t i = 0; i < k; i++)
        buf[i] = s[i] == ',' ? '.' : s[i]; /* comma decimals from plugins run in a locale */
    buf[k] = '\0';
    errno = 0;
    double v = strtod(buf, NULL);
    /* Underflow to a tiny or zero value is fine; overflow is not a measurement. */
    if (!isfinite(v)) {
        *error = "number out of range";
        return k;
    }
    *value = v;
    return k;
}

/* Reads a whole field as a number: null when empty, otherwise all of it must be numeric. */
static const char *perfdata_read_bound(struct perfdata_field f, const char *what, jv *out)
{
    if (f.n == 0) {
        *out = jv_null();
        return NULL;
    }
    double v = 0;
    const char *error = NULL;
    size_t used = perfdata_scan_number(f.s, f.n, &v, &error);
    if (error)
        return error;
    if (used == 0 || used != f.n)
        return what;
    *out = jv_number(v);
    return NULL;
}

static bool perfdata_uom_valid(const char *s, size_t n)
{
    if (n == 0)
        return true;
    if (n > PERFDATA_UOM_MAX)
        return false;
    /* A unit starting like a number is the tail of a malformed number. */
    if (perfdata_is_digit(s[0]) || strchr("+-.,", s[0]))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || c == '=' || c == '\'' || c == '"')
            return false;
    }
    return true;
}

/* Label text with each '' turned into ', as the quoted-label grammar says. */
static jv perfdata_unquote(const char *s, size_t n)
{
    char *buf = malloc(n + 1);
    if (!buf)
        return jv_invalid_with_msg(jv_string("out of memory"));
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        buf[w++] = s[i];
        if (s[i] == '\'' && i + 1 < n && s[i + 1] == '\'')
            i++;
    }
    jv label = jv_string_sized(buf, (int)w);
    free(buf);
    return label;
}

/* The value field: a number with an optional unit, or U. */
static const char *perfdata_read_value(struct perfdata_field f, jv *item)
{
    if (f.n == 0)
        return "missing value";
    if (f.n == 1 && f.s[0] == 'U') {
        *item = jv_object_set(*item, jv_string("value"), jv_null());
        *item = jv_object_set(*item, jv_string("uom"), jv_string(""));
        return NULL;
    }
    double v = 0;
    const char *error = NULL;
    size_t used = perfdata_scan_number(f.s, f.n, &v, &error);
    if (error)
        return error;
    if (used == 0)
        return "value is not a number";
    if (!perfdata_uom_valid(f.s + used, f.n - used))
        return "unit is not valid";
    *item = jv_object_set(*item, jv_string("value"), jv_number(v));
    *item = jv_object_set(*item, jv_string("uom"), jv_string_sized(f.s + used, (int)(f.n - used)));
    return NULL;
}

static jv perfdata_range_field(struct perfdata_field f)
{
    return f.n == 0 ? jv_null() : jv_string_sized(f.s, (int)f.n);
}

/*
 * Reads `=value[uom][;warn[;crit[;min[;max]]]][;]` from s (the text after the
 * label) into item.  Returns NULL, or why the item cannot be read.
 */
static const char *perfdata_read_fields(const char *s, size_t n, jv *item)
{
    struct perfdata_field fields[PERFDATA_FIELDS] = {{NULL, 0}};
    size_t count = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != ';')
            continue;
        if (count < PERFDATA_FIELDS) {
            fields[count].s = s + start;
            fields[count].n = i - start;
        } else if (i > start) {
            return "too many fields";
        }
        count++;
        start = i + 1;
    }
    const char *error = perfdata_read_value(fields[0], item);
    if (error)
        return error;
    jv min = jv_null(), max = jv_null();
    error = perfdata_read_bound(fields[3], "min is not a number", &min);
    if (!error)
        error = perfdata_read_bound(fields[4], "max is not a number", &max);
    if (error) {
        jv_free(min);
        return error;
    }
    *item = jv_object_set(*item, jv_string("warn"), perfdata_range_field(fields[1]));
    *item = jv_object_set(*item, jv_string("crit"), perfdata_range_field(fields[2]));
    *item = jv_object_set(*item, jv_string("min"), min);
    *item = jv_object_set(*item, jv_string("max"), max);
    return NULL;
}

static size_t perfdata_next_space(const char *text, size_t len, size_t i)
{
    while (i < len && !perfdata_is_space(text[i]))
        i++;
    return i;
}

/*
 * Reads the item starting at text[start] (not whitespace).  Sets *end past
 * it; returns the item, or an invalid jv with *error saying why.
 */
static jv perfdata_read_item(const char *text, size_t len, size_t start, size_t *end,
                             const char **error)
{
    size_t eq;
    jv label;
    if (text[start] == '\'') {
        size_t close = start + 1;
        while (close < len) {
            if (text[close] == '\'') {
                if (close + 1 < len && text[close + 1] == '\'') {
                    close += 2;
                    continue;
                }
                break;
            }
            close++;
        }
        if (close >= len) {
            /* Nothing after the quote can be split safely: it is all one item. */
            *end = len;
            *error = "unterminated quote in label";
            return jv_invalid();
        }
        *end = perfdata_next_space(text, len, close + 1);
        eq = close + 1;
        if (eq >= *end || text[eq] != '=') {
            *error = "text after the closing quote";
            return jv_invalid();
        }
        label = perfdata_unquote(text + start + 1, close - start - 1);
    } else {
        *end = perfdata_next_space(text, len, start);
        const char *found = memchr(text + start, '=', *end - start);
        if (!found) {
            *error = "missing '='";
            return jv_invalid();
        }
        eq = (size_t)(found - text);
        label = jv_string_sized(text + start, (int)(eq - start));
    }
    if (!jv_is_valid(label)) {
        jv_free(label);
        *error = "out of memory";
        return jv_invalid();
    }
    if (jv_string_length_bytes(jv_copy(label)) == 0) {
        jv_free(label);
        *error = "empty label";
        return jv_invalid();
    }
    jv item = jv_object_set(jv_object(), jv_string("label"), label);
    *error = perfdata_read_fields(text + eq + 1, *end - eq - 1, &item);
    if (*error) {
        jv_free(item);
        return jv_invalid();
    }
    return item;
}

jv perfdata_parse(const char *text, size_t len, struct perfdata_stats *stats)
{
    struct perfdata_stats counts = {0, 0, 0, false};
    jv items = jv_array();
    if (len > PERFDATA_TEXT_MAX) {
        len = PERFDATA_TEXT_MAX;
        counts.truncated = true;
    }
    size_t i = 0;
    for (;;) {
        while (i < len && perfdata_is_space(text[i]))
            i++;
        if (i >= len)
            break;
        size_t end = i;
        const char *error = NULL;
        jv item = perfdata_read_item(text, len, i, &end, &error);
        /* The item touching the cut may be a shortened number: not worth a guess. */
        bool cut = counts.truncated && end == len;
        if (cut || counts.items >= PERFDATA_ITEMS_MAX) {
            jv_free(item);
            counts.dropped++;
        } else {
            if (!jv_is_valid(item)) {
                jv_free(item);
                item = jv_object_set(jv_object(), jv_string("raw"),
                                     jv_string_sized(text + i, (int)(end - i)));
                item = jv_object_set(item, jv_string("error"), jv_string(error));
                counts.raw++;
            }
            items = jv_array_append(items, item);
            counts.items++;
        }
        i = end;
    }
    if (stats)
        *stats = counts;
    return items;
}

struct perfdata_unit {
    const char *uom;
    double factor;
    const char *base;
};

static const struct perfdata_unit perfdata_units[] = {
    {"", 1, ""},
    {"%", 1, "%"},
    {"c", 1, "c"},
    {"s", 1, "s"},
    {"ms", 1e-3, "s"},
    {"us", 1e-6, "s"},
    {"B", 1, "B"},
    {"KB", 1024.0, "B"},
    {"kB", 1024.0, "B"},
    {"KiB", 1024.0, "B"},
    {"MB", 1024.0 * 1024, "B"},
    {"MiB", 1024.0 * 1024, "B"},
    {"GB", 1024.0 * 1024 * 1024, "B"},
    {"GiB", 1024.0 * 1024 * 1024, "B"},
    {"TB", 1024.0 * 1024 * 1024 * 1024, "B"},
    {"TiB", 1024.0 * 1024 * 1024 * 1024, "B"},
};

bool perfdata_to_base(double value, const char *uom, struct perfdata_base *base)
{
    if (!uom)
        uom = "";
    for (size_t i = 0; i < sizeof perfdata_units / sizeof perfdata_units[0]; i++) {
        const struct perfdata_unit *u = &perfdata_units[i];
        if (strcmp(uom, u->uom) != 0)
            continue;
        base->value = value * u->factor;
        base->factor = u->factor;
        base->uom = u->base;
        base->counter = strcmp(u->uom, "c") == 0;
        return true;
    }
    return false;
}
