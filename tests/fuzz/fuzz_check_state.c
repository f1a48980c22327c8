/*
 * fuzz_check_state.c — libFuzzer harness for heal-check's state file
 * reader, which reads a few fields in place instead of through jq: any
 * bytes as STATE/checks/fuzz.json.  Whatever the file holds, the loaded
 * state is within its ranges (or fresh), and nothing reads past the file.
 */
#include "check_state.h"
#include "scratch.h"
#include "state.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char state_dir[SCRATCH_DIR_SIZE], state_file[PATH_MAX];

static void remove_scratch(void)
{
    scratch_remove(state_dir);
}

static void scratch(void)
{
    if (state_dir[0])
        return;
    scratch_make(state_dir, "fuzz-state");
    atexit(remove_scratch);
    snprintf(state_file, sizeof state_file, "%s/%s", state_dir, STATE_CHECKS_DIR);
    if (mkdir(state_file, 0700) != 0)
        abort();
    snprintf(state_file, sizeof state_file, "%s/%s/fuzz.json", state_dir, STATE_CHECKS_DIR);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > CHECK_STATE_FILE_MAX)
        return 0;
    scratch();
    int fd = open(state_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size)
        abort();
    close(fd);
    struct check_state s;
    struct heal_error err;
    if (check_state_load(state_dir, "fuzz", &s, &err) != 0)
        abort(); /* damaged is fresh, never an error */
    if (s.last_code < -1 || s.last_code > 3 || s.attempt < 1 || s.attempt > 1000 ||
        s.history_len < 0 || s.history_len > CHECK_STATE_HISTORY ||
        !(s.percent_change >= 0 && s.percent_change <= 100))
        abort();
    return 0;
}
