/*
 * check_watch.h — helpers for kinds that offer --watch fds (check.h,
 * watch_open/watch_close).
 *
 * The runner only learns "this fd is readable: run the check now".  A
 * kind that already knows, while arming its watch, that something has
 * happened (the watched process exited between the run and the arming,
 * lines arrived in between) hands back a timer fd that fires at once or
 * after a short debounce, so no event falls into that gap.
 */
#ifndef HEAL_CHECK_WATCH_H
#define HEAL_CHECK_WATCH_H

#include "check.h"

#include <stdint.h>

/* A timerfd readable after delay_ms (<= 0: at once); -1 if none can be made. */
int check_watch_timer(int64_t delay_ms);

/* A watch_close that closes def->watch_fd and frees def->watch_data. */
void check_watch_close_fd(struct check_def *def);

#endif
