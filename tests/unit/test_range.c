#include "range.h"
#include "unit.h"

#include <math.h>

static const char *status_name(enum nagios_status s)
{
    switch (s) {
    case NAGIOS_OK:
        return "OK";
    case NAGIOS_WARNING:
        return "WARNING";
    case NAGIOS_CRITICAL:
        return "CRITICAL";
    case NAGIOS_UNKNOWN:
        return "UNKNOWN";
    }
    return "?";
}

/* The status of value under -w warn -c crit; either may be NULL.  UNKNOWN if one is invalid. */
static enum nagios_status judge(double value, const char *warn, const char *crit)
{
    struct range w, c;
    if ((warn && range_parse(warn, &w, NULL) < 0) || (crit && range_parse(crit, &c, NULL) < 0))
        return NAGIOS_UNKNOWN;
    return range_evaluate(value, warn ? &w : NULL, crit ? &c : NULL);
}

/*
 * Section 2 of nagios-and-checks.md: check_procs 2.3.3 with exactly two
 * processes and -c RANGE; fixtures nagios-samples/range-procs-count2-c-*.
 */
static const struct {
    const char *range;
    enum nagios_status want;
    const char *why;
} truth[] = {
    {"2", NAGIOS_OK, "2 is inside 0:2, ends being inclusive"},
    {"1", NAGIOS_CRITICAL, "it alerts when x<0 or x>1"},
    {"2:", NAGIOS_OK, "it alerts only when x<2"},
    {"3:", NAGIOS_CRITICAL, "it alerts when x<3"},
    {"~:2", NAGIOS_OK, "it alerts only when x>2"},
    {"~:1", NAGIOS_CRITICAL, "it alerts when x>1"},
    {"10:20", NAGIOS_CRITICAL, "it alerts when x<10 or x>20"},
    {"-5:-1", NAGIOS_CRITICAL, "it alerts when x<-5 or x>-1"},
    {"1.5:2.5", NAGIOS_OK, "2 is inside [1.5, 2.5]"},
    {"@2:3", NAGIOS_CRITICAL, "'@' alerts when 2<=x<=3"},
    {"@3:4", NAGIOS_OK, "'@' alerts only when 3<=x<=4"},
    {"@2", NAGIOS_CRITICAL, "'@' alerts when 0<=x<=2"},
    {"@1", NAGIOS_OK, "'@' alerts only when 0<=x<=1"},
    {"@~:2", NAGIOS_CRITICAL, "'@' alerts when x<=2"},
    {"~:", NAGIOS_OK, "it never alerts"},
    {"@~:", NAGIOS_CRITICAL, "it always alerts"},
    {"3:1", NAGIOS_UNKNOWN, "start > end is invalid"},
};

static void test_truth_table(void)
{
    for (size_t i = 0; i < sizeof truth / sizeof truth[0]; i++) {
        enum nagios_status got = judge(2, NULL, truth[i].range);
        CHECK(got == truth[i].want, "with x=2, -c '%s' is %s (got %s): %s", truth[i].range,
              status_name(truth[i].want), status_name(got), truth[i].why);
    }
}

static void test_threshold_pairs(void)
{
    CHECK(judge(5, "10", "20") == NAGIOS_OK, "-w 10 -c 20 is OK at 5");
    CHECK(judge(10, "10", "20") == NAGIOS_OK, "-w 10 -c 20 is still OK at exactly 10");
    CHECK(judge(15, "10", "20") == NAGIOS_WARNING, "-w 10 -c 20 warns above 10");
    CHECK(judge(20, "10", "20") == NAGIOS_WARNING, "-w 10 -c 20 only warns at exactly 20");
    CHECK(judge(21, "10", "20") == NAGIOS_CRITICAL, "-w 10 -c 20 is critical above 20");
    CHECK(judge(-1, "10", "20") == NAGIOS_CRITICAL,
          "-w 10 -c 20 is critical for a negative value, outside both 0:10 and 0:20");
    CHECK(judge(-1, "~:10", "~:20") == NAGIOS_OK, "-w ~:10 -c ~:20 is OK for a negative value");
    CHECK(judge(-1e9, "~:10", "~:20") == NAGIOS_OK, "-w ~:10 -c ~:20 is OK however negative");
    CHECK(judge(15, "~:10", "~:20") == NAGIOS_WARNING, "-w ~:10 -c ~:20 warns above 10");
    CHECK(judge(25, "~:10", "~:20") == NAGIOS_CRITICAL, "-w ~:10 -c ~:20 is critical above 20");
    CHECK(judge(12, "10:", "5:") == NAGIOS_OK, "-w 10: -c 5: is OK at 12");
    CHECK(judge(10, "10:", "5:") == NAGIOS_OK, "-w 10: -c 5: is OK at exactly 10");
    CHECK(judge(7, "10:", "5:") == NAGIOS_WARNING, "-w 10: -c 5: warns below 10");
    CHECK(judge(5, "10:", "5:") == NAGIOS_WARNING, "-w 10: -c 5: only warns at exactly 5");
    CHECK(judge(4, "10:", "5:") == NAGIOS_CRITICAL, "-w 10: -c 5: is critical below 5");
    CHECK(judge(0, NULL, "1:") == NAGIOS_CRITICAL, "-c 1: is critical when no process exists");
    CHECK(judge(1, NULL, "1:") == NAGIOS_OK, "-c 1: is OK when one process exists");
    CHECK(judge(1000, NULL, "1:") == NAGIOS_OK, "-c 1: is OK with many processes");
    CHECK(judge(9.99, NULL, "@10:20") == NAGIOS_OK, "-c @10:20 is OK just below 10");
    CHECK(judge(10, NULL, "@10:20") == NAGIOS_CRITICAL, "-c @10:20 is critical at 10");
    CHECK(judge(15, NULL, "@10:20") == NAGIOS_CRITICAL, "-c @10:20 is critical inside");
    CHECK(judge(20, NULL, "@10:20") == NAGIOS_CRITICAL, "-c @10:20 is critical at 20");
    CHECK(judge(20.01, NULL, "@10:20") == NAGIOS_OK, "-c @10:20 is OK just above 20");
    CHECK(judge(50, "10", NULL) == NAGIOS_WARNING, "a warning alone can only warn");
    CHECK(judge(50, NULL, NULL) == NAGIOS_OK, "no thresholds at all is OK");
    CHECK(judge(15, "20", "10") == NAGIOS_CRITICAL,
          "critical is tested first, even when the warning range would not alert");
}

static void test_edges(void)
{
    struct range r;
    CHECK(range_parse("10", &r, NULL) == 0 && !range_alerts(&r, 10),
          "a value exactly at the end of '10' is inside (a 100 ml glass holds 100 ml)");
    CHECK(!range_alerts(&r, 0), "a value exactly at the implied start 0 of '10' is inside");
    CHECK(range_alerts(&r, 10.0000001), "10.0000001 is outside '10'");
    CHECK(range_alerts(&r, -0.0000001), "-0.0000001 is outside '10'");
    CHECK(!range_alerts(&r, -0.0), "-0 is inside '10', the same as 0");
    CHECK(range_parse("-5:-1", &r, NULL) == 0 && !range_alerts(&r, -5) && !range_alerts(&r, -1),
          "both negative endpoints of '-5:-1' are inside");
    CHECK(range_parse("@2:3", &r, NULL) == 0 && range_alerts(&r, 2) && range_alerts(&r, 3),
          "both endpoints of '@2:3' alert, being inside");
    CHECK(!range_alerts(&r, 1.9999999) && !range_alerts(&r, 3.0000001),
          "just outside '@2:3' on either side does not alert");
    CHECK(range_parse("5:5", &r, NULL) == 0 && !range_alerts(&r, 5) && range_alerts(&r, 5.001),
          "a one-point range '5:5' is valid and holds only 5");
    CHECK(range_parse("~:", &r, NULL) == 0 && !range_alerts(&r, INFINITY) &&
              !range_alerts(&r, -INFINITY) && !range_alerts(&r, -1e308),
          "'~:' does not alert even for infinite values");
    CHECK(range_parse("@~:", &r, NULL) == 0 && range_alerts(&r, INFINITY) && range_alerts(&r, 0),
          "'@~:' alerts for every value");
    CHECK(range_alerts(&r, NAN), "NaN alerts under '@~:'");
    CHECK(range_parse("~:", &r, NULL) == 0 && range_alerts(&r, NAN),
          "NaN alerts even under '~:', because it is never within limits");
    CHECK(range_evaluate(NAN, &r, &r) == NAGIOS_UNKNOWN, "a NaN value evaluates to UNKNOWN");
    CHECK(range_evaluate(NAN, NULL, NULL) == NAGIOS_UNKNOWN,
          "a NaN value is UNKNOWN even with no thresholds");
}

static void test_parse_fields(void)
{
    struct range r;
    CHECK(range_parse("10", &r, NULL) == 0 && r.start == 0 && r.end == 10 && !r.alert_inside,
          "'10' means 0:10");
    CHECK(range_parse("10:", &r, NULL) == 0 && r.start == 10 && isinf(r.end) && r.end > 0,
          "'10:' runs from 10 to plus infinity");
    CHECK(range_parse("~:10", &r, NULL) == 0 && isinf(r.start) && r.start < 0 && r.end == 10,
          "'~:10' runs from minus infinity to 10");
    CHECK(range_parse("@-1.5:2.25", &r, NULL) == 0 && r.start == -1.5 && r.end == 2.25 &&
              r.alert_inside,
          "'@' with negative and decimal numbers sets all three fields");
    CHECK(range_parse("1e3:2.5E+3", &r, NULL) == 0 && r.start == 1000 && r.end == 2500,
          "numbers may carry a decimal exponent");
    CHECK(range_parse("007:010", &r, NULL) == 0 && r.start == 7 && r.end == 10,
          "leading zeros are decimal, not octal");
    CHECK(range_parse("-0:0", &r, NULL) == 0 && r.start == 0 && !signbit(r.start),
          "-0 is stored as 0");
    CHECK(range_parse("0:", &r, NULL) == 0 && r.start == 0 && isinf(r.end),
          "'0:' is every value not below 0");
    char at64[RANGE_TEXT_MAX + 2];
    memset(at64, '0', RANGE_TEXT_MAX);
    at64[RANGE_TEXT_MAX - 1] = '7';
    at64[RANGE_TEXT_MAX] = '\0';
    CHECK(range_parse(at64, &r, NULL) == 0 && r.end == 7,
          "a range of exactly RANGE_TEXT_MAX bytes is accepted");
}

static void test_rejections(void)
{
    static const struct {
        const char *text;
        const char *reason;
    } bad[] = {
        {"", "range is empty"},
        {"@", "range '@': nothing follows '@'"},
        {"10::", "range '10::': unexpected ':' at offset 3"},
        {"1:2:3", "range '1:2:3': unexpected ':' at offset 3"},
        {"abc", "range 'abc': expected a number at offset 0, found 'a'"},
        {"3:1", "range '3:1': start 3 is greater than end 1"},
        {"@3.5:-1", "range '@3.5:-1': start 3.5 is greater than end -1"},
        {"-5", "range '-5': start 0 is greater than end -5"},
        {"nan", "range 'nan': 'nan' at offset 0 is not a number (write '~' for minus infinity, "
                "leave the end out for plus infinity)"},
        {"1:inf", "range '1:inf': 'inf' at offset 2 is not a number (write '~' for minus "
                  "infinity, leave the end out for plus infinity)"},
        {"-INF:0", "range '-INF:0': 'INF' at offset 1 is not a number (write '~' for minus "
                   "infinity, leave the end out for plus infinity)"},
        {"10x", "range '10x': unexpected 'x' at offset 2"},
        {"10 ", "range '10 ': unexpected ' ' at offset 2"},
        {" 10", "range ' 10': expected a number at offset 0, found ' '"},
        {"1: 2", "range '1: 2': expected a number at offset 2, found ' '"},
        {"+5", "range '+5': expected a number at offset 0, found '+'"},
        {".5", "range '.5': expected a number at offset 0, found '.'"},
        {"5.", "range '5.': expected a digit after '.' at offset 2, found end of text"},
        {"1e", "range '1e': expected a digit in the exponent at offset 2, found end of text"},
        {"0x10", "range '0x10': unexpected 'x' at offset 1"},
        {":10", "range ':10': missing start before ':' at offset 0 (write 0:END or just END)"},
        {"~", "range '~': '~' at offset 0 must be followed by ':'"},
        {"~5:6", "range '~5:6': unexpected '5' at offset 1"},
        {"1:~", "range '1:~': '~' at offset 2 can only start a range (leave the end out for "
                "plus infinity)"},
        {"@@1", "range '@@1': expected a number at offset 1, found '@'"},
        {"-", "range '-': expected a number at offset 1, found end of text"},
        {"1e999", "range '1e999': number '1e999' at offset 0 is out of range"},
        {"1:1e-999", "range '1:1e-999': number '1e-999' at offset 2 is out of range"},
        {"1\x01", "range '1\x01': unexpected byte 0x01 at offset 1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct range r = {.start = 42, .end = 43, .alert_inside = true};
        struct heal_error err = {{0}};
        int rc = range_parse(bad[i].text, &r, &err);
        CHECK(rc == -1 && r.start == 42 && r.end == 43 && r.alert_inside,
              "'%s' is refused and leaves the range untouched", bad[i].text);
        CHECK_STR(err.msg, bad[i].reason, "refusing '%s' says why", bad[i].text);
    }

    char over[RANGE_TEXT_MAX + 2];
    memset(over, '1', RANGE_TEXT_MAX + 1);
    over[RANGE_TEXT_MAX + 1] = '\0';
    struct heal_error err = {{0}};
    struct range r;
    CHECK(range_parse(over, &r, &err) == -1, "a range one byte over RANGE_TEXT_MAX is refused");
    CHECK_STR(err.msg, "range is 65 bytes long, more than the 64 allowed",
              "refusing an over-long range names the cap instead of echoing the text");
    CHECK(range_parse("3:1", &r, NULL) == -1, "a NULL struct heal_error is allowed");
}

static void test_format(void)
{
    static const struct {
        const char *in, *out;
    } canon[] = {
        {"10", "10"},       {"0:10", "10"},         {"10:", "10:"},
        {"~:10", "~:10"},   {"~:", "~:"},           {"@~:", "@~:"},
        {"0:", "0:"},       {"@2", "@2"},           {"@2:3", "@2:3"},
        {"-5:-1", "-5:-1"}, {"1.5:2.5", "1.5:2.5"}, {"0.1", "0.1"},
        {"1e3", "1000"},    {"10.000", "10"},       {"-0:0", "0"},
        {"~:-3", "~:-3"},   {"1e300", "1e+300"},    {"0.30000000000000004", "0.30000000000000004"},
    };
    char buf[RANGE_FORMAT_SIZE];
    for (size_t i = 0; i < sizeof canon / sizeof canon[0]; i++) {
        struct range r;
        int ok = range_parse(canon[i].in, &r, NULL) == 0 && range_format(&r, buf, sizeof buf) == 0;
        /* The title leaves out the wanted text: CHECK_STR tests it for NULL,
         * which makes gcc warn about passing it to printf as well. */
        CHECK_STR(ok ? buf : "(failed)", canon[i].out, "'%s' is written in its canonical form",
                  canon[i].in);
        struct range back;
        CHECK(ok && range_parse(buf, &back, NULL) == 0 && back.start == r.start &&
                  back.end == r.end && back.alert_inside == r.alert_inside,
              "the canonical form of '%s' parses back to the same range", canon[i].in);
    }

    struct range r;
    range_parse("@-1.25:-0.5", &r, NULL);
    char small[6];
    CHECK(range_format(&r, small, sizeof small) == -1 && small[0] == '\0',
          "formatting into a buffer too small fails and leaves an empty string");
    char exact[12];
    CHECK(range_format(&r, exact, sizeof exact) == 0 && strcmp(exact, "@-1.25:-0.5") == 0,
          "a buffer of exactly the needed size is enough");
    struct range widest = {
        .start = -2.2250738585072014e-308, .end = 1.7976931348623157e308, .alert_inside = true};
    CHECK(range_format(&widest, buf, sizeof buf) == 0 &&
              strcmp(buf, "@-2.2250738585072014e-308:1.7976931348623157e+308") == 0,
          "the longest numbers still fit RANGE_FORMAT_SIZE");
}

int main(void)
{
    test_truth_table();
    test_threshold_pairs();
    test_edges();
    test_parse_fields();
    test_rejections();
    test_format();
    return unit_done();
}
