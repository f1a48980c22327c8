/*
 * state.h — where heal keeps what it remembers, and how names become files.
 *
 * The state directory is chosen by the first of: an explicit path (from
 * --state-dir), $HEAL_STATE_DIR, /var/lib/heal when the effective uid is 0,
 * $XDG_STATE_HOME/heal, $HOME/.local/state/heal.  state_dir_open() creates
 * it (and missing parents) mode 0700 and refuses one that another user owns
 * or that group or others may write, since root follows paths inside it.
 * The subdirectories (STATE_CHECKS_DIR, …) are made on demand.
 *
 * Target names come from configuration and may hold any byte;
 * state_name_encode() turns one into a single file-name component that is
 * never "", ".", "..", never starts with '.', and never holds '/'.
 *
 * Paths live in caller buffers of STATE_PATH_MAX bytes; a path that does
 * not fit is an error, never truncated.  Functions return 0 or -1 with
 * `err` filled.  No global state; safe to call from any thread.
 */
#ifndef HEAL_STATE_H
#define HEAL_STATE_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* Size of every path buffer, terminating NUL included (as PATH_MAX counts it). */
#define STATE_PATH_MAX PATH_MAX

/*
 * Longest encoded name, NUL excluded.  Well under NAME_MAX (255) so that a
 * suffix (".lock", ".json") and a temp-file prefix still fit in one component.
 */
#define STATE_NAME_MAX 128
#define STATE_NAME_SIZE (STATE_NAME_MAX + 1)

#define STATE_DIR_ROOT "/var/lib/heal"
#define STATE_CHECKS_DIR "checks"
#define STATE_LOCKS_DIR "locks"
#define STATE_LLM_CACHE_DIR "llm-cache"

/* Picks the state directory for this process, without touching the disk. */
int state_dir_resolve(const char *explicit_dir, char out[STATE_PATH_MAX], struct heal_error *err);

/* The same rule for a given effective uid (lets tests check the non-root rule as root). */
int state_dir_resolve_for_uid(const char *explicit_dir, uid_t euid, char out[STATE_PATH_MAX],
                              struct heal_error *err);

/* Resolves, then creates the directory and its missing parents mode 0700, and checks it. */
int state_dir_open(const char *explicit_dir, char out[STATE_PATH_MAX], struct heal_error *err);

/* Joins state_dir and one subdirectory name, creating the subdirectory 0700 if missing. */
int state_subdir(const char *state_dir, const char *name, char out[STATE_PATH_MAX],
                 struct heal_error *err);

/* Writes "dir/name" into out (of `size` bytes); a result that does not fit is an error. */
int state_path_join(char *out, size_t size, const char *dir, const char *name,
                    struct heal_error *err);

/*
 * Encodes a target name (non-empty, any bytes) as one file-name component.
 * '%', '/', '~', control bytes (0x00–0x1f, 0x7f) and a leading '.' become
 * %XX (upper-case hex); other bytes, UTF-8 included, stay as they are.
 * An encoding longer than STATE_NAME_MAX is cut (never inside an escape or
 * a UTF-8 sequence) and ends in '~' and 16 hex digits of a 64-bit FNV-1a
 * hash of the whole target; only such names contain '~'.  Distinct targets
 * give distinct names, barring a hash collision between two long ones.
 */
int state_name_encode(const char *target, char out[STATE_NAME_SIZE], struct heal_error *err);

/*
 * Decodes a name made by state_name_encode() into out (of `size` bytes).
 * A hashed name cannot be decoded (-1); so can't one that encode would not
 * have produced.
 */
int state_name_decode(const char *name, char *out, size_t size, struct heal_error *err);

#endif
