/*
 * libFuzzer harness for perfdata_parse(): any bytes must give an array,
 * every item either read or kept raw, within PERFDATA_ITEMS_MAX, without
 * leaks.  The unit builds to base units are exercised on each read value.
 */
#include "perfdata.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct perfdata_stats stats;
    jv items = perfdata_parse((const char *)data, size, &stats);
    int n = jv_array_length(jv_copy(items));
    if (jv_get_kind(items) != JV_KIND_ARRAY || n < 0 || (size_t)n != stats.items ||
        stats.items > PERFDATA_ITEMS_MAX || stats.raw > stats.items)
        abort();
    for (int i = 0; i < n; i++) {
        jv item = jv_array_get(jv_copy(items), i);
        jv value = jv_object_get(jv_copy(item), jv_string("value"));
        jv uom = jv_object_get(jv_copy(item), jv_string("uom"));
        if (jv_get_kind(value) == JV_KIND_NUMBER && jv_get_kind(uom) == JV_KIND_STRING) {
            struct perfdata_base base;
            perfdata_to_base(jv_number_value(value), jv_string_value(uom), &base);
        }
        /* Round-trip through JSON text: what a record writer will do with it. */
        jv text = jv_dump_string(item, 0);
        jv_free(text);
        jv_free(value);
        jv_free(uom);
    }
    jv_free(items);
    return 0;
}
