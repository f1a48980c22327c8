#include "percent.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool percent_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* "'x'" for a printable byte, "byte 0x01" otherwise, "end of text" for NUL. */
static void percent_describe(char c, char out[16])
{
    if (c == '\0')
        snprintf(out, 16, "end of text");
    else if (c >= 0x20 && c < 0x7f)
        snprintf(out, 16, "'%c'", c);
    else
        snprintf(out, 16, "byte 0x%02x", (unsigned char)c);
}

/*
 * True when the decimal s[begin, end) (digits, optional '.' and digits)
 * is above 100.  Decided on the text, because strtod() rounds
 * "100.000000000000000001" down to exactly 100.
 */
static bool percent_above_100(const char *s, size_t begin, size_t end)
{
    while (begin < end && s[begin] == '0')
        begin++;
    size_t whole = begin;
    while (whole < end && percent_is_digit(s[whole]))
        whole++;
    if (whole - begin != 3)
        return whole - begin > 3;
    int cmp = memcmp(s + begin, "100", 3);
    if (cmp != 0)
        return cmp > 0;
    for (size_t i = whole; i < end; i++)
        if (s[i] >= '1' && s[i] <= '9')
            return true;
    return false;
}

int percent_parse(const char *s, double *value, struct heal_error *err)
{
    size_t len = strlen(s);
    char what[16];
    if (len == 0)
        return heal_error_set(err, "percentage is empty");
    if (len > PERCENT_TEXT_MAX)
        return heal_error_set(err, "percentage is %zu bytes long, more than the %d allowed", len,
                              PERCENT_TEXT_MAX);
    if (s[0] == '-')
        return heal_error_set(err, "percentage '%s': negative percentages are not allowed", s);
    if (!percent_is_digit(s[0])) {
        percent_describe(s[0], what);
        return heal_error_set(err, "percentage '%s': expected a number at offset 0, found %s", s,
                              what);
    }

    size_t at = 0;
    while (percent_is_digit(s[at]))
        at++;
    if (s[at] == '.') {
        at++;
        if (!percent_is_digit(s[at])) {
            percent_describe(s[at], what);
            return heal_error_set(
                err, "percentage '%s': expected a digit after '.' at offset %zu, found %s", s, at,
                what);
        }
        while (percent_is_digit(s[at]))
            at++;
    }
    size_t number_end = at;
    if (s[at] == '%')
        at++;
    if (s[at] != '\0') {
        percent_describe(s[at], what);
        return heal_error_set(err, "percentage '%s': unexpected %s at offset %zu", s, what, at);
    }
    if (percent_above_100(s, 0, number_end))
        return heal_error_set(err, "percentage '%s' is more than 100", s);

    /* The grammar is checked, so strtod() reads exactly the number. */
    char number[PERCENT_TEXT_MAX + 1];
    memcpy(number, s, number_end);
    number[number_end] = '\0';
    *value = strtod(number, NULL);
    return 0;
}
