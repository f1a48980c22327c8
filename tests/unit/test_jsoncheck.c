#include "jsoncheck.h"
#include "ndjson.h"
#include "unit.h"

static int ok(const char *s)
{
    return jsoncheck(s, strlen(s), NULL, NULL) == 0;
}

static int refused_at(const char *s, size_t want, const char *why)
{
    size_t at = 999;
    struct heal_error err;
    return jsoncheck(s, strlen(s), &at, &err) == -1 && at == want && strstr(err.msg, why);
}

int main(void)
{
    CHECK(ok("{}") && ok("[]") && ok(" {\"a\" : [1, -2.5e+3, 0, true, false, null, \"x\"]} "),
          "well-formed JSON of every kind passes");
    CHECK(ok("\"\\u00e9\\n\\\"\\\\\\/\"") && ok("0.5") && ok("-0"), "escapes and numbers pass");
    CHECK(refused_at("[\"a\" \"b\"]", 5, "expected ',' or ']'"),
          "a missing separator in an array is refused at its offset (jq 1.6 leaks here)");
    CHECK(refused_at("{\"a\":1 \"b\":2}", 7, "expected ',' or '}'"),
          "a missing separator in an object is refused at its offset");
    CHECK(refused_at("{\"a\":1,}", 7, "expected a string key"), "a trailing comma is refused");
    CHECK(refused_at("[1,]", 3, "expected a value"), "a trailing comma in an array is refused");
    CHECK(refused_at("{\"a\":01}", 6, "unexpected text") || refused_at("{\"a\":01}", 6, "expected"),
          "a leading zero is refused");
    CHECK(refused_at("{\"a\":.5}", 5, "expected a value"), "a bare fraction is refused");
    CHECK(refused_at("{\"a\":nan}", 5, "invalid literal"), "nan is not JSON");
    CHECK(refused_at("\"a\tb\"", 2, "control character"), "a raw tab in a string is refused");
    CHECK(refused_at("\"\\x\"", 2, "bad escape"), "an unknown escape is refused");
    CHECK(refused_at("\"\\u12g4\"", 2, "bad \\u escape"), "a short \\u escape is refused");
    CHECK(refused_at("{\"a\":1} x", 8, "unexpected text after the value"),
          "text after the value is refused");
    CHECK(refused_at("{\"a\":[1,2", 9, "unexpected end of input"), "a truncated value is refused");
    CHECK(refused_at("", 0, "unexpected end of input"), "empty input is refused");

    char deep[2 * JSONCHECK_DEPTH_MAX + 8];
    memset(deep, '[', JSONCHECK_DEPTH_MAX);
    memset(deep + JSONCHECK_DEPTH_MAX, ']', JSONCHECK_DEPTH_MAX);
    deep[2 * JSONCHECK_DEPTH_MAX] = '\0';
    CHECK(ok(deep), "nesting of exactly the cap passes");
    char deeper[2 * JSONCHECK_DEPTH_MAX + 8];
    memset(deeper, '[', JSONCHECK_DEPTH_MAX + 1);
    memset(deeper + JSONCHECK_DEPTH_MAX + 1, ']', JSONCHECK_DEPTH_MAX + 1);
    deeper[2 * JSONCHECK_DEPTH_MAX + 2] = '\0';
    CHECK(refused_at(deeper, JSONCHECK_DEPTH_MAX, "nested too deeply"),
          "one level more is refused without recursion");

    /* The inputs on which libjq 1.6 leaks: refused before jq sees them.
     * The sanitizer build's leak check is what proves "no leak". */
    const char *leaky[] = {"{\"a\":\"x\" \"y\"}", "[\"a\" \"b\"]", "{\"a\" \"b\"}", "[1 \"a\"]"};
    int refused = 0;
    for (size_t i = 0; i < sizeof leaky / sizeof *leaky; i++) {
        struct heal_error err;
        jv v = ndjson_parse_line(leaky[i], strlen(leaky[i]), &err);
        refused += !jv_is_valid(v);
        jv_free(v);
    }
    CHECK(refused == 4, "the NDJSON reader refuses jq's leaking inputs before parsing them");
    return unit_done();
}
