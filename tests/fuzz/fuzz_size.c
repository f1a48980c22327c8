/*
 * fuzz_size.c — libFuzzer harness for size_parse() and size_format().
 *
 * Any text either fails cleanly or parses to a byte count; its human
 * form must parse back, and to the same count when the value is exact
 * in its unit (size_format() rounds otherwise).  Anything else aborts,
 * so the fuzzer keeps the input.
 */
#include "size.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[4 * SIZE_TEXT_MAX];
    if (size >= sizeof text)
        size = sizeof text - 1;
    memcpy(text, data, size);
    text[size] = '\0';

    uint64_t bytes;
    struct heal_error err;
    if (size_parse(text, &bytes, &err) < 0) {
        if (err.msg[0] == '\0')
            abort(); /* every refusal must say why */
        return 0;
    }

    char human[SIZE_FORMAT_SIZE];
    if (size_format(bytes, human, sizeof human) < 0)
        abort();
    uint64_t back;
    if (size_parse(human, &back, &err) < 0)
        abort();
    int shift = 0;
    while (shift < 60 && bytes >> (shift + 10) > 0)
        shift += 10;
    if ((bytes & (((uint64_t)1 << shift) - 1)) == 0 && back != bytes)
        abort();
    /* Rounded to one decimal of the unit: never off by more than 5%. */
    uint64_t diff = back > bytes ? back - bytes : bytes - back;
    if (diff > bytes / 20)
        abort();
    return 0;
}
