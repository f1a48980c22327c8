/*
 * unit.h — a minimal TAP producer for the C unit tests of common/.
 *
 * Each tests/unit/test_*.c is its own program; run-suites runs it and
 * counts the "ok"/"not ok" lines.  CHECK never aborts, so one run reports
 * every failure; the program exits 1 if any check failed.
 */
#ifndef HEAL_UNIT_H
#define HEAL_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unit_number;
static int unit_failures;

/* cond is evaluated exactly once: it may consume a jv or start a process. */
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        int unit_pass = !!(cond);                                                                  \
        unit_number++;                                                                             \
        if (!unit_pass)                                                                            \
            unit_failures++;                                                                       \
        printf("%s %d - ", unit_pass ? "ok" : "not ok", unit_number);                              \
        printf(__VA_ARGS__);                                                                       \
        printf("\n");                                                                              \
        if (!unit_pass)                                                                            \
            printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);                        \
        fflush(stdout);                                                                            \
    } while (0)

#define CHECK_STR(got, want, ...)                                                                  \
    do {                                                                                           \
        const char *unit_g = (got), *unit_w = (want);                                              \
        int unit_ok = unit_g && unit_w && strcmp(unit_g, unit_w) == 0;                             \
        CHECK(unit_ok, __VA_ARGS__);                                                               \
        if (!unit_ok)                                                                              \
            printf("#   got  '%s'\n#   want '%s'\n", unit_g ? unit_g : "(null)",                   \
                   unit_w ? unit_w : "(null)");                                                    \
    } while (0)

static inline int unit_done(void)
{
    printf("1..%d\n", unit_number);
    return unit_failures ? 1 : 0;
}

#endif
