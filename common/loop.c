#include "loop.h"
#include "clock.h"
#include "log.h"
#include "ndjson.h"
#include "record.h"
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

/* Pipes between stages get this much room where the kernel allows it, so
 * a stage being restarted does not stall the one before it at once. */
#define LOOP_PIPE_SIZE (1024 * 1024)
#define LOOP_READ_CHUNK 65536
/* How often exit is checked where pidfd_open() is unavailable. */
#define LOOP_REAP_TICK_MS 100
/* After the drain deadline, SIGTERM; this much later, SIGKILL. */
#define LOOP_KILL_GRACE_MS 5000
#define LOOP_STAGES_MAX 3
#define LOOP_MARKER_EVENT "loop.dispatched"

struct stage {
    char name[32];
    const char *argv[LOOP_ARGS_MAX * 2 + 8];
    pid_t pid;  /* -1: not running */
    int pidfd;
    int in_fd;  /* what it reads: a held read end, or -1 */
    int out_fd; /* what it writes: a held write end */
    int64_t started_ms;
    int64_t restart_at_ms; /* 0: no restart due */
    unsigned failures;     /* consecutive, for the back-off */
    bool ended;            /* exited and will not be started again */
};

/* Bytes read from a stage, split into lines. */
struct inbound {
    int fd; /* -1 once at EOF */
    char *buf;
    size_t len, cap;
    bool skipping; /* inside an over-long line */
};

struct worker {
    struct stage st;
    int to_fd;    /* our write end of its stdin; -1 once closed */
    struct inbound from;
    char *out;    /* bytes waiting to be written to it */
    size_t out_len, out_off;
    char *target; /* being healed; NULL when idle */
    char marker[RECORD_ID_SIZE];
};

struct pending {
    char *target;
    char *line;
    size_t len;
};

struct loop {
    const struct loop_config *cfg;
    struct stage stages[LOOP_STAGES_MAX];
    int nstages;
    int held_r[LOOP_STAGES_MAX], held_w[LOOP_STAGES_MAX]; /* pipe after stage i */
    struct inbound last;                                   /* the last stage's output */
    /* As many as configured, on the heap: LOOP_WORKERS_MAX of them zeroed
     * on the stack made 90 KiB resident for good. */
    struct worker *workers;
    int nworkers;
    struct pending *pending;
    size_t npending, cap_pending;
    jv latest; /* target -> its latest check status */
    int sigfd;
    bool draining;
    enum loop_end drain_end;
    int64_t drain_deadline_ms, kill_at_ms;
    bool killed;
    struct loop_result *res;
    char risk_arg[32];
};

void loop_block_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    /* A reader gone shows up as EPIPE, handled where it happens. */
    signal(SIGPIPE, SIG_IGN);
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static int set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static int make_pipe(int *r, int *w, struct heal_error *err)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return heal_error_errno(err, "pipe");
    /* Best effort: an unprivileged user may be capped below this. */
    (void)fcntl(fds[1], F_SETPIPE_SZ, LOOP_PIPE_SIZE);
    *r = fds[0];
    *w = fds[1];
    return 0;
}

static uint64_t random_below(uint64_t n)
{
    uint64_t x = 0;
    if (n == 0 || getrandom(&x, sizeof x, GRND_NONBLOCK) != (ssize_t)sizeof x)
        return 0;
    return x % n;
}

/* Full jitter with a floor (restart-and-flap.md §8): never a 0 s respawn. */
static int64_t restart_delay_ms(unsigned failures)
{
    int64_t span = LOOP_RESTART_BASE_MS;
    for (unsigned i = 0; i < failures && span < LOOP_RESTART_CAP_MS; i++)
        span *= 2;
    if (span > LOOP_RESTART_CAP_MS)
        span = LOOP_RESTART_CAP_MS;
    return LOOP_RESTART_FLOOR_MS + (int64_t)random_below((uint64_t)span + 1);
}

static void emit_event(struct loop *l, const char *name, const struct stage *s, int status,
                       int64_t restart_in_ms)
{
    if (!l->cfg->on_event)
        return;
    jv e = record_new("event");
    e = jv_object_set(e, jv_string("event"), jv_string(name));
    e = jv_object_set(e, jv_string("stage"), jv_string(s->name));
    if (status >= 0) {
        if (WIFEXITED(status))
            e = jv_object_set(e, jv_string("exit_code"), jv_number(WEXITSTATUS(status)));
        else if (WIFSIGNALED(status))
            e = jv_object_set(e, jv_string("signal"), jv_number(WTERMSIG(status)));
    }
    if (restart_in_ms >= 0)
        e = jv_object_set(e, jv_string("restart_in_ms"), jv_number((double)restart_in_ms));
    e = jv_object_set(e, jv_string("restarts"), jv_number(s->failures));
    l->cfg->on_event(l->cfg->ctx, e);
}

static int stage_start(struct loop *l, struct stage *s, struct heal_error *err)
{
    struct spawn_options opt = {
        .argv = s->argv, .env = SPAWN_ENV_INHERIT, .death_signal = SIGTERM};
    struct spawn_attached child;
    if (spawn_attach(&opt, s->in_fd, s->out_fd, &child, err) != 0)
        return -1;
    s->pid = child.pid;
    s->pidfd = child.pidfd;
    s->started_ms = clock_mono_ms();
    s->restart_at_ms = 0;
    log_debug(s->name, "started as pid %ld", (long)s->pid);
    (void)l;
    return 0;
}

/* A stage that could not start: in --once that ends it; a daemon retries. */
static void stage_start_or_retry(struct loop *l, struct stage *s)
{
    struct heal_error err;
    if (stage_start(l, s, &err) == 0)
        return;
    log_error(s->name, "%s", err.msg);
    l->res->stage_failed = true;
    if (l->cfg->once || l->draining) {
        s->ended = true;
        return;
    }
    s->failures++;
    int64_t delay = restart_delay_ms(s->failures);
    s->restart_at_ms = clock_mono_ms() + delay;
    emit_event(l, "stage.failed", s, -1, delay);
}

/* heal-check's 0-3 are health, not failure; the other stages' 1 means
 * "done, something stays unhealthy".  The rest (usage, internal, bad
 * input between our own stages, a signal) is a stage that failed. */
static bool stage_ok_status(int status, bool first)
{
    if (!WIFEXITED(status))
        return false;
    int code = WEXITSTATUS(status);
    return first ? code <= 3 : code <= 1;
}

/* The stage after i in the direct chain reads held_r[i]; closing held_w[i]
 * lets it see EOF once stage i has gone. */
static void stage_reaped(struct loop *l, struct stage *s, int status, int index)
{
    close_fd(&s->pidfd);
    s->pid = -1;
    bool ok = stage_ok_status(status, index == 0);
    if (!ok && WIFEXITED(status) && WEXITSTATUS(status) == 4 && index != 0) {
        /* It read bad input or bad configuration, said so, and went on. */
        l->res->bad_input = true;
        ok = true;
    }
    if (l->cfg->once || l->draining) {
        if (!ok && !(l->draining && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM)) {
            l->res->stage_failed = true;
            if (WIFSIGNALED(status))
                log_error(s->name, "killed by signal %d", WTERMSIG(status));
            else
                log_error(s->name, "exited with status %d", WEXITSTATUS(status));
        }
        s->ended = true;
        return;
    }
    /* A daemon's stage never ends on its own: whatever ended it, start it again. */
    int64_t now = clock_mono_ms();
    if (now - s->started_ms >= LOOP_RESTART_RESET_MS)
        s->failures = 0;
    s->failures++;
    l->res->restarts++;
    int64_t delay = restart_delay_ms(s->failures - 1);
    s->restart_at_ms = now + delay;
    if (WIFSIGNALED(status))
        log_warn(s->name, "killed by signal %d; starting it again in %.1fs", WTERMSIG(status),
                 (double)delay / 1000);
    else
        log_warn(s->name, "exited with status %d; starting it again in %.1fs",
                 WEXITSTATUS(status), (double)delay / 1000);
    emit_event(l, "stage.exited", s, status, delay);
}

static void stage_poll_exit(struct loop *l, struct stage *s, int index)
{
    if (s->pid <= 0)
        return;
    int status;
    pid_t r;
    do {
        r = waitpid(s->pid, &status, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == s->pid)
        stage_reaped(l, s, status, index);
}

static void stage_signal(struct stage *s, int sig)
{
    if (s->pid > 0)
        kill(-s->pid, sig);
}

/* --- lines in --- */

static int inbound_init(struct inbound *in, int fd)
{
    in->fd = fd;
    in->len = 0;
    in->skipping = false;
    in->cap = LOOP_READ_CHUNK * 2;
    in->buf = malloc(in->cap);
    return in->buf ? 0 : -1;
}

typedef void line_fn(struct loop *l, void *from, const char *line, size_t len);

/* Reads what is there; hands out whole lines; returns false at EOF. */
static bool inbound_read(struct loop *l, struct inbound *in, const char *who, line_fn *fn,
                         void *from)
{
    for (int rounds = 0; rounds < 16; rounds++) {
        if (in->cap - in->len < LOOP_READ_CHUNK) {
            size_t cap = in->cap * 2;
            if (cap > NDJSON_LINE_MAX + 2 * LOOP_READ_CHUNK) {
                /* A line over the cap: drop it through its newline. */
                log_error(who, "a record over %d bytes was dropped", NDJSON_LINE_MAX);
                in->len = 0;
                in->skipping = true;
            } else {
                char *b = realloc(in->buf, cap);
                if (!b) {
                    log_error(who, "out of memory; a record was dropped");
                    in->len = 0;
                    in->skipping = true;
                } else {
                    in->buf = b;
                    in->cap = cap;
                }
            }
        }
        ssize_t n = read(in->fd, in->buf + in->len, in->cap - in->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        if (n <= 0) {
            if (n < 0)
                log_error(who, "read: %s", strerror(errno));
            else if (in->len && !in->skipping)
                log_warn(who, "output ended inside a record; %zu bytes dropped", in->len);
            close_fd(&in->fd);
            return false;
        }
        size_t start = 0, end = in->len + (size_t)n;
        for (size_t i = in->len; i < end; i++) {
            if (in->buf[i] != '\n')
                continue;
            if (in->skipping)
                in->skipping = false;
            else if (i > start)
                fn(l, from, in->buf + start, i - start);
            start = i + 1;
        }
        memmove(in->buf, in->buf + start, end - start);
        in->len = end - start;
    }
    return true;
}

/* --- the dispatcher --- */

static const char *latest_status(struct loop *l, const char *target)
{
    jv v = jv_object_get(jv_copy(l->latest), jv_string(target));
    const char *s = NULL;
    if (jv_get_kind(v) == JV_KIND_STRING)
        s = jv_string_value(v); /* l->latest keeps the string alive */
    jv_free(v);
    return s;
}

static bool target_busy(const struct loop *l, const char *target)
{
    for (int i = 0; i < l->nworkers; i++)
        if (l->workers[i].target && !strcmp(l->workers[i].target, target))
            return true;
    return false;
}

static void pass_line(struct loop *l, const char *line, size_t len)
{
    struct heal_error err;
    jv rec = ndjson_parse_line(line, len, &err);
    if (!jv_is_valid(rec)) {
        jv_free(rec);
        log_error("pipeline", "a stage wrote a bad record: %s", err.msg);
        return;
    }
    l->cfg->on_record(l->cfg->ctx, line, len, rec);
}

static int queue_proposal(struct loop *l, const char *target, const char *line, size_t len)
{
    for (size_t i = 0; i < l->npending; i++) {
        if (!strcmp(l->pending[i].target, target)) {
            /* A newer proposal for the target replaces the one waiting: pass
             * the old one on unsent, it was proposed all the same. */
            char *copy = malloc(len);
            if (!copy)
                return -1;
            memcpy(copy, line, len);
            pass_line(l, l->pending[i].line, l->pending[i].len);
            free(l->pending[i].line);
            l->pending[i].line = copy;
            l->pending[i].len = len;
            return 0;
        }
    }
    if (l->npending == l->cap_pending) {
        size_t cap = l->cap_pending ? l->cap_pending * 2 : 16;
        struct pending *p = realloc(l->pending, cap * sizeof *p);
        if (!p)
            return -1;
        l->pending = p;
        l->cap_pending = cap;
    }
    struct pending *p = &l->pending[l->npending];
    p->target = strdup(target);
    p->line = malloc(len);
    if (!p->target || !p->line) {
        free(p->target);
        free(p->line);
        return -1;
    }
    memcpy(p->line, line, len);
    p->len = len;
    l->npending++;
    return 0;
}

static int worker_append(struct worker *w, const char *data, size_t len)
{
    if (w->out_off == w->out_len)
        w->out_off = w->out_len = 0;
    char *b = realloc(w->out, w->out_len + len + 1);
    if (!b)
        return -1;
    w->out = b;
    memcpy(w->out + w->out_len, data, len);
    w->out[w->out_len + len] = '\n';
    w->out_len += len + 1;
    return 0;
}

static void worker_flush(struct worker *w)
{
    while (w->to_fd >= 0 && w->out_off < w->out_len) {
        ssize_t n = write(w->to_fd, w->out + w->out_off, w->out_len - w->out_off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                w->out_off = w->out_len; /* its reader is gone; it is being restarted */
            return;
        }
        w->out_off += (size_t)n;
    }
}

static void dispatch(struct loop *l)
{
    for (size_t i = 0; i < l->npending;) {
        struct pending *p = &l->pending[i];
        const char *status = latest_status(l, p->target);
        if (status && !strcmp(status, "ok")) {
            log_info(p->target, "OK again before it could be healed; its proposal is not sent");
            pass_line(l, p->line, p->len);
        } else if (l->draining) {
            /* Every worker was told to stop; one started now would not be, and would
             * hold the drain for its whole verification.  The next run sees it again. */
            log_info(p->target, "draining: its proposal is not sent");
            pass_line(l, p->line, p->len);
        } else {
            if (target_busy(l, p->target)) {
                i++;
                continue;
            }
            struct worker *w = NULL;
            for (int k = 0; k < l->nworkers && !w; k++)
                if (!l->workers[k].target && l->workers[k].st.pid > 0 && l->workers[k].to_fd >= 0)
                    w = &l->workers[k];
            /* Workers start when first needed: a healthy host runs none. */
            for (int k = 0; k < l->nworkers && !w; k++) {
                struct stage *st = &l->workers[k].st;
                if (st->pid <= 0 && !st->restart_at_ms && !st->ended && l->workers[k].to_fd >= 0) {
                    stage_start_or_retry(l, st);
                    if (st->pid > 0)
                        w = &l->workers[k];
                }
            }
            if (!w) {
                bool any = false;
                for (int k = 0; k < l->nworkers; k++)
                    any |= !l->workers[k].st.ended;
                if (any)
                    return;
                /* Every worker has ended (--once, a failed one): pass it on unsent. */
                pass_line(l, p->line, p->len);
                goto next;
            }
            jv marker = record_new("event");
            marker = jv_object_set(marker, jv_string("event"), jv_string(LOOP_MARKER_EVENT));
            snprintf(w->marker, sizeof w->marker, "%s", record_string_borrow(&marker, "id"));
            jv dumped = jv_dump_string(marker, 0);
            if (worker_append(w, p->line, p->len) != 0 ||
                worker_append(w, jv_string_value(dumped), strlen(jv_string_value(dumped))) != 0) {
                jv_free(dumped);
                log_error(p->target, "out of memory; its proposal is not sent");
                pass_line(l, p->line, p->len);
            } else {
                jv_free(dumped);
                w->target = p->target;
                p->target = NULL;
                worker_flush(w);
            }
        }
    next:
        free(p->target);
        free(p->line);
        memmove(p, p + 1, (l->npending - i - 1) * sizeof *p);
        l->npending--;
    }
}

static void note_check(struct loop *l, const jv *rec)
{
    const char *target = record_string_borrow(rec, "target");
    const char *status = record_string_borrow(rec, "status");
    if (target && status)
        l->latest = jv_object_set(l->latest, jv_string(target), jv_string(status));
}

/* A line from the last direct stage. */
static void on_last_line(struct loop *l, void *from, const char *line, size_t len)
{
    (void)from;
    struct heal_error err;
    jv rec = ndjson_parse_line(line, len, &err);
    if (!jv_is_valid(rec)) {
        jv_free(rec);
        log_error("pipeline", "a stage wrote a bad record: %s", err.msg);
        return;
    }
    if (record_is_type(&rec, "check"))
        note_check(l, &rec);
    const char *target = record_string_borrow(&rec, "target");
    if (l->nworkers && record_is_type(&rec, "proposal") && target && *target) {
        if (queue_proposal(l, target, line, len) == 0) {
            jv_free(rec);
            dispatch(l);
            return;
        }
        log_error(target, "out of memory; its proposal is not sent");
    }
    l->cfg->on_record(l->cfg->ctx, line, len, rec);
}

/* A line from a heal-apply worker: its marker means it is idle again. */
static void on_worker_line(struct loop *l, void *from, const char *line, size_t len)
{
    struct worker *w = from;
    struct heal_error err;
    jv rec = ndjson_parse_line(line, len, &err);
    if (!jv_is_valid(rec)) {
        jv_free(rec);
        log_error(w->st.name, "wrote a bad record: %s", err.msg);
        return;
    }
    const char *event = record_string_borrow(&rec, "event");
    if (record_is_type(&rec, "event") && event && !strcmp(event, LOOP_MARKER_EVENT)) {
        const char *id = record_string_borrow(&rec, "id");
        if (id && !strcmp(id, w->marker)) {
            free(w->target);
            w->target = NULL;
        }
        jv_free(rec);
        dispatch(l);
        return;
    }
    l->cfg->on_record(l->cfg->ctx, line, len, rec);
}

/* --- set-up --- */

static void argv_add(const char **argv, int *n, const char *arg)
{
    if (*n < LOOP_ARGS_MAX * 2 + 6)
        argv[(*n)++] = arg;
}

static void argv_add_list(const char **argv, int *n, const char *const *list)
{
    for (int i = 0; list && list[i] && i < LOOP_ARGS_MAX; i++)
        argv_add(argv, n, list[i]);
}

static int program_path(const struct loop_config *cfg, const char *prog, char *out, size_t size,
                        struct heal_error *err)
{
    int n = snprintf(out, size, "%s/%s", cfg->bin_dir, prog);
    if (n < 0 || (size_t)n >= size)
        return heal_error_set(err, "%s: path too long", prog);
    return 0;
}

struct loop_paths {
    char check[PATH_MAX], analyze[PATH_MAX], propose[PATH_MAX], apply[PATH_MAX];
};

static void stage_init(struct stage *s, const char *name, const char *path)
{
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->pid = -1;
    s->pidfd = s->in_fd = s->out_fd = -1;
    s->argv[0] = path;
}

static int build(struct loop *l, struct loop_paths *paths, struct heal_error *err)
{
    const struct loop_config *cfg = l->cfg;
    if (program_path(cfg, "heal-check", paths->check, sizeof paths->check, err) ||
        program_path(cfg, "heal-analyze", paths->analyze, sizeof paths->analyze, err) ||
        program_path(cfg, "heal-propose", paths->propose, sizeof paths->propose, err) ||
        program_path(cfg, "heal-apply", paths->apply, sizeof paths->apply, err))
        return -1;
    int n;
    struct stage *s = &l->stages[l->nstages++];
    stage_init(s, "heal-check", paths->check);
    n = 1;
    argv_add(s->argv, &n, cfg->once ? "--once" : "--watch");
    argv_add(s->argv, &n, "--format=json");
    argv_add_list(s->argv, &n, cfg->stage_args);
    argv_add_list(s->argv, &n, cfg->check_args);

    s = &l->stages[l->nstages++];
    stage_init(s, "heal-analyze", paths->analyze);
    n = 1;
    argv_add(s->argv, &n, "--format=json");
    if (cfg->heal_soft)
        argv_add(s->argv, &n, "--all-states");
    argv_add_list(s->argv, &n, cfg->stage_args);

    if (cfg->mode != LOOP_MONITOR) {
        s = &l->stages[l->nstages++];
        stage_init(s, "heal-propose", paths->propose);
        n = 1;
        argv_add(s->argv, &n, "--format=json");
        argv_add_list(s->argv, &n, cfg->stage_args);
        int nworkers = cfg->workers < 1                  ? 1
                       : cfg->workers > LOOP_WORKERS_MAX ? LOOP_WORKERS_MAX
                                                         : cfg->workers;
        if (!(l->workers = calloc((size_t)nworkers, sizeof *l->workers)))
            return heal_error_set(err, "out of memory");
        l->nworkers = nworkers;
        snprintf(l->risk_arg, sizeof l->risk_arg, "--max-risk=%s",
                 cfg->max_risk ? cfg->max_risk : "low");
        for (int i = 0; i < l->nworkers; i++) {
            struct worker *w = &l->workers[i];
            char name[32];
            snprintf(name, sizeof name, "heal-apply#%d", i + 1);
            stage_init(&w->st, name, paths->apply);
            w->to_fd = -1;
            w->from.fd = -1;
            n = 1;
            argv_add(w->st.argv, &n, "--format=json");
            if (cfg->mode == LOOP_APPLY)
                argv_add(w->st.argv, &n, "--apply");
            argv_add(w->st.argv, &n, l->risk_arg);
            argv_add_list(w->st.argv, &n, cfg->stage_args);
        }
    }
    /* The pipes: after stage i, both ends held here. */
    for (int i = 0; i < l->nstages; i++) {
        if (make_pipe(&l->held_r[i], &l->held_w[i], err) != 0)
            return -1;
        l->stages[i].out_fd = l->held_w[i];
        if (i + 1 < l->nstages)
            l->stages[i + 1].in_fd = l->held_r[i];
    }
    if (set_nonblocking(l->held_r[l->nstages - 1]) != 0 ||
        inbound_init(&l->last, l->held_r[l->nstages - 1]) != 0)
        return heal_error_set(err, "pipeline: out of memory");
    for (int i = 0; i < l->nworkers; i++) {
        struct worker *w = &l->workers[i];
        int r = -1, wr = -1, fr = -1, fw = -1;
        if (make_pipe(&r, &wr, err) != 0)
            return -1;
        w->st.in_fd = r;
        w->to_fd = wr;
        if (make_pipe(&fr, &fw, err) != 0)
            return -1;
        w->st.out_fd = fw;
        if (set_nonblocking(wr) != 0 || set_nonblocking(fr) != 0 || inbound_init(&w->from, fr))
            return heal_error_set(err, "pipeline: out of memory");
    }
    return 0;
}

static void teardown(struct loop *l)
{
    for (int i = 0; i < l->nstages; i++) {
        stage_signal(&l->stages[i], SIGKILL);
        if (l->stages[i].pid > 0)
            waitpid(l->stages[i].pid, NULL, 0);
        close_fd(&l->stages[i].pidfd);
        if (l->held_r[i] != l->last.fd)
            close_fd(&l->held_r[i]);
        close_fd(&l->held_w[i]);
    }
    close_fd(&l->last.fd);
    free(l->last.buf);
    for (int i = 0; i < l->nworkers; i++) {
        struct worker *w = &l->workers[i];
        stage_signal(&w->st, SIGKILL);
        if (w->st.pid > 0)
            waitpid(w->st.pid, NULL, 0);
        close_fd(&w->st.pidfd);
        close_fd(&w->st.in_fd);
        close_fd(&w->st.out_fd);
        close_fd(&w->to_fd);
        close_fd(&w->from.fd);
        free(w->from.buf);
        free(w->out);
        free(w->target);
    }
    for (size_t i = 0; i < l->npending; i++) {
        free(l->pending[i].target);
        free(l->pending[i].line);
    }
    free(l->pending);
    free(l->workers);
    jv_free(l->latest);
    close_fd(&l->sigfd);
}

/* --- draining --- */

static void start_drain(struct loop *l, enum loop_end end)
{
    if (l->draining)
        return;
    l->draining = true;
    l->drain_end = end;
    int64_t span = l->cfg->drain_ms > 0 ? l->cfg->drain_ms : LOOP_DRAIN_DEFAULT_MS;
    l->drain_deadline_ms = clock_mono_ms() + span;
    /* The first stage finishes the record in hand and ends; the rest follow
     * as their input ends.  A stage waiting for a restart is not started. */
    stage_signal(&l->stages[0], SIGTERM);
    /* heal-apply finishes the remedy in hand (and journals it) but stops
     * waiting to verify or back off: a drain should not take minutes. */
    for (int i = 0; i < l->nworkers; i++)
        stage_signal(&l->workers[i].st, SIGTERM);
    for (int i = 0; i < l->nstages; i++)
        l->stages[i].restart_at_ms = 0;
    for (int i = 0; i < l->nworkers; i++)
        l->workers[i].st.restart_at_ms = 0;
    if (l->stages[0].pid <= 0)
        l->stages[0].ended = true;
}

/* In a drain (or --once), closes what is upstream of nothing any more. */
static void cascade(struct loop *l)
{
    if (!l->cfg->once && !l->draining)
        return;
    for (int i = 0; i < l->nstages; i++) {
        struct stage *s = &l->stages[i];
        if (s->pid <= 0 && s->restart_at_ms == 0)
            s->ended = true;
        if (!s->ended)
            return;
        /* Stage i is gone for good: its reader may see EOF now. */
        close_fd(&l->held_w[i]);
        if (i + 1 < l->nstages)
            close_fd(&l->stages[i + 1].in_fd), l->held_r[i] = -1;
    }
    if (l->last.fd >= 0 || l->npending)
        return;
    for (int i = 0; i < l->nworkers; i++) {
        struct worker *w = &l->workers[i];
        if (w->target || w->out_off < w->out_len)
            continue;
        if (w->to_fd >= 0) {
            close_fd(&w->to_fd);
            close_fd(&w->st.in_fd);
        }
        if (w->st.pid <= 0 && w->st.restart_at_ms == 0) {
            w->st.ended = true;
            close_fd(&w->st.out_fd);
        }
    }
}

static bool all_ended(const struct loop *l)
{
    for (int i = 0; i < l->nstages; i++)
        if (!l->stages[i].ended)
            return false;
    if (l->last.fd >= 0)
        return false;
    for (int i = 0; i < l->nworkers; i++)
        if (!l->workers[i].st.ended || l->workers[i].from.fd >= 0)
            return false;
    return true;
}

static void signal_everyone(struct loop *l, int sig)
{
    for (int i = 0; i < l->nstages; i++)
        stage_signal(&l->stages[i], sig);
    for (int i = 0; i < l->nworkers; i++)
        stage_signal(&l->workers[i].st, sig);
}

static void take_signals(struct loop *l)
{
    struct signalfd_siginfo si;
    while (read(l->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGHUP && !l->cfg->once) {
            log_info(NULL, "SIGHUP: draining the pipeline to start it with fresh configuration");
            start_drain(l, LOOP_RELOAD);
        } else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
            if (l->draining && l->drain_end == LOOP_STOPPED) {
                /* A second request: stop waiting. */
                signal_everyone(l, SIGTERM);
            }
            log_info(NULL, "%s: draining the pipeline", strsignal((int)si.ssi_signo));
            if (l->draining)
                l->drain_end = LOOP_STOPPED;
            start_drain(l, LOOP_STOPPED);
        }
    }
}

static void restarts_due(struct loop *l, int64_t now)
{
    for (int i = 0; i < l->nstages; i++) {
        struct stage *s = &l->stages[i];
        if (s->pid <= 0 && s->restart_at_ms && now >= s->restart_at_ms) {
            stage_start_or_retry(l, s);
            if (s->pid > 0)
                emit_event(l, "stage.restarted", s, -1, -1);
        }
    }
    for (int i = 0; i < l->nworkers; i++) {
        struct worker *w = &l->workers[i];
        if (w->st.pid <= 0 && w->st.restart_at_ms && now >= w->st.restart_at_ms) {
            stage_start_or_retry(l, &w->st);
            if (w->st.pid > 0)
                emit_event(l, "stage.restarted", &w->st, -1, -1);
        }
    }
}

static void worker_reaped(struct loop *l, struct worker *w)
{
    /* What it was healing is lost with it: the next check re-proposes it. */
    free(w->target);
    w->target = NULL;
    w->out_off = w->out_len = 0;
    (void)l;
}

static int64_t next_wakeup(const struct loop *l, int64_t now, int64_t next_tick)
{
    int64_t at = next_tick;
    const struct stage *all[LOOP_STAGES_MAX + LOOP_WORKERS_MAX];
    int n = 0;
    for (int i = 0; i < l->nstages; i++)
        all[n++] = &l->stages[i];
    for (int i = 0; i < l->nworkers; i++)
        all[n++] = &l->workers[i].st;
    for (int i = 0; i < n; i++) {
        if (all[i]->restart_at_ms && (at < 0 || all[i]->restart_at_ms < at))
            at = all[i]->restart_at_ms;
        if (all[i]->pid > 0 && all[i]->pidfd < 0 && (at < 0 || now + LOOP_REAP_TICK_MS < at))
            at = now + LOOP_REAP_TICK_MS;
    }
    if (l->draining) {
        int64_t d = l->killed ? l->kill_at_ms : l->drain_deadline_ms;
        if (at < 0 || d < at)
            at = d;
    }
    return at;
}

int loop_run(const struct loop_config *cfg, struct loop_result *result, struct heal_error *err)
{
    struct loop l = {.cfg = cfg, .res = result, .latest = jv_object(), .sigfd = -1};
    *result = (struct loop_result){.end = LOOP_FAILED};
    for (int i = 0; i < LOOP_STAGES_MAX; i++)
        l.held_r[i] = l.held_w[i] = -1;
    l.last.fd = -1;
    struct loop_paths paths;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    l.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (l.sigfd < 0) {
        heal_error_errno(err, "signalfd");
        teardown(&l);
        return -1;
    }
    if (build(&l, &paths, err) != 0) {
        teardown(&l);
        return -1;
    }
    /* Downstream first, so no stage writes before its reader runs; the
     * heal-apply workers when there is something to heal (dispatch). */
    for (int i = l.nstages - 1; i >= 0; i--) {
        if (stage_start(&l, &l.stages[i], err) != 0) {
            teardown(&l);
            return -1;
        }
    }
    if (cfg->on_ready)
        cfg->on_ready(cfg->ctx);
    int64_t next_tick = cfg->tick_ms > 0 ? clock_mono_ms() + cfg->tick_ms : -1;
    enum { FD_SIG, FD_LAST, FD_STAGE, FD_WORKER_PID, FD_WORKER_IN, FD_WORKER_OUT };
    struct pollfd fds[2 + LOOP_STAGES_MAX + 3 * LOOP_WORKERS_MAX];
    int kind[sizeof fds / sizeof fds[0]], which[sizeof fds / sizeof fds[0]];
    for (;;) {
        cascade(&l);
        if (all_ended(&l))
            break;
        int n = 0;
        fds[n] = (struct pollfd){.fd = l.sigfd, .events = POLLIN};
        kind[n++] = FD_SIG;
        if (l.last.fd >= 0) {
            fds[n] = (struct pollfd){.fd = l.last.fd, .events = POLLIN};
            kind[n++] = FD_LAST;
        }
        for (int i = 0; i < l.nstages; i++) {
            if (l.stages[i].pidfd >= 0) {
                fds[n] = (struct pollfd){.fd = l.stages[i].pidfd, .events = POLLIN};
                kind[n] = FD_STAGE;
                which[n++] = i;
            }
        }
        for (int i = 0; i < l.nworkers; i++) {
            struct worker *w = &l.workers[i];
            if (w->st.pidfd >= 0) {
                fds[n] = (struct pollfd){.fd = w->st.pidfd, .events = POLLIN};
                kind[n] = FD_WORKER_PID;
                which[n++] = i;
            }
            if (w->from.fd >= 0) {
                fds[n] = (struct pollfd){.fd = w->from.fd, .events = POLLIN};
                kind[n] = FD_WORKER_OUT;
                which[n++] = i;
            }
            if (w->to_fd >= 0 && w->out_off < w->out_len) {
                fds[n] = (struct pollfd){.fd = w->to_fd, .events = POLLOUT};
                kind[n] = FD_WORKER_IN;
                which[n++] = i;
            }
        }
        int64_t now = clock_mono_ms();
        int64_t at = next_wakeup(&l, now, next_tick);
        int timeout = at < 0 ? -1 : at <= now ? 0 : at - now > INT_MAX ? INT_MAX : (int)(at - now);
        int ready = poll(fds, (nfds_t)n, timeout);
        if (ready < 0 && errno != EINTR) {
            heal_error_errno(err, "poll");
            teardown(&l);
            return -1;
        }
        for (int k = 0; ready > 0 && k < n; k++) {
            if (!fds[k].revents)
                continue;
            switch (kind[k]) {
            case FD_SIG:
                take_signals(&l);
                break;
            case FD_LAST:
                if (!inbound_read(&l, &l.last, l.stages[l.nstages - 1].name, on_last_line, NULL))
                    l.held_r[l.nstages - 1] = -1;
                break;
            case FD_STAGE:
                stage_poll_exit(&l, &l.stages[which[k]], which[k]);
                break;
            case FD_WORKER_PID: {
                struct worker *w = &l.workers[which[k]];
                stage_poll_exit(&l, &w->st, 1);
                if (w->st.pid <= 0)
                    worker_reaped(&l, w);
                break;
            }
            case FD_WORKER_OUT: {
                struct worker *w = &l.workers[which[k]];
                inbound_read(&l, &w->from, w->st.name, on_worker_line, w);
                break;
            }
            case FD_WORKER_IN:
                worker_flush(&l.workers[which[k]]);
                break;
            }
        }
        now = clock_mono_ms();
        for (int i = 0; i < l.nstages; i++)
            if (l.stages[i].pidfd < 0)
                stage_poll_exit(&l, &l.stages[i], i);
        for (int i = 0; i < l.nworkers; i++)
            if (l.workers[i].st.pidfd < 0 && l.workers[i].st.pid > 0) {
                stage_poll_exit(&l, &l.workers[i].st, 1);
                if (l.workers[i].st.pid <= 0)
                    worker_reaped(&l, &l.workers[i]);
            }
        if (!l.draining)
            restarts_due(&l, now);
        dispatch(&l);
        if (next_tick >= 0 && now >= next_tick) {
            cfg->on_tick(cfg->ctx);
            next_tick = now + cfg->tick_ms;
        }
        if (l.draining && !l.killed && now >= l.drain_deadline_ms) {
            log_warn(NULL, "the drain took too long; stopping the stages");
            signal_everyone(&l, SIGTERM);
            l.killed = true;
            l.kill_at_ms = now + LOOP_KILL_GRACE_MS;
        } else if (l.killed && now >= l.kill_at_ms) {
            signal_everyone(&l, SIGKILL);
            l.kill_at_ms = now + LOOP_KILL_GRACE_MS;
        }
    }
    result->end = cfg->once && !l.draining ? LOOP_FINISHED : l.drain_end;
    teardown(&l);
    return 0;
}

int loop_find_bin_dir(char out[PATH_MAX])
{
    char self[PATH_MAX], probe[PATH_MAX + 32];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            snprintf(probe, sizeof probe, "%s/heal-check", self);
            if (access(probe, X_OK) == 0) {
                snprintf(out, PATH_MAX, "%s", self);
                return 0;
            }
        }
    }
    const char *path = getenv("PATH");
    while (path && *path) {
        size_t len = strcspn(path, ":");
        /* An empty or relative entry would make the answer depend on the cwd. */
        if (len > 0 && len < PATH_MAX && path[0] == '/') {
            snprintf(probe, sizeof probe, "%.*s/heal-check", (int)len, path);
            if (access(probe, X_OK) == 0) {
                snprintf(out, PATH_MAX, "%.*s", (int)len, path);
                return 0;
            }
        }
        path += len + (path[len] == ':');
    }
    return -1;
}
