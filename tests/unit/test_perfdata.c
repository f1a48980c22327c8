/*
 * Perfdata items as monitoring-plugins print them, each trap of
 * nagios-and-checks.md §1 included, compared whole against JSON.
 */
#include "perfdata.h"
#include "unit.h"

#include <math.h>

/* clang-format off */
/* One item as JSON: label and uom are quoted here; value, warn, crit, min, max are JSON text. */
#define S(x) "\"" x "\""
#define ITEM(label, value, uom, warn, crit, min, max)                                              \
    "{\"label\":" S(label) ",\"value\":" value ",\"uom\":" S(uom) ",\"warn\":" warn                \
    ",\"crit\":" crit ",\"min\":" min ",\"max\":" max "}"
#define RAW(raw, error) "{\"raw\":" S(raw) ",\"error\":" S(error) "}"
/* clang-format on */

/* Parses len bytes and compares the whole array with want (JSON). */
static void perf_is_sized(const char *text, size_t len, const char *want, const char *title)
{
    jv got = perfdata_parse(text, len, NULL);
    jv expected = jv_parse(want);
    if (!jv_is_valid(expected)) {
        CHECK(0, "%s (expected JSON does not parse: %s)", title, want);
        jv_free(expected);
        jv_free(got);
        return;
    }
    int same = jv_equal(jv_copy(got), jv_copy(expected));
    CHECK(same, "%s", title);
    if (!same) {
        jv dumped = jv_dump_string(jv_copy(got), 0);
        printf("#   got  %s\n#   want %s\n", jv_string_value(dumped), want);
        jv_free(dumped);
    }
    jv_free(got);
    jv_free(expected);
}

static void perf_is(const char *text, const char *want, const char *title)
{
    perf_is_sized(text, strlen(text), want, title);
}

static void test_traps(void)
{
    /* clang-format off */
    perf_is("load1=0.000;5.000;10.000;0; load5=0.000;4.000;8.000;0; "
            "load15=0.000;3.000;6.000;0; ",
            "[" ITEM("load1", "0", "", S("5.000"), S("10.000"), "0", "null") ","
                ITEM("load5", "0", "", S("4.000"), S("8.000"), "0", "null") ","
                ITEM("load15", "0", "", S("3.000"), S("6.000"), "0", "null") "]",
            "check_load's trailing `;` and trailing space are not an item");
    perf_is("rta=0.017ms;200.000;500.000;0; pl=0%;40;80;; rtmax=0.052ms;;;; rtmin=0.007ms;;;; ",
            "[" ITEM("rta", "0.017", "ms", S("200.000"), S("500.000"), "0", "null") ","
                ITEM("pl", "0", "%", S("40"), S("80"), "null", "null") ","
                ITEM("rtmax", "0.052", "ms", "null", "null", "null", "null") ","
                ITEM("rtmin", "0.007", "ms", "null", "null", "null", "null") "]",
            "empty fields are null and `;;;;` ends an item cleanly (check_icmp)");
    perf_is("'time'=0.000821s;~:0.000000;~:5;",
            "[" ITEM("time", "0.000821", "s", S("~:0.000000"), S("~:5"), "null", "null") "]",
            "a 3.x quoted label with ~: thresholds keeps the ranges as printed");
    perf_is("'queue depth'=12;100;200;0; 'it''s'=1 'C:\\ used %'=45%;80;90 plain=3",
            "[" ITEM("queue depth", "12", "", S("100"), S("200"), "0", "null") ","
                ITEM("it's", "1", "", "null", "null", "null", "null") ","
                ITEM("C:\\\\ used %", "45", "%", S("80"), S("90"), "null", "null") ","
                ITEM("plain", "3", "", "null", "null", "null", "null") "]",
            "quoted labels keep spaces, '' is one quote, a backslash stays");
    perf_is("unk=U;;;0;",
            "[" ITEM("unk", "null", "", "null", "null", "0", "null") "]",
            "value U is null and the other fields are still read");
    perf_is("'time'=0.000895s;;;  'time'=0.000724s;;;  ",
            "[" ITEM("time", "0.000895", "s", "null", "null", "null", "null") ","
                ITEM("time", "0.000724", "s", "null", "null", "null", "null") "]",
            "a repeated label is kept twice, in order (3.x check_curl -f follow)");
    perf_is("size=196B;100;0;0;",
            "[" ITEM("size", "196", "B", S("100"), S("0"), "0", "null") "]",
            "check_http's size=196B;100;0;0; keeps 100 and 0 raw, not as a range pair");
    perf_is("a=1     b=2\t\tc=3 \n d=4",
            "[" ITEM("a", "1", "", "null", "null", "null", "null") ","
                ITEM("b", "2", "", "null", "null", "null", "null") ","
                ITEM("c", "3", "", "null", "null", "null", "null") ","
                ITEM("d", "4", "", "null", "null", "null", "null") "]",
            "several spaces, tabs and newlines all separate items");
    perf_is(" /=17286823936B;243497277849;257024904396;0;270552530944 "
            "/dev/shm=0B;22748332032;24012128256;0;25275924480",
            "[" ITEM("/", "17286823936", "B", S("243497277849"), S("257024904396"), "0",
                     "270552530944") ","
                ITEM("/dev/shm", "0", "B", S("22748332032"), S("24012128256"), "0",
                     "25275924480") "]",
            "labels such as / and /dev/shm are bare labels (check_disk)");
    perf_is("'/dev/shm'=0B;22748859187.200001;24012684697.599998;0;25276510208   "
            "'/'=17384620032B;243497856614.399994;257025515315.200012;0;270553174016  ",
            "[" ITEM("/dev/shm", "0", "B", S("22748859187.200001"), S("24012684697.599998"), "0",
                     "25276510208") ","
                ITEM("/", "17384620032", "B", S("243497856614.399994"),
                     S("257025515315.200012"), "0", "270553174016") "]",
            "3.x check_disk: quoted paths, fractional thresholds, three spaces between");
    perf_is("procs=2;1:10;1:20;0;",
            "[" ITEM("procs", "2", "", S("1:10"), S("1:20"), "0", "null") "]",
            "check_procs ranges 1:10 and 1:20 are kept as strings");
    perf_is("d=15;@10:20;@0:30 c=-1;~:0;~:10",
            "[" ITEM("d", "15", "", S("@10:20"), S("@0:30"), "null", "null") ","
                ITEM("c", "-1", "", S("~:0"), S("~:10"), "null", "null") "]",
            "@ and ~ ranges are kept as printed");
}

static void test_numbers_and_units(void)
{
    perf_is("t1=15us t2=2.5ms t3=0.2s sz1=10KB sz3=1TB ctr=123456789c pct=99.5% x=15em",
            "[" ITEM("t1", "15", "us", "null", "null", "null", "null") ","
                ITEM("t2", "2.5", "ms", "null", "null", "null", "null") ","
                ITEM("t3", "0.2", "s", "null", "null", "null", "null") ","
                ITEM("sz1", "10", "KB", "null", "null", "null", "null") ","
                ITEM("sz3", "1", "TB", "null", "null", "null", "null") ","
                ITEM("ctr", "123456789", "c", "null", "null", "null", "null") ","
                ITEM("pct", "99.5", "%", "null", "null", "null", "null") ","
                ITEM("x", "15", "em", "null", "null", "null", "null") "]",
            "every unit is kept as printed; 15em is 15 in em, not an exponent");
    perf_is("neg=-3.5;-10:;-20:;-50;50",
            "[" ITEM("neg", "-3.5", "", S("-10:"), S("-20:"), "-50", "50") "]",
            "negative values, thresholds and bounds");
    perf_is("big=6.02e23 small=-3e-45;1e-3;1e-2 plus=+4",
            "[" ITEM("big", "6.02e23", "", "null", "null", "null", "null") ","
                ITEM("small", "-3e-45", "", S("1e-3"), S("1e-2"), "null", "null") ","
                ITEM("plus", "4", "", "null", "null", "null", "null") "]",
            "exponents and a leading + are read");
    perf_is("load=0,42;1,5;2,0;0;",
            "[" ITEM("load", "0.42", "", S("1,5"), S("2,0"), "0", "null") "]",
            "a comma decimal value is read; its thresholds stay as printed");
    perf_is("tiny=1e-400",
            "[" ITEM("tiny", "0", "", "null", "null", "null", "null") "]",
            "a value too small for a double reads as zero");
    perf_is("a=5. b=.5",
            "[" ITEM("a", "5", "", "null", "null", "null", "null") ","
                ITEM("b", "0.5", "", "null", "null", "null", "null") "]",
            "a number may start or end with its decimal point");
}

static void test_broken_items(void)
{
    perf_is("a | b",
            "[" RAW("a", "missing '='") "," RAW("|", "missing '='") ","
                RAW("b", "missing '='") "]",
            "words that are not items are kept raw, each on its own");
    perf_is("=5 ''=1 x= y=abc z=1;2;3;4;5;6 ok=1",
            "[" RAW("=5", "empty label") "," RAW("''=1", "empty label") ","
                RAW("x=", "missing value") "," RAW("y=abc", "value is not a number") ","
                RAW("z=1;2;3;4;5;6", "too many fields") ","
                ITEM("ok", "1", "", "null", "null", "null", "null") "]",
            "each broken item is kept raw with its reason and the next one is read");
    perf_is("a=1;;;x b=1;;;0;y c=1;;;0;1e999",
            "[" RAW("a=1;;;x", "min is not a number") "," RAW("b=1;;;0;y", "max is not a number")
                "," RAW("c=1;;;0;1e999", "number out of range") "]",
            "min and max must be numbers");
    perf_is("a=1e999 b=1.2.3 c=1=2 d=5'x",
            "[" RAW("a=1e999", "number out of range") "," RAW("b=1.2.3", "unit is not valid") ","
                RAW("c=1=2", "unit is not valid") "," RAW("d=5'x", "unit is not valid") "]",
            "an overflowing number or a unit that is really junk makes the item raw");
    perf_is("'a'b=1 c=2",
            "[" RAW("'a'b=1", "text after the closing quote") ","
                ITEM("c", "2", "", "null", "null", "null", "null") "]",
            "text between a closing quote and = is an error for that item only");
    perf_is("ok=1 'never closed=2 x=3",
            "[" ITEM("ok", "1", "", "null", "null", "null", "null") ","
                RAW("'never closed=2 x=3", "unterminated quote in label") "]",
            "an unterminated quote swallows the rest, since it cannot be split safely");
    perf_is("x=1;;;;;; y=2;;;;;",
            "[" ITEM("x", "1", "", "null", "null", "null", "null") ","
                ITEM("y", "2", "", "null", "null", "null", "null") "]",
            "extra empty fields are tolerated");
    perf_is("'a=b c'=1 u=U%",
            "[" ITEM("a=b c", "1", "", "null", "null", "null", "null") ","
                RAW("u=U%", "value is not a number") "]",
            "= and space inside a quoted label are label text; U takes no unit");
    perf_is("", "[]", "empty text gives no items");
    perf_is(" \t\n ", "[]", "whitespace only gives no items");
    perf_is_sized("a\0b=1", 5, "[" ITEM("a\\u0000b", "1", "", "null", "null", "null", "null") "]",
                  "a NUL byte is label text, not the end of the string");
    perf_is("x=1" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "[" RAW("x=1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "unit is not valid") "]",
            "a unit longer than PERFDATA_UOM_MAX is junk");
    perf_is("x=11111111111111111111111111111111111111111111111111111111111111111",
            "[" RAW("x=11111111111111111111111111111111111111111111111111111111111111111",
                    "number too long") "]",
            "a number longer than the number cap is refused, not cut");
}

/* clang-format on */

static void test_caps(void)
{
    size_t n = PERFDATA_ITEMS_MAX + 5;
    char *text = malloc(n * 4 + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(text + i * 4, "a=1 ", 4);
    text[n * 4] = '\0';
    struct perfdata_stats stats;
    jv items = perfdata_parse(text, n * 4, &stats);
    CHECK(jv_array_length(jv_copy(items)) == PERFDATA_ITEMS_MAX &&
              stats.items == PERFDATA_ITEMS_MAX && stats.dropped == 5 && stats.raw == 0 &&
              !stats.truncated,
          "items past PERFDATA_ITEMS_MAX are counted as dropped, not returned");
    jv_free(items);
    free(text);

    size_t len = PERFDATA_TEXT_MAX + 100;
    text = malloc(len);
    memset(text, 'y', len);
    memcpy(text, "x=1 ", 4);
    memcpy(text + len - 2, "=2", 2);
    items = perfdata_parse(text, len, &stats);
    CHECK(jv_array_length(jv_copy(items)) == 1 && stats.truncated && stats.dropped == 1,
          "an item crossing PERFDATA_TEXT_MAX is dropped and the cut reported");
    jv_free(items);
    free(text);

    items = perfdata_parse("a=1 b c=x", 9, &stats);
    CHECK(stats.items == 3 && stats.raw == 2 && stats.dropped == 0, "stats count raw items");
    jv_free(items);
}

static void test_to_base(void)
{
    struct perfdata_base b;
    CHECK(perfdata_to_base(250, "ms", &b) && fabs(b.value - 0.25) < 1e-12 &&
              strcmp(b.uom, "s") == 0,
          "ms becomes seconds");
    CHECK(perfdata_to_base(15, "us", &b) && fabs(b.value - 15e-6) < 1e-18, "us becomes seconds");
    CHECK(perfdata_to_base(2, "s", &b) && b.value == 2 && b.factor == 1, "s stays seconds");
    CHECK(perfdata_to_base(10, "KB", &b) && b.value == 10240 && strcmp(b.uom, "B") == 0,
          "KB is 1024 bytes, as check_disk counts");
    CHECK(perfdata_to_base(3.5, "MB", &b) && b.value == 3.5 * 1048576, "MB is 1024 KB");
    CHECK(perfdata_to_base(1, "GiB", &b) && b.value == 1073741824.0, "GiB is 1024 MB");
    CHECK(perfdata_to_base(1, "TB", &b) && b.value == 1099511627776.0, "TB is 1024 GB");
    CHECK(perfdata_to_base(512, "B", &b) && b.value == 512, "B stays bytes");
    CHECK(perfdata_to_base(99.5, "%", &b) && b.value == 99.5 && strcmp(b.uom, "%") == 0,
          "percent is unchanged");
    CHECK(perfdata_to_base(7, "c", &b) && b.counter && b.value == 7, "c is flagged as a counter");
    CHECK(perfdata_to_base(42, "", &b) && !b.counter && strcmp(b.uom, "") == 0,
          "no unit is unchanged");
    CHECK(perfdata_to_base(42, NULL, &b) && b.value == 42, "a NULL unit means no unit");
    b.value = -1;
    CHECK(!perfdata_to_base(42, "furlongs", &b) && b.value == -1,
          "an unknown unit is refused and base untouched");
}

int main(void)
{
    test_traps();
    test_numbers_and_units();
    test_broken_items();
    test_caps();
    test_to_base();
    return unit_done();
}
