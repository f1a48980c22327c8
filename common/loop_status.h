/*
 * loop_status.h — what heal-loop remembers of each target's health, and
 * the report `heal-loop status` prints from it.
 *
 * heal-loop (once and daemon) hands every check record it sees to
 * loop_history_note_check(), which appends one line to
 * STATE/loop/history.ndjson whenever a target's status differs from the
 * last one recorded for it; the file is small (changes only) and is the
 * source for availability, incidents and time to heal.  Outcomes come
 * from the journal (journal.h) that heal-apply writes.
 *
 * loop_status_collect() builds the report: {"targets":[{target, status,
 * labels, availability_24h, availability_7d, incidents, healed,
 * mtth_seconds, last_outcome}]}, or with by_label the same rolled up per
 * value of that label.  jv ownership follows jq: *report is the caller's.
 */
#ifndef HEAL_LOOP_STATUS_H
#define HEAL_LOOP_STATUS_H
#include "error.h"
#include <jv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define LOOP_DIR "loop"
#define LOOP_HISTORY_FILE "history.ndjson"

struct loop_history;

/* Opens (creating) STATE/loop/history.ndjson and learns each target's last status. */
struct loop_history *loop_history_open(const char *state_dir, struct heal_error *err);
/* Notes one check record (borrowed); appends a line only when the status changed. */
int loop_history_note_check(struct loop_history *h, const jv *check, struct heal_error *err);
void loop_history_close(struct loop_history *h);

/* The status report as of now_ms (clock_now_ms()); by_label NULL for per target. */
int loop_status_collect(const char *state_dir, const char *by_label, int64_t now_ms, jv *report,
                        struct heal_error *err);
/* The report as an aligned table (borrowed report). */
void loop_status_print_text(FILE *f, const jv *report, bool color);
#endif
