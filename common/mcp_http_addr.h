/*
 * mcp_http_addr.h — where heal-mcp listens and whom it believes it is:
 * the [ADDR:]PORT of --http, whether that is a loopback address, and the
 * Host and Origin values a request may carry (DNS-rebinding protection:
 * a browser tricked into sending to 127.0.0.1 still names the attacker's
 * host in both).
 */
#ifndef HEAL_MCP_HTTP_ADDR_H
#define HEAL_MCP_HTTP_ADDR_H

#include "error.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>

#define MCP_HTTP_NAME_MAX 256

struct mcp_listen {
    struct sockaddr_storage addr;
    socklen_t addr_len;
    bool loopback, ipv6, any;     /* any: 0.0.0.0 or :: */
    char host[MCP_HTTP_NAME_MAX]; /* the address as a URL carries it: 127.0.0.1, [::1] */
};

/* Parses [ADDR:]PORT (ADDR numeric, [v6] in brackets, or localhost); the port is set apart. */
int mcp_listen_parse(const char *spec, struct mcp_listen *l, unsigned *port,
                     struct heal_error *err);

/* The allow-lists a request's Host and Origin are matched against (case-insensitive). */
struct mcp_allow {
    char (*names)[MCP_HTTP_NAME_MAX];
    int n, max;
};

int mcp_allow_add(struct mcp_allow *a, const char *name, struct heal_error *err);
bool mcp_allow_has(const struct mcp_allow *a, const char *name);

/*
 * Fills hosts and origins for a server on l at port, answering as
 * resource (a URL, or NULL), plus the operator's extra names.
 */
int mcp_allow_defaults(struct mcp_allow *hosts, struct mcp_allow *origins,
                       const struct mcp_listen *l, unsigned port, const char *resource,
                       struct heal_error *err);

/* "ADDR:PORT" of a peer (IPv6 in brackets). */
void mcp_peer_name(const struct sockaddr *sa, char *out, size_t size, char *host_only,
                   size_t host_size);

#endif
