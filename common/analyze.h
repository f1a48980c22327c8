/*
 * analyze.h — from failure text and failed checks to diagnoses.
 *
 * Text lines are matched against the catalog; repeats of one signature
 * with the same facts within the window (input time when the line starts
 * with a timestamp, wall time otherwise) become one diagnosis carrying
 * count, first_seen and last_seen, emitted when its window closes or at
 * the end.  A failed check record (HARD, or any state with all_states) is
 * diagnosed from its own summary, output and evidence; with no match it
 * becomes unknown.unclassified (analyzer "none").  Other records are
 * passed through untouched.  Records go to the emit callback, which
 * consumes them.
 */
#ifndef HEAL_ANALYZE_H
#define HEAL_ANALYZE_H

#include "catalog.h"

#include <jv.h>
#include <stdbool.h>
#include <stdint.h>

#define ANALYZE_WINDOW_DEFAULT_MS 60000
#define ANALYZE_GROUPS_MAX 4096   /* open groups; beyond, the oldest is emitted early */
#define ANALYZE_EVIDENCE_LINES 5  /* lines kept per diagnosis */
#define ANALYZE_EVIDENCE_LINE_MAX 1024

typedef void analyze_emit_fn(void *ctx, jv record);

struct analyzer;

struct analyzer *analyzer_new(struct catalog *catalog, int64_t window_ms, bool all_states,
                              analyze_emit_fn *emit, void *ctx);
void analyzer_free(struct analyzer *a);
/* Text diagnoses join this trace (a record id, e.g. HEAL_TRACE) instead of
 * starting their own; NULL or not an id: their own.  Copied. */
void analyzer_set_trace(struct analyzer *a, const char *trace);

/*
 * A block of whole lines of plain text (as linereader_next_block gives),
 * at grep speed: lines without any signature literal are never looked at
 * one by one.
 */
void analyzer_text_block(struct analyzer *a, const char *data, size_t len);
/* One record (consumed): a check is diagnosed, anything else passes through. */
void analyzer_record(struct analyzer *a, jv record);
/*
 * With a hook set, each text line that `wants` (cheap, e.g. it reads like
 * a failure) and that no signature matches goes to fn, with its time
 * (its own timestamp, else now): the catalog does not know it, something
 * else may.  Without one (the default) such lines cost nothing.
 */
typedef bool analyze_wants_fn(const char *line, size_t len);
typedef void analyze_unmatched_fn(void *ctx, const char *line, size_t len, int64_t at_ms);
void analyzer_on_unmatched(struct analyzer *a, analyze_wants_fn *wants, analyze_unmatched_fn *fn,
                           void *ctx);

/* Emits every open group (end of input). */
void analyzer_flush(struct analyzer *a);

/* Lines in a block: its newlines, plus a last line without one. */
uint64_t analyze_count_lines(const char *data, size_t len);

/* Counters for the exit status and a summary. */
struct analyze_stats {
    uint64_t lines, matched, diagnoses, unclassified, passed;
};
struct analyze_stats analyzer_stats(const struct analyzer *a);

#endif
