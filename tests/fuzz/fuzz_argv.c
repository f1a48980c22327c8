/*
 * fuzz_argv.c — libFuzzer harness for argv_split(): any command line
 * either fails with a reason or gives 1..ARGV_WORDS_MAX non-NULL words.
 */
#include "argv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = malloc(size + 1);
    memcpy(line, data, size);
    line[size] = '\0';
    struct heal_error err = {{0}};
    char **argv = argv_split(line, &err);
    if (!argv) {
        if (!err.msg[0])
            abort();
    } else {
        int n = 0;
        while (argv[n])
            n++;
        if (n < 1 || n > ARGV_WORDS_MAX)
            abort();
        argv_free(argv);
    }
    free(line);
    return 0;
}
