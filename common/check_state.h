/*
 * check_state.h — Nagios state semantics for one check, kept between runs.
 *
 * A non-OK result is SOFT until it has been seen max_attempts times in a
 * row, then HARD; a change between non-OK states while HARD stays HARD;
 * OK resets the attempt counter (a HARD recovery from a HARD problem, a
 * SOFT one from a SOFT problem).  Flap detection is Nagios' (base/
 * flapping.c): the last CHECK_STATE_HISTORY states (HARD states and SOFT
 * recoveries only, as Nagios records for services), the 20 transitions
 * weighted linearly from 0.75 (oldest) to 1.25 (newest); flapping starts
 * at >= flap_high percent and stops at <= flap_low.
 *
 * Kept as STATE_DIR/checks/NAME.json, replaced atomically, so successive
 * cron runs of `heal-check --once` count attempts too.  A missing or
 * unreadable file is a fresh start (state is a cache of history).
 */
#ifndef HEAL_CHECK_STATE_H
#define HEAL_CHECK_STATE_H

#include "error.h"

#include <stdbool.h>
#include <stdint.h>

#define CHECK_STATE_HISTORY 21
#define CHECK_STATE_FILE_MAX (64 * 1024)

struct check_state {
    int last_code;      /* -1: never run */
    int attempt;        /* 1..max_attempts */
    bool hard;          /* state_type */
    bool changed;       /* this result's status differs from the previous one */
    bool flapping;
    double percent_change;
    int history[CHECK_STATE_HISTORY];
    int history_len;
    int64_t last_change_ms; /* when the status last changed */
};

void check_state_init(struct check_state *s);

/* Applies one result with Nagios code 0..3. */
void check_state_update(struct check_state *s, int code, int max_attempts, double flap_low,
                        double flap_high, int64_t now_ms);

/* Nagios' weighted percent state change over a history of codes. */
double check_state_percent_change(const int *history, int len);

/* Loads STATE_DIR/checks/<encoded target>.json; absent or damaged: fresh state, returns 0. */
int check_state_load(const char *state_dir, const char *name, struct check_state *s,
                     struct heal_error *err);
int check_state_save(const char *state_dir, const char *name, const struct check_state *s,
                     struct heal_error *err);

/*
 * True if what check_state_save() keeps differs between a and b.  A check
 * that stays OK changes nothing: heal-check then writes nothing, so a
 * healthy host costs no disk writes per run.
 */
bool check_state_differs(const struct check_state *a, const struct check_state *b);

#endif
