#include "duration.h"
#include "unit.h"

#include <stdint.h>

static int parses_to(const char *s, int64_t want)
{
    int64_t ms = -12345;
    return duration_parse(s, &ms, NULL) == 0 && ms == want;
}

static void test_units(void)
{
    CHECK(parses_to("250ms", 250), "'250ms' is 250 milliseconds");
    CHECK(parses_to("10s", 10000), "'10s' is 10 seconds");
    CHECK(parses_to("5m", 300000), "'5m' is 5 minutes, not months");
    CHECK(parses_to("1h", 3600000), "'1h' is an hour");
    CHECK(parses_to("2d", 172800000), "'2d' is two 24-hour days");
    CHECK(parses_to("1w", 604800000), "'1w' is seven days");
    CHECK(parses_to("30", 30000), "a bare number means seconds");
    CHECK(parses_to("1.5", 1500), "a bare fraction means seconds too");
    CHECK(parses_to("0", 0), "'0' is zero");
    CHECK(parses_to("0ms", 0) && parses_to("0w", 0), "zero in any unit is zero");
    CHECK(parses_to("007s", 7000), "leading zeros are decimal");
}

static void test_fractions_and_compounds(void)
{
    CHECK(parses_to("1.5s", 1500), "'1.5s' is 1500 ms");
    CHECK(parses_to("0.25s", 250), "'0.25s' is 250 ms");
    CHECK(parses_to("0.001s", 1), "'0.001s' is exactly one millisecond");
    CHECK(parses_to("1.5h", 5400000), "'1.5h' is 90 minutes");
    CHECK(parses_to("0.5w", 302400000), "'0.5w' is three and a half days");
    CHECK(parses_to("1.0000000000ms", 1), "trailing zeros in a fraction change nothing");
    CHECK(parses_to("0.0009765625w", 590625),
          "a ten-digit fraction of a week that is whole milliseconds is exact");
    CHECK(parses_to("1h30m", 5400000), "'1h30m' is 90 minutes");
    CHECK(parses_to("1w2d3h4m5s6ms", 788645006), "every unit can appear once, largest first");
    CHECK(parses_to("1m30.5s", 90500), "the last part of a compound may have a fraction");
    CHECK(parses_to("1s500ms", 1500), "'1s500ms' is 1500 ms");
}

static void test_limits(void)
{
    CHECK(parses_to("9223372036854775807ms", INT64_MAX),
          "INT64_MAX milliseconds is the largest duration");
    CHECK(parses_to("9223372036854775.807s", INT64_MAX),
          "INT64_MAX milliseconds written in seconds with a fraction is accepted");
    CHECK(parses_to("15250284452w3d7h12m55s807ms", INT64_MAX),
          "INT64_MAX milliseconds written as a compound is accepted");
    CHECK(parses_to("9223372036854775s", 9223372036854775000),
          "the most whole seconds that fit are accepted");

    static const char *over[] = {
        "9223372036854775808ms", "9223372036854775.808s",
        "9223372036854776s",     "15250284452w3d7h12m55s808ms",
        "15250284453w",          "99999999999999999999ms",
        "153722867280913m",      "106751991168d",
    };
    for (size_t i = 0; i < sizeof over / sizeof over[0]; i++) {
        struct heal_error err = {{0}};
        int64_t ms = -7;
        int rc = duration_parse(over[i], &ms, &err);
        char want[HEAL_ERROR_SIZE];
        snprintf(want, sizeof want,
                 "duration '%s' is too large (the most is 9223372036854775807 ms)", over[i]);
        CHECK(rc == -1 && ms == -7, "'%s', one past the largest, is refused", over[i]);
        CHECK_STR(err.msg, want, "refusing '%s' says it is too large", over[i]);
    }
}

static void test_rejections(void)
{
    static const struct {
        const char *text;
        const char *reason;
    } bad[] = {
        {"", "duration is empty"},
        {"-5s", "duration '-5s': negative durations are not allowed"},
        {"+5s", "duration '+5s': expected a number at offset 0, found '+'"},
        {"5x", "duration '5x': unknown unit 'x' at offset 1 (use ms, s, m, h, d or w)"},
        {"5S", "duration '5S': unknown unit 'S' at offset 1 (use ms, s, m, h, d or w)"},
        {"5min", "duration '5min': unknown unit 'min' at offset 1 (use ms, s, m, h, d or w)"},
        {"5us", "duration '5us': unknown unit 'us' at offset 1 (use ms, s, m, h, d or w)"},
        {"5 s", "duration '5 s': unexpected ' ' at offset 1"},
        {" 5s", "duration ' 5s': expected a number at offset 0, found ' '"},
        {"5s ", "duration '5s ': unexpected ' ' at offset 2"},
        {"1h 30m", "duration '1h 30m': unexpected ' ' at offset 2"},
        {"10s!", "duration '10s!': unexpected '!' at offset 3"},
        {"1h30", "duration '1h30': missing unit at offset 4"},
        {"1h-5m", "duration '1h-5m': unexpected '-' at offset 2"},
        {"s", "duration 's': expected a number at offset 0, found 's'"},
        {".5s", "duration '.5s': expected a number at offset 0, found '.'"},
        {"5.s", "duration '5.s': expected a digit after '.' at offset 2, found 's'"},
        {"5.", "duration '5.': expected a digit after '.' at offset 2, found end of text"},
        {"1.5ms", "duration '1.5ms': '1.5ms' is finer than one millisecond"},
        {"0.0001s", "duration '0.0001s': '0.0001s' is finer than one millisecond"},
        {"0.00000000001w", "duration '0.00000000001w': '0.00000000001w' is finer than one "
                           "millisecond"},
        {"30m1h", "duration '30m1h': unit 'h' at offset 4 follows the smaller unit 'm' "
                  "(write the largest unit first)"},
        {"1m1m", "duration '1m1m': unit 'm' at offset 3 is repeated"},
        {"1.5h30m", "duration '1.5h30m': only the last part may have a fraction, but another "
                    "part starts at offset 4"},
        {"1e3s", "duration '1e3s': unknown unit 'e' at offset 1 (use ms, s, m, h, d or w)"},
        {"inf", "duration 'inf': expected a number at offset 0, found 'i'"},
        {"5s\x7f", "duration '5s\x7f': unexpected byte 0x7f at offset 2"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms = -7;
        struct heal_error err = {{0}};
        int rc = duration_parse(bad[i].text, &ms, &err);
        CHECK(rc == -1 && ms == -7, "'%s' is refused and leaves the result untouched", bad[i].text);
        CHECK_STR(err.msg, bad[i].reason, "refusing '%s' says why", bad[i].text);
    }

    char text[DURATION_TEXT_MAX + 2];
    memset(text, '0', DURATION_TEXT_MAX);
    text[DURATION_TEXT_MAX - 1] = 's';
    text[DURATION_TEXT_MAX] = '\0';
    CHECK(parses_to(text, 0), "a duration of exactly DURATION_TEXT_MAX bytes is accepted");
    memset(text, '0', DURATION_TEXT_MAX + 1);
    text[DURATION_TEXT_MAX] = 's';
    text[DURATION_TEXT_MAX + 1] = '\0';
    struct heal_error err = {{0}};
    int64_t ms;
    CHECK(duration_parse(text, &ms, &err) == -1,
          "a duration one byte over DURATION_TEXT_MAX is refused");
    CHECK_STR(err.msg, "duration is 65 bytes long, more than the 64 allowed",
              "refusing an over-long duration names the cap instead of echoing the text");
    CHECK(duration_parse("5x", &ms, NULL) == -1, "a NULL struct heal_error is allowed");
}

static void test_format(void)
{
    static const struct {
        int64_t ms;
        const char *text;
    } cases[] = {
        {0, "0s"},
        {1, "1ms"},
        {250, "250ms"},
        {1000, "1s"},
        {1500, "1s500ms"},
        {60000, "1m"},
        {5400000, "1h30m"},
        {86400000, "1d"},
        {604800000, "1w"},
        {691200000, "1w1d"},
        {788645006, "1w2d3h4m5s6ms"},
        {INT64_MAX, "15250284452w3d7h12m55s807ms"},
        {-1500, "-1s500ms"},
        {INT64_MIN, "-15250284452w3d7h12m55s808ms"},
    };
    char buf[DURATION_FORMAT_SIZE];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = duration_format(cases[i].ms, buf, sizeof buf);
        /* The title leaves out the wanted text: CHECK_STR tests it for NULL,
         * which makes gcc warn about passing it to printf as well. */
        CHECK_STR(rc == 0 ? buf : "(failed)", cases[i].text, "%lld ms is written for a human",
                  (long long)cases[i].ms);
        if (cases[i].ms >= 0)
            CHECK(parses_to(buf, cases[i].ms), "the written form of %lld ms parses back",
                  (long long)cases[i].ms);
    }

    char small[5];
    CHECK(duration_format(5400000, small, sizeof small) == -1 && small[0] == '\0',
          "formatting into a buffer too small fails and leaves an empty string");
    char exact[6];
    CHECK(duration_format(5400000, exact, sizeof exact) == 0 && strcmp(exact, "1h30m") == 0,
          "a buffer of exactly the needed size is enough");
}

int main(void)
{
    test_units();
    test_fractions_and_compounds();
    test_limits();
    test_rejections();
    test_format();
    return unit_done();
}
