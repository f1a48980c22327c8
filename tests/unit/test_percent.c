#include "percent.h"
#include "unit.h"

static int parses_to(const char *s, double want)
{
    double value = -1;
    return percent_parse(s, &value, NULL) == 0 && value == want;
}

int main(void)
{
    CHECK(parses_to("85%", 85), "'85%%' is 85");
    CHECK(parses_to("85", 85), "the '%%' sign may be left out");
    CHECK(parses_to("99.5%", 99.5), "a fraction is kept");
    CHECK(parses_to("0", 0) && parses_to("0%", 0) && parses_to("0.0%", 0), "0 is the least");
    CHECK(parses_to("100", 100) && parses_to("100%", 100), "100 is the most");
    CHECK(parses_to("100.000%", 100), "100 with a zero fraction is still 100");
    CHECK(parses_to("0100%", 100), "leading zeros do not make 100 larger");
    CHECK(parses_to("99.999999999999999999", 99.999999999999999999),
          "a value just under 100 is accepted, even if it rounds to 100.0");
    CHECK(parses_to("0.001%", 0.001), "a tiny percentage is accepted");

    static const struct {
        const char *text;
        const char *reason;
    } bad[] = {
        {"", "percentage is empty"},
        {"%", "percentage '%': expected a number at offset 0, found '%'"},
        {"-1%", "percentage '-1%': negative percentages are not allowed"},
        {"-0", "percentage '-0': negative percentages are not allowed"},
        {"+5", "percentage '+5': expected a number at offset 0, found '+'"},
        {"101%", "percentage '101%' is more than 100"},
        {"100.5", "percentage '100.5' is more than 100"},
        {"100.000000000000000001", "percentage '100.000000000000000001' is more than 100"},
        {"1000", "percentage '1000' is more than 100"},
        {"200", "percentage '200' is more than 100"},
        {"85%%", "percentage '85%%': unexpected '%' at offset 3"},
        {"85 %", "percentage '85 %': unexpected ' ' at offset 2"},
        {"85%x", "percentage '85%x': unexpected 'x' at offset 3"},
        {"8.5e1", "percentage '8.5e1': unexpected 'e' at offset 3"},
        {".5", "percentage '.5': expected a number at offset 0, found '.'"},
        {"5.%", "percentage '5.%': expected a digit after '.' at offset 2, found '%'"},
        {"nan", "percentage 'nan': expected a number at offset 0, found 'n'"},
        {"0x10", "percentage '0x10': unexpected 'x' at offset 1"},
        {"50\t", "percentage '50\t': unexpected byte 0x09 at offset 2"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double value = -7;
        struct heal_error err = {{0}};
        int rc = percent_parse(bad[i].text, &value, &err);
        CHECK(rc == -1 && value == -7, "'%s' is refused and leaves the result untouched",
              bad[i].text);
        CHECK_STR(err.msg, bad[i].reason, "refusing '%s' says why", bad[i].text);
    }

    char text[PERCENT_TEXT_MAX + 2];
    memset(text, '0', PERCENT_TEXT_MAX);
    text[PERCENT_TEXT_MAX - 1] = '%';
    text[PERCENT_TEXT_MAX] = '\0';
    CHECK(parses_to(text, 0), "a percentage of exactly PERCENT_TEXT_MAX bytes is accepted");
    memset(text, '0', PERCENT_TEXT_MAX + 1);
    text[PERCENT_TEXT_MAX + 1] = '\0';
    struct heal_error err = {{0}};
    double value;
    CHECK(percent_parse(text, &value, &err) == -1,
          "a percentage one byte over PERCENT_TEXT_MAX is refused");
    CHECK_STR(err.msg, "percentage is 33 bytes long, more than the 32 allowed",
              "refusing an over-long percentage names the cap instead of echoing the text");
    CHECK(percent_parse("101", &value, NULL) == -1, "a NULL struct heal_error is allowed");
    return unit_done();
}
