/*
 * signals.h — the stop flag every stage honours.
 *
 * signals_install() makes SIGTERM and SIGINT set a flag instead of killing
 * the process, so a stage finishes the record in hand and exits; SIGPIPE
 * is ignored so a closed reader shows up as EPIPE on write and the stage
 * ends quietly.  spawn.c restores default dispositions in children.
 */
#ifndef HEAL_SIGNALS_H
#define HEAL_SIGNALS_H

#include <stdbool.h>
#include <stdint.h>

void signals_install(void);
bool signals_stop_requested(void);

/* Waits ms (monotonic), waking early when a stop was asked for: false then. */
#define SIGNALS_PAUSE_SLICE_MS 100 /* how often a wait looks at the stop flag */
bool signals_pause(int64_t ms);

#endif
