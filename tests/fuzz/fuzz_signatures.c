/*
 * fuzz_signatures.c — libFuzzer harness for the signature loader: any
 * bytes as a signatures.d drop-in (the config_catalog validate path, the
 * PCRE2 and Vectorscan compiles), then every line of the same input
 * matched against what loaded.  Problems are reported with a message,
 * matches lie within the line, and nothing leaks.
 */
#include "catalog.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_problem(void *ctx, const char *message)
{
    (void)ctx;
    if (!message || !message[0])
        abort(); /* a refusal must say why */
}

static void on_line(void *ctx, const char *line, size_t len)
{
    struct catalog *c = ctx;
    struct catalog_match m;
    if (catalog_match_line(c, line, len, &m) == 1) {
        if (!m.sig || m.start > m.end || m.end > len || jv_get_kind(m.facts) != JV_KIND_OBJECT)
            abort();
        jv_free(m.facts);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned problems = 0;
    struct heal_error err;
    struct catalog *c = catalog_load_buffer((const char *)data, size, "fuzz.json", false,
                                            on_problem, NULL, &problems, &err);
    if (!c)
        return 0;
    catalog_scan_block(c, (const char *)data, size, on_line, c);
    catalog_free(c);
    return 0;
}
