/*
 * fuzz_config.c — libFuzzer harness for the configuration parser: any
 * bytes as a drop-in file (object, array or NDJSON with # comments).
 * Entries and problems are delivered, counted, and nothing leaks.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_entry(void *ctx, jv entry, const char *source)
{
    if (jv_get_kind(entry) != JV_KIND_OBJECT || !source || !source[0])
        abort(); /* the loader promises objects with a source */
    (*(int *)ctx)++;
    jv_free(entry);
}

static void on_error(void *ctx, const char *message)
{
    (void)ctx;
    if (!message || !message[0])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int entries = 0;
    struct config_sink sink = {.entry = on_entry, .error = on_error, .ctx = &entries};
    config_parse_buffer((const char *)data, size, "fuzz.json", &sink);
    return 0;
}
