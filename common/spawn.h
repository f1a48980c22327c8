/*
 * spawn.h — the only way heal runs another program.
 *
 * No shell ever: argv is passed to execve() as given, argv[0] found on
 * the child's PATH when it has no slash.  Every child gets its own process
 * group, default signal dispositions, an empty signal mask, only fds 0-2,
 * stdin from /dev/null unless bytes are given, and (by default) a scrubbed
 * environment.  Output is captured per stream up to a cap; the rest is read
 * and discarded so a child never blocks on a full pipe.
 *
 * Two ways in: spawn_run() waits for one child; spawn_start() and the
 * spawn_child_*() calls let an event loop poll() many children at once.
 * spawn_start() returns once the child has exec'd or failed to, so an
 * exec failure shows up in the result (exit 127 or 126, and `error`)
 * exactly like a shell's, not as a failure to start.
 *
 * Callers must not ignore SIGCHLD or reap with waitpid(-1): each child is
 * reaped here, by pid.  SIGPIPE need not be ignored: writing stdin never
 * raises it.  Not thread-safe per child; distinct children may be used
 * from distinct threads.  Errors are reported as error.h says.
 */
#ifndef HEAL_SPAWN_H
#define HEAL_SPAWN_H

#include "error.h"

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Default capture cap per stream, and the largest a caller may ask for. */
#define SPAWN_OUTPUT_MAX (64 * 1024)
#define SPAWN_OUTPUT_CEILING (64 * 1024 * 1024)
/* Largest stdin a caller may hand over; it is copied at start. */
#define SPAWN_STDIN_MAX (1024 * 1024)
/* Most argv elements, and most environment entries a child may get. */
#define SPAWN_ARGV_MAX 4096
#define SPAWN_ENV_MAX 4096
/* After SIGTERM on timeout, how long the group has before SIGKILL. */
#define SPAWN_TERM_GRACE_MS 200
/* After the child exits, how long its descendants may keep the output
 * pipes open before the group is killed and reading stops. */
#define SPAWN_DRAIN_GRACE_MS 100
/* Where pidfd_open() is unavailable, how often exit is checked. */
#define SPAWN_REAP_TICK_MS 20
/* Most descriptors one child asks poll() to watch: stdin, stdout, stderr, pidfd. */
#define SPAWN_POLLFD_MAX 4
#define SPAWN_ERROR_SIZE 256

#define SPAWN_SAFE_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define SPAWN_SAFE_LANG "C.UTF-8"

enum spawn_env {
    /* The zero value: PATH=SPAWN_SAFE_PATH, LANG=SPAWN_SAFE_LANG, the
     * env_keep names copied from our environment, then env_extra. */
    SPAWN_ENV_SCRUB = 0,
    /* Our whole environment, then env_extra. */
    SPAWN_ENV_INHERIT,
};

/*
 * Zero-initialise, then set argv.  Everything is borrowed for the length
 * of the call only: spawn_start() copies what the child needs.
 */
struct spawn_options {
    const char *const *argv; /* NULL-terminated; argv[0] is the program */
    const char *cwd;         /* NULL: ours; relative argv[0] resolves against it */
    const char *stdin_data;  /* NULL: /dev/null; else stdin_len bytes, then EOF */
    size_t stdin_len;
    int64_t timeout_ms; /* 0: none; then SIGTERM to the group, SIGKILL after the grace */
    size_t output_max;  /* per stream; 0: SPAWN_OUTPUT_MAX */
    enum spawn_env env;
    const char *const *env_keep;  /* SCRUB only: NULL-terminated names, copied if set */
    const char *const *env_extra; /* NULL-terminated NAME=VALUE, set in either mode,
                                     replacing a variable of the same name */
    int death_signal; /* 0, or the signal the child gets if we die (PR_SET_PDEATHSIG),
                         so a supervisor killed with SIGKILL leaves no stage behind */
};

struct spawn_output {
    char *data; /* NUL-terminated (the output may hold NULs too); never NULL */
    size_t len;
    bool truncated; /* more than the cap was written; the excess was discarded */
};

struct spawn_result {
    bool exited;   /* true: exit_code is valid; false: signal is (0 if unknown) */
    int exit_code; /* 127 program not found or not run, 126 not executable */
    int signal;
    bool timed_out;      /* the deadline passed and the group was signalled */
    bool orphans_killed; /* the child exited but descendants held its output open */
    int64_t duration_ms; /* from start until the child's exit was seen */
    struct spawn_output out;
    struct spawn_output err;
    char error[SPAWN_ERROR_SIZE]; /* "" or why the program did not run as asked,
                                     e.g. "exec: No such file or directory" */
};

struct spawn_child;

/*
 * Starts a child.  Returns NULL, filling err, only when nothing could be
 * started (bad options, no memory, no pipes, fork failed).  The child
 * must be finished with spawn_child_finish().
 */
struct spawn_child *spawn_start(const struct spawn_options *opt, struct heal_error *err);

/*
 * Fills fds (fd and events) with what the child waits on now and returns
 * how many, 0..SPAWN_POLLFD_MAX.  The set shrinks as streams close, so
 * call it before every poll().
 */
int spawn_child_pollfds(const struct spawn_child *child, struct pollfd *fds);

/*
 * Milliseconds until the child needs spawn_child_service() even if none
 * of its fds is ready (deadline, grace period, exit check), or -1 if
 * none.  A loop polls with the smallest value over its children.
 */
int spawn_child_wait_ms(const struct spawn_child *child);

/*
 * Moves the data that is ready (per fds[].revents, as filled by poll()
 * for the fds spawn_child_pollfds() returned; entries for other fds are
 * ignored), notices exit, and acts on deadlines.  Never blocks.  fds may
 * be NULL when nfds is 0, e.g. after poll() timed out.
 */
void spawn_child_service(struct spawn_child *child, const struct pollfd *fds, int nfds);

/* True once the child has exited and all its streams are closed. */
bool spawn_child_done(const struct spawn_child *child);

pid_t spawn_child_pid(const struct spawn_child *child);

/*
 * What the child has written to stdout so far (up to the cap), borrowed
 * until the next spawn_child_service() or spawn_child_finish(); not
 * NUL-terminated.  For showing progress while it runs.
 */
const char *spawn_child_stdout(const struct spawn_child *child, size_t *len);

/*
 * Asks the child's group to stop now, as a timeout would: SIGTERM, then
 * SIGKILL after grace_ms (0: SPAWN_TERM_GRACE_MS), time for a supervisor
 * to stop its own children.  Keep servicing it until done.
 */
void spawn_child_stop(struct spawn_child *child, int64_t grace_ms);

/*
 * Reaps the child, fills result and frees child.  A child not yet done
 * is killed with its process group first, so this also aborts.  The
 * result must be released with spawn_result_free().
 */
void spawn_child_finish(struct spawn_child *child, struct spawn_result *result);

/*
 * Runs a child to completion.  Returns 0 with result filled (however the
 * child ended), or -1 with err filled if it could not be started; result
 * then needs no freeing.
 */
int spawn_run(const struct spawn_options *opt, struct spawn_result *result, struct heal_error *err);

/*
 * Starts a daemon: the program runs in a session of its own (setsid, no
 * controlling terminal), is not our child (double fork: nobody here reaps
 * or signals it), has stdin from /dev/null and stdout and stderr appended
 * to log_path (created 0600).  Only argv, cwd, env, env_keep and env_extra
 * of opt are used.  Returns 0 with *pid set once it has exec'd, or -1
 * with err filled when it could not be started or exec'd.
 */
int spawn_daemon(const struct spawn_options *opt, const char *log_path, pid_t *pid,
                 struct heal_error *err);

/*
 * A long-running child wired to the caller's descriptors: stdin from
 * in_fd (-1: /dev/null), stdout to out_fd, stderr shared with ours, as a
 * shell wires a pipeline stage.  The same rules as above otherwise (own
 * process group, default signals, only fds 0-2, no shell); no capture,
 * no timeout (opt->stdin_data and timeout_ms must be unset).  The caller
 * keeps its fds.  Returns 0 once the child has exec'd, with its pid and a
 * pidfd (-1 where unavailable; the caller closes it); -1 with err filled
 * if it could not be started or its program could not be run, in which
 * case nothing is left to reap.  The caller reaps it with waitpid().
 */
struct spawn_attached {
    pid_t pid;
    int pidfd;
};
int spawn_attach(const struct spawn_options *opt, int in_fd, int out_fd,
                 struct spawn_attached *child, struct heal_error *err);

/* Releases the output buffers; safe on a zeroed or already freed result. */
void spawn_result_free(struct spawn_result *result);

#endif
