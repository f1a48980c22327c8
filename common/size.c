#include "size.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Index i is the multiplier 1024^i; index 0 is plain bytes. */
static const char size_letters[] = "BKMGTPE";
#define SIZE_UNIT_COUNT 7
/* 15.9E: the largest one-decimal value in E below 2^64 bytes. */
#define SIZE_TENTHS_MAX 159

/*
 * Significant fraction digits kept exactly.  10^18 fits in 64 bits with
 * room for the doubling in size_fraction_bytes(); more digits than this
 * cannot be typed in SIZE_TEXT_MAX alongside a useful number anyway.
 */
#define SIZE_FRACTION_DIGITS_MAX 18

static bool size_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool size_is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* "'x'" for a printable byte, "byte 0x01" otherwise, "end of text" for NUL. */
static void size_describe(char c, char out[16])
{
    if (c == '\0')
        snprintf(out, 16, "end of text");
    else if (c >= 0x20 && c < 0x7f)
        snprintf(out, 16, "'%c'", c);
    else
        snprintf(out, 16, "byte 0x%02x", (unsigned char)c);
}

static int size_too_large(struct heal_error *err, const char *s)
{
    return heal_error_set(err, "size '%s' is too large (the most is %llu bytes)", s,
                          (unsigned long long)UINT64_MAX);
}

/* The multiplier index of letter c (K=1 .. E=6), or -1. */
static int size_multiplier(char c)
{
    for (int i = 1; i < SIZE_UNIT_COUNT; i++)
        if (c == size_letters[i] || c == size_letters[i] - 'A' + 'a')
            return i;
    return -1;
}

/*
 * Reads the unit token s[begin, end) into *shift (bits: 0, 10, .. 60).
 * Returns 0, or -1 with err set.
 */
static int size_unit(const char *s, size_t begin, size_t end, int *shift, struct heal_error *err)
{
    size_t n = end - begin;
    const char *u = s + begin;
    if (n == 0) {
        *shift = 0;
        return 0;
    }
    if (n == 1 && u[0] == 'B') {
        *shift = 0;
        return 0;
    }
    int m = size_multiplier(u[0]);
    if (m > 0 && (n == 1 || (n == 2 && u[1] == 'B') || (n == 3 && memcmp(u + 1, "iB", 2) == 0))) {
        *shift = 10 * m;
        return 0;
    }
    if (u[n - 1] == 'b' &&
        (n == 1 || (size_multiplier(u[0]) > 0 && (n == 2 || (n == 3 && u[1] == 'i')))))
        return heal_error_set(err,
                              "size '%s': unit '%.*s' at offset %zu would mean bits "
                              "(write B for bytes)",
                              s, (int)n, u, begin);
    return heal_error_set(err,
                          "size '%s': unknown unit '%.*s' at offset %zu "
                          "(use B, K, M, G, T, P or E, optionally followed by B or iB)",
                          s, (int)n, u, begin);
}

/*
 * The fraction digits / scale (a power of ten above digits) times
 * 2^shift, rounded to nearest, halves up.  Binary long division keeps it exact without wider types.
 */
static uint64_t size_fraction_bytes(uint64_t digits, uint64_t scale, int shift)
{
    uint64_t quotient = 0, remainder = digits;
    for (int i = 0; i < shift; i++) {
        remainder *= 2;
        quotient *= 2;
        if (remainder >= scale) {
            remainder -= scale;
            quotient++;
        }
    }
    if (remainder * 2 >= scale)
        quotient++;
    return quotient;
}

int size_parse(const char *s, uint64_t *bytes, struct heal_error *err)
{
    size_t len = strlen(s);
    char what[16];
    if (len == 0)
        return heal_error_set(err, "size is empty");
    if (len > SIZE_TEXT_MAX)
        return heal_error_set(err, "size is %zu bytes long, more than the %d allowed", len,
                              SIZE_TEXT_MAX);
    if (s[0] == '-')
        return heal_error_set(err, "size '%s': negative sizes are not allowed", s);
    if (!size_is_digit(s[0])) {
        size_describe(s[0], what);
        return heal_error_set(err, "size '%s': expected a number at offset 0, found %s", s, what);
    }

    size_t at = 0;
    uint64_t whole = 0;
    for (; size_is_digit(s[at]); at++) {
        unsigned digit = (unsigned)(s[at] - '0');
        if (whole > (UINT64_MAX - digit) / 10)
            return size_too_large(err, s);
        whole = whole * 10 + digit;
    }
    size_t fraction = at, fraction_end = at;
    if (s[at] == '.') {
        at++;
        if (!size_is_digit(s[at])) {
            size_describe(s[at], what);
            return heal_error_set(
                err, "size '%s': expected a digit after '.' at offset %zu, found %s", s, at, what);
        }
        fraction = at;
        while (size_is_digit(s[at]))
            at++;
        fraction_end = at;
    }
    size_t unit = at;
    while (size_is_letter(s[at]))
        at++;
    if (s[at] != '\0') {
        size_describe(s[at], what);
        return heal_error_set(err, "size '%s': unexpected %s at offset %zu", s, what, at);
    }
    int shift = 0;
    if (size_unit(s, unit, at, &shift, err) < 0)
        return -1;

    /* Trailing zeros add nothing; dropping them lets "1.50000K" pass the cap. */
    while (fraction_end > fraction && s[fraction_end - 1] == '0')
        fraction_end--;
    uint64_t extra = 0;
    if (fraction_end > fraction) {
        if (shift == 0)
            return heal_error_set(err,
                                  "size '%s': a fraction of a byte at offset %zu "
                                  "(fractions need a unit of K or more)",
                                  s, fraction - 1);
        if (fraction_end - fraction > SIZE_FRACTION_DIGITS_MAX)
            return heal_error_set(err, "size '%s': more than %d digits after '.' at offset %zu", s,
                                  SIZE_FRACTION_DIGITS_MAX, fraction - 1);
        uint64_t digits = 0, scale = 1;
        for (size_t i = fraction; i < fraction_end; i++) {
            digits = digits * 10 + (uint64_t)(s[i] - '0');
            scale *= 10;
        }
        extra = size_fraction_bytes(digits, scale, shift);
    }
    if (whole > UINT64_MAX >> shift)
        return size_too_large(err, s);
    uint64_t total = whole << shift;
    if (total > UINT64_MAX - extra)
        return size_too_large(err, s);
    *bytes = total + extra;
    return 0;
}

int size_format(uint64_t bytes, char *buf, size_t size)
{
    char out[SIZE_FORMAT_SIZE];
    int u = 0;
    while (u + 1 < SIZE_UNIT_COUNT && bytes >> (10 * (u + 1)) > 0)
        u++;
    if (u == 0) {
        snprintf(out, sizeof out, "%lluB", (unsigned long long)bytes);
    } else {
        uint64_t unit = (uint64_t)1 << (10 * u);
        /* Remainder < 2^60, so remainder * 10 stays within 64 bits. */
        uint64_t tenths = bytes / unit * 10 + ((bytes % unit) * 10 + unit / 2) / unit;
        /* 1023.96K rounds to 1024.0K, which a person would write 1M. */
        if (tenths == 10240 && u + 1 < SIZE_UNIT_COUNT) {
            u++;
            tenths = 10;
        }
        /* Rounding up from 15.95E would print 16E, which is 2^64 and so
         * too large for size_parse(); stay at the largest that fits. */
        if (u + 1 == SIZE_UNIT_COUNT && tenths > SIZE_TENTHS_MAX)
            tenths = SIZE_TENTHS_MAX;
        if (tenths % 10 == 0)
            snprintf(out, sizeof out, "%llu%c", (unsigned long long)(tenths / 10), size_letters[u]);
        else
            snprintf(out, sizeof out, "%llu.%llu%c", (unsigned long long)(tenths / 10),
                     (unsigned long long)(tenths % 10), size_letters[u]);
    }
    size_t n = strlen(out);
    if (n >= size) {
        if (size > 0)
            buf[0] = '\0';
        return -1;
    }
    memcpy(buf, out, n + 1);
    return 0;
}
