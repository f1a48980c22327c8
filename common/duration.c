#include "duration.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct duration_unit {
    const char *name;
    int64_t ms;
};

/* Largest first: parse demands this order and format emits it. */
static const struct duration_unit duration_units[] = {
    {"w", 7 * 24 * 3600 * 1000LL},
    {"d", 24 * 3600 * 1000LL},
    {"h", 3600 * 1000LL},
    {"m", 60 * 1000LL},
    {"s", 1000LL},
    {"ms", 1LL},
};
#define DURATION_UNIT_COUNT (sizeof duration_units / sizeof duration_units[0])
#define DURATION_SECONDS 4 /* index of "s", the unit of a bare number */

/*
 * A fraction with more significant digits than this can never come out
 * as whole milliseconds: the units hold at most 2^10 and 5^5 as factors.
 * Capping here also keeps fraction * unit within 64 bits.
 */
#define DURATION_FRACTION_DIGITS_MAX 10

static bool duration_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool duration_is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* "'x'" for a printable byte, "byte 0x01" otherwise, "end of text" for NUL. */
static void duration_describe(char c, char out[16])
{
    if (c == '\0')
        snprintf(out, 16, "end of text");
    else if (c >= 0x20 && c < 0x7f)
        snprintf(out, 16, "'%c'", c);
    else
        snprintf(out, 16, "byte 0x%02x", (unsigned char)c);
}

static int duration_unexpected(struct heal_error *err, const char *s, size_t at)
{
    char what[16];
    duration_describe(s[at], what);
    return heal_error_set(err, "duration '%s': unexpected %s at offset %zu", s, what, at);
}

static int duration_too_large(struct heal_error *err, const char *s)
{
    return heal_error_set(err, "duration '%s' is too large (the most is %lld ms)", s,
                          (long long)INT64_MAX);
}

/*
 * The milliseconds in the fraction digits s[begin, end) of one unit, or
 * -1 if they are not a whole number of milliseconds.
 */
static int64_t duration_fraction_ms(const char *s, size_t begin, size_t end, int64_t unit_ms)
{
    while (end > begin && s[end - 1] == '0')
        end--;
    if (end - begin > DURATION_FRACTION_DIGITS_MAX)
        return -1;
    int64_t digits = 0, scale = 1;
    for (size_t i = begin; i < end; i++) {
        digits = digits * 10 + (s[i] - '0');
        scale *= 10;
    }
    if (digits * unit_ms % scale != 0)
        return -1;
    return digits * unit_ms / scale;
}

int duration_parse(const char *s, int64_t *ms, struct heal_error *err)
{
    size_t len = strlen(s);
    if (len == 0)
        return heal_error_set(err, "duration is empty");
    if (len > DURATION_TEXT_MAX)
        return heal_error_set(err, "duration is %zu bytes long, more than the %d allowed", len,
                              DURATION_TEXT_MAX);
    if (s[0] == '-')
        return heal_error_set(err, "duration '%s': negative durations are not allowed", s);

    int64_t total = 0;
    size_t previous = DURATION_UNIT_COUNT; /* no part yet */
    size_t at = 0;
    bool fraction_seen = false;
    while (s[at] != '\0') {
        size_t part = at;
        if (!duration_is_digit(s[at]) && previous != DURATION_UNIT_COUNT)
            return duration_unexpected(err, s, at); /* junk after a complete part */
        if (!duration_is_digit(s[at])) {
            char what[16];
            duration_describe(s[at], what);
            return heal_error_set(err, "duration '%s': expected a number at offset %zu, found %s",
                                  s, at, what);
        }
        if (fraction_seen)
            return heal_error_set(err,
                                  "duration '%s': only the last part may have a fraction, "
                                  "but another part starts at offset %zu",
                                  s, at);

        int64_t whole = 0;
        for (; duration_is_digit(s[at]); at++) {
            int digit = s[at] - '0';
            if (whole > (INT64_MAX - digit) / 10)
                return duration_too_large(err, s);
            whole = whole * 10 + digit;
        }
        size_t fraction = at, fraction_end = at;
        if (s[at] == '.') {
            at++;
            if (!duration_is_digit(s[at])) {
                char what[16];
                duration_describe(s[at], what);
                return heal_error_set(err,
                                      "duration '%s': expected a digit after '.' at offset %zu, "
                                      "found %s",
                                      s, at, what);
            }
            fraction = at;
            while (duration_is_digit(s[at]))
                at++;
            fraction_end = at;
            fraction_seen = true;
        }

        size_t name = at;
        while (duration_is_letter(s[at]))
            at++;
        size_t u;
        if (at == name) {
            if (s[at] != '\0')
                return duration_unexpected(err, s, at);
            if (previous != DURATION_UNIT_COUNT)
                return heal_error_set(err, "duration '%s': missing unit at offset %zu", s, at);
            u = DURATION_SECONDS;
        } else {
            for (u = 0; u < DURATION_UNIT_COUNT; u++)
                if (strlen(duration_units[u].name) == at - name &&
                    memcmp(duration_units[u].name, s + name, at - name) == 0)
                    break;
            if (u == DURATION_UNIT_COUNT)
                return heal_error_set(err,
                                      "duration '%s': unknown unit '%.*s' at offset %zu "
                                      "(use ms, s, m, h, d or w)",
                                      s, (int)(at - name), s + name, name);
            if (u == previous)
                return heal_error_set(err, "duration '%s': unit '%s' at offset %zu is repeated", s,
                                      duration_units[u].name, name);
            if (previous != DURATION_UNIT_COUNT && u < previous)
                return heal_error_set(err,
                                      "duration '%s': unit '%s' at offset %zu follows the "
                                      "smaller unit '%s' (write the largest unit first)",
                                      s, duration_units[u].name, name,
                                      duration_units[previous].name);
        }
        previous = u;

        int64_t unit_ms = duration_units[u].ms;
        int64_t extra = duration_fraction_ms(s, fraction, fraction_end, unit_ms);
        if (extra < 0)
            return heal_error_set(err, "duration '%s': '%.*s' is finer than one millisecond", s,
                                  (int)(at - part), s + part);
        if (whole > (INT64_MAX - extra) / unit_ms)
            return duration_too_large(err, s);
        int64_t part_ms = whole * unit_ms + extra;
        if (total > INT64_MAX - part_ms)
            return duration_too_large(err, s);
        total += part_ms;
    }
    *ms = total;
    return 0;
}

int duration_format(int64_t ms, char *buf, size_t size)
{
    char out[DURATION_FORMAT_SIZE];
    size_t n = 0;
    /* Unsigned, so that INT64_MIN has a magnitude too. */
    uint64_t left = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;

    if (ms < 0)
        out[n++] = '-';
    if (left == 0)
        n += (size_t)snprintf(out + n, sizeof out - n, "0s");
    for (size_t u = 0; u < DURATION_UNIT_COUNT && left > 0; u++) {
        uint64_t unit_ms = (uint64_t)duration_units[u].ms;
        uint64_t count = left / unit_ms;
        if (count == 0)
            continue;
        left -= count * unit_ms;
        n += (size_t)snprintf(out + n, sizeof out - n, "%llu%s", (unsigned long long)count,
                              duration_units[u].name);
    }
    if (n >= size) {
        if (size > 0)
            buf[0] = '\0';
        return -1;
    }
    memcpy(buf, out, n + 1);
    return 0;
}
