/*
 * atomicfile.h — replace a file so that a crash leaves the old or the new
 * content, never a mix; and read a whole file under a size cap.
 *
 * atomicfile_write() writes a temp file in the target's directory, named
 * ATOMICFILE_TEMP_PREFIX plus six random characters (created O_EXCL), then
 * fsyncs it, renames it over the target and fsyncs the directory.  On
 * failure before the rename the temp file is removed and the target is
 * untouched.  A process killed mid-write leaves its temp file behind:
 * atomicfile_cleanup() removes those older than a given age, and callers
 * run it on their state subdirectory now and then (at start is enough).
 * Temp names start with '.', so a shell glob for *.json never lists them.
 *
 * Functions return 0 (or as documented) or -1 with `err` filled.  They keep
 * no state and are safe to call from any thread.
 */
#ifndef HEAL_ATOMICFILE_H
#define HEAL_ATOMICFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define ATOMICFILE_TEMP_PREFIX ".heal-tmp."

/* A temp file this old is surely abandoned: no healthy write takes a minute. */
#define ATOMICFILE_STALE_MS (10 * 60 * 1000)

/*
 * Replaces `path` with `len` bytes of `data`, mode exactly `mode` (the
 * umask does not apply).  A -1 after the rename (the directory fsync
 * failed) means the new content is in place but may not survive a crash.
 */
int atomicfile_write(const char *path, const void *data, size_t len, mode_t mode,
                     struct heal_error *err);

/*
 * The same replace without fsync: old or new content after a crash of the
 * process, but after a power loss possibly neither (then a damaged or
 * missing file).  For caches that are rebuilt from the world anyway, such
 * as check state: two fsyncs per check would dominate a run of 1,000.
 */
int atomicfile_write_cache(const char *path, const void *data, size_t len, mode_t mode,
                           struct heal_error *err);

/*
 * Reads all of `path` into a malloc'd buffer (*data, NUL-terminated, caller
 * frees) of *len bytes.  Returns 0, 1 when the file does not exist (*data
 * NULL), or -1 — also when the file is longer than `max` bytes, which is
 * reported as such and never silently cut.
 */
int atomicfile_read(const char *path, size_t max, char **data, size_t *len, struct heal_error *err);
/*
 * atomicfile_read for a cache file of ours (check state): its access time
 * is left alone (O_NOATIME, where the file is ours).  Under relatime the
 * first read after each write would otherwise write the inode back, a
 * journal update per check in a run of 1,000.
 */
int atomicfile_read_cache(const char *path, size_t max, char **data, size_t *len,
                          struct heal_error *err);

/*
 * Removes this module's temp files in `dir` last modified at least
 * `older_than_ms` ago (by clock_now_ms()); *removed (may be NULL) counts
 * them.  Use ATOMICFILE_STALE_MS unless no writer can be running.
 */
int atomicfile_cleanup(const char *dir, int64_t older_than_ms, size_t *removed,
                       struct heal_error *err);

#endif
