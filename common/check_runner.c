#include "check_runner.h"
#include "clock.h"
#include "curl_lib.h"
#include "signals.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define RUNNER_CURL_SOCKETS_MAX CHECK_RUNNER_JOBS_MAX

/* libcurl tells us which sockets to watch; we poll them with our own fds. */
struct curl_watch {
    curl_socket_t fd;
    short events;
};

struct check_runner {
    CURLM *multi; /* NULL until the first HTTP transfer */
    const struct curl_lib *curl;
    int jobs;
    CURL **spare_easy; /* reset easy handles, up to jobs */
    int nspare_easy;
    /* Grown as libcurl opens sockets, up to RUNNER_CURL_SOCKETS_MAX: a
     * fixed table of them (32 KiB, and as much again in each poll set)
     * was resident in every heal-check, HTTP checks or not. */
    struct curl_watch *sockets;
    int nsockets, cap_sockets;
    int64_t curl_due_mono_ms; /* -1: libcurl wants no timeout call */
    void (*before_wait)(void *ctx);
    void *before_wait_ctx;
};

static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *sockp)
{
    (void)easy, (void)sockp;
    struct check_runner *r = userp;
    int i = 0;
    while (i < r->nsockets && r->sockets[i].fd != fd)
        i++;
    if (what == CURL_POLL_REMOVE) {
        if (i < r->nsockets)
            r->sockets[i] = r->sockets[--r->nsockets];
        return 0;
    }
    if (i == r->nsockets) {
        if (r->nsockets == r->cap_sockets) {
            int cap = r->cap_sockets ? r->cap_sockets * 2 : 16;
            struct curl_watch *more =
                cap <= RUNNER_CURL_SOCKETS_MAX ? realloc(r->sockets, (size_t)cap * sizeof *more)
                                               : NULL;
            if (!more)
                return -1; /* libcurl fails that transfer; the check reports it */
            r->sockets = more;
            r->cap_sockets = cap;
        }
        r->nsockets++;
    }
    r->sockets[i].fd = fd;
    r->sockets[i].events = (short)(((what & CURL_POLL_IN) ? POLLIN : 0) |
                                   ((what & CURL_POLL_OUT) ? POLLOUT : 0));
    return 0;
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    struct check_runner *r = userp;
    r->curl_due_mono_ms = timeout_ms < 0 ? -1 : clock_mono_ms() + timeout_ms;
    return 0;
}

static void collect_curl_messages(struct check_runner *r)
{
    CURLMsg *msg;
    int left;
    if (!r->multi)
        return;
    while ((msg = r->curl->multi_info_read(r->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        struct check_task *t = NULL;
        r->curl->easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
        if (t) {
            t->curl_result = (int)msg->data.result;
            t->finished_early = true;
        }
    }
}

struct slot {
    struct check_task task;
    struct check_result result;
    bool running;
    long runs;
    int64_t due_mono_ms;
};

struct check_runner *check_runner_new(int jobs, struct heal_error *err)
{
    if (jobs < 1 || jobs > CHECK_RUNNER_JOBS_MAX) {
        heal_error_set(err, "--jobs must be 1 to %d", CHECK_RUNNER_JOBS_MAX);
        return NULL;
    }
    struct check_runner *r = calloc(1, sizeof *r);
    if (!r || !(r->spare_easy = calloc((size_t)jobs, sizeof *r->spare_easy))) {
        free(r);
        heal_error_set(err, "out of memory");
        return NULL;
    }
    r->jobs = jobs;
    r->curl_due_mono_ms = -1;
    return r;
}

/* libcurl is loaded, and the multi handle made, by the first HTTP transfer. */
static int start_curl(struct check_runner *r)
{
    if (r->multi)
        return 0;
    if (!(r->curl = curl_lib_load(NULL)) || !(r->multi = r->curl->multi_init()))
        return -1;
    r->curl->multi_setopt(r->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)r->jobs);
    r->curl->multi_setopt(r->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    r->curl->multi_setopt(r->multi, CURLMOPT_SOCKETDATA, r);
    r->curl->multi_setopt(r->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    r->curl->multi_setopt(r->multi, CURLMOPT_TIMERDATA, r);
    return 0;
}

void check_runner_free(struct check_runner *r)
{
    if (!r)
        return;
    while (r->nspare_easy > 0)
        r->curl->easy_cleanup(r->spare_easy[--r->nspare_easy]);
    free(r->spare_easy);
    free(r->sockets);
    if (r->multi)
        r->curl->multi_cleanup(r->multi);
    free(r);
}

void check_runner_before_wait(struct check_runner *r, void (*fn)(void *ctx), void *ctx)
{
    r->before_wait = fn;
    r->before_wait_ctx = ctx;
}

CURL *check_runner_easy(struct check_runner *r)
{
    if (r->nspare_easy > 0)
        return r->spare_easy[--r->nspare_easy];
    return start_curl(r) == 0 ? r->curl->easy_init() : NULL;
}

void check_runner_easy_done(struct check_runner *r, CURL *easy)
{
    if (r->nspare_easy == r->jobs) {
        r->curl->easy_cleanup(easy);
        return;
    }
    /* Options point into the finished run's memory: forget them now. */
    r->curl->easy_reset(easy);
    r->spare_easy[r->nspare_easy++] = easy;
}

CURLM *check_runner_multi(struct check_runner *r)
{
    return r->multi;
}

static void complete(struct slot *s, check_result_fn *fn, void *ctx)
{
    struct check_task *t = &s->task;
    int64_t now = clock_mono_ms();
    if (t->data)
        t->def->impl->finish(t, &s->result);
    s->result.duration_ms = now - t->started_mono_ms;
    int64_t next = fn(ctx, t->def, &s->result);
    check_result_free(&s->result);
    s->running = false;
    s->runs++;
    s->due_mono_ms = now + (next > 0 ? next : t->def->interval_ms);
    /* A pidfd of a process that died stays readable: re-arm from scratch. */
    struct check_def *def = t->def;
    if (def->impl->watch_close && def->watch_fd >= 0)
        def->impl->watch_close(def);
    def->watch_fd = -1;
}

static void start(struct check_runner *r, struct slot *s, check_result_fn *fn, void *ctx)
{
    struct check_task *t = &s->task;
    struct check_def *def = t->def;
    t->runner = r;
    t->data = NULL;
    t->finished_early = false;
    t->started_mono_ms = clock_mono_ms();
    t->deadline_mono_ms = t->started_mono_ms + def->timeout_ms + CHECK_RUNNER_GRACE_MS;
    check_result_init(&s->result);
    s->running = true;
    if (def->impl->start(t, &s->result) == 1) {
        t->data = NULL;
        complete(s, fn, ctx);
    }
}

/* Room in the poll set for need fds: libcurl's sockets come and go. */
static int poll_room(struct pollfd **fds, int **owner, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t bigger = *cap * 2 > need ? *cap * 2 : need;
    struct pollfd *f = realloc(*fds, bigger * sizeof **fds);
    if (!f)
        return -1;
    *fds = f;
    int *o = realloc(*owner, bigger * sizeof **owner);
    if (!o)
        return -1;
    *owner = o;
    *cap = bigger;
    return 0;
}

static bool wanted(const struct slot *s, long count)
{
    return count == 0 || s->runs < count;
}

int check_runner_run(struct check_runner *r, struct check_def *defs, size_t n, long count,
                     check_result_fn *fn, void *ctx, struct heal_error *err)
{
    struct slot *slots = calloc(n ? n : 1, sizeof *slots);
    /* Each task may poll CHECK_POLLFD_MAX fds, each check one watch fd. */
    size_t cap = n * (CHECK_POLLFD_MAX + 1) + 1;
    struct pollfd *fds = calloc(cap, sizeof *fds);
    int *owner = calloc(cap, sizeof *owner);
    if (!slots || !fds || !owner) {
        free(slots);
        free(fds);
        free(owner);
        return heal_error_set(err, "out of memory for %zu checks", n);
    }
    int64_t t0 = clock_mono_ms();
    for (size_t i = 0; i < n; i++) {
        slots[i].task.def = &defs[i];
        slots[i].due_mono_ms = t0;
    }
    /* The running slots, so a wakeup costs O(running) and not O(n). */
    size_t *active = calloc((size_t)r->jobs + 1, sizeof *active);
    size_t nactive = 0;
    /* --once starts each check once, in order: a cursor is all it needs.
     * Other modes look at every idle check for its due time or watch fd. */
    bool once = count == 1;
    size_t next = 0;
    int rc = 0;
    if (!active) {
        free(slots), free(fds), free(owner);
        return heal_error_set(err, "out of memory for %d jobs", r->jobs);
    }
    for (;;) {
        int64_t now = clock_mono_ms();
        bool pending = false;
        if (!signals_stop_requested()) {
            if (once) {
                while (nactive < (size_t)r->jobs && next < n) {
                    struct slot *s = &slots[next];
                    start(r, s, fn, ctx);
                    if (s->running)
                        active[nactive++] = next;
                    next++;
                }
            } else {
                for (size_t i = 0; i < n && nactive < (size_t)r->jobs; i++) {
                    struct slot *s = &slots[i];
                    if (!s->running && wanted(s, count) && s->due_mono_ms <= now) {
                        start(r, s, fn, ctx);
                        if (s->running)
                            active[nactive++] = i;
                    }
                }
            }
        }
        /* Poll set: in-flight tasks, then (not --once) watch fds of idle checks. */
        int nfds = 0;
        int64_t timeout = -1;
        for (size_t a = 0; a < nactive; a++) {
            size_t i = active[a];
            struct slot *s = &slots[i];
            struct check_def *def = s->task.def;
            pending = true;
            int k = def->impl->pollfds ? def->impl->pollfds(&s->task, fds + nfds) : 0;
            for (int j = 0; j < k; j++)
                owner[nfds + j] = (int)i;
            nfds += k;
            int64_t w = def->impl->wait_ms ? def->impl->wait_ms(&s->task) : -1;
            int64_t left = s->task.deadline_mono_ms - now;
            if (w < 0 || left < w)
                w = left < 0 ? 0 : left;
            if (timeout < 0 || w < timeout)
                timeout = w;
        }
        if (once && next < n && !signals_stop_requested())
            pending = true; /* waiting for a free job */
        for (size_t i = 0; !once && i < n; i++) {
            struct slot *s = &slots[i];
            struct check_def *def = s->task.def;
            if (s->running || !wanted(s, count) || signals_stop_requested())
                continue;
            pending = true;
            if (count == 0 && def->impl->watch_open && def->watch_fd < 0)
                def->watch_fd = def->impl->watch_open(def);
            if (count == 0 && def->watch_fd >= 0) {
                fds[nfds] = (struct pollfd){.fd = def->watch_fd, .events = POLLIN};
                owner[nfds++] = -(int)i - 1;
            }
            int64_t w = s->due_mono_ms - now;
            if (w < 0)
                w = 0;
            if (nactive >= (size_t)r->jobs)
                w = -1; /* wait for a task to finish, not for the due time */
            if (w >= 0 && (timeout < 0 || w < timeout))
                timeout = w;
        }
        if (!pending)
            break;
        /* libcurl's sockets join the poll set, owned by no check (INT_MIN). */
        if (poll_room(&fds, &owner, &cap, (size_t)nfds + (size_t)r->nsockets) != 0) {
            rc = heal_error_set(err, "out of memory for %d sockets", r->nsockets);
            break;
        }
        int first_curl = nfds;
        for (int c = 0; c < r->nsockets; c++) {
            fds[nfds] = (struct pollfd){.fd = r->sockets[c].fd, .events = r->sockets[c].events};
            owner[nfds++] = INT_MIN;
        }
        if (r->curl_due_mono_ms >= 0) {
            int64_t w = r->curl_due_mono_ms - now;
            if (w < 0)
                w = 0;
            if (timeout < 0 || w < timeout)
                timeout = w;
        }
        if (timeout < 0 || timeout > 1000)
            timeout = 1000; /* notice a stop request and clock steps promptly */
        for (int j = 0; j < nfds; j++)
            fds[j].revents = 0;
        if (timeout != 0 && r->before_wait)
            r->before_wait(r->before_wait_ctx);
        int got = poll(fds, (nfds_t)nfds, (int)timeout);
        if (got < 0 && errno != EINTR) {
            rc = heal_error_errno(err, "poll");
            break;
        }
        int still;
        for (int j = first_curl; j < nfds; j++) {
            if (!fds[j].revents)
                continue;
            int ev = ((fds[j].revents & POLLIN) ? CURL_CSELECT_IN : 0) |
                     ((fds[j].revents & POLLOUT) ? CURL_CSELECT_OUT : 0) |
                     ((fds[j].revents & (POLLERR | POLLHUP)) ? CURL_CSELECT_ERR : 0);
            r->curl->multi_socket_action(r->multi, fds[j].fd, ev, &still);
        }
        if (r->curl_due_mono_ms >= 0 && clock_mono_ms() >= r->curl_due_mono_ms) {
            r->curl_due_mono_ms = -1;
            r->curl->multi_socket_action(r->multi, CURL_SOCKET_TIMEOUT, 0, &still);
        }
        collect_curl_messages(r);
        nfds = first_curl;
        now = clock_mono_ms();
        for (int j = 0; j < nfds;) {
            int o = owner[j];
            int k = j;
            while (k < nfds && owner[k] == o)
                k++;
            if (o < 0) {
                struct slot *s = &slots[-o - 1];
                if (fds[j].revents)
                    s->due_mono_ms = now; /* the event says: look now */
            } else if (slots[o].running && slots[o].task.def->impl->service) {
                slots[o].task.def->impl->service(&slots[o].task, fds + j, k - j);
            }
            j = k;
        }
        for (size_t a = 0; a < nactive;) {
            struct slot *s = &slots[active[a]];
            struct check_kind const *k = s->task.def->impl;
            if ((k->done && k->done(&s->task)) || now >= s->task.deadline_mono_ms ||
                signals_stop_requested()) {
                complete(s, fn, ctx);
                active[a] = active[--nactive];
            } else {
                a++;
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        if (slots[i].running)
            complete(&slots[i], fn, ctx);
    free(slots);
    free(fds);
    free(owner);
    free(active);
    return rc;
}
