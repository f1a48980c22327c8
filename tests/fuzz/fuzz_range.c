/*
 * fuzz_range.c — libFuzzer harness for range_parse() and range_format().
 *
 * Any text either fails cleanly or parses to a range whose canonical form
 * parses back to the identical range; anything else aborts, so the fuzzer
 * keeps the input.  Inputs above the text cap still run, to exercise the
 * refusal.
 */
#include "range.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[4 * RANGE_TEXT_MAX];
    if (size >= sizeof text)
        size = sizeof text - 1;
    memcpy(text, data, size);
    text[size] = '\0';

    struct range r;
    struct heal_error err;
    if (range_parse(text, &r, &err) < 0) {
        if (err.msg[0] == '\0')
            abort(); /* every refusal must say why */
        return 0;
    }
    if (isnan(r.start) || isnan(r.end) || r.start > r.end)
        abort();

    char canon[RANGE_FORMAT_SIZE];
    if (range_format(&r, canon, sizeof canon) < 0)
        abort();
    struct range back;
    if (range_parse(canon, &back, &err) < 0)
        abort();
    if (back.start != r.start || back.end != r.end || back.alert_inside != r.alert_inside)
        abort();

    /* The canonical form is a fixed point: formatting it again changes nothing. */
    char again[RANGE_FORMAT_SIZE];
    if (range_format(&back, again, sizeof again) < 0 || strcmp(canon, again) != 0)
        abort();
    return 0;
}
