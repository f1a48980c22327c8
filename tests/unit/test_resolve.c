#include "clock.h"
#include "resolve.h"
#include "unit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>

static int canonical(const char *text, const char *want)
{
    char out[RESOLVE_ADDRESS_SIZE];
    return resolve_address_canonical(text, out, NULL) == 0 && strcmp(out, want) == 0;
}

/* Polls the job's fd, as the runner does, until it is done or 5 s pass. */
static bool wait_done(struct resolve_job *job)
{
    int64_t deadline = clock_mono_ms() + 5000;
    while (!resolve_done(job) && clock_mono_ms() < deadline) {
        struct pollfd p = {.fd = resolve_fd(job), .events = POLLIN};
        if (p.fd < 0 || poll(&p, 1, 100) < 0)
            return false;
    }
    return resolve_done(job);
}

static bool has_address(const struct addrinfo *res, const char *want)
{
    for (; res; res = res->ai_next) {
        char text[RESOLVE_ADDRESS_SIZE];
        resolve_address_text(res->ai_addr, text);
        if (strcmp(text, want) == 0)
            return true;
    }
    return false;
}

int main(void)
{
    CHECK(canonical("127.0.0.1", "127.0.0.1"), "an IPv4 address is its own canonical form");
    CHECK(canonical("::0001", "::1") && canonical("0:0:0:0:0:0:0:1", "::1"),
          "IPv6 addresses are compressed, so equal addresses compare equal");
    CHECK(canonical("FE80::A", "fe80::a"), "IPv6 hex digits are lower-cased");
    CHECK(canonical("::ffff:127.0.0.1", "::ffff:127.0.0.1"), "a v4-mapped address stays one");
    struct heal_error err = {{0}};
    char out[RESOLVE_ADDRESS_SIZE];
    CHECK(resolve_address_canonical("localhost", out, &err) == -1, "a name is not an address");
    CHECK_STR(err.msg, "'localhost' is not an IPv4 or IPv6 address", "and the refusal says so");
    CHECK(!canonical("127.1", "127.0.0.1") && !canonical("10.0.0.256", "") &&
              !canonical("010.0.0.1", "10.0.0.1") && !canonical("", "") &&
              !canonical("1::2::3", ""),
          "short, out-of-range, octal-looking, empty and double-:: forms are refused");

    struct sockaddr_in sin = {.sin_family = AF_INET};
    inet_pton(AF_INET, "192.0.2.7", &sin.sin_addr);
    resolve_address_text((struct sockaddr *)&sin, out);
    CHECK_STR(out, "192.0.2.7", "an IPv4 sockaddr prints as its address");
    struct sockaddr other = {.sa_family = AF_UNIX};
    resolve_address_text(&other, out);
    CHECK_STR(out, "?", "a sockaddr of another family prints as '?'");

    CHECK(resolve_start("", NULL, AF_UNSPEC, SOCK_STREAM, 0, &err) == NULL,
          "an empty name is refused");
    CHECK_STR(err.msg, "a host name must be 1 to 254 bytes", "saying how long a name may be");
    char longname[RESOLVE_NAME_MAX + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    CHECK(resolve_start(longname, NULL, AF_UNSPEC, SOCK_STREAM, 0, NULL) == NULL,
          "a name longer than RESOLVE_NAME_MAX is refused");

    struct resolve_job *job = resolve_start("127.0.0.1", "8080", AF_UNSPEC, SOCK_STREAM, 0, &err);
    CHECK(job && resolve_done(job) && resolve_fd(job) == -1,
          "an address is answered at once, with no thread and no fd");
    struct addrinfo *res = NULL;
    int code = job ? resolve_result(job, &res, NULL) : -1;
    CHECK(code == 0 && res && res->ai_family == AF_INET &&
              ntohs(((struct sockaddr_in *)(void *)res->ai_addr)->sin_port) == 8080,
          "its answer holds the address and the port");
    if (res)
        freeaddrinfo(res);
    resolve_free(job);

    job = resolve_start("localhost", NULL, AF_INET, SOCK_STREAM, 0, &err);
    CHECK(job && resolve_fd(job) >= 0, "a name is looked up on a thread, with an fd to poll");
    CHECK(job && wait_done(job), "the fd wakes poll() once the lookup is done");
    res = NULL;
    code = job ? resolve_result(job, &res, NULL) : -1;
    CHECK(code == 0 && has_address(res, "127.0.0.1"), "localhost resolves to 127.0.0.1");
    if (res)
        freeaddrinfo(res);
    resolve_free(job);

    job = resolve_start("nonexistent.invalid", NULL, AF_UNSPEC, SOCK_STREAM, 0, &err);
    CHECK(job && wait_done(job), "a lookup that fails finishes too");
    int sys_errno = -1;
    code = job ? resolve_result(job, &res, &sys_errno) : 0;
    CHECK(code != 0 && res == NULL, "a name under .invalid does not resolve");
    CHECK(strlen(resolve_strerror(code, sys_errno)) > 0, "and the reason is named: %s",
          resolve_strerror(code, sys_errno));
    resolve_free(job);

    /* Abandoned lookups: the threads free their jobs; ASan/LSan would see leaks or misuse. */
    int started = 0;
    for (int i = 0; i < 50; i++) {
        job = resolve_start(i % 2 ? "localhost" : "nonexistent.invalid", "22", AF_UNSPEC,
                            SOCK_STREAM, 0, NULL);
        started += job != NULL;
        resolve_free(job);
    }
    CHECK(started == 50, "lookups can be abandoned at once, before they finish");
    job = resolve_start("localhost", NULL, AF_UNSPEC, SOCK_STREAM, 0, NULL);
    CHECK(job && wait_done(job), "and later lookups still work");
    resolve_free(job);
    return unit_done();
}
