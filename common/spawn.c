#include "spawn.h"
#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Largest single read() or write() on a child's pipe. */
#define SPAWN_IO_CHUNK 16384
/* Reads per stream per service call, so one flooding child cannot keep
 * an event loop from its other children. */
#define SPAWN_READS_PER_SERVICE 16
/* First capture buffer; it doubles up to the cap, as most output is short. */
#define SPAWN_BUFFER_INITIAL 4096
/* Where close_range() is missing the child closes fds one by one up to
 * RLIMIT_NOFILE, but never past this: fds above it are CLOEXEC anyway. */
#define SPAWN_CLOSE_LOOP_MAX 65536
/* In the child, the exec-status pipe moves just above stdio. */
#define SPAWN_STATUS_FD 3

/* What a child did last before failing, reported through the status pipe. */
enum spawn_stage { SPAWN_STAGE_SETUP, SPAWN_STAGE_STDIN, SPAWN_STAGE_CHDIR, SPAWN_STAGE_EXEC };

struct spawn_failure {
    int stage;
    int error;
};

struct spawn_stream {
    int fd; /* our read end; -1 once closed */
    char *data;
    size_t len;
    size_t size; /* allocated, always room for the NUL */
    size_t cap;
    bool truncated;
};

struct spawn_child {
    pid_t pid;
    int pidfd; /* -1 where pidfd_open() is unavailable: exit is then checked on a tick */
    struct spawn_stream out;
    struct spawn_stream err;
    int in_fd; /* our write end of the child's stdin; -1 once closed */
    char *in_data;
    size_t in_len;
    size_t in_off;
    int64_t start_ms;
    int64_t deadline_ms;   /* 0: none */
    int64_t kill_ms;       /* when SIGKILL follows the SIGTERM of a timeout */
    int64_t stop_grace_ms; /* 0: SPAWN_TERM_GRACE_MS; else as spawn_child_stop() asked */
    int64_t exit_ms;
    bool exited; /* seen exiting; still a zombie until spawn_child_finish() */
    bool lost;   /* reaped by someone else: its pid may be reused, never signal it */
    bool timed_out;
    bool killed;
    bool orphans_killed;
    char error[SPAWN_ERROR_SIZE];
};

/* Everything the child needs, prepared before fork() so the child only
 * makes async-signal-safe calls. */
struct spawn_plan {
    const char *path; /* NULL: not found, path_errno says why */
    int path_errno;
    char *const *argv;
    char *const *envp;
    const char *cwd;
    int in_fd; /* -1: /dev/null */
    int out_fd;
    int err_fd;
    int status_fd;
    int close_max;
    int death_signal;
    pid_t parent;
};

static const char *const spawn_stage_names[] = {
    [SPAWN_STAGE_SETUP] = "setup",
    [SPAWN_STAGE_STDIN] = "stdin",
    [SPAWN_STAGE_CHDIR] = "chdir",
    [SPAWN_STAGE_EXEC] = "exec",
};

static size_t count_list(const char *const *list)
{
    size_t n = 0;
    while (list && list[n])
        n++;
    return n;
}

static size_t env_name_len(const char *entry)
{
    return strcspn(entry, "=");
}

static bool env_same_name(const char *a, const char *b)
{
    size_t n = env_name_len(a);
    return n == env_name_len(b) && memcmp(a, b, n) == 0;
}

/* Adds entry, replacing one of the same name, so later sources win. */
static void env_put(const char **env, size_t *n, const char *entry)
{
    for (size_t i = 0; i < *n; i++) {
        if (env_same_name(env[i], entry)) {
            env[i] = entry;
            return;
        }
    }
    env[(*n)++] = entry;
}

static const char *env_find(const char *const *env, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; env && env[i]; i++) {
        if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
            return env[i];
    }
    return NULL;
}

/* The child's environment as a NULL-terminated array of borrowed strings. */
static const char **env_build(const struct spawn_options *opt, struct heal_error *err)
{
    const char *const *ours = (const char *const *)environ;
    const char *const *extra = opt->env_extra;
    const char *const *keep = opt->env_keep;
    size_t n_extra = count_list(extra);
    for (size_t i = 0; i < n_extra; i++) {
        const char *eq = strchr(extra[i], '=');
        if (!eq || eq == extra[i]) {
            heal_error_set(err, "environment: '%.64s' is not NAME=VALUE", extra[i]);
            return NULL;
        }
        for (size_t j = 0; j < i; j++) {
            if (env_same_name(extra[i], extra[j])) {
                heal_error_set(err, "environment: %.*s given twice", (int)(eq - extra[i]),
                               extra[i]);
                return NULL;
            }
        }
    }
    size_t most = n_extra;
    if (opt->env == SPAWN_ENV_INHERIT) {
        most += count_list(ours);
    } else {
        most += 2 + count_list(keep);
        for (size_t i = 0; keep && keep[i]; i++) {
            if (!keep[i][0] || strchr(keep[i], '=')) {
                heal_error_set(err, "environment: '%.64s' is not a variable name", keep[i]);
                return NULL;
            }
        }
    }
    if (most > SPAWN_ENV_MAX) {
        heal_error_set(err, "environment: more than %d variables", SPAWN_ENV_MAX);
        return NULL;
    }
    const char **env = calloc(most + 1, sizeof *env);
    if (!env) {
        heal_error_errno(err, "environment");
        return NULL;
    }
    size_t n = 0;
    if (opt->env == SPAWN_ENV_INHERIT) {
        for (size_t i = 0; ours && ours[i]; i++)
            env_put(env, &n, ours[i]);
    } else {
        env_put(env, &n, "PATH=" SPAWN_SAFE_PATH);
        env_put(env, &n, "LANG=" SPAWN_SAFE_LANG);
        for (size_t i = 0; keep && keep[i]; i++) {
            const char *found = env_find(ours, keep[i]);
            if (found)
                env_put(env, &n, found);
        }
    }
    for (size_t i = 0; i < n_extra; i++)
        env_put(env, &n, extra[i]);
    env[n] = NULL;
    return env;
}

/*
 * Finds name on search_path as execvp() would, but in the parent (no
 * allocation after fork) and on the child's PATH, not ours.  Empty and
 * relative PATH entries are skipped: they would search wherever we stand.
 * Returns a malloc'd path, or NULL with *why set (ENOENT, EACCES, ENOMEM).
 */
static char *resolve_program(const char *name, const char *search_path, int *why)
{
    if (strchr(name, '/')) {
        char *copy = strdup(name);
        *why = copy ? 0 : ENOMEM;
        return copy;
    }
    size_t name_len = strlen(name);
    *why = ENOENT;
    for (const char *p = search_path; *p;) {
        const char *colon = strchrnul(p, ':');
        size_t dir_len = (size_t)(colon - p);
        if (p[0] == '/' && dir_len + 1 + name_len < PATH_MAX) {
            char *candidate = malloc(dir_len + 1 + name_len + 1);
            if (!candidate) {
                *why = ENOMEM;
                return NULL;
            }
            memcpy(candidate, p, dir_len);
            candidate[dir_len] = '/';
            memcpy(candidate + dir_len + 1, name, name_len + 1);
            struct stat st;
            if (stat(candidate, &st) == 0 && S_ISREG(st.st_mode)) {
                if (access(candidate, X_OK) == 0) {
                    *why = 0;
                    return candidate;
                }
                /* Like execvp: report EACCES only if nothing runnable follows. */
                *why = EACCES;
            }
            free(candidate);
        }
        p = *colon ? colon + 1 : colon;
    }
    return NULL;
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        /* Not retried on EINTR: on Linux the fd is gone either way. */
        close(*fd);
        *fd = -1;
    }
}

/* A CLOEXEC pipe whose ends are both above 2, so that in the child
 * dup2() onto 0-2 can never overwrite a pipe end still to be moved. */
static int pipe_above_stdio(int fds[2], struct heal_error *err)
{
    if (pipe2(fds, O_CLOEXEC) < 0) {
        fds[0] = fds[1] = -1;
        return heal_error_errno(err, "pipe");
    }
    for (int i = 0; i < 2; i++) {
        if (fds[i] > 2)
            continue;
        int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
        if (moved < 0) {
            heal_error_errno(err, "pipe");
            close_fd(&fds[0]);
            close_fd(&fds[1]);
            return -1;
        }
        close(fds[i]);
        fds[i] = moved;
    }
    return 0;
}

static int set_nonblocking(int fd, struct heal_error *err)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return heal_error_errno(err, "fcntl");
    return 0;
}

static int close_loop_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
        rl.rlim_cur > SPAWN_CLOSE_LOOP_MAX)
        return SPAWN_CLOSE_LOOP_MAX;
    return (int)rl.rlim_cur;
}

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
    /* Called directly: glibc before 2.36 has no wrapper.  ENOSYS (old
     * kernel) or EPERM (seccomp) just means exit is checked on a tick. */
    long fd = syscall(SYS_pidfd_open, pid, 0);
    if (fd >= 0)
        return (int)fd;
#else
    (void)pid;
#endif
    return -1;
}

/* In the child: tell the parent why, and exit as a shell would. */
static _Noreturn void child_fail(int status_fd, enum spawn_stage stage, int error)
{
    struct spawn_failure failure = {stage, error};
    ssize_t n;
    do {
        n = write(status_fd, &failure, sizeof failure);
    } while (n < 0 && errno == EINTR);
    bool not_runnable = stage == SPAWN_STAGE_EXEC && (error == EACCES || error == ENOEXEC);
    _exit(not_runnable ? 126 : 127);
}

static void child_close_from(int first, int limit)
{
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)first, ~0U, 0) == 0)
        return;
#endif
    for (int fd = first; fd < limit; fd++)
        close(fd);
}

/* Runs between fork() and execve(): async-signal-safe calls only. */
static _Noreturn void child_exec(const struct spawn_plan *plan)
{
    /* Handlers and ignored signals are the parent's business (it ignores
     * SIGPIPE, catches SIGTERM); all signals are blocked until here, so
     * none can reach a parent handler in the child. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &dfl, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    int status_fd = plan->status_fd;
    /* Its own group, so a timeout can stop everything the child started. */
    if (setpgid(0, 0) < 0)
        child_fail(status_fd, SPAWN_STAGE_SETUP, errno);
    if (plan->death_signal) {
        if (prctl(PR_SET_PDEATHSIG, plan->death_signal) < 0)
            child_fail(status_fd, SPAWN_STAGE_SETUP, errno);
        /* The parent may have died before the prctl: then no signal comes. */
        if (getppid() != plan->parent)
            _exit(127);
    }
    int in_fd = plan->in_fd;
    if (in_fd < 0) {
        /* Without O_CLOEXEC: if fd 0 was free this already is stdin. */
        in_fd = open("/dev/null", O_RDONLY);
        if (in_fd < 0)
            child_fail(status_fd, SPAWN_STAGE_STDIN, errno);
    }
    if ((in_fd != 0 && dup2(in_fd, 0) < 0) || dup2(plan->out_fd, 1) < 0 ||
        dup2(plan->err_fd, 2) < 0)
        child_fail(status_fd, SPAWN_STAGE_SETUP, errno);
    if (status_fd != SPAWN_STATUS_FD) {
        if (dup3(status_fd, SPAWN_STATUS_FD, O_CLOEXEC) < 0)
            child_fail(status_fd, SPAWN_STAGE_SETUP, errno);
        status_fd = SPAWN_STATUS_FD;
    }
    /* Other children's pipes, the caller's sockets: none may leak, or a
     * reader could wait for an EOF that an unrelated child holds back. */
    child_close_from(SPAWN_STATUS_FD + 1, plan->close_max);
    if (plan->cwd && chdir(plan->cwd) < 0)
        child_fail(status_fd, SPAWN_STAGE_CHDIR, errno);
    if (!plan->path)
        child_fail(status_fd, SPAWN_STAGE_EXEC, plan->path_errno);
    execve(plan->path, plan->argv, plan->envp);
    child_fail(status_fd, SPAWN_STAGE_EXEC, errno);
}

/*
 * Writes without ever raising SIGPIPE, whatever the caller's disposition:
 * SIGPIPE is blocked around the write and a SIGPIPE it caused is taken
 * back before unblocking.
 */
static ssize_t write_quietly(int fd, const void *buf, size_t len)
{
    sigset_t pipe_set, old, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigpending(&pending);
    bool was_pending = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    ssize_t n;
    do {
        n = write(fd, buf, len);
    } while (n < 0 && errno == EINTR);
    int saved = errno;
    if (n < 0 && saved == EPIPE && !was_pending) {
        struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
            continue;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    return n;
}

static void stdin_write(struct spawn_child *c)
{
    while (c->in_fd >= 0 && c->in_off < c->in_len) {
        size_t left = c->in_len - c->in_off;
        ssize_t n = write_quietly(c->in_fd, c->in_data + c->in_off,
                                  left < SPAWN_IO_CHUNK ? left : SPAWN_IO_CHUNK);
        if (n > 0) {
            c->in_off += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        /* EPIPE: the child stopped reading, which is its own business. */
        break;
    }
    close_fd(&c->in_fd);
    free(c->in_data);
    c->in_data = NULL;
}

static int stream_init(struct spawn_stream *s, size_t cap)
{
    s->fd = -1;
    s->cap = cap;
    s->size = cap + 1 < SPAWN_BUFFER_INITIAL ? cap + 1 : SPAWN_BUFFER_INITIAL;
    s->data = malloc(s->size);
    return s->data ? 0 : -1;
}

/* Room for at least one more byte below the cap, growing if needed. */
static bool stream_room(struct spawn_stream *s)
{
    if (s->len >= s->cap)
        return false;
    if (s->len + 1 < s->size)
        return true;
    size_t size = s->size * 2 > s->cap + 1 ? s->cap + 1 : s->size * 2;
    char *data = realloc(s->data, size);
    if (!data)
        return false; /* keep what we have; the rest is discarded as over the cap */
    s->data = data;
    s->size = size;
    return true;
}

static void stream_read(struct spawn_stream *s)
{
    char discard[SPAWN_IO_CHUNK];
    for (int i = 0; i < SPAWN_READS_PER_SERVICE && s->fd >= 0; i++) {
        bool keep = stream_room(s);
        char *dst = keep ? s->data + s->len : discard;
        size_t want = keep ? s->size - 1 - s->len : sizeof discard;
        ssize_t n = read(s->fd, dst, want);
        if (n > 0) {
            if (keep)
                s->len += (size_t)n;
            else
                s->truncated = true;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        } else {
            /* EOF, or an error that no retry would cure. */
            close_fd(&s->fd);
        }
    }
}

static bool streams_open(const struct spawn_child *c)
{
    return c->out.fd >= 0 || c->err.fd >= 0;
}

static void signal_group(const struct spawn_child *c, int sig)
{
    if (c->lost)
        return;
    /* spawn_start() waited until the child had made itself group leader,
     * and an unreaped child keeps its pid, so -pid is our group alone. */
    if (kill(-c->pid, sig) < 0 && !c->exited)
        kill(c->pid, sig);
}

static void check_exit(struct spawn_child *c, int64_t now)
{
    if (c->exited)
        return;
    siginfo_t info;
    memset(&info, 0, sizeof info);
    /* WNOWAIT leaves the zombie in place, so the group stays ours to
     * signal until spawn_child_finish() reaps it. */
    while (waitid(P_PID, (id_t)c->pid, &info, WEXITED | WNOHANG | WNOWAIT) < 0) {
        if (errno == EINTR)
            continue;
        snprintf(c->error, sizeof c->error, "wait: %s", strerror(errno));
        c->lost = true;
        info.si_pid = c->pid;
        break;
    }
    if (info.si_pid == 0)
        return;
    c->exited = true;
    c->exit_ms = now;
    /* Nobody is left to read it; descendants sharing stdin do without. */
    close_fd(&c->in_fd);
    free(c->in_data);
    c->in_data = NULL;
}

/* Acts on whatever time has made due: exit, timeout, grace periods. */
static void check_deadlines(struct spawn_child *c)
{
    int64_t now = clock_mono_ms();
    check_exit(c, now);
    if (!c->exited) {
        if (c->deadline_ms && !c->timed_out && now >= c->deadline_ms) {
            c->timed_out = true;
            c->kill_ms = now + (c->stop_grace_ms ? c->stop_grace_ms : SPAWN_TERM_GRACE_MS);
            signal_group(c, SIGTERM);
        }
        if (c->timed_out && !c->killed && now >= c->kill_ms) {
            c->killed = true;
            signal_group(c, SIGKILL);
        }
    } else if (streams_open(c) && now >= c->exit_ms + SPAWN_DRAIN_GRACE_MS) {
        /* A descendant holds the pipes; waiting for its EOF could take forever. */
        c->orphans_killed = true;
        signal_group(c, SIGKILL);
        stream_read(&c->out);
        stream_read(&c->err);
        close_fd(&c->out.fd);
        close_fd(&c->err.fd);
    }
}

static void spawn_child_free(struct spawn_child *c)
{
    close_fd(&c->out.fd);
    close_fd(&c->err.fd);
    close_fd(&c->in_fd);
    close_fd(&c->pidfd);
    free(c->out.data);
    free(c->err.data);
    free(c->in_data);
    free(c);
}

static int check_options(const struct spawn_options *opt, struct heal_error *err)
{
    if (!opt || !opt->argv || !opt->argv[0] || !opt->argv[0][0])
        return heal_error_set(err, "argv: no program given");
    if (count_list(opt->argv) > SPAWN_ARGV_MAX)
        return heal_error_set(err, "argv: more than %d elements", SPAWN_ARGV_MAX);
    if (opt->stdin_len > SPAWN_STDIN_MAX)
        return heal_error_set(err, "stdin: more than %d bytes", SPAWN_STDIN_MAX);
    if (opt->timeout_ms < 0)
        return heal_error_set(err, "timeout: negative");
    if (opt->output_max > SPAWN_OUTPUT_CEILING)
        return heal_error_set(err, "output cap: more than %d bytes", SPAWN_OUTPUT_CEILING);
    return 0;
}

/* Reads the child's exec status: EOF means execve() succeeded. */
static void read_exec_status(struct spawn_child *c, int fd, const char *cwd)
{
    struct spawn_failure failure;
    size_t got = 0;
    while (got < sizeof failure) {
        ssize_t n = read(fd, (char *)&failure + got, sizeof failure - got);
        if (n > 0)
            got += (size_t)n;
        else if (n < 0 && errno == EINTR)
            continue;
        else
            break;
    }
    if (got != sizeof failure)
        return;
    if (failure.stage < 0 || failure.stage > SPAWN_STAGE_EXEC)
        failure.stage = SPAWN_STAGE_SETUP;
    if (failure.stage == SPAWN_STAGE_CHDIR)
        snprintf(c->error, sizeof c->error, "chdir %.128s: %s", cwd, strerror(failure.error));
    else
        snprintf(c->error, sizeof c->error, "%s: %s", spawn_stage_names[failure.stage],
                 strerror(failure.error));
}

/* The child's environment and program path, resolved on the child's PATH.
 * NULL with err only when out of memory; a program not found is a NULL
 * *path with *path_errno set, for the caller to report its own way. */
static const char **prepare(const struct spawn_options *opt, char **path, int *path_errno,
                            struct heal_error *err)
{
    const char **envp = env_build(opt, err);
    if (!envp)
        return NULL;
    const char *path_entry = env_find(envp, "PATH");
    const char *search = path_entry ? path_entry + strlen("PATH=") : SPAWN_SAFE_PATH;
    *path = resolve_program(opt->argv[0], search, path_errno);
    return envp;
}

/*
 * Forks with every signal blocked, so that none reaches a parent handler
 * in the child before child_exec() resets them; the child runs
 * daemon_middle() when pid_fd >= 0, else child_exec().  -1 with err if
 * fork failed.
 */
/* The plan every way of starting opt's program shares; callers add what is theirs. */
static struct spawn_plan plan_for(const struct spawn_options *opt, const char *path, int path_errno,
                                  const char *const *envp, int in_fd, int out_fd, int err_fd,
                                  int status_fd)
{
    /* execve() wants mutable arrays it never writes to. */
    union {
        const char *const *in;
        char *const *out;
    } argv_cast = {.in = opt->argv}, envp_cast = {.in = envp};
    return (struct spawn_plan){
        .path = path,
        .path_errno = path_errno,
        .argv = argv_cast.out,
        .envp = envp_cast.out,
        .cwd = opt->cwd,
        .in_fd = in_fd,
        .out_fd = out_fd,
        .err_fd = err_fd,
        .status_fd = status_fd,
        .close_max = close_loop_limit(),
    };
}

static _Noreturn void daemon_middle(const struct spawn_plan *plan, int pid_fd);

static pid_t fork_child(const struct spawn_plan *plan, int pid_fd, struct heal_error *err)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = fork();
    if (pid == 0 && pid_fd >= 0)
        daemon_middle(plan, pid_fd);
    if (pid == 0)
        child_exec(plan);
    int fork_errno = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) {
        errno = fork_errno;
        heal_error_errno(err, "fork");
    }
    return pid;
}

/* A CLOEXEC copy of a caller's fd above stdio (see pipe_above_stdio). */
static int dup_above_stdio(int fd, struct heal_error *err)
{
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0)
        heal_error_errno(err, "dup");
    return copy;
}

int spawn_attach(const struct spawn_options *opt, int in_fd, int out_fd,
                 struct spawn_attached *child, struct heal_error *err)
{
    child->pid = -1;
    child->pidfd = -1;
    if (check_options(opt, err) < 0)
        return -1;
    if (opt->stdin_data || opt->timeout_ms)
        return heal_error_set(err, "spawn: an attached child takes no stdin bytes or timeout");
    char *path;
    int path_errno;
    const char **envp = prepare(opt, &path, &path_errno, err);
    if (!envp)
        return -1;
    int in = -1, out = -1, errfd = -1, status_pipe[2] = {-1, -1};
    int rc = -1;
    if (!path) {
        heal_error_set(err, "%s: %s", opt->argv[0], strerror(path_errno));
        goto out;
    }
    if ((in_fd >= 0 && (in = dup_above_stdio(in_fd, err)) < 0) ||
        (out = dup_above_stdio(out_fd, err)) < 0 ||
        (errfd = dup_above_stdio(STDERR_FILENO, err)) < 0 || pipe_above_stdio(status_pipe, err) < 0)
        goto out;
    struct spawn_plan plan = plan_for(opt, path, path_errno, envp, in, out, errfd, status_pipe[1]);
    plan.death_signal = opt->death_signal;
    plan.parent = getpid();
    pid_t pid = fork_child(&plan, -1, err);
    if (pid < 0)
        goto out;
    close_fd(&status_pipe[1]);
    struct spawn_child probe = {.pid = pid};
    read_exec_status(&probe, status_pipe[0], opt->cwd);
    if (probe.error[0]) {
        /* It never ran: reap it now, the caller has nothing to supervise. */
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        heal_error_set(err, "%s: %s", opt->argv[0], probe.error);
        goto out;
    }
    child->pid = pid;
    child->pidfd = open_pidfd(pid);
    rc = 0;
out:
    close_fd(&in);
    close_fd(&out);
    close_fd(&errfd);
    close_fd(&status_pipe[0]);
    close_fd(&status_pipe[1]);
    free(envp);
    free(path);
    return rc;
}

struct spawn_child *spawn_start(const struct spawn_options *opt, struct heal_error *err)
{
    if (check_options(opt, err) < 0)
        return NULL;
    char *path;
    int path_errno;
    const char **envp = prepare(opt, &path, &path_errno, err);
    if (!envp)
        return NULL;
    struct spawn_child *c = calloc(1, sizeof *c);
    int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
    int in_pipe[2] = {-1, -1}, status_pipe[2] = {-1, -1};
    if (!c || (!path && path_errno == ENOMEM)) {
        heal_error_set(err, "spawn: out of memory");
        goto fail;
    }
    c->in_fd = c->pidfd = -1;
    size_t cap = opt->output_max ? opt->output_max : SPAWN_OUTPUT_MAX;
    if (stream_init(&c->out, cap) < 0 || stream_init(&c->err, cap) < 0) {
        heal_error_set(err, "spawn: out of memory");
        goto fail;
    }
    if (opt->stdin_data) {
        c->in_len = opt->stdin_len;
        c->in_data = malloc(c->in_len ? c->in_len : 1);
        if (!c->in_data) {
            heal_error_set(err, "spawn: out of memory");
            goto fail;
        }
        memcpy(c->in_data, opt->stdin_data, c->in_len);
        if (pipe_above_stdio(in_pipe, err) < 0)
            goto fail;
    }
    if (pipe_above_stdio(out_pipe, err) < 0 || pipe_above_stdio(err_pipe, err) < 0 ||
        pipe_above_stdio(status_pipe, err) < 0)
        goto fail;

    struct spawn_plan plan =
        plan_for(opt, path, path_errno, envp, in_pipe[0], out_pipe[1], err_pipe[1], status_pipe[1]);
    c->start_ms = clock_mono_ms();
    c->pid = fork_child(&plan, -1, err);
    if (c->pid < 0)
        goto fail;

    close_fd(&out_pipe[1]);
    close_fd(&err_pipe[1]);
    close_fd(&in_pipe[0]);
    close_fd(&status_pipe[1]);
    c->out.fd = out_pipe[0];
    c->err.fd = err_pipe[0];
    c->in_fd = in_pipe[1];
    /* Blocks only until execve(), which also means setpgid() is done. */
    read_exec_status(c, status_pipe[0], opt->cwd);
    close_fd(&status_pipe[0]);
    c->pidfd = open_pidfd(c->pid);
    if (opt->timeout_ms)
        c->deadline_ms = c->start_ms + opt->timeout_ms;
    free(envp);
    free(path);
    /* O_NONBLOCK on our ends only: the child's ends are separate open
     * files and stay blocking, as programs expect.  Failing here is all
     * but impossible, but a blocking read could hang the caller, so stop. */
    struct heal_error nb_err;
    if (set_nonblocking(c->out.fd, &nb_err) < 0 || set_nonblocking(c->err.fd, &nb_err) < 0 ||
        (c->in_fd >= 0 && set_nonblocking(c->in_fd, &nb_err) < 0)) {
        snprintf(c->error, sizeof c->error, "%.200s", nb_err.msg);
        signal_group(c, SIGKILL);
        close_fd(&c->out.fd);
        close_fd(&c->err.fd);
        close_fd(&c->in_fd);
    }
    stdin_write(c);
    return c;

fail:
    close_fd(&out_pipe[0]);
    close_fd(&out_pipe[1]);
    close_fd(&err_pipe[0]);
    close_fd(&err_pipe[1]);
    close_fd(&in_pipe[0]);
    close_fd(&in_pipe[1]);
    close_fd(&status_pipe[0]);
    close_fd(&status_pipe[1]);
    if (c) {
        free(c->out.data);
        free(c->err.data);
        free(c->in_data);
        free(c);
    }
    free(envp);
    free(path);
    return NULL;
}

int spawn_child_pollfds(const struct spawn_child *c, struct pollfd *fds)
{
    int n = 0;
    if (c->in_fd >= 0)
        fds[n++] = (struct pollfd){.fd = c->in_fd, .events = POLLOUT};
    if (c->out.fd >= 0)
        fds[n++] = (struct pollfd){.fd = c->out.fd, .events = POLLIN};
    if (c->err.fd >= 0)
        fds[n++] = (struct pollfd){.fd = c->err.fd, .events = POLLIN};
    /* A pidfd stays readable after exit, so it is only watched until then. */
    if (c->pidfd >= 0 && !c->exited)
        fds[n++] = (struct pollfd){.fd = c->pidfd, .events = POLLIN};
    return n;
}

int spawn_child_wait_ms(const struct spawn_child *c)
{
    if (spawn_child_done(c))
        return 0;
    int64_t now = clock_mono_ms();
    int64_t next = -1;
    if (!c->exited) {
        if (c->deadline_ms && !c->timed_out)
            next = c->deadline_ms;
        else if (c->timed_out && !c->killed)
            next = c->kill_ms;
        if (c->pidfd < 0 && (next < 0 || next > now + SPAWN_REAP_TICK_MS))
            next = now + SPAWN_REAP_TICK_MS;
    } else {
        next = c->exit_ms + SPAWN_DRAIN_GRACE_MS;
    }
    if (next < 0)
        return -1;
    if (next <= now)
        return 0;
    return next - now > INT_MAX ? INT_MAX : (int)(next - now);
}

void spawn_child_service(struct spawn_child *c, const struct pollfd *fds, int nfds)
{
    for (int i = 0; fds && i < nfds; i++) {
        if (!fds[i].revents || fds[i].fd < 0)
            continue;
        if (fds[i].fd == c->out.fd)
            stream_read(&c->out);
        else if (fds[i].fd == c->err.fd)
            stream_read(&c->err);
        else if (fds[i].fd == c->in_fd)
            stdin_write(c);
    }
    check_deadlines(c);
}

bool spawn_child_done(const struct spawn_child *c)
{
    return c->exited && !streams_open(c) && c->in_fd < 0;
}

pid_t spawn_child_pid(const struct spawn_child *c)
{
    return c->pid;
}

const char *spawn_child_stdout(const struct spawn_child *c, size_t *len)
{
    *len = c->out.len;
    return c->out.data;
}

void spawn_child_stop(struct spawn_child *c, int64_t grace_ms)
{
    if (c->exited || c->timed_out)
        return;
    /* The timeout's path: SIGTERM now, SIGKILL after the grace. */
    c->deadline_ms = clock_mono_ms();
    c->stop_grace_ms = grace_ms > 0 ? grace_ms : SPAWN_TERM_GRACE_MS;
    check_deadlines(c);
}

static void output_move(struct spawn_output *dst, struct spawn_stream *src)
{
    src->data[src->len] = '\0';
    dst->data = src->data;
    dst->len = src->len;
    dst->truncated = src->truncated;
    src->data = NULL;
}

void spawn_child_finish(struct spawn_child *c, struct spawn_result *r)
{
    memset(r, 0, sizeof *r);
    if (!spawn_child_done(c)) {
        /* Abandoned early: nobody will read, so stop everything it started. */
        signal_group(c, SIGKILL);
        close_fd(&c->out.fd);
        close_fd(&c->err.fd);
        close_fd(&c->in_fd);
    }
    int status = 0;
    bool have_status = false;
    while (!c->lost) {
        if (waitpid(c->pid, &status, 0) == c->pid) {
            have_status = true;
            break;
        }
        if (errno != EINTR) {
            snprintf(c->error, sizeof c->error, "wait: %s", strerror(errno));
            break;
        }
    }
    if (!c->exited)
        c->exit_ms = clock_mono_ms();
    if (have_status && WIFEXITED(status)) {
        r->exited = true;
        r->exit_code = WEXITSTATUS(status);
    } else if (have_status && WIFSIGNALED(status)) {
        r->signal = WTERMSIG(status);
    }
    r->timed_out = c->timed_out;
    r->orphans_killed = c->orphans_killed;
    r->duration_ms = c->exit_ms - c->start_ms;
    output_move(&r->out, &c->out);
    output_move(&r->err, &c->err);
    memcpy(r->error, c->error, sizeof r->error);
    spawn_child_free(c);
}

int spawn_run(const struct spawn_options *opt, struct spawn_result *result, struct heal_error *err)
{
    memset(result, 0, sizeof *result);
    struct spawn_child *c = spawn_start(opt, err);
    if (!c)
        return -1;
    while (!spawn_child_done(c)) {
        struct pollfd fds[SPAWN_POLLFD_MAX];
        int n = spawn_child_pollfds(c, fds);
        int ready = poll(fds, (nfds_t)n, spawn_child_wait_ms(c));
        if (ready < 0 && errno != EINTR) {
            /* Only EINVAL or ENOMEM get here; looping would spin, so give up on the child. */
            snprintf(c->error, sizeof c->error, "poll: %s", strerror(errno));
            break;
        }
        spawn_child_service(c, ready > 0 ? fds : NULL, ready > 0 ? n : 0);
    }
    spawn_child_finish(c, result);
    return 0;
}

/* In the middle process of spawn_daemon(): async-signal-safe calls only. */
static _Noreturn void daemon_middle(const struct spawn_plan *plan, int pid_fd)
{
    if (setsid() < 0)
        child_fail(plan->status_fd, SPAWN_STAGE_SETUP, errno);
    pid_t pid = fork();
    if (pid == 0)
        child_exec(plan); /* not a session leader: it can never get a terminal */
    if (pid < 0)
        child_fail(plan->status_fd, SPAWN_STAGE_SETUP, errno);
    ssize_t n;
    do {
        n = write(pid_fd, &pid, sizeof pid);
    } while (n < 0 && errno == EINTR);
    _exit(0);
}

int spawn_daemon(const struct spawn_options *opt, const char *log_path, pid_t *pid,
                 struct heal_error *err)
{
    if (check_options(opt, err) < 0)
        return -1;
    int log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
    if (log_fd < 0)
        return heal_error_errno(err, "%s", log_path);
    char *path;
    int path_errno, rc = -1;
    const char **envp = prepare(opt, &path, &path_errno, err);
    if (!envp) {
        close(log_fd);
        return -1;
    }
    int status_pipe[2] = {-1, -1}, pid_pipe[2] = {-1, -1};
    if (!path && path_errno == ENOMEM) {
        heal_error_set(err, "spawn: out of memory");
        goto out;
    }
    /* Moved above stdio: log_fd may sit on 0-2 if ours were closed. */
    int moved = fcntl(log_fd, F_DUPFD_CLOEXEC, 3);
    if (moved < 0) {
        heal_error_errno(err, "%s", log_path);
        goto out;
    }
    close(log_fd);
    log_fd = moved;
    if (pipe_above_stdio(status_pipe, err) < 0 || pipe_above_stdio(pid_pipe, err) < 0)
        goto out;
    struct spawn_plan plan =
        plan_for(opt, path, path_errno, envp, -1, log_fd, log_fd, status_pipe[1]);
    pid_t middle = fork_child(&plan, pid_pipe[1], err);
    if (middle < 0)
        goto out;
    close_fd(&status_pipe[1]);
    close_fd(&pid_pipe[1]);
    int status;
    while (waitpid(middle, &status, 0) < 0 && errno == EINTR)
        continue;
    pid_t daemon_pid = -1;
    ssize_t n;
    do {
        n = read(pid_pipe[0], &daemon_pid, sizeof daemon_pid);
    } while (n < 0 && errno == EINTR);
    /* EOF once the daemon has exec'd (or both it and the middle are gone). */
    struct spawn_child probe = {.pid = daemon_pid};
    read_exec_status(&probe, status_pipe[0], opt->cwd);
    if (probe.error[0]) {
        heal_error_set(err, "%s: %s", opt->argv[0], probe.error);
    } else if (n != (ssize_t)sizeof daemon_pid || daemon_pid <= 0) {
        heal_error_set(err, "%s: did not start", opt->argv[0]);
    } else {
        *pid = daemon_pid;
        rc = 0;
    }
out:
    close_fd(&status_pipe[0]);
    close_fd(&status_pipe[1]);
    close_fd(&pid_pipe[0]);
    close_fd(&pid_pipe[1]);
    close_fd(&log_fd);
    free(envp);
    free(path);
    return rc;
}

void spawn_result_free(struct spawn_result *result)
{
    free(result->out.data);
    free(result->err.data);
    result->out = (struct spawn_output){0};
    result->err = (struct spawn_output){0};
}
