/*
 * fuzz_redact.c — libFuzzer harness for the redactor.
 *
 * Any bytes redact without crashing at both levels, and redacting the
 * result again changes nothing: a marker never reads as a new secret and
 * no secret survives one pass only to be caught by the next.
 */
#include "redact.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int level = REDACT_NORMAL; level <= REDACT_STRICT; level++) {
        size_t n1, n2;
        char *once = redact_text((const char *)data, size, (enum redact_level)level, &n1, NULL);
        if (!once)
            abort();
        char *twice = redact_text(once, n1, (enum redact_level)level, &n2, NULL);
        if (!twice || n1 != n2 || memcmp(once, twice, n1) != 0)
            abort();
        free(once);
        free(twice);
    }
    return 0;
}
