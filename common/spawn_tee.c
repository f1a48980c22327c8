#include "spawn_tee.h"
#include "clock.h"
#include "signals.h"
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <libc_spawn.h> /* angle brackets: see there */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Largest single read from the command's pipes. */
#define TEE_IO_CHUNK 65536
/* Without a pidfd, how often the command's exit and the stop flag are looked at. */
#define TEE_TICK_MS 50

/* The last cap bytes appended, as a ring. */
struct tee_tail {
    char *data;
    size_t cap, start, len;
    bool truncated;
};

struct tee_stream {
    int src; /* our read end of the command's pipe; -1 once closed */
    int dst; /* where it is copied; -1 once that failed */
    char *line;
    size_t line_len;
};

static void tail_put(struct tee_tail *t, const char *p, size_t n)
{
    if (n >= t->cap) {
        t->truncated = t->truncated || n > t->cap || t->len > 0;
        memcpy(t->data, p + (n - t->cap), t->cap);
        t->start = 0;
        t->len = t->cap;
        return;
    }
    if (t->len + n > t->cap) {
        size_t drop = t->len + n - t->cap;
        t->start = (t->start + drop) % t->cap;
        t->len -= drop;
        t->truncated = true;
    }
    size_t end = (t->start + t->len) % t->cap;
    size_t first = n < t->cap - end ? n : t->cap - end;
    memcpy(t->data + end, p, first);
    memcpy(t->data, p + first, n - first);
    t->len += n;
}

/* The kept bytes in order, as whole lines: a line cut by the ring is dropped. */
static void tail_take(struct tee_tail *t, struct spawn_tee_result *r)
{
    char *out = malloc(t->len + 1);
    if (!out) {
        r->kept = t->data; /* the ring itself, unordered, beats nothing */
        r->kept_len = 0;
        r->kept[0] = '\0';
        t->data = NULL;
        return;
    }
    size_t first = t->len < t->cap - t->start ? t->len : t->cap - t->start;
    memcpy(out, t->data + t->start, first);
    memcpy(out + first, t->data, t->len - first);
    size_t skip = 0;
    if (t->truncated) {
        char *nl = memchr(out, '\n', t->len);
        skip = nl ? (size_t)(nl - out) + 1 : t->len;
        memmove(out, out + skip, t->len - skip);
    }
    r->kept = out;
    r->kept_len = t->len - skip;
    r->kept[r->kept_len] = '\0';
    r->kept_truncated = t->truncated;
}

/* Whole lines go to the tail, so stdout and stderr never interleave mid-line. */
static void stream_keep(struct tee_stream *s, struct tee_tail *t, const char *p, size_t n)
{
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) + 1 : n;
        if (take > SPAWN_TEE_LINE_MAX - s->line_len)
            take = SPAWN_TEE_LINE_MAX - s->line_len;
        memcpy(s->line + s->line_len, p, take);
        s->line_len += take;
        p += take;
        n -= take;
        bool whole = s->line[s->line_len - 1] == '\n';
        if (whole || s->line_len == SPAWN_TEE_LINE_MAX) {
            tail_put(t, s->line, s->line_len);
            if (!whole)
                tail_put(t, "\n", 1);
            s->line_len = 0;
        }
    }
}

static void stream_close(struct tee_stream *s, struct tee_tail *t)
{
    if (s->src >= 0)
        close(s->src);
    s->src = -1;
    if (s->line_len > 0) {
        tail_put(t, s->line, s->line_len);
        tail_put(t, "\n", 1);
        s->line_len = 0;
    }
}

/* Copies to dst; false when dst is gone for good. */
static bool copy_out(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        } else if (w < 0 && errno == EINTR && !signals_stop_requested()) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* Our stdout came to us non-blocking (some CI runners do that): wait for room. */
            struct pollfd room = {.fd = fd, .events = POLLOUT};
            poll(&room, 1, TEE_TICK_MS);
            if (signals_stop_requested())
                return true;
        } else {
            return w < 0 && errno == EINTR; /* stopping: the rest is not ours to wait for */
        }
    }
    return true;
}

/* Moves what is ready on s; keeps reading until the pipe would block, a bounded number of times. */
static void stream_pump(struct tee_stream *s, struct tee_tail *t)
{
    char buf[TEE_IO_CHUNK];
    for (int i = 0; i < 16 && s->src >= 0; i++) {
        ssize_t n = read(s->src, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n <= 0) {
            stream_close(s, t);
            return;
        }
        if (s->dst >= 0 && !copy_out(s->dst, buf, (size_t)n)) {
            /* Our reader left: close the command's pipe so that it finds out
             * (SIGPIPE or EPIPE), as it would have without us in between. */
            s->dst = -1;
            stream_close(s, t);
        }
        stream_keep(s, t, buf, (size_t)n);
    }
}

/* A CLOEXEC, non-blocking-for-us pipe whose ends are above stdio. */
static int tee_pipe(int fds[2], struct heal_error *err)
{
    if (pipe2(fds, O_CLOEXEC) < 0)
        return heal_error_errno(err, "pipe");
    for (int i = 0; i < 2; i++) {
        if (fds[i] > 2)
            continue;
        int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
        close(fds[i]);
        fds[i] = moved;
    }
    if (fds[0] < 0 || fds[1] < 0 || fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0) {
        int saved = errno;
        if (fds[0] >= 0)
            close(fds[0]);
        if (fds[1] >= 0)
            close(fds[1]);
        errno = saved;
        return heal_error_errno(err, "pipe");
    }
    return 0;
}

static int start(const struct spawn_tee_options *opt, int out_w, int err_w, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    int rc = posix_spawn_file_actions_init(&fa);
    if (rc)
        return rc;
    if ((rc = posix_spawnattr_init(&attr)) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return rc;
    }
    if (!(rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) &&
        !(rc = posix_spawn_file_actions_adddup2(&fa, out_w, 1)) &&
        !(rc = posix_spawn_file_actions_adddup2(&fa, err_w, 2)) &&
        !(rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                                   POSIX_SPAWN_SETSIGMASK)) &&
        !(rc = posix_spawnattr_setpgroup(&attr, 0)) &&
        !(rc = posix_spawnattr_setsigdefault(&attr, &all)) &&
        !(rc = posix_spawnattr_setsigmask(&attr, &none))) {
        union {
            const char *const *in;
            char *const *out;
        } argv = {.in = opt->argv};
        rc = posix_spawnp(pid, opt->argv[0], &fa, &attr, argv.out, environ);
    }
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    return rc;
}

/* True once the command has exited; it stays a zombie, so its group id stays ours. */
static bool has_exited(pid_t pid)
{
    siginfo_t info;
    memset(&info, 0, sizeof info);
    while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) < 0) {
        if (errno != EINTR)
            return true; /* not ours to wait for any more: nothing left to watch */
    }
    return info.si_pid != 0;
}

static void reap(pid_t pid, struct spawn_tee_result *r)
{
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            snprintf(r->error, sizeof r->error, "wait: %s", strerror(errno));
            return;
        }
    }
    if (WIFEXITED(status)) {
        r->exited = true;
        r->exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        r->signal = WTERMSIG(status);
    }
}

/* Readable once pid exits, so poll() sees the exit at once; -1 where the
 * kernel has none, and then the tick finds it. */
static int exit_fd(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    return -1;
#endif
}

/* Pumps both streams until the command and everything holding its output are done. */
static void supervise(pid_t pid, struct tee_stream s[2], struct tee_tail *t,
                      struct spawn_tee_result *r)
{
    int pidfd = exit_fd(pid);
    bool exited = false, killed = false;
    int64_t exit_ms = 0, kill_ms = 0;
    for (;;) {
        int64_t now = clock_mono_ms();
        if (!exited && has_exited(pid)) {
            exited = true;
            exit_ms = now;
        }
        if (signals_stop_requested() && !r->stopped) {
            r->stopped = true;
            kill_ms = now + SPAWN_TEE_TERM_GRACE_MS;
            kill(-pid, SIGTERM);
        }
        if (r->stopped && !killed && now >= kill_ms) {
            killed = true;
            kill(-pid, SIGKILL);
        }
        bool open = s[0].src >= 0 || s[1].src >= 0;
        if (exited && !open)
            break;
        if (exited && now >= exit_ms + SPAWN_DRAIN_GRACE_MS) {
            /* Something the command started holds its output: waiting could take forever. */
            kill(-pid, SIGKILL);
            stream_pump(&s[0], t);
            stream_pump(&s[1], t);
            stream_close(&s[0], t);
            stream_close(&s[1], t);
            break;
        }
        struct pollfd fds[3];
        int n = 0;
        for (int i = 0; i < 2; i++) {
            if (s[i].src >= 0)
                fds[n++] = (struct pollfd){.fd = s[i].src, .events = POLLIN};
        }
        int streams = n;
        if (pidfd >= 0 && !exited)
            fds[n++] = (struct pollfd){.fd = pidfd, .events = POLLIN};
        int wait_ms = exited ? (int)(exit_ms + SPAWN_DRAIN_GRACE_MS - now) : TEE_TICK_MS;
        int ready = poll(fds, (nfds_t)n, wait_ms > 0 ? wait_ms : 0);
        for (int i = 0; ready > 0 && i < streams; i++) {
            if (!fds[i].revents)
                continue;
            stream_pump(fds[i].fd == s[0].src ? &s[0] : &s[1], t);
        }
    }
    if (pidfd >= 0)
        close(pidfd);
}

int spawn_tee_run(const struct spawn_tee_options *opt, struct spawn_tee_result *r,
                  struct heal_error *err)
{
    memset(r, 0, sizeof *r);
    if (!opt->argv || !opt->argv[0] || !opt->argv[0][0])
        return heal_error_set(err, "argv: no program given");
    if (opt->keep_max == 0 || opt->keep_max > SPAWN_OUTPUT_CEILING)
        return heal_error_set(err, "output kept: 0 or more than %d bytes", SPAWN_OUTPUT_CEILING);
    struct tee_tail t = {.cap = opt->keep_max};
    struct tee_stream s[2] = {{.src = -1, .dst = opt->out_fd}, {.src = -1, .dst = opt->err_fd}};
    int out_p[2] = {-1, -1}, err_p[2] = {-1, -1};
    t.data = malloc(t.cap + 1);
    s[0].line = malloc(SPAWN_TEE_LINE_MAX);
    s[1].line = malloc(SPAWN_TEE_LINE_MAX);
    int rc = -1;
    if (!t.data || !s[0].line || !s[1].line) {
        heal_error_set(err, "out of memory");
        goto out;
    }
    if (tee_pipe(out_p, err) < 0 || tee_pipe(err_p, err) < 0)
        goto out;
    pid_t pid;
    int failed = start(opt, out_p[1], err_p[1], &pid);
    close(out_p[1]);
    close(err_p[1]);
    out_p[1] = err_p[1] = -1;
    if (failed == ENOENT || failed == EACCES || failed == ENOEXEC || failed == ENOTDIR) {
        /* As a shell reports it: the command ran and failed, it did not fail to start. */
        r->exited = true;
        r->exit_code = failed == ENOENT || failed == ENOTDIR ? 127 : 126;
        snprintf(r->error, sizeof r->error, "exec: %s", strerror(failed));
    } else if (failed) {
        errno = failed;
        heal_error_errno(err, "spawn");
        goto out;
    } else {
        s[0].src = out_p[0];
        s[1].src = err_p[0];
        out_p[0] = err_p[0] = -1;
        supervise(pid, s, &t, r);
        reap(pid, r);
    }
    tail_take(&t, r);
    rc = 0;
out:
    for (int i = 0; i < 2; i++) {
        if (out_p[i] >= 0)
            close(out_p[i]);
        if (err_p[i] >= 0)
            close(err_p[i]);
        stream_close(&s[i], &t);
        free(s[i].line);
    }
    free(t.data);
    return rc;
}

void spawn_tee_result_free(struct spawn_tee_result *r)
{
    free(r->kept);
    r->kept = NULL;
    r->kept_len = 0;
}
