/*
 * The tcp kind: can a TCP port be connected to, and (optionally) does it
 * answer what it should after we send something?  Results read like
 * monitoring-plugins' check_tcp, so its users recognise them; warn/crit
 * apply to the response time in seconds: until connected, or until the
 * expected text arrived when `expect` is set.
 *
 * Everything is non-blocking: names are resolved on a worker thread
 * (resolve.h; addresses at once), connect() returns EINPROGRESS and the
 * runner polls for POLLOUT, then the send and the reads are driven by
 * the same poll loop.  Each address of a name is tried in turn, as
 * check_tcp does.
 */
#include "check.h"
#include "clock.h"
#include "excerpt.h"
#include "resolve.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Bytes read while looking for `expect`; it must fit in them. */
#define TCP_READ_MAX 4096
/* Bytes `send` may hold. */
#define TCP_SEND_MAX 4096
/* Bytes of a response quoted in a summary line. */
#define TCP_SUMMARY_EXCERPT_MAX 80
#define TCP_MESSAGE_MAX 512

static const struct config_field tcp_fields[] = {
    {"host", CONFIG_STRING, true},
    {"port", CONFIG_NUMBER, true},
    {"send", CONFIG_STRING, false},
    {"expect", CONFIG_STRING, false},
    {NULL, 0, false},
};

struct tcp_settings {
    char *host;
    int port;
    char service[8]; /* the port as getaddrinfo wants it */
    char *send;
    size_t send_len;
    char *expect;
    size_t expect_len;
};

enum tcp_phase { TCP_RESOLVING, TCP_CONNECTING, TCP_SENDING, TCP_READING, TCP_DONE };

static const char *const tcp_phase_names[] = {"resolve", "connect", "send", "expect", "done"};

enum tcp_end { TCP_END_NONE, TCP_END_FOUND, TCP_END_EOF, TCP_END_FULL, TCP_END_RESET };

struct tcp_run {
    const struct tcp_settings *set;
    enum tcp_phase phase;
    struct resolve_job *job;
    struct addrinfo *addrs, *next;
    int fd;
    char address[RESOLVE_ADDRESS_SIZE];
    int64_t deadline_ms, connected_ms, answered_ms;
    bool timed_out;
    size_t sent;
    char buf[TCP_READ_MAX];
    size_t got;
    enum tcp_end end;
    int end_errno;
    char failure[TCP_MESSAGE_MAX]; /* set: the run failed with this summary */
};

static int tcp_prepare(struct check_def *def, struct heal_error *err)
{
    struct tcp_settings *s = calloc(1, sizeof *s);
    if (!s)
        return heal_error_set(err, "out of memory");
    def->kind_data = s;
    jv host = jv_object_get(jv_copy(def->def), jv_string("host"));
    jv port = jv_object_get(jv_copy(def->def), jv_string("port"));
    jv send = jv_object_get(jv_copy(def->def), jv_string("send"));
    jv expect = jv_object_get(jv_copy(def->def), jv_string("expect"));
    int rc = 0;
    double p = jv_number_value(port);
    size_t hl = strlen(jv_string_value(host));
    if (hl == 0 || hl > RESOLVE_NAME_MAX) {
        rc = heal_error_set(err, "field 'host' must be 1 to %d bytes", RESOLVE_NAME_MAX);
    } else if (!(p >= 1 && p <= 65535) || p != floor(p)) {
        rc = heal_error_set(err, "field 'port' must be a whole number from 1 to 65535");
    } else if (jv_get_kind(send) == JV_KIND_STRING &&
               jv_string_length_bytes(jv_copy(send)) > TCP_SEND_MAX) {
        rc = heal_error_set(err, "field 'send' must be at most %d bytes", TCP_SEND_MAX);
    } else if (jv_get_kind(expect) == JV_KIND_STRING &&
               (jv_string_length_bytes(jv_copy(expect)) < 1 ||
                jv_string_length_bytes(jv_copy(expect)) > TCP_READ_MAX)) {
        rc = heal_error_set(err, "field 'expect' must be 1 to %d bytes", TCP_READ_MAX);
    } else {
        s->host = strdup(jv_string_value(host));
        s->port = (int)p;
        snprintf(s->service, sizeof s->service, "%d", s->port);
        if (jv_get_kind(send) == JV_KIND_STRING) {
            s->send_len = (size_t)jv_string_length_bytes(jv_copy(send));
            s->send = malloc(s->send_len + 1);
            if (s->send)
                memcpy(s->send, jv_string_value(send), s->send_len + 1);
        }
        if (jv_get_kind(expect) == JV_KIND_STRING) {
            s->expect_len = (size_t)jv_string_length_bytes(jv_copy(expect));
            s->expect = malloc(s->expect_len + 1);
            if (s->expect)
                memcpy(s->expect, jv_string_value(expect), s->expect_len + 1);
        }
        if (!s->host || (s->send_len && !s->send) || (s->expect_len && !s->expect))
            rc = heal_error_set(err, "out of memory");
    }
    jv_free(host);
    jv_free(port);
    jv_free(send);
    jv_free(expect);
    return rc;
}

static void tcp_release(struct check_def *def)
{
    struct tcp_settings *s = def->kind_data;
    free(s->host);
    free(s->send);
    free(s->expect);
    free(s);
    def->kind_data = NULL;
}

static void fail(struct tcp_run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct tcp_run *run, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(run->failure, sizeof run->failure, fmt, ap);
    va_end(ap);
    run->phase = TCP_DONE;
}

static void close_socket(struct tcp_run *run)
{
    if (run->fd >= 0)
        close(run->fd);
    run->fd = -1;
}

static void after_send(struct tcp_run *run)
{
    run->phase = run->set->expect ? TCP_READING : TCP_DONE;
}

static void try_send(struct tcp_run *run)
{
    while (run->sent < run->set->send_len) {
        /* MSG_NOSIGNAL: a peer that hung up is a result, not a SIGPIPE. */
        ssize_t n = send(run->fd, run->set->send + run->sent, run->set->send_len - run->sent,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return; /* wait for POLLOUT */
        if (n < 0) {
            fail(run, "send to address %s and port %d: %s", run->set->host, run->set->port,
                 strerror(errno));
            return;
        }
        run->sent += (size_t)n;
    }
    after_send(run);
}

static void connected(struct tcp_run *run)
{
    run->connected_ms = clock_mono_ms();
    run->phase = TCP_SENDING;
    if (run->set->send)
        try_send(run);
    else
        after_send(run);
}

/* Tries the remaining addresses until one connects or is in progress. */
static void connect_next(struct tcp_run *run, int last_errno)
{
    while (run->next) {
        struct addrinfo *ai = run->next;
        run->next = ai->ai_next;
        resolve_address_text(ai->ai_addr, run->address);
        run->fd =
            socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (run->fd < 0) {
            last_errno = errno;
            continue;
        }
        int rc;
        do {
            rc = connect(run->fd, ai->ai_addr, ai->ai_addrlen);
        } while (rc < 0 && errno == EINTR);
        if (rc == 0) {
            connected(run);
            return;
        }
        if (errno == EINPROGRESS) {
            run->phase = TCP_CONNECTING;
            return;
        }
        last_errno = errno;
        close_socket(run);
    }
    /* check_tcp's words, with the host as it was given. */
    fail(run, "connect to address %s and port %d: %s", run->set->host, run->set->port,
         strerror(last_errno ? last_errno : ECONNREFUSED));
}

static void resolved(struct tcp_run *run)
{
    int sys_errno;
    int code = resolve_result(run->job, &run->addrs, &sys_errno);
    resolve_free(run->job);
    run->job = NULL;
    if (code != 0) {
        fail(run, "cannot resolve %s: %s", run->set->host, resolve_strerror(code, sys_errno));
        return;
    }
    run->next = run->addrs;
    connect_next(run, 0);
}

static void read_some(struct tcp_run *run)
{
    while (run->phase == TCP_READING) {
        ssize_t n = recv(run->fd, run->buf + run->got, sizeof run->buf - run->got, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n <= 0) {
            run->end = n == 0 ? TCP_END_EOF : TCP_END_RESET;
            run->end_errno = n == 0 ? 0 : errno;
            run->phase = TCP_DONE;
            return;
        }
        run->got += (size_t)n;
        if (memmem(run->buf, run->got, run->set->expect, run->set->expect_len)) {
            run->end = TCP_END_FOUND;
            run->answered_ms = clock_mono_ms();
            run->phase = TCP_DONE;
        } else if (run->got == sizeof run->buf) {
            run->end = TCP_END_FULL;
            run->phase = TCP_DONE;
        }
    }
}

static int tcp_start(struct check_task *task, struct check_result *result)
{
    const struct tcp_settings *s = task->def->kind_data;
    struct tcp_run *run = calloc(1, sizeof *run);
    if (!run) {
        check_result_set(result, NAGIOS_UNKNOWN, "out of memory");
        return 1;
    }
    run->set = s;
    run->fd = -1;
    run->deadline_ms = task->started_mono_ms + task->def->timeout_ms;
    struct heal_error err;
    /* AI_ADDRCONFIG: only address families this host can reach, as check_tcp asks. */
    run->job = resolve_start(s->host, s->service, AF_UNSPEC, SOCK_STREAM, AI_ADDRCONFIG, &err);
    if (!run->job) {
        free(run);
        check_result_set(result, NAGIOS_UNKNOWN, "cannot resolve %s: %s", s->host, err.msg);
        return 1;
    }
    task->data = run;
    if (resolve_done(run->job))
        resolved(run);
    return 0;
}

static int tcp_pollfds(struct check_task *task, struct pollfd *fds)
{
    struct tcp_run *run = task->data;
    switch (run->phase) {
    case TCP_RESOLVING:
        fds[0] = (struct pollfd){.fd = resolve_fd(run->job), .events = POLLIN};
        return fds[0].fd >= 0;
    case TCP_CONNECTING:
    case TCP_SENDING:
        fds[0] = (struct pollfd){.fd = run->fd, .events = POLLOUT};
        return 1;
    case TCP_READING:
        fds[0] = (struct pollfd){.fd = run->fd, .events = POLLIN};
        return 1;
    case TCP_DONE:
        break;
    }
    return 0;
}

static int tcp_wait_ms(struct check_task *task)
{
    struct tcp_run *run = task->data;
    int64_t left = run->deadline_ms - clock_mono_ms();
    return run->phase == TCP_DONE ? 0 : (int)(left < 0 ? 0 : left);
}

static void tcp_service(struct check_task *task, const struct pollfd *fds, int nfds)
{
    struct tcp_run *run = task->data;
    if (nfds < 1 || !fds[0].revents)
        return;
    switch (run->phase) {
    case TCP_RESOLVING:
        if (resolve_done(run->job))
            resolved(run);
        break;
    case TCP_CONNECTING: {
        int soerr = 0;
        socklen_t len = sizeof soerr;
        if (getsockopt(run->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
            soerr = errno;
        if (soerr == 0) {
            connected(run);
        } else {
            close_socket(run);
            connect_next(run, soerr);
        }
        break;
    }
    case TCP_SENDING:
        try_send(run);
        break;
    case TCP_READING:
        read_some(run);
        break;
    case TCP_DONE:
        break;
    }
}

static bool tcp_done(struct check_task *task)
{
    struct tcp_run *run = task->data;
    if (run->phase != TCP_DONE && clock_mono_ms() >= run->deadline_ms)
        run->timed_out = true;
    return run->phase == TCP_DONE || run->timed_out;
}

/* The received bytes as evidence: text, with invalid UTF-8 repaired by jq. */
static void evidence_received(struct tcp_run *run, struct check_result *r)
{
    if (!run->set->expect && run->got == 0)
        return;
    r->evidence =
        jv_object_set(r->evidence, jv_string("received"), jv_string_sized(run->buf, (int)run->got));
    r->evidence =
        jv_object_set(r->evidence, jv_string("received_bytes"), jv_number((double)run->got));
}

static void tcp_finish(struct check_task *task, struct check_result *r)
{
    struct tcp_run *run = task->data;
    const struct check_def *def = task->def;
    const struct tcp_settings *s = run->set;
    int64_t now = clock_mono_ms();
    r->evidence = jv_object_set(r->evidence, jv_string("host"), jv_string(s->host));
    r->evidence = jv_object_set(r->evidence, jv_string("port"), jv_number(s->port));
    if (run->address[0])
        r->evidence = jv_object_set(r->evidence, jv_string("address"), jv_string(run->address));
    if (s->expect)
        r->evidence = jv_object_set(r->evidence, jv_string("expect"),
                                    jv_string_sized(s->expect, (int)s->expect_len));
    double timeout_s = (double)def->timeout_ms / 1000.0;
    if (run->failure[0]) {
        check_result_set(r, NAGIOS_CRITICAL, "%s", run->failure);
    } else if (run->phase != TCP_DONE) {
        r->evidence = jv_object_set(r->evidence, jv_string("timed_out_in"),
                                    jv_string(tcp_phase_names[run->phase]));
        if (run->phase == TCP_READING)
            evidence_received(run, r);
        if (now < run->deadline_ms && !run->timed_out)
            check_result_set(r, NAGIOS_UNKNOWN, "check interrupted before it finished");
        else if (run->phase == TCP_RESOLVING)
            check_result_set(r, NAGIOS_CRITICAL, "cannot resolve %s: timed out after %g seconds",
                             s->host, timeout_s);
        else /* check_tcp's words */
            check_result_set(r, NAGIOS_CRITICAL, "CRITICAL - Socket timeout after %g seconds",
                             timeout_s);
    } else {
        int64_t until = s->expect ? run->answered_ms : run->connected_ms;
        double secs = (double)((until ? until : now) - task->started_mono_ms) / 1000.0;
        check_result_perf(r, "time", secs, "s", def->warn_text, def->crit_text, 0, timeout_s);
        if (s->expect)
            evidence_received(run, r);
        if (s->expect && run->end != TCP_END_FOUND) {
            char quoted[TCP_SUMMARY_EXCERPT_MAX * 4 + 1];
            size_t n = run->got < TCP_SUMMARY_EXCERPT_MAX ? run->got : TCP_SUMMARY_EXCERPT_MAX;
            bool whole = excerpt_printable(run->buf, n, quoted, sizeof quoted) && n == run->got;
            static const char *const why[] = {"", "", "connection closed", "read limit reached",
                                              "connection reset"};
            r->evidence = jv_object_set(r->evidence, jv_string("end"), jv_string(why[run->end]));
            if (run->end_errno)
                r->evidence = jv_object_set(r->evidence, jv_string("error"),
                                            jv_string(strerror(run->end_errno)));
            if (run->got == 0)
                check_result_set(r, NAGIOS_CRITICAL, "TCP CRITICAL - No data received from host");
            else
                check_result_set(r, NAGIOS_CRITICAL,
                                 "TCP CRITICAL - Unexpected response from host/socket: %s%s",
                                 quoted, whole ? "" : "...");
        } else {
            enum nagios_status st = check_evaluate(def, secs);
            static const char *const words[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
            check_result_set(r, st, "TCP %s - %.3f s response time on %s port %d", words[st], secs,
                             s->host, s->port);
        }
    }
    close_socket(run);
    resolve_free(run->job);
    if (run->addrs)
        freeaddrinfo(run->addrs);
    free(run);
    task->data = NULL;
}

const struct check_kind check_kind_tcp = {
    .name = "tcp",
    .fields = tcp_fields,
    .prepare = tcp_prepare,
    .release = tcp_release,
    .start = tcp_start,
    .pollfds = tcp_pollfds,
    .wait_ms = tcp_wait_ms,
    .service = tcp_service,
    .done = tcp_done,
    .finish = tcp_finish,
};
