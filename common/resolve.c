/*
 * Why a thread per lookup and not glibc's getaddrinfo_a(): getaddrinfo_a
 * is glibc-only, notifies through a signal or a thread of its own anyway,
 * cannot cancel a request already in progress (gai_cancel says
 * EAI_NOTCANCELED), so an abandoned request needs the same shared
 * ownership as here, and it queues requests behind a small pool of
 * threads, so one hanging name would delay the others.  A thread per
 * lookup is plain POSIX and a hanging name delays only its own check.
 */
#include "resolve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct resolve_job {
    atomic_int refs;  /* the caller's and the thread's */
    atomic_bool done; /* set by the thread, after the answer is in place */
    int read_fd;      /* the caller's end; -1 once closed or never opened */
    int write_fd;     /* the thread's end; closing it wakes the caller */
    char *host, *service;
    struct addrinfo hints;
    int code, sys_errno;
    struct addrinfo *res;
};

static void release(struct resolve_job *job)
{
    if (atomic_fetch_sub_explicit(&job->refs, 1, memory_order_acq_rel) != 1)
        return;
    if (job->read_fd >= 0)
        close(job->read_fd);
    if (job->res)
        freeaddrinfo(job->res);
    free(job->host);
    free(job->service);
    free(job);
}

static void *worker(void *arg)
{
    struct resolve_job *job = arg;
    job->code = getaddrinfo(job->host, job->service, &job->hints, &job->res);
    job->sys_errno = job->code == EAI_SYSTEM ? errno : 0;
    int fd = job->write_fd;
    atomic_store_explicit(&job->done, true, memory_order_release);
    close(fd); /* POLLHUP on the caller's end */
    release(job);
    return NULL;
}

static int start_thread(struct resolve_job *job, struct heal_error *err)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return heal_error_errno(err, "pipe");
    job->read_fd = fds[0];
    job->write_fd = fds[1];
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* The thread inherits this mask: signals stay with the poll loop. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    atomic_store(&job->refs, 2);
    pthread_t tid;
    int rc = pthread_create(&tid, &attr, worker, job);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        atomic_store(&job->refs, 1);
        close(job->write_fd);
        errno = rc;
        return heal_error_errno(err, "cannot start a resolver thread");
    }
    return 0;
}

struct resolve_job *resolve_start(const char *host, const char *service, int family, int socktype,
                                  int flags, struct heal_error *err)
{
    size_t len = host ? strlen(host) : 0;
    if (len == 0 || len > RESOLVE_NAME_MAX) {
        heal_error_set(err, "a host name must be 1 to %d bytes", RESOLVE_NAME_MAX);
        return NULL;
    }
    struct resolve_job *job = calloc(1, sizeof *job);
    if (!job || !(job->host = strdup(host)) || (service && !(job->service = strdup(service)))) {
        if (job)
            free(job->host);
        free(job);
        heal_error_set(err, "out of memory");
        return NULL;
    }
    job->read_fd = job->write_fd = -1;
    job->hints.ai_family = family;
    job->hints.ai_socktype = socktype;
    job->hints.ai_flags = flags;
    atomic_init(&job->refs, 1);
    atomic_init(&job->done, false);

    /* An address needs no lookup: answer it here, without a thread. */
    struct addrinfo numeric = job->hints;
    numeric.ai_flags |= AI_NUMERICHOST;
    int code = getaddrinfo(job->host, job->service, &numeric, &job->res);
    if (code != EAI_NONAME) {
        job->code = code;
        job->sys_errno = code == EAI_SYSTEM ? errno : 0;
        atomic_store(&job->done, true);
        return job;
    }
    job->res = NULL;
    if (start_thread(job, err) != 0) {
        release(job);
        return NULL;
    }
    return job;
}

int resolve_fd(const struct resolve_job *job)
{
    return job->read_fd;
}

bool resolve_done(const struct resolve_job *job)
{
    return atomic_load_explicit(&job->done, memory_order_acquire);
}

int resolve_result(struct resolve_job *job, struct addrinfo **res, int *sys_errno)
{
    *res = job->res;
    job->res = NULL;
    if (sys_errno)
        *sys_errno = job->sys_errno;
    return job->code;
}

void resolve_free(struct resolve_job *job)
{
    if (!job)
        return;
    /* Closed before letting go, so the thread never closes an fd it does not own. */
    if (job->read_fd >= 0)
        close(job->read_fd);
    job->read_fd = -1;
    release(job);
}

const char *resolve_strerror(int code, int sys_errno)
{
    return code == EAI_SYSTEM ? strerror(sys_errno) : gai_strerror(code);
}

void resolve_address_text(const struct sockaddr *sa, char out[RESOLVE_ADDRESS_SIZE])
{
    const void *addr = NULL;
    if (sa->sa_family == AF_INET)
        addr = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
    else if (sa->sa_family == AF_INET6)
        addr = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    if (!addr || !inet_ntop(sa->sa_family, addr, out, RESOLVE_ADDRESS_SIZE))
        snprintf(out, RESOLVE_ADDRESS_SIZE, "?");
}

int resolve_address_canonical(const char *text, char out[RESOLVE_ADDRESS_SIZE],
                              struct heal_error *err)
{
    unsigned char buf[sizeof(struct in6_addr)];
    int family = strchr(text, ':') ? AF_INET6 : AF_INET;
    /* inet_pton's IPv4 form is strict dotted quad: no "127.1", no octal. */
    if (inet_pton(family, text, buf) != 1 || !inet_ntop(family, buf, out, RESOLVE_ADDRESS_SIZE))
        return heal_error_set(err, "'%.64s' is not an IPv4 or IPv6 address", text);
    return 0;
}
