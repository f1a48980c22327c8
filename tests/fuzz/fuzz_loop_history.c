/*
 * fuzz_loop_history.c — libFuzzer harness for heal-loop's history: the
 * line parser, the status report and compaction.
 *
 * Each input line that parses as a history entry must give a status 0..3
 * and a non-empty target.  The whole input is then the history file of a
 * scratch state directory: the report must build (unreadable lines are
 * skipped, never fatal) and print, and after a compaction every target
 * must still be listed with the same status.  Anything else aborts, so the
 * fuzzer keeps the input.
 */
#include "jsoncheck.h"
#include "loop_status.h"
#include "scratch.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2026-11-29T12:00:00Z */
#define FUZZ_NOW_MS 1795953600000LL

static void check_lines(const char *text, size_t size)
{
    for (size_t at = 0; at < size;) {
        const char *nl = memchr(text + at, '\n', size - at);
        size_t len = nl ? (size_t)(nl - (text + at)) : size - at;
        if (jsoncheck(text + at, len, NULL, NULL) == 0) {
            jv line = jv_parse_sized(text + at, (int)len);
            struct loop_history_entry e;
            struct heal_error err;
            if (jv_get_kind(line) == JV_KIND_OBJECT) {
                if (loop_history_entry_parse(&line, &e, &err) == 0) {
                    if (e.status < 0 || e.status > 3 || !e.target || !*e.target)
                        abort();
                } else if (err.msg[0] == '\0') {
                    abort(); /* every refusal says why */
                }
            }
            jv_free(line);
        }
        at += len + 1;
    }
}

/* "target=status\n" for each target of a report, in its order. */
static char *statuses(const jv *report)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        abort();
    jv targets = jv_object_get(jv_copy(*report), jv_string("targets"));
    if (jv_get_kind(targets) != JV_KIND_ARRAY)
        abort();
    jv_array_foreach(targets, i, t)
    {
        jv name = jv_object_get(jv_copy(t), jv_string("target"));
        jv status = jv_object_get(t, jv_string("status"));
        if (jv_get_kind(name) != JV_KIND_STRING || jv_get_kind(status) != JV_KIND_STRING)
            abort();
        fprintf(f, "%s=%s\n", jv_string_value(name), jv_string_value(status));
        jv_free(name);
        jv_free(status);
    }
    jv_free(targets);
    fclose(f);
    return out;
}

static jv report_of(const char *state, const char *by)
{
    jv report;
    struct heal_error err;
    if (loop_status_collect(state, by, FUZZ_NOW_MS, &report, &err) != 0)
        abort();
    FILE *null = fopen("/dev/null", "w");
    if (null) {
        loop_status_print_text(null, &report, true);
        fclose(null);
    }
    return report;
}

static char state[SCRATCH_DIR_SIZE], history[PATH_MAX];

static void remove_state(void)
{
    scratch_remove(state);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!state[0]) {
        scratch_make(state, "fuzz-loop");
        snprintf(history, sizeof history, "%s/" LOOP_DIR, state);
        mkdir(history, 0700);
        snprintf(history, sizeof history, "%s/" LOOP_DIR "/" LOOP_HISTORY_FILE, state);
        atexit(remove_state);
    }
    check_lines((const char *)data, size);

    FILE *f = fopen(history, "w");
    if (!f)
        abort();
    fwrite(data, 1, size, f);
    fclose(f);
    jv before = report_of(state, NULL);
    jv_free(report_of(state, "project"));
    struct heal_error err;
    if (loop_history_compact(history, FUZZ_NOW_MS, LOOP_HISTORY_MAX_BYTES, &err) != 0)
        abort();
    jv after = report_of(state, NULL);
    char *a = statuses(&before), *b = statuses(&after);
    if (strcmp(a, b) != 0)
        abort(); /* compaction lost a target or changed what it is now */
    free(a);
    free(b);
    jv_free(before);
    jv_free(after);
    return 0;
}
