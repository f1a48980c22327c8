#include "size.h"
#include "unit.h"

#include <stdint.h>

static int parses_to(const char *s, uint64_t want)
{
    uint64_t bytes = 12345;
    return size_parse(s, &bytes, NULL) == 0 && bytes == want;
}

static void test_units(void)
{
    CHECK(parses_to("512", 512), "a bare number is bytes");
    CHECK(parses_to("512B", 512), "'B' is bytes");
    CHECK(parses_to("0", 0) && parses_to("0B", 0) && parses_to("0E", 0), "zero is zero");
    CHECK(parses_to("512K", 524288), "'K' is 1024 bytes, not 1000");
    CHECK(parses_to("512KB", 524288), "'KB' is also 1024 bytes");
    CHECK(parses_to("512KiB", 524288), "'KiB' is 1024 bytes");
    CHECK(parses_to("512k", 524288), "a lower-case multiplier letter is accepted");
    CHECK(parses_to("10M", 10485760), "'M' is 1024^2 bytes");
    CHECK(parses_to("10MB", 10485760) && parses_to("10MiB", 10485760) && parses_to("10m", 10485760),
          "'MB', 'MiB' and 'm' are 1024^2 bytes too");
    CHECK(parses_to("1G", 1073741824), "'G' is 1024^3 bytes");
    CHECK(parses_to("2T", 2199023255552), "'T' is 1024^4 bytes");
    CHECK(parses_to("1P", 1125899906842624), "'P' is 1024^5 bytes");
    CHECK(parses_to("1E", 1152921504606846976), "'E' is 1024^6 bytes");
    CHECK(parses_to("0010K", 10240), "leading zeros are decimal");
}

static void test_fractions(void)
{
    CHECK(parses_to("1.5G", 1610612736), "'1.5G' is 1.5 * 1024^3 bytes");
    CHECK(parses_to("1.5K", 1536), "'1.5K' is 1536 bytes");
    CHECK(parses_to("0.5K", 512), "'0.5K' is 512 bytes");
    CHECK(parses_to("0.1K", 102), "'0.1K' (102.4 bytes) rounds down to 102");
    CHECK(parses_to("0.3K", 307), "'0.3K' (307.2 bytes) rounds down to 307");
    CHECK(parses_to("0.0009765625K", 1), "exactly one byte written as a fraction of K is 1");
    CHECK(parses_to("0.00048828125K", 1), "half a byte rounds up to 1");
    CHECK(parses_to("0.00048828124K", 0), "just under half a byte rounds down to 0");
    CHECK(parses_to("1.50000000000000000000000K", 1536),
          "trailing zeros in a fraction do not count against the digit cap");
    CHECK(parses_to("1.0B", 1) && parses_to("7.000", 7),
          "a zero fraction on plain bytes is still a whole number");
    CHECK(parses_to("0.999999999999999999E", 1152921504606846975),
          "eighteen fraction digits are kept exactly");
}

static void test_limits(void)
{
    CHECK(parses_to("18446744073709551615", UINT64_MAX), "UINT64_MAX bytes is the largest size");
    CHECK(parses_to("18446744073709551615B", UINT64_MAX), "UINT64_MAX with 'B' is accepted");
    CHECK(parses_to("15E", 15 * 1152921504606846976ULL), "15E fits");
    CHECK(parses_to("15.999999999999999999E", UINT64_MAX),
          "a fraction just under 16E rounds to UINT64_MAX");
    CHECK(parses_to("17179869183G", 17179869183ULL << 30), "the most whole G that fit");
    CHECK(parses_to("16383P", 16383ULL << 50), "the most whole P that fit");

    static const char *over[] = {
        "18446744073709551616",
        "18446744073709551616B",
        "16E",
        "16EiB",
        "17179869184G",
        "16384P",
        "16777216T",
        "99999999999999999999",
    };
    for (size_t i = 0; i < sizeof over / sizeof over[0]; i++) {
        struct heal_error err = {{0}};
        uint64_t bytes = 7;
        int rc = size_parse(over[i], &bytes, &err);
        char want[HEAL_ERROR_SIZE];
        snprintf(want, sizeof want,
                 "size '%s' is too large (the most is 18446744073709551615 bytes)", over[i]);
        CHECK(rc == -1 && bytes == 7, "'%s', one past the largest, is refused", over[i]);
        CHECK_STR(err.msg, want, "refusing '%s' says it is too large", over[i]);
    }
}

static void test_rejections(void)
{
    static const struct {
        const char *text;
        const char *reason;
    } bad[] = {
        {"", "size is empty"},
        {"-1K", "size '-1K': negative sizes are not allowed"},
        {"+1K", "size '+1K': expected a number at offset 0, found '+'"},
        {"K", "size 'K': expected a number at offset 0, found 'K'"},
        {".5K", "size '.5K': expected a number at offset 0, found '.'"},
        {"1.K", "size '1.K': expected a digit after '.' at offset 2, found 'K'"},
        {"10X", "size '10X': unknown unit 'X' at offset 2 (use B, K, M, G, T, P or E, "
                "optionally followed by B or iB)"},
        {"10KiBs", "size '10KiBs': unknown unit 'KiBs' at offset 2 (use B, K, M, G, T, P or E, "
                   "optionally followed by B or iB)"},
        {"10KIB", "size '10KIB': unknown unit 'KIB' at offset 2 (use B, K, M, G, T, P or E, "
                  "optionally followed by B or iB)"},
        {"10BB", "size '10BB': unknown unit 'BB' at offset 2 (use B, K, M, G, T, P or E, "
                 "optionally followed by B or iB)"},
        {"10b", "size '10b': unit 'b' at offset 2 would mean bits (write B for bytes)"},
        {"10kb", "size '10kb': unit 'kb' at offset 2 would mean bits (write B for bytes)"},
        {"10Mib", "size '10Mib': unit 'Mib' at offset 2 would mean bits (write B for bytes)"},
        {"10 K", "size '10 K': unexpected ' ' at offset 2"},
        {"10K ", "size '10K ': unexpected ' ' at offset 3"},
        {"1e3", "size '1e3': unexpected '3' at offset 2"},
        {"0x10", "size '0x10': unexpected '1' at offset 2"},
        {"1.5", "size '1.5': a fraction of a byte at offset 1 (fractions need a unit of K or "
                "more)"},
        {"1.5B", "size '1.5B': a fraction of a byte at offset 1 (fractions need a unit of K or "
                 "more)"},
        {"1.0000000000000000001K", "size '1.0000000000000000001K': more than 18 digits after "
                                   "'.' at offset 1"},
        {"10K\x01", "size '10K\x01': unexpected byte 0x01 at offset 3"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t bytes = 7;
        struct heal_error err = {{0}};
        int rc = size_parse(bad[i].text, &bytes, &err);
        CHECK(rc == -1 && bytes == 7, "'%s' is refused and leaves the result untouched",
              bad[i].text);
        CHECK_STR(err.msg, bad[i].reason, "refusing '%s' says why", bad[i].text);
    }

    char text[SIZE_TEXT_MAX + 2];
    memset(text, '0', SIZE_TEXT_MAX);
    text[SIZE_TEXT_MAX - 1] = 'K';
    text[SIZE_TEXT_MAX] = '\0';
    CHECK(parses_to(text, 0), "a size of exactly SIZE_TEXT_MAX bytes is accepted");
    memset(text, '0', SIZE_TEXT_MAX + 1);
    text[SIZE_TEXT_MAX + 1] = '\0';
    struct heal_error err = {{0}};
    uint64_t bytes;
    CHECK(size_parse(text, &bytes, &err) == -1, "a size one byte over SIZE_TEXT_MAX is refused");
    CHECK_STR(err.msg, "size is 49 bytes long, more than the 48 allowed",
              "refusing an over-long size names the cap instead of echoing the text");
    CHECK(size_parse("10X", &bytes, NULL) == -1, "a NULL struct heal_error is allowed");
}

static void test_format(void)
{
    static const struct {
        uint64_t bytes;
        const char *text;
    } cases[] = {
        {0, "0B"},
        {1, "1B"},
        {1023, "1023B"},
        {1024, "1K"},
        {1536, "1.5K"},
        {1025, "1K"},
        {1126, "1.1K"},
        {1048575, "1M"},
        {10485760, "10M"},
        {1610612736, "1.5G"},
        {2199023255552, "2T"},
        {1152921504606846976, "1E"},
        {UINT64_MAX, "15.9E"},
    };
    char buf[SIZE_FORMAT_SIZE];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = size_format(cases[i].bytes, buf, sizeof buf);
        /* The title leaves out the wanted text: CHECK_STR tests it for NULL,
         * which makes gcc warn about passing it to printf as well. */
        CHECK_STR(rc == 0 ? buf : "(failed)", cases[i].text, "%llu bytes is written for a human",
                  (unsigned long long)cases[i].bytes);
        uint64_t back;
        CHECK(size_parse(buf, &back, NULL) == 0,
              "the human form of %llu bytes parses back as a size",
              (unsigned long long)cases[i].bytes);
    }
    CHECK(parses_to("15.9E", 18331451923248866918ULL) && 18331451923248866918ULL < UINT64_MAX,
          "UINT64_MAX is written 15.9E, not 16E, which would not parse");

    char small[3];
    CHECK(size_format(1536, small, sizeof small) == -1 && small[0] == '\0',
          "formatting into a buffer too small fails and leaves an empty string");
    char exact[5];
    CHECK(size_format(1536, exact, sizeof exact) == 0 && strcmp(exact, "1.5K") == 0,
          "a buffer of exactly the needed size is enough");
}

int main(void)
{
    test_units();
    test_fractions();
    test_limits();
    test_rejections();
    test_format();
    return unit_done();
}
