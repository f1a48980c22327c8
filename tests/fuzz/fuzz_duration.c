/*
 * fuzz_duration.c — libFuzzer harness for duration_parse() and
 * duration_format().
 *
 * Any text either fails cleanly or parses to a non-negative duration
 * whose formatted form parses back to the same milliseconds; anything
 * else aborts, so the fuzzer keeps the input.
 */
#include "duration.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[4 * DURATION_TEXT_MAX];
    if (size >= sizeof text)
        size = sizeof text - 1;
    memcpy(text, data, size);
    text[size] = '\0';

    int64_t ms;
    struct heal_error err;
    if (duration_parse(text, &ms, &err) < 0) {
        if (err.msg[0] == '\0')
            abort(); /* every refusal must say why */
        return 0;
    }
    if (ms < 0)
        abort();

    char human[DURATION_FORMAT_SIZE];
    if (duration_format(ms, human, sizeof human) < 0)
        abort();
    int64_t back;
    if (duration_parse(human, &back, &err) < 0 || back != ms)
        abort();
    return 0;
}
