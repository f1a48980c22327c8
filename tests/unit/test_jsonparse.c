#include "jsonbuf.h"
#include "jsoncheck.h"
#include "jsonparse.h"
#include "unit.h"

#include <jv.h>

/* jq's own reading of s, serialised; NULL if jq refuses it. */
static char *by_jq(const char *s, size_t len)
{
    jv v = jv_parse_sized(s, (int)len);
    if (!jv_is_valid(v)) {
        jv_free(v);
        return NULL;
    }
    jv text = jv_dump_string(v, 0);
    char *out = strdup(jv_string_value(text));
    jv_free(text);
    return out;
}

/* 1: the fast path built what jq builds (same kinds, order, bytes); 0: it
 * differs; -1: it left the text to jq. */
static int same_as_jq(const char *s, size_t len)
{
    if (jsoncheck(s, len, NULL, NULL) != 0)
        return 0;
    jv fast = jsonparse_checked(s, len);
    if (!jv_is_valid(fast)) {
        jv_free(fast);
        return -1;
    }
    char *want = by_jq(s, len);
    jv text = jv_dump_string(fast, 0);
    int same = want && strcmp(want, jv_string_value(text)) == 0;
    if (!same)
        printf("#   text %.*s\n#   fast %s\n#   jq   %s\n", (int)len, s, jv_string_value(text),
               want ? want : "(refused)");
    jv_free(text);
    free(want);
    return same;
}

static int same(const char *s)
{
    return same_as_jq(s, strlen(s)) == 1;
}

/* A random JSON text built from pieces that are easy to get wrong. */
static size_t random_json(char *buf, size_t size, int depth, unsigned *seed)
{
    static const char *const atoms[] = {"0",
                                        "-0",
                                        "1",
                                        "-1",
                                        "0.1",
                                        "1e3",
                                        "1E-7",
                                        "2.5e+300",
                                        "1e400",
                                        "-1e-400",
                                        "123456789012345678901234567890",
                                        "0.30000000000000004",
                                        "9007199254740993",
                                        "4.9e-324",
                                        "true",
                                        "false",
                                        "null",
                                        "\"\"",
                                        "\"a\"",
                                        "\"caf\xc3\xa9\"",
                                        "\"bad \xff byte\"",
                                        "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
                                        "\"tab\\there\"",
                                        "\"\\u00e9\"",
                                        "\"\\ud83d\\ude00\"",
                                        "\"\\udc00 lone\"",
                                        "\"\xed\xa0\x80 cesu\""};
    size_t n = 0;
    unsigned r = (*seed = *seed * 1103515245u + 12345u) >> 16;
    if (depth > 3 || r % 3 == 0) {
        const char *a = atoms[r % (sizeof atoms / sizeof atoms[0])];
        n = (size_t)snprintf(buf, size, "%s", a);
    } else if (r % 3 == 1) {
        n = (size_t)snprintf(buf, size, "[ ");
        for (unsigned i = 0, k = r % 4; i < k && n + 200 < size; i++) {
            if (i)
                n += (size_t)snprintf(buf + n, size - n, " ,\n");
            n += random_json(buf + n, size - n, depth + 1, seed);
        }
        n += (size_t)snprintf(buf + n, size - n, "]");
    } else {
        static const char *const keys[] = {"\"a\"", "\"b\"", "\"a\"", "\"\\u0041\"", "\"k\\n\""};
        n = (size_t)snprintf(buf, size, "{");
        for (unsigned i = 0, k = r % 5; i < k && n + 200 < size; i++) {
            n += (size_t)snprintf(buf + n, size - n, "%s%s\t: ", i ? ", " : "",
                                  keys[(r >> (2 * i)) % 5]);
            n += random_json(buf + n, size - n, depth + 1, seed);
        }
        n += (size_t)snprintf(buf + n, size - n, " }");
    }
    return n < size ? n : size - 1;
}

int main(void)
{
    CHECK(same("{\"name\":\"web-0\",\"kind\":\"http\",\"url\":\"http://127.0.0.1:8080/ok?i=0\"}"),
          "a check definition reads as jq reads it");
    CHECK(same(" {\"a\" : [1, -2.5e+3, 0, true, false, null, \"x\", {}, []]} "),
          "every kind of value, with blanks around");
    CHECK(same("{\"a\":1,\"b\":2,\"a\":3}"),
          "a repeated key keeps its last value, in its first place");
    CHECK(same("[0.1, 1e400, -1e400, 4.9e-324, 2.2250738585072011e-308, 9007199254740993, -0]"),
          "numbers round as jq rounds them, overflow included");
    CHECK(same("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""), "the simple escapes");
    CHECK(same("\"caf\xc3\xa9 \xff \xed\xa0\x80\""), "invalid UTF-8 is repaired as jq repairs it");
    CHECK(same_as_jq("\"\\u00e9\"", 8) == -1 && same_as_jq("{\"\\u0041\":1}", 12) == -1,
          "a \\u escape, in a value or a key, is left to jq");
    const char *number_too_long =
        "[1.00000000000000000000000000000000000000000000000000000000000001]";
    CHECK(same_as_jq(number_too_long, strlen(number_too_long)) == -1,
          "a number longer than the fast path reads is left to jq");
    CHECK(same_as_jq("12", 1) == 1, "the text ends where its length says, not at a NUL");

    unsigned seed = 42;
    int tried = 0, differ = 0, fast = 0;
    for (int i = 0; i < 20000; i++) {
        char buf[8192];
        size_t n = random_json(buf, sizeof buf, 0, &seed);
        int r = same_as_jq(buf, n);
        tried++;
        differ += r == 0;
        fast += r == 1;
    }
    CHECK(differ == 0 && fast > tried / 4,
          "20,000 random texts: the fast path agrees with jq on each it builds (%d built, %d "
          "differ)",
          fast, differ);
    return unit_done();
}
