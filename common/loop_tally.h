/*
 * loop_tally.h — what heal-loop saw go by: per target, its latest check,
 * diagnosis, proposal and outcome; in all, counts by status and result.
 *
 * Fed every record that leaves the pipeline (borrowed), it answers the
 * questions heal-loop reports on: is everything healthy now (a target is
 * healthy when its latest check is OK, or when an outcome after its latest
 * problem says healed), the closing `cycle.summary` event, the table a
 * person reads at a terminal, the status file and the Prometheus metrics.
 */
#ifndef HEAL_LOOP_TALLY_H
#define HEAL_LOOP_TALLY_H
#include "error.h"
#include <jv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct loop_tally {
    jv targets;   /* target -> {status, code, state_type, attempt, duration_ms, flapping,
                     summary, labels, signature, diagnosis, remedy, action, result,
                     healed_after} */
    jv outcomes;  /* "remedy\tresult" -> count, since start */
    unsigned long records, checks, diagnoses, proposals, outcome_count;
    unsigned long by_status[4];
    unsigned long stage_restarts;
};

void loop_tally_init(struct loop_tally *t);
void loop_tally_free(struct loop_tally *t);
/* Notes one record (borrowed). */
void loop_tally_record(struct loop_tally *t, const jv *rec);
/* True when every target seen is OK or was healed after its latest problem. */
bool loop_tally_healthy(const struct loop_tally *t);
/* The counts of this run as an event record (caller's): cycle.summary. */
jv loop_tally_summary(const struct loop_tally *t, const char *event);
/* The terminal's view: one row per target with a problem, then the counts. */
void loop_tally_print(const struct loop_tally *t, FILE *f, bool color);
/* The status file's content (caller's): targets, counts, and `extra` merged in (consumed). */
jv loop_tally_status(const struct loop_tally *t, jv extra);
/*
 * Writes Prometheus text-format metrics to path atomically (a temp file in
 * the same directory, renamed over it), for node_exporter's textfile
 * collector.  Returns 0 or -1 with err filled.
 */
int loop_tally_write_metrics(const struct loop_tally *t, const char *path, const char *mode,
                             struct heal_error *err);
#endif
