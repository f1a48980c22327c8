/*
 * fuzz_ndjson.c — libFuzzer harness for the NDJSON line parser and the
 * writer's serialiser.  Any bytes either fail with a reason, or parse to
 * an object that serialises to one line which parses back and serialises
 * to the very same bytes.  (Values are not compared: as in jq, an
 * overflowing number becomes DBL_MAX once and is stable from then on.)
 */
#include "jsonbuf.h"
#include "ndjson.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct heal_error err = {{0}};
    jv v = ndjson_parse_line((const char *)data, size, &err);
    if (!jv_is_valid(v)) {
        jv_free(v);
        if (err.msg[0] == '\0')
            abort(); /* a refusal must say why */
        return 0;
    }
    struct jsonbuf a = {0}, b = {0};
    if (jsonbuf_append_jv(&a, &v, &err) != 0) {
        jv_free(v);
        jsonbuf_free(&a);
        return 0; /* nested past the cap: refused, fine */
    }
    if (memchr(a.data, '\n', a.len))
        abort(); /* a record is exactly one line */
    jv back = ndjson_parse_line(a.data, a.len, &err);
    if (!jv_is_valid(back))
        abort();
    if (jsonbuf_append_jv(&b, &back, &err) != 0 || a.len != b.len || memcmp(a.data, b.data, a.len))
        abort(); /* serialisation is stable */
    jv_free(v);
    jv_free(back);
    jsonbuf_free(&a);
    jsonbuf_free(&b);
    return 0;
}
