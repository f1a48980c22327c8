/*
 * libFuzzer harness for plugin_output_parse(): the first byte picks how the
 * plugin ended and small caps, the rest is its stdout.  Summary and long
 * output must come back as strings within their caps, never empty for the
 * summary, and everything must be freed.
 */
#include "plugin_output.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    struct plugin_termination term = {PLUGIN_END_EXITED, mode & 0x07, 0};
    if ((mode & 0x18) == 0x08)
        term.code = 126 + (mode & 1);
    else if ((mode & 0x18) == 0x10)
        term = (struct plugin_termination){PLUGIN_END_SIGNALED, 1 + (mode & 0x07), 0};
    else if ((mode & 0x18) == 0x18)
        term = (struct plugin_termination){PLUGIN_END_TIMED_OUT, 0, (mode & 0x07) * 500};
    struct plugin_output_options opts = plugin_output_options_default();
    if (mode & 0x20) {
        /* Tiny caps put the UTF-8 boundary logic under pressure. */
        opts.summary_max = PLUGIN_OUTPUT_TEXT_MAX_MIN + (mode >> 6);
        opts.output_max = PLUGIN_OUTPUT_TEXT_MAX_MIN + 1 + (mode >> 6);
    }
    struct plugin_output out;
    struct heal_error err;
    if (plugin_output_parse((const char *)data + 1, size - 1, term, &opts, &out, &err) < 0)
        abort();
    int summary_len = jv_string_length_bytes(jv_copy(out.summary));
    int output_len = jv_string_length_bytes(jv_copy(out.output));
    if (summary_len < 1 || (size_t)summary_len > opts.summary_max || output_len < 0 ||
        (size_t)output_len > opts.output_max || out.status > NAGIOS_UNKNOWN ||
        jv_get_kind(out.perfdata) != JV_KIND_ARRAY)
        abort();
    plugin_output_free(&out);
    return 0;
}
