#include "mcp_http_addr.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PORT_MAX 65535

static int parse_port(const char *s, unsigned *port, struct heal_error *err)
{
    char *end;
    unsigned long p = strtoul(s, &end, 10);
    if (!*s || *end || p > PORT_MAX || *s == '-' || *s == '+')
        return heal_error_set(err, "'%s' is not a port (0..%d)", s, PORT_MAX);
    *port = (unsigned)p;
    return 0;
}

int mcp_listen_parse(const char *spec, struct mcp_listen *l, unsigned *port, struct heal_error *err)
{
    char addr[INET6_ADDRSTRLEN + 16] = "127.0.0.1"; /* room for any numeric address */
    const char *port_text = spec;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close || close[1] != ':' || (size_t)(close - spec - 1) >= sizeof addr)
            return heal_error_set(err, "'%s': expected [IPV6]:PORT", spec);
        snprintf(addr, sizeof addr, "%.*s", (int)(close - spec - 1), spec + 1);
        port_text = close + 2;
    } else if (strrchr(spec, ':')) {
        const char *colon = strrchr(spec, ':');
        if ((size_t)(colon - spec) >= sizeof addr)
            return heal_error_set(err, "'%s': address too long", spec);
        snprintf(addr, sizeof addr, "%.*s", (int)(colon - spec), spec);
        port_text = colon + 1;
    }
    if (!strcasecmp(addr, "localhost"))
        snprintf(addr, sizeof addr, "127.0.0.1");
    if (parse_port(port_text, port, err) != 0)
        return -1;
    memset(l, 0, sizeof *l);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&l->addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&l->addr;
    if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)*port);
        l->addr_len = sizeof *v4;
        l->loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
        l->any = v4->sin_addr.s_addr == htonl(INADDR_ANY);
        snprintf(l->host, sizeof l->host, "%s", addr);
    } else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)*port);
        l->addr_len = sizeof *v6;
        l->ipv6 = true;
        l->loopback = IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
        l->any = IN6_IS_ADDR_UNSPECIFIED(&v6->sin6_addr);
        snprintf(l->host, sizeof l->host, "[%s]", addr);
    } else {
        return heal_error_set(err, "'%s' is not a numeric IPv4 or IPv6 address", addr);
    }
    return 0;
}

int mcp_allow_add(struct mcp_allow *a, const char *name, struct heal_error *err)
{
    if (mcp_allow_has(a, name))
        return 0;
    if (strlen(name) >= MCP_HTTP_NAME_MAX)
        return heal_error_set(err, "'%.40s...' is too long", name);
    if (a->n == a->max) {
        int max = a->max ? a->max * 2 : 8;
        void *grown = realloc(a->names, (size_t)max * sizeof *a->names);
        if (!grown)
            return heal_error_set(err, "out of memory");
        a->names = grown;
        a->max = max;
    }
    snprintf(a->names[a->n++], MCP_HTTP_NAME_MAX, "%s", name);
    return 0;
}

bool mcp_allow_has(const struct mcp_allow *a, const char *name)
{
    for (int i = 0; i < a->n; i++)
        if (!strcasecmp(a->names[i], name))
            return true;
    return false;
}

/* The authority of a URL (userinfo dropped), and its scheme. */
static int url_parts(const char *url, char *scheme, char *authority, struct heal_error *err)
{
    const char *sep = strstr(url, "://");
    if (!sep || sep == url || (size_t)(sep - url) >= 16)
        return heal_error_set(err, "'%s' is not an http(s) URL", url);
    snprintf(scheme, 16, "%.*s", (int)(sep - url), url);
    const char *start = sep + 3, *end = start + strcspn(start, "/?#");
    const char *at = memchr(start, '@', (size_t)(end - start));
    if (at)
        start = at + 1;
    if (end == start || (size_t)(end - start) >= MCP_HTTP_NAME_MAX - 24)
        return heal_error_set(err, "'%s' names no host", url);
    snprintf(authority, MCP_HTTP_NAME_MAX, "%.*s", (int)(end - start), start);
    return 0;
}

int mcp_allow_defaults(struct mcp_allow *hosts, struct mcp_allow *origins,
                       const struct mcp_listen *l, unsigned port, const char *resource,
                       struct heal_error *err)
{
    const char *loopback[] = {"127.0.0.1", "localhost", "[::1]", l->any ? NULL : l->host};
    char name[MCP_HTTP_NAME_MAX + 32];
    for (size_t i = 0; i < sizeof loopback / sizeof *loopback; i++) {
        if (!loopback[i])
            continue;
        snprintf(name, sizeof name, "%s:%u", loopback[i], port);
        if (mcp_allow_add(hosts, name, err) != 0)
            return -1;
        snprintf(name, sizeof name, "http://%s:%u", loopback[i], port);
        if (mcp_allow_add(origins, name, err) != 0)
            return -1;
    }
    if (!resource)
        return 0;
    char scheme[16], authority[MCP_HTTP_NAME_MAX];
    if (url_parts(resource, scheme, authority, err) != 0)
        return -1;
    snprintf(name, sizeof name, "%s://%s", scheme, authority);
    /* Behind a proxy the Host is the public one, as the resource URL names it. */
    return mcp_allow_add(hosts, authority, err) != 0 || mcp_allow_add(origins, name, err) != 0 ? -1
                                                                                               : 0;
}

void mcp_peer_name(const struct sockaddr *sa, char *out, size_t size, char *host_only,
                   size_t host_size)
{
    char host[NI_MAXHOST] = "?", serv[NI_MAXSERV] = "?";
    socklen_t len =
        sa && sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    if (sa)
        getnameinfo(sa, len, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV);
    bool v6 = sa && sa->sa_family == AF_INET6;
    snprintf(out, size, v6 ? "[%s]:%s" : "%s:%s", host, serv);
    snprintf(host_only, host_size, "%s", host);
}
