#include "mcp_http_addr.h"
#include "ratelimit.h"
#include "unit.h"

#include <arpa/inet.h>
#include <stdlib.h>

static void test_listen(void)
{
    struct mcp_listen l;
    unsigned port = 1;
    struct heal_error err;
    CHECK(mcp_listen_parse("8080", &l, &port, &err) == 0 && port == 8080 && l.loopback && !l.ipv6 &&
              !strcmp(l.host, "127.0.0.1"),
          "a bare port listens on 127.0.0.1");
    CHECK(mcp_listen_parse("0", &l, &port, &err) == 0 && port == 0,
          "port 0 lets the system choose");
    CHECK(mcp_listen_parse("127.0.0.5:9", &l, &port, &err) == 0 && l.loopback,
          "all of 127/8 is loopback");
    CHECK(mcp_listen_parse("localhost:9", &l, &port, &err) == 0 && !strcmp(l.host, "127.0.0.1"),
          "localhost is 127.0.0.1, without a lookup");
    CHECK(mcp_listen_parse("[::1]:9", &l, &port, &err) == 0 && l.loopback && l.ipv6 &&
              !strcmp(l.host, "[::1]"),
          "[::1] is loopback, written with brackets");
    CHECK(mcp_listen_parse("0.0.0.0:9", &l, &port, &err) == 0 && !l.loopback && l.any,
          "0.0.0.0 is every address, not loopback");
    CHECK(mcp_listen_parse("[::]:9", &l, &port, &err) == 0 && !l.loopback && l.any,
          ":: is every address, not loopback");
    CHECK(mcp_listen_parse("192.0.2.7:9", &l, &port, &err) == 0 && !l.loopback && !l.any,
          "another address is neither");
    CHECK(mcp_listen_parse("65536", &l, &port, &err) != 0, "a port over 65535 is refused");
    CHECK(mcp_listen_parse("-1", &l, &port, &err) != 0, "a negative port is refused");
    CHECK(mcp_listen_parse("127.0.0.1:", &l, &port, &err) != 0, "an empty port is refused");
    CHECK(mcp_listen_parse("example.com:80", &l, &port, &err) != 0, "a host name is refused");
    CHECK(mcp_listen_parse("[::1:80", &l, &port, &err) != 0, "an unclosed bracket is refused");
}

static void test_allow(void)
{
    struct mcp_allow hosts = {0}, origins = {0};
    struct mcp_listen l;
    unsigned port;
    struct heal_error err;
    mcp_listen_parse("127.0.0.1:8080", &l, &port, &err);
    CHECK(mcp_allow_defaults(&hosts, &origins, &l, port, "https://heal.example.com/mcp", &err) == 0,
          "the defaults are made");
    CHECK(mcp_allow_has(&hosts, "127.0.0.1:8080") && mcp_allow_has(&hosts, "LOCALHOST:8080") &&
              mcp_allow_has(&hosts, "[::1]:8080"),
          "the loopback names with the port are allowed hosts, in any case");
    CHECK(!mcp_allow_has(&hosts, "127.0.0.1") && !mcp_allow_has(&hosts, "localhost:8081"),
          "without the port, or with another, they are not");
    CHECK(mcp_allow_has(&hosts, "heal.example.com"), "the resource's host is an allowed host");
    CHECK(mcp_allow_has(&origins, "http://localhost:8080") &&
              mcp_allow_has(&origins, "https://heal.example.com"),
          "the loopback origins and the resource's origin are allowed");
    CHECK(!mcp_allow_has(&origins, "http://evil.example.com") &&
              !mcp_allow_has(&hosts, "evil.example.com"),
          "anything else is not");
    CHECK(mcp_allow_add(&hosts, "mcp.internal:443", &err) == 0 &&
              mcp_allow_has(&hosts, "mcp.internal:443"),
          "the operator can add a host");
    free(hosts.names);
    free(origins.names);
}

static void test_ratelimit(void)
{
    static struct ratelimit r;
    int retry;
    ratelimit_init(&r, 2, 3);
    int taken = 0;
    for (int i = 0; i < 5; i++)
        taken += ratelimit_take(&r, "a", 1000, &retry);
    CHECK(taken == 3 && retry == 1, "a burst of 3 is served, then refused for a second");
    CHECK(ratelimit_take(&r, "b", 1000, &retry), "another caller has a bucket of its own");
    CHECK(!ratelimit_take(&r, "a", 1400, &retry), "0.8 of a token after 400 ms is not enough");
    CHECK(ratelimit_take(&r, "a", 1500, &retry), "a whole token after 500 ms at 2/s");
    CHECK(!ratelimit_take(&r, "a", 1500, &retry), "and only one");
    ratelimit_init(&r, 0, 1);
    taken = 0;
    for (int i = 0; i < 100; i++)
        taken += ratelimit_take(&r, "a", 0, &retry);
    CHECK(taken == 100, "rate 0 means no limit");
    ratelimit_init(&r, 1, 1);
    char key[32];
    for (int i = 0; i < RATELIMIT_KEYS + 10; i++) {
        snprintf(key, sizeof key, "k%d", i);
        ratelimit_take(&r, key, i, &retry);
    }
    CHECK(r.used == RATELIMIT_KEYS, "a flood of keys never grows the table");
}

int main(void)
{
    test_listen();
    test_allow();
    test_ratelimit();
    return unit_done();
}
