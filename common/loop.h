/*
 * loop.h — heal-loop's pipeline: the four stages wired as a shell would
 * wire them, kept alive, and drained.
 *
 *   heal-check --watch|--once | heal-analyze | heal-propose  =>  heal-apply x N
 *
 * Every pipe between two stages is created here and both of its ends are
 * held open by this process, as s6-svscan holds the pipe between a service
 * and its logger: when a stage dies, its neighbours see neither EOF nor
 * EPIPE, what was in the pipe stays there, and only the dead stage is
 * started again (with back-off) on the same pipe.  Only a drain closes the
 * held ends, in pipeline order, so every record in flight reaches the end.
 *
 * The last hop is not a pipe but a dispatcher: each proposal goes to an
 * idle heal-apply worker (at most `workers` heal at once, never two on one
 * target; workers start when first needed, so a healthy host runs none),
 * and a proposal whose target has turned OK since is not sent,
 * because healing what is healthy again is harm (the record is still
 * passed on).  A worker is idle again when the marker event written after
 * the proposal comes back out of it: heal-apply passes through, in order,
 * records it does not consume.
 *
 * Every record that leaves the pipeline reaches on_record, in pipeline
 * order per target; the loop's own lifecycle notes (stage.exited,
 * stage.restarted) reach on_event.  Signals: SIGTERM and SIGINT drain and
 * return LOOP_STOPPED; SIGHUP (daemon) drains and returns LOOP_RELOAD so
 * the caller reads its configuration again and calls loop_run() anew.
 * The caller blocks those signals (loop_block_signals) before starting.
 */
#ifndef HEAL_LOOP_H
#define HEAL_LOOP_H
#include "error.h"
#include <jv.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum loop_mode {
    LOOP_MONITOR, /* check | analyze: diagnoses, changes nothing */
    LOOP_DRY_RUN, /* ... | propose | heal-apply (a dry run) */
    LOOP_APPLY,   /* ... | propose | heal-apply --apply */
};

/* How long a drain may take before stages are stopped by signal. */
#define LOOP_DRAIN_DEFAULT_MS 30000
/* Restart back-off of a dead stage: floor + rand(0, min(cap, base * 2^n)). */
#define LOOP_RESTART_FLOOR_MS 1000
#define LOOP_RESTART_BASE_MS 1000
#define LOOP_RESTART_CAP_MS (5 * 60 * 1000)
/* A stage that ran this long without dying starts its back-off afresh. */
#define LOOP_RESTART_RESET_MS (10 * 60 * 1000)
#define LOOP_WORKERS_MAX 64
#define LOOP_ARGS_MAX 64

struct loop_config {
    bool once;          /* heal-check --once, no restarts; else --watch, supervised */
    enum loop_mode mode;
    const char *bin_dir; /* where the heal-* programs are */
    /* Options every stage gets (--config-dir, --state-dir, -v ...), and
     * heal-check's own (--checks FILE, --name NAME ...); NULL-terminated. */
    const char *const *stage_args;
    const char *const *check_args;
    bool heal_soft;      /* heal-analyze --all-states */
    int workers;         /* heal-apply processes, 1..LOOP_WORKERS_MAX */
    const char *max_risk;
    int64_t drain_ms;    /* 0: LOOP_DRAIN_DEFAULT_MS */
    int64_t tick_ms;     /* on_tick at least this often; 0: never */

    /* line (len bytes, no newline) is the record as a stage wrote it; rec
     * is it parsed, and consumed by the callback. */
    void (*on_record)(void *ctx, const char *line, size_t len, jv rec);
    void (*on_event)(void *ctx, jv event); /* consumed */
    void (*on_tick)(void *ctx);
    void (*on_ready)(void *ctx); /* once every stage has started */
    void *ctx;
};

enum loop_end {
    LOOP_FINISHED, /* --once: every stage ended */
    LOOP_STOPPED,  /* SIGTERM/SIGINT: drained */
    LOOP_RELOAD,   /* SIGHUP: drained; run again with fresh configuration */
    LOOP_FAILED,   /* could not start (err says why) */
};

struct loop_result {
    enum loop_end end;
    bool stage_failed; /* a stage died, failed to start, or exited with an error status */
    bool bad_input;    /* a stage exited 4: it reported bad input or configuration */
    unsigned restarts;
};

/* Blocks SIGTERM, SIGINT, SIGHUP and SIGCHLD so loop_run() takes them by signalfd. */
void loop_block_signals(void);

/* The directory of the heal programs: our own, else heal-check's on PATH.  0 or -1. */
int loop_find_bin_dir(char out[PATH_MAX]);

/* Runs the pipeline until it ends (--once) or a signal drains it. */
int loop_run(const struct loop_config *cfg, struct loop_result *result, struct heal_error *err);
#endif
