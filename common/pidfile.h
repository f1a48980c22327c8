/*
 * pidfile.h — one daemon per pid file, and finding it again.
 *
 * The file holds the daemon's pid and a newline and stays open, locked
 * with flock(2), for as long as the daemon runs: the lock, not the pid,
 * says whether it runs, so a stale file from a crash (or a pid reused by
 * another program) is never taken for a live daemon.  The lock goes with
 * the process, however it ends.
 */
#ifndef HEAL_PIDFILE_H
#define HEAL_PIDFILE_H
#include "error.h"
#include <stdbool.h>
#include <sys/types.h>

/*
 * Takes path for this process: returns the open, locked fd (keep it until
 * exit), or -1 with err; when another process holds it, *holder is its
 * pid (else 0).
 */
int pidfile_acquire(const char *path, pid_t *holder, struct heal_error *err);
/* Removes the file (before exit) and closes fd. */
void pidfile_release(const char *path, int fd);
/*
 * Is a daemon holding path?  Returns 1 with *pid set when one runs, 0 when
 * none does (no file, or nobody holds its lock), -1 with err.
 */
int pidfile_probe(const char *path, pid_t *pid, struct heal_error *err);
#endif
