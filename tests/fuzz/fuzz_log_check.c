/*
 * fuzz_log_check.c — libFuzzer harness for the log check's line reader,
 * end to end: the input is a log file read from its start by a real log
 * check (two patterns, no state kept), through the check runner.  Every
 * run gives exactly one result, with a status 0..3 and a summary; the
 * sanitizers watch the buffer handling of long, partial and NUL-holding
 * lines and invalid UTF-8 cut at the evidence cap.
 */
#include "check.h"
#include "check_runner.h"
#include "scratch.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[SCRATCH_DIR_SIZE], log_path[PATH_MAX];

static void remove_scratch(void)
{
    scratch_remove(dir);
}

static int64_t on_result(void *ctx, struct check_def *def, struct check_result *r)
{
    (void)def;
    *(int *)ctx += 1;
    if ((unsigned)r->status > 3 || jv_get_kind(r->summary) != JV_KIND_STRING)
        abort();
    return 0;
}

static const char *scratch_log(void)
{
    if (!log_path[0]) {
        scratch_make(dir, "fuzz-log");
        atexit(remove_scratch);
        snprintf(log_path, sizeof log_path, "%s/app.log", dir);
    }
    return log_path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = scratch_log();
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size)
        abort();
    close(fd);

    jv object = jv_object();
    object = jv_object_set(object, jv_string("name"), jv_string("fuzz"));
    object = jv_object_set(object, jv_string("kind"), jv_string("log"));
    object = jv_object_set(object, jv_string("path"), jv_string(path));
    object = jv_object_set(object, jv_string("from_start"), jv_true());
    jv patterns = jv_array();
    patterns = jv_array_append(patterns, jv_string("ERROR"));
    patterns = jv_array_append(patterns, jv_string("^x.*y$"));
    object = jv_object_set(object, jv_string("patterns"), patterns);

    struct check_def def;
    struct heal_error err;
    if (check_def_init(&def, object, "fuzz", &err) != 0)
        abort(); /* a fixed, valid definition */
    struct check_runner *runner = check_runner_new(1, &err);
    if (!runner)
        abort();
    int results = 0;
    if (check_runner_run(runner, &def, 1, 1, on_result, &results, &err) != 0 || results != 1)
        abort();
    check_runner_free(runner);
    check_def_free(&def);
    return 0;
}
