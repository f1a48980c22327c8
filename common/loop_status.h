/*
 * loop_status.h — what heal-loop remembers of each target's health, and
 * the report `heal-loop status` prints from it.
 *
 * The history, STATE/loop/history.ndjson, holds one line per change:
 *   {"ts":"RFC 3339 ms","target":..,"status":"ok|warning|critical|unknown",
 *    "hard":bool,"labels":{..}}
 * heal-loop (once and daemon) hands every check record it sees to
 * loop_history_note_check(), which appends a line when the target is new,
 * when its status differs from the last one recorded, or when a non-OK
 * status turns HARD (the moment heal-loop may act).  A target that stays
 * as it was writes nothing, so the file grows with changes, not checks.
 * Lines are appended as journal.h appends (one write() on O_APPEND under
 * the file's flock), so concurrent heal-loop processes never tear or mix
 * lines; two of them may both note one change, and readers treat a line
 * with the status already in force as no change.  The file is a cache of
 * what can be observed again: appends are not fsync'd.
 *
 * Bounded: when an append leaves the file over LOOP_HISTORY_MAX_BYTES it
 * is rewritten atomically (atomicfile.h) with the lines of the last
 * LOOP_WINDOW_7D_MS plus, per target, the last line before that (its
 * status at the start of the window, which is also its last line when it
 * has not changed since); if that is still over half the cap, the oldest
 * lines go first, but never a target's last one.  Appenders hold a shared
 * flock on STATE/loop/history.lock and compaction an exclusive one; an
 * appender that finds the file replaced under it reopens it first.
 *
 * The report, as of now_ms, per target (sorted by name):
 *   status            the last status recorded ("unknown" with no history)
 *   since             ts of the last change of status (null: no history)
 *   labels            from the target's last history line
 *   availability_24h, availability_7d
 *                     the fraction of the window's known time that the
 *                     target was ok; known time runs from the window's
 *                     start, or from the first line if that is later,
 *                     until now (null when nothing is known).  Every other
 *                     status, UNKNOWN included, counts as not ok.
 *   incidents         changes from ok (or a first sighting) to a non-ok
 *                     status in the last 7 days; changes between non-ok
 *                     statuses belong to the incident they are in.
 *   healed            outcomes journaled by heal-apply (journal.ndjson)
 *                     for the target with result "healed" in the last 7 days.
 *   mtth_seconds      mean time to heal: over the incidents of the last
 *                     7 days that ended (a later ok) and during which a
 *                     remedy that healed ran (its run, from its intent's ts
 *                     to its outcome's ts, overlaps the incident), the mean
 *                     of end - start; null when there is none.
 *   last_outcome      {ts, remedy, action, result} of the target's latest
 *                     journaled outcome, or null.
 * Targets that heal-apply acted on in the last 7 days but that have no
 * history (heal-apply used without heal-loop) are listed too.  Lines
 * stamped after now_ms are ignored, so a report can be taken as of a past
 * time.  With by_label the report is {"by":LABEL,"groups":[..]}: one group
 * per value of that label (string values; other targets under null, listed
 * last), holding `value`, `targets`, the worst `status` (critical >
 * warning > unknown > ok), availability over the summed known time of its
 * targets, summed incidents and healed, and the mean of all their times to
 * heal.  Either report also holds "unreadable":{"history":N,"journal":N},
 * the lines skipped as unreadable, which are never fatal, and
 * "tool_calls": the last LOOP_STATUS_TOOL_CALLS calls made through
 * heal-mcp that changed something, newest first (mcp_audit.h).
 *
 * jv ownership follows jq: note_check borrows the record; *report is the
 * caller's; print_text borrows it.  Functions return 0 (or as documented)
 * or -1 with err filled.  A struct loop_history is used by one thread.
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
#define LOOP_HISTORY_LOCK_FILE "history.lock"

/* Past this size an append compacts the history; what is kept fits in half of it. */
#define LOOP_HISTORY_MAX_BYTES (4L * 1024 * 1024)
#define LOOP_WINDOW_24H_MS (24LL * 3600 * 1000)
#define LOOP_WINDOW_7D_MS (7LL * 24 * 3600 * 1000)
/* Changing calls through heal-mcp that the report shows. */
#define LOOP_STATUS_TOOL_CALLS 10

struct loop_history;

/* Opens (creating) STATE/loop/history.ndjson and learns each target's last status. */
struct loop_history *loop_history_open(const char *state_dir, struct heal_error *err);
/*
 * Notes one check record (borrowed); appends a line only when the status
 * changed.  The line's ts is the record's own ts, or now when it has none
 * or one in the future.  Returns 1 when a line was appended, 0 when nothing
 * changed or the record is not a check, -1 when the check record is not
 * usable (no target, no known status) or the history could not be written
 * or compacted (err says which).
 */
int loop_history_note_check(struct loop_history *h, const jv *check, struct heal_error *err);
void loop_history_close(struct loop_history *h);

/*
 * Rewrites the history file at `path` as the compaction above does, as of
 * now_ms, keeping at most keep_bytes beyond each target's last line.  The
 * caller holds the history lock (loop_history_note_check does this).
 */
int loop_history_compact(const char *path, int64_t now_ms, long keep_bytes, struct heal_error *err);

/* One history line, as read back. */
struct loop_history_entry {
    int64_t ts_ms;
    const char *target; /* borrowed from the line */
    int status;         /* Nagios code 0..3 */
    bool hard;
};

/*
 * Reads one history line (borrowed): 0 with *entry set, or -1 with err
 * when it is not one (wrong types, unknown status, bad ts, empty target).
 */
int loop_history_entry_parse(const jv *line, struct loop_history_entry *entry,
                             struct heal_error *err);

/* The status report as of now_ms (clock_now_ms()); by_label NULL for per target. */
int loop_status_collect(const char *state_dir, const char *by_label, int64_t now_ms, jv *report,
                        struct heal_error *err);
/* True when every target (or group) of the report (borrowed) is ok, or there is none. */
bool loop_status_all_ok(const jv *report);

/*
 * The report as an aligned table (borrowed report): TARGET STATUS AVAIL-24H
 * AVAIL-7D INCIDENTS HEALED MTTH LAST-OUTCOME, or for a rollup the label's
 * value and TARGETS in place of TARGET and without LAST-OUTCOME.  Control
 * characters from targets and labels are shown as '?'.
 */
void loop_status_print_text(FILE *f, const jv *report, bool color);
#endif
