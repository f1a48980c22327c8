/*
 * fuzz_jsonparse.c — libFuzzer harness for jsonparse, differentially:
 * whatever jsoncheck accepts, jsonparse_checked must either leave to jq
 * (jv_invalid) or build exactly the value jq's own parser builds.
 */
#include "jsoncheck.h"
#include "jsonparse.h"

#include <jv.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    size_t offset;
    struct heal_error err;
    if (size > 65536 || jsoncheck(s, size, &offset, &err) != 0)
        return 0; /* jq 1.6 leaks on malformed text: only checked text is parsed */
    jv ours = jsonparse_checked(s, size);
    if (!jv_is_valid(ours)) {
        jv_free(ours);
        return 0;
    }
    jv theirs = jv_parse_sized(s, (int)size);
    if (!jv_is_valid(theirs) || !jv_equal(ours, theirs))
        abort();
    return 0;
}
