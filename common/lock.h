/*
 * lock.h — one actor per target: an exclusive flock on locks/TARGET.lock.
 *
 * lock_acquire() opens STATE/locks/<state_name_encode(target)>.lock and
 * tries flock(LOCK_EX|LOCK_NB) with a short back-off until it succeeds or
 * wait_ms (monotonic) has passed.  The descriptor is close-on-exec, so a
 * remedy that heal-apply starts never holds the lock after heal-apply is
 * gone.  A child forked without exec shares the lock, and lock_release()
 * in either process releases it for both.
 *
 * flock locks belong to the open file, so a second lock_acquire() on the
 * same target in the same process is busy too.  The kernel drops the lock
 * when the process dies, however it dies; lock files are never deleted
 * (deleting one while another process waits on it would split the lock).
 */
#ifndef HEAL_LOCK_H
#define HEAL_LOCK_H

#include <stdint.h>

#include "error.h"

/* Back-off between tries: starts short for a quick hand-over, doubles to the cap. */
#define LOCK_BACKOFF_MIN_MS 1
#define LOCK_BACKOFF_MAX_MS 50

struct lock {
    int fd; /* -1 when not held */
};

/*
 * Returns 0 with the lock held, 1 when another holder kept it for wait_ms
 * (0: one try only), or -1 on error.  `err` is filled for 1 and -1.
 */
int lock_acquire(const char *state_dir, const char *target, int64_t wait_ms, struct lock *lock,
                 struct heal_error *err);

/* Releases a held lock; a lock not held (fd -1) is left alone. */
void lock_release(struct lock *lock);

#endif
