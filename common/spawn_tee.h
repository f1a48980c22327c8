/*
 * spawn_tee.h — run one command in the open, keeping the tail of what it says.
 *
 * For a wrapper such as `heal-loop run -- make`: the command's stdout and
 * stderr are copied to ours as they come (a CI log stays live, bytes
 * unchanged), and the last keep_max bytes of both, merged line by line in
 * the order they arrived, are kept for analysis.  spawn.c captures but
 * cannot show output as it comes, hence this second way in.
 *
 * spawn.h's conventions otherwise: no shell (argv[0] is looked up on our
 * PATH), the command in its own process group with default signal
 * dispositions and an empty mask, stdin from /dev/null.  Unlike spawn.c it
 * keeps our environment and the descriptors we inherited without
 * close-on-exec (a make jobserver's pipes), as any wrapper does.
 *
 * When signals_stop_requested() turns true (SIGTERM or SIGINT to us), the
 * group gets SIGTERM, then SIGKILL after SPAWN_TEE_TERM_GRACE_MS.  When the
 * command exits while something it started still holds its output open,
 * that group is killed after SPAWN_DRAIN_GRACE_MS, as spawn.c does.  When
 * our stdout is gone (EPIPE), the command's stdout pipe is closed, so the
 * command learns it as it would have without us.  Errors: error.h.
 */
#ifndef HEAL_SPAWN_TEE_H
#define HEAL_SPAWN_TEE_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>

#define SPAWN_TEE_TERM_GRACE_MS 2000
/* A line longer than this is kept in pieces of this size. */
#define SPAWN_TEE_LINE_MAX (64 * 1024)
#define SPAWN_TEE_ERROR_SIZE 256

struct spawn_tee_options {
    const char *const *argv; /* NULL-terminated; borrowed for the call */
    int out_fd;              /* where the command's stdout is copied */
    int err_fd;              /* and its stderr */
    size_t keep_max;         /* bytes of output kept, the last ones; > 0 */
};

struct spawn_tee_result {
    bool exited;   /* true: exit_code is valid; false: signal is */
    int exit_code; /* 127 not found, 126 not runnable, as a shell says */
    int signal;
    bool stopped; /* a stop signal made us end the command */
    char *kept;   /* NUL-terminated, whole lines; never NULL after success */
    size_t kept_len;
    bool kept_truncated; /* earlier output was dropped to stay under keep_max */
    char error[SPAWN_TEE_ERROR_SIZE]; /* "" or why the command did not run */
};

/*
 * Runs the command to its end.  Returns 0 with result filled (however it
 * ended, including "not found"), or -1 with err filled if nothing could be
 * started; result then needs no freeing.
 */
int spawn_tee_run(const struct spawn_tee_options *opt, struct spawn_tee_result *result,
                  struct heal_error *err);

void spawn_tee_result_free(struct spawn_tee_result *result);

#endif
