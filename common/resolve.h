/*
 * resolve.h — name resolution that never blocks a poll loop.
 *
 * getaddrinfo() has no non-blocking form in POSIX, so each lookup runs on
 * its own detached worker thread.  The thread holds the write end of a
 * pipe and closes it when getaddrinfo() returns: the read end, which the
 * caller polls for POLLIN, then reports POLLHUP.  Nothing is ever written
 * to the pipe, so an abandoned lookup cannot raise SIGPIPE.
 *
 * A lookup may be abandoned at any time (a check timed out): the job is
 * shared by the caller and the thread through a reference count, and the
 * last one to let go frees it, so a thread that outlives its check still
 * has somewhere to put its answer, and its answer is freed.
 *
 * Numeric addresses never start a thread (AI_NUMERICHOST answers at once).
 *
 * Worker threads block every signal, so SIGTERM and SIGINT keep reaching
 * the main thread's handlers.  One job is used from one thread at a time.
 * Errors are reported as error.h says.
 */
#ifndef HEAL_RESOLVE_H
#define HEAL_RESOLVE_H

#include "error.h"

#include <netdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Longest host name accepted: a DNS name is at most 253 bytes, plus a final dot. */
#define RESOLVE_NAME_MAX 254
/* Room for any address as text, IPv6 with a zone included. */
#define RESOLVE_ADDRESS_SIZE (INET6_ADDRSTRLEN + 1 + 16)

struct resolve_job;

/*
 * Starts looking up host (and service, which may be NULL) with the given
 * family (AF_UNSPEC, AF_INET, AF_INET6), socket type and ai_flags.
 * Returns NULL with err when no lookup could be started (name empty or
 * too long, no memory, no thread).  Free the job with resolve_free().
 */
struct resolve_job *resolve_start(const char *host, const char *service, int family, int socktype,
                                  int flags, struct heal_error *err);

/* The fd to poll for POLLIN; -1 once the answer is known without polling. */
int resolve_fd(const struct resolve_job *job);

/* True once getaddrinfo() has returned. */
bool resolve_done(const struct resolve_job *job);

/*
 * After resolve_done(): returns getaddrinfo()'s code (0 on success) and
 * hands *res over to the caller (freeaddrinfo() it; NULL on failure).  For
 * EAI_SYSTEM, *sys_errno is the errno of the lookup, else 0.
 */
int resolve_result(struct resolve_job *job, struct addrinfo **res, int *sys_errno);

/* Releases the job; a lookup still running is abandoned, never waited for. */
void resolve_free(struct resolve_job *job);

/* Why a lookup failed, as gai_strerror() or strerror() says. */
const char *resolve_strerror(int code, int sys_errno);

/* The address of sa as text ("127.0.0.1", "::1"); "?" if not IPv4 or IPv6. */
void resolve_address_text(const struct sockaddr *sa, char out[RESOLVE_ADDRESS_SIZE]);

/*
 * Parses an IPv4 or IPv6 address and writes its canonical text
 * ("::0001" -> "::1"), so that addresses compare as strings.  Returns 0, or
 * -1 with err if text is not an address.
 */
int resolve_address_canonical(const char *text, char out[RESOLVE_ADDRESS_SIZE],
                              struct heal_error *err);

#endif
