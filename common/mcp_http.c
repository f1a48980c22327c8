#include "mcp_http.h"
#include "atomicfile.h"
#include "clock.h"
#include "jsonbuf.h"
#include "log.h"
#include "mcp_audit.h"
#include "mcp_calls.h"
#include "mcp_http_addr.h"
#include "mcp_jsonrpc.h"
#include "mcp_server.h"
#include "ratelimit.h"
#include "record.h"
#include "signals.h"

#include <errno.h>
#include <microhttpd.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#define WELL_KNOWN "/.well-known/oauth-protected-resource"
#define SESSION_ID_BYTES 16 /* 128 random bits, as hex */
#define CONNECTION_TIMEOUT_S 120
#define SSE_BLOCK 4096
#define EXPIRY_TICK_MS 1000
#define MESSAGE_MAX 300
#define RESOURCE_MAX 300
#define PORT_TEXT_MAX 16
/* JSON-RPC code of transport-level refusals, as the SDK's server answers them. */
#define TRANSPORT_ERROR (-32000)

struct http;

struct session {
    bool used;
    struct http *h;
    uint64_t serial; /* the call group: never reused, unlike the slot */
    char id[MCP_SESSION_ID_MAX];
    char sub[MCP_CALLER_FIELD_MAX];
    bool authenticated;
    struct mcp_server *server;
    struct request *current; /* the request whose message the server is reading */
    int64_t last_ms;
};

struct request {
    struct http *h;
    struct MHD_Connection *conn;
    struct request *prev, *next;
    struct jsonbuf body;
    bool too_big, processed, suspended;
    bool sse;           /* answer as an event stream */
    bool call_pending;  /* a call will still send to us */
    bool answered;      /* out holds the JSON answer */
    struct jsonbuf out; /* SSE: events not yet handed to MHD; JSON: the answer */
    size_t sent;
    struct mcp_caller caller;
    char peer[MCP_CALLER_ADDR_MAX]; /* the address alone, without the port */
};

struct http {
    const struct mcp_http_config *cfg;
    struct MHD_Daemon *daemon;
    struct mcp_auth *auth;
    struct mcp_calls *calls;
    struct mcp_allow hosts, origins;
    struct ratelimit rate;
    struct session sessions[MCP_HTTP_SESSIONS_MAX];
    uint64_t serials;
    struct request *requests;
    bool kick; /* a connection was resumed: run MHD again before sleeping */
};

/* What a refused body was, for the audit line. */
struct peek {
    struct mcp_message m;
    const char *tool;
    jv args;
};

static void peek_body(const struct request *r, struct peek *p)
{
    p->tool = NULL;
    p->args = jv_invalid();
    if (r->too_big || r->body.len == 0) {
        mcp_message_parse("", 0, &p->m);
        return;
    }
    mcp_message_parse(r->body.data, r->body.len, &p->m);
    if (p->m.kind != MCP_MESSAGE_REQUEST || strcmp(p->m.method, "tools/call") ||
        jv_get_kind(p->m.params) != JV_KIND_OBJECT)
        return;
    jv name = jv_object_get(jv_copy(p->m.params), jv_string("name"));
    if (jv_get_kind(name) == JV_KIND_STRING) {
        /* Held by params, which m keeps alive. */
        p->tool = jv_string_value(name);
        p->args = jv_object_get(jv_copy(p->m.params), jv_string("arguments"));
    }
    jv_free(name);
}

static void peek_free(struct peek *p)
{
    jv_free(p->args);
    mcp_message_free(&p->m);
}

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* --- responses ------------------------------------------------------------------------ */

static enum MHD_Result queue(struct request *r, unsigned status, const char *type, const char *data,
                             size_t len, const char *const *headers)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)(uintptr_t)data, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    if (type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    for (const char *const *h = headers; h && h[0]; h += 2)
        MHD_add_response_header(resp, h[0], h[1]);
    enum MHD_Result ret = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* doc (consumed) as the application/json body. */
static enum MHD_Result queue_json(struct request *r, unsigned status, jv doc,
                                  const char *const *headers)
{
    jv text = jv_dump_string(doc, 0);
    enum MHD_Result ret = queue(r, status, "application/json", jv_string_value(text),
                                (size_t)jv_string_length_bytes(jv_copy(text)), headers);
    jv_free(text);
    return ret;
}

/* A JSON-RPC error without an id, as the body of a transport-level refusal. */
static enum MHD_Result refuse(struct request *r, unsigned status, const char *message,
                              const char *const *headers)
{
    return queue_json(
        r, status, mcp_error_response(jv_null(), TRANSPORT_ERROR, message, jv_invalid()), headers);
}

/*
 * A refusal at the gate: audited as denied for reason (a few fixed words,
 * so the metrics' labels stay few whatever a client sends), logged and
 * answered as "label: detail".
 */
static enum MHD_Result deny(struct request *r, unsigned status, const char *label,
                            const char *reason, const char *detail, const char *const *headers)
{
    struct peek p;
    peek_body(r, &p);
    /* A refused request starts no chain of records, but its line and log still need a trace. */
    char trace[RECORD_ID_SIZE];
    record_id_new(trace);
    log_set_trace(trace);
    log_info("http", "%s %s: %u %s", r->caller.remote, p.tool ? p.tool : "-", status, detail);
    log_set_trace(NULL);
    if (r->h->cfg->audit) {
        struct mcp_audit_call a = {
            .caller = &r->caller,
            .tool = p.tool,
            .method = p.m.method,
            .args = jv_is_valid(p.args) ? &p.args : NULL,
            .result = MCP_AUDIT_DENIED,
            .reason = reason,
            .http_status = (int)status,
            .session = header(r->conn, "Mcp-Session-Id"),
            .trace = trace,
        };
        struct heal_error err;
        if (mcp_audit_write(r->h->cfg->audit, &a, &err) != 0)
            log_error("audit", "%s", err.msg);
    }
    peek_free(&p);
    char message[MESSAGE_MAX];
    snprintf(message, sizeof message, "%s: %s", label, detail);
    return refuse(r, status, message, headers);
}

static void kick(struct request *r)
{
    if (r->suspended) {
        r->suspended = false;
        MHD_resume_connection(r->conn);
        r->h->kick = true;
    }
}

/* A message for the client of request r (consumed). */
static void request_push(struct request *r, jv msg)
{
    struct heal_error err;
    struct jsonbuf line = {0};
    bool final = jv_get_kind(msg) == JV_KIND_OBJECT && jv_object_has(jv_copy(msg), jv_string("id"));
    if (mcp_message_line(&line, msg, &err) != 0) {
        log_error("http", "%s", err.msg);
        return;
    }
    line.len--; /* its "\n" */
    if (r->sse) {
        if (jsonbuf_append(&r->out, "event: message\ndata: ", 21, &err) != 0 ||
            jsonbuf_append(&r->out, line.data, line.len, &err) != 0 ||
            jsonbuf_append(&r->out, "\n\n", 2, &err) != 0)
            log_error("http", "%s", err.msg);
    } else if (final) {
        r->out.len = 0;
        if (jsonbuf_append(&r->out, line.data, line.len, &err) != 0)
            log_error("http", "%s", err.msg);
    }
    if (final)
        r->answered = true;
    jsonbuf_free(&line);
    kick(r);
}

static void sink_send(void *owner, jv msg)
{
    request_push(owner, msg);
}

static void sink_done(void *owner)
{
    struct request *r = owner;
    r->call_pending = false;
    kick(r);
}

static const struct mcp_call_sink request_sink = {.send = sink_send, .done = sink_done};

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct request *r = cls;
    (void)pos;
    if (r->sent < r->out.len) {
        size_t n = r->out.len - r->sent < max ? r->out.len - r->sent : max;
        memcpy(buf, r->out.data + r->sent, n);
        r->sent += n;
        if (r->sent == r->out.len)
            r->out.len = r->sent = 0;
        return (ssize_t)n;
    }
    if (!r->call_pending)
        return MHD_CONTENT_READER_END_OF_STREAM;
    /* Nothing yet: park until the call sends (request_push) or ends (sink_done). */
    r->suspended = true;
    MHD_suspend_connection(r->conn);
    return 0;
}

static enum MHD_Result answer(struct request *r)
{
    if (r->sse) {
        struct MHD_Response *resp =
            MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, SSE_BLOCK, sse_read, r, NULL);
        if (!resp)
            return MHD_NO;
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
        enum MHD_Result ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
        MHD_destroy_response(resp);
        return ret;
    }
    if (!r->answered) /* cancelled: no answer is sent */
        return queue(r, MHD_HTTP_ACCEPTED, NULL, "", 0, NULL);
    return queue(r, MHD_HTTP_OK, "application/json", r->out.data, r->out.len, NULL);
}

/* --- sessions ------------------------------------------------------------------------- */

static void session_send(void *ctx, jv msg)
{
    struct session *s = ctx;
    if (s->current)
        request_push(s->current, msg);
    else
        jv_free(msg);
}

static bool session_in_flight(void *ctx, const jv *id)
{
    struct session *s = ctx;
    return mcp_calls_in_flight(s->h->calls, s->serial, id);
}

static void session_call(void *ctx, jv id, int tool, jv args, jv token)
{
    struct session *s = ctx;
    struct request *r = s->current;
    struct mcp_call_origin origin = {
        .group = s->serial, .caller = &r->caller, .session = s->id, .http_status = MHD_HTTP_OK};
    r->call_pending = true; /* before the start: it may answer at once */
    mcp_calls_start(s->h->calls, &origin, r, &request_sink, id, tool, args, token);
}

static void session_cancel(void *ctx, jv id)
{
    struct session *s = ctx;
    mcp_calls_cancel(s->h->calls, s->serial, id);
}

static const struct mcp_server_ops session_ops = {.send = session_send,
                                                  .in_flight = session_in_flight,
                                                  .call = session_call,
                                                  .cancel = session_cancel};

static void session_end(struct session *s, const char *why);

/* A free slot, or the one idle longest if long enough; NULL when all are busy. */
static struct session *session_slot(struct http *h)
{
    struct session *oldest = NULL;
    for (int i = 0; i < MCP_HTTP_SESSIONS_MAX; i++) {
        struct session *s = &h->sessions[i];
        if (!s->used)
            return s;
        if (!oldest || s->last_ms < oldest->last_ms)
            oldest = s;
    }
    if (clock_mono_ms() - oldest->last_ms < MCP_HTTP_EVICT_IDLE_MS)
        return NULL;
    session_end(oldest, "given way to a new one");
    return oldest;
}

static struct session *session_new(struct http *h, const struct mcp_caller *caller)
{
    struct session *s = session_slot(h);
    unsigned char bytes[SESSION_ID_BYTES];
    if (!s || getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes)
        return NULL;
    memset(s, 0, sizeof *s);
    s->server = mcp_server_new(h->cfg->tools, &session_ops, s);
    if (!s->server)
        return NULL;
    s->used = true;
    s->h = h;
    s->serial = ++h->serials;
    for (size_t b = 0; b < sizeof bytes; b++)
        snprintf(s->id + 2 * b, 3, "%02x", bytes[b]);
    snprintf(s->sub, sizeof s->sub, "%s", caller->sub);
    s->authenticated = caller->authenticated;
    s->last_ms = clock_mono_ms();
    return s;
}

static void session_end(struct session *s, const char *why)
{
    log_info("http", "session %.8s... of %s %s", s->id, s->sub, why);
    mcp_server_free(s->server);
    memset(s, 0, sizeof *s);
}

/* The caller's own live session named id, or NULL: another's is as unknown as a dead one. */
static struct session *session_find(struct http *h, const char *id, const struct mcp_caller *c)
{
    for (int i = 0; i < MCP_HTTP_SESSIONS_MAX; i++) {
        struct session *s = &h->sessions[i];
        if (s->used && !strcmp(s->id, id) && !strcmp(s->sub, c->sub) &&
            s->authenticated == c->authenticated)
            return s;
    }
    return NULL;
}

static void sessions_expire(struct http *h)
{
    int64_t now = clock_mono_ms();
    for (int i = 0; i < MCP_HTTP_SESSIONS_MAX; i++) {
        struct session *s = &h->sessions[i];
        if (s->used && now - s->last_ms > h->cfg->session_idle_ms)
            session_end(s, "expired after being idle");
    }
}

/* --- the gate --------------------------------------------------------------------------- */

/* True when the Accept header admits type: exactly, or as "type/" or "" followed by a star. */
static bool accepts(const char *accept, const char *type)
{
    size_t major = strcspn(type, "/");
    for (const char *p = accept; p && *p;) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, ",;");
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if ((len == strlen(type) && !strncasecmp(p, type, len)) ||
            (len == 3 && !strncmp(p, "*/*", 3)) ||
            (len == major + 2 && !strncasecmp(p, type, major + 1) && p[major + 1] == '*'))
            return true;
        p = strchr(p, ',');
    }
    return false;
}

static bool version_ok(const char *v)
{
    return !v || mcp_server_speaks(v);
}

/* Host, Origin, token and rate: true when the request may go on, else it has been refused. */
static bool gate(struct request *r, enum MHD_Result *ret)
{
    struct http *h = r->h;
    const char *host = header(r->conn, MHD_HTTP_HEADER_HOST);
    const char *origin = header(r->conn, "Origin");
    char reason[MCP_AUTH_REASON_MAX + 64];
    if (!host || !mcp_allow_has(&h->hosts, host)) {
        snprintf(reason, sizeof reason, "Host %.80s is not allowed", host ? host : "(none)");
        *ret = deny(r, MHD_HTTP_FORBIDDEN, "Forbidden", "foreign Host", reason, NULL);
        return false;
    }
    if (origin && !mcp_allow_has(&h->origins, origin)) {
        snprintf(reason, sizeof reason, "Origin %.80s is not allowed", origin);
        *ret = deny(r, MHD_HTTP_FORBIDDEN, "Forbidden", "foreign Origin", reason, NULL);
        return false;
    }
    char why[MCP_AUTH_REASON_MAX], challenge[MCP_AUTH_HEADER_MAX];
    char remote[MCP_CALLER_ADDR_MAX];
    snprintf(remote, sizeof remote, "%s", r->caller.remote);
    enum mcp_auth_verdict v = mcp_auth_check(
        h->auth, header(r->conn, MHD_HTTP_HEADER_AUTHORIZATION), remote, &r->caller, why);
    if (v != MCP_AUTH_ALLOWED) {
        mcp_auth_challenge(h->auth, v, 0, challenge);
        const char *headers[] = {MHD_HTTP_HEADER_WWW_AUTHENTICATE, challenge, NULL};
        bool malformed = v == MCP_AUTH_MALFORMED;
        *ret = deny(r, malformed ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_UNAUTHORIZED,
                    malformed ? "Bad Request" : "Unauthorized", why, why, headers);
        return false;
    }
    int retry;
    char key[RATELIMIT_KEY_MAX];
    if (r->caller.authenticated)
        snprintf(key, sizeof key, "sub:%s", r->caller.sub);
    else
        snprintf(key, sizeof key, "addr:%s", r->peer);
    if (!ratelimit_take(&h->rate, key, clock_mono_ms(), &retry)) {
        char after[PORT_TEXT_MAX];
        snprintf(after, sizeof after, "%d", retry);
        const char *headers[] = {MHD_HTTP_HEADER_RETRY_AFTER, after, NULL};
        *ret = deny(r, MHD_HTTP_TOO_MANY_REQUESTS, "Too Many Requests", "rate limit", "rate limit",
                    headers);
        return false;
    }
    return true;
}

/* --- requests --------------------------------------------------------------------------- */

static enum MHD_Result serve_metadata(struct request *r, const char *method)
{
    if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
        const char *headers[] = {MHD_HTTP_HEADER_ALLOW, "GET", NULL};
        return refuse(r, MHD_HTTP_METHOD_NOT_ALLOWED, "Method Not Allowed", headers);
    }
    const char *host = header(r->conn, MHD_HTTP_HEADER_HOST);
    if (!host || !mcp_allow_has(&r->h->hosts, host))
        return refuse(r, MHD_HTTP_FORBIDDEN, "Forbidden: Host is not allowed", NULL);
    const char *headers[] = {MHD_HTTP_HEADER_CACHE_CONTROL, "max-age=300", NULL};
    return queue_json(r, MHD_HTTP_OK, mcp_auth_metadata(r->h->auth), headers);
}

static enum MHD_Result serve_delete(struct request *r)
{
    const char *id = header(r->conn, "Mcp-Session-Id");
    if (!id)
        return refuse(r, MHD_HTTP_BAD_REQUEST, "Bad Request: Mcp-Session-Id header is required",
                      NULL);
    struct session *s = session_find(r->h, id, &r->caller);
    if (!s)
        return refuse(r, MHD_HTTP_NOT_FOUND, "Session not found", NULL);
    mcp_calls_cancel_group(r->h->calls, s->serial);
    session_end(s, "ended by the client");
    return queue(r, MHD_HTTP_OK, NULL, "", 0, NULL);
}

/* True when a tools/call in the message asked for progress. */
static bool wants_progress(const struct mcp_message *m)
{
    if (m->kind != MCP_MESSAGE_REQUEST || strcmp(m->method, "tools/call") ||
        jv_get_kind(m->params) != JV_KIND_OBJECT)
        return false;
    jv meta = jv_object_get(jv_copy(m->params), jv_string("_meta"));
    jv token = jv_get_kind(meta) == JV_KIND_OBJECT
                   ? jv_object_get(jv_copy(meta), jv_string("progressToken"))
                   : jv_invalid();
    jv_kind k = jv_get_kind(token);
    jv_free(token);
    jv_free(meta);
    return k == JV_KIND_STRING || k == JV_KIND_NUMBER;
}

/* The scope check of a tools/call; true when it may run (or is no tools/call). */
static bool scope_ok(struct request *r, const struct peek *p, enum MHD_Result *ret)
{
    if (!p->tool)
        return true;
    int tool = mcp_tools_find(r->h->cfg->tools, p->tool);
    if (tool < 0)
        return true; /* the protocol answers an unknown tool */
    unsigned needed = mcp_tools_scope(r->h->cfg->tools, tool);
    if (mcp_auth_allows(&r->caller, needed))
        return true;
    char challenge[MCP_AUTH_HEADER_MAX], names[64], reason[MESSAGE_MAX];
    mcp_auth_challenge(r->h->auth, MCP_AUTH_ALLOWED, needed, challenge);
    mcp_scope_names(needed, names, sizeof names);
    snprintf(reason, sizeof reason, "insufficient scope: %.40s needs %s", p->tool, names);
    const char *headers[] = {MHD_HTTP_HEADER_WWW_AUTHENTICATE, challenge, NULL};
    *ret = deny(r, MHD_HTTP_FORBIDDEN, "Forbidden", "insufficient scope", reason, headers);
    return false;
}

static enum MHD_Result serve_post(struct request *r)
{
    struct http *h = r->h;
    const char *accept = header(r->conn, MHD_HTTP_HEADER_ACCEPT);
    const char *type = header(r->conn, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!accept || !accepts(accept, "application/json") || !accepts(accept, "text/event-stream"))
        return refuse(r, MHD_HTTP_NOT_ACCEPTABLE,
                      "Not Acceptable: Client must accept both application/json and "
                      "text/event-stream",
                      NULL);
    if (!type || strncasecmp(type, "application/json", 16))
        return refuse(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                      "Unsupported Media Type: Content-Type must be application/json", NULL);
    if (r->too_big) {
        char message[MESSAGE_MAX];
        snprintf(message, sizeof message, "Content Too Large: the limit is %d bytes", MCP_LINE_MAX);
        return refuse(r, MHD_HTTP_CONTENT_TOO_LARGE, message, NULL);
    }
    enum MHD_Result ret = MHD_YES;
    struct peek p;
    peek_body(r, &p);
    const char *id = header(r->conn, "Mcp-Session-Id");
    const char *version = header(r->conn, "MCP-Protocol-Version");
    bool initialize = p.m.kind == MCP_MESSAGE_REQUEST && !strcmp(p.m.method, "initialize");
    struct session *s = NULL;
    if (p.m.kind == MCP_MESSAGE_INVALID) {
        ret = queue_json(
            r, MHD_HTTP_BAD_REQUEST,
            mcp_error_response(jv_copy(p.m.id), p.m.error_code, p.m.error, jv_invalid()), NULL);
    } else if (!id && !initialize) {
        ret =
            refuse(r, MHD_HTTP_BAD_REQUEST, "Bad Request: Mcp-Session-Id header is required", NULL);
    } else if (id && !(s = session_find(h, id, &r->caller))) {
        ret = refuse(r, MHD_HTTP_NOT_FOUND, "Session not found", NULL);
    } else if (!initialize && !version_ok(version)) {
        char message[MESSAGE_MAX];
        snprintf(message, sizeof message, "Bad Request: unsupported MCP-Protocol-Version %.40s",
                 version);
        ret = refuse(r, MHD_HTTP_BAD_REQUEST, message, NULL);
    } else if (scope_ok(r, &p, &ret)) {
        bool fresh = !s;
        if (fresh && !(s = session_new(h, &r->caller)))
            ret = refuse(r, MHD_HTTP_SERVICE_UNAVAILABLE, "Service Unavailable: too many sessions",
                         NULL);
        if (s) {
            s->last_ms = clock_mono_ms();
            r->sse = wants_progress(&p.m);
            s->current = r;
            mcp_server_line(s->server, r->body.data, r->body.len);
            s->current = NULL;
            if (p.m.kind != MCP_MESSAGE_REQUEST) {
                ret = queue(r, MHD_HTTP_ACCEPTED, NULL, "", 0, NULL);
            } else if (fresh) {
                bool opened = mcp_server_version(s->server) != NULL;
                const char *headers[] = {"Mcp-Session-Id", s->id, NULL};
                ret = queue(r, MHD_HTTP_OK, "application/json", r->out.data, r->out.len,
                            opened ? headers : NULL);
                if (opened)
                    log_info("http", "session %.8s... opened by %s (%s)", s->id, r->caller.sub,
                             r->caller.remote);
                else
                    session_end(s, "refused at initialize");
            } else if (r->sse) {
                ret = answer(r);
            } else if (r->call_pending) {
                r->suspended = true;
                MHD_suspend_connection(r->conn);
            } else {
                ret = answer(r);
            }
        }
    }
    peek_free(&p);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct http *h = cls;
    struct request *r = *con_cls;
    (void)version;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->h = h;
        r->conn = conn;
        r->next = h->requests;
        if (h->requests)
            h->requests->prev = r;
        h->requests = r;
        *con_cls = r;
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        mcp_peer_name(info ? info->client_addr : NULL, r->caller.remote, sizeof r->caller.remote,
                      r->peer, sizeof r->peer);
        const char *length = header(conn, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && strtoull(length, NULL, 10) > MCP_LINE_MAX) {
            /* Refused before a byte of it is read. */
            r->processed = true;
            char message[MESSAGE_MAX];
            snprintf(message, sizeof message, "Content Too Large: the limit is %d bytes",
                     MCP_LINE_MAX);
            return refuse(r, MHD_HTTP_CONTENT_TOO_LARGE, message, NULL);
        }
        return MHD_YES;
    }
    if (*upload_size > 0) {
        struct heal_error err;
        if (!r->too_big && r->body.len + *upload_size > MCP_LINE_MAX) {
            r->too_big = true;
            jsonbuf_free(&r->body);
            r->body = (struct jsonbuf){0};
        }
        if (!r->too_big && jsonbuf_append(&r->body, upload, *upload_size, &err) != 0)
            return MHD_NO;
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->processed) /* resumed once its call was over */
        return answer(r);
    r->processed = true;
    if (!strcmp(url, WELL_KNOWN) || !strcmp(url, WELL_KNOWN MCP_HTTP_PATH))
        return serve_metadata(r, method);
    if (strcmp(url, MCP_HTTP_PATH))
        return refuse(r, MHD_HTTP_NOT_FOUND, "Not Found", NULL);
    enum MHD_Result ret;
    if (!gate(r, &ret))
        return ret;
    if (!strcmp(method, MHD_HTTP_METHOD_POST))
        return serve_post(r);
    if (!strcmp(method, MHD_HTTP_METHOD_DELETE))
        return serve_delete(r);
    /* GET would open a stream for messages of the server's own; there are none. */
    const char *headers[] = {MHD_HTTP_HEADER_ALLOW, "POST, DELETE", NULL};
    return refuse(r, MHD_HTTP_METHOD_NOT_ALLOWED, "Method Not Allowed", headers);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http *h = cls;
    struct request *r = *con_cls;
    (void)conn;
    (void)toe;
    if (!r)
        return;
    if (r->call_pending)
        mcp_calls_drop_owner(h->calls, r);
    for (int i = 0; i < MCP_HTTP_SESSIONS_MAX; i++)
        if (h->sessions[i].current == r)
            h->sessions[i].current = NULL;
    if (r->prev)
        r->prev->next = r->next;
    else
        h->requests = r->next;
    if (r->next)
        r->next->prev = r->prev;
    jsonbuf_free(&r->body);
    jsonbuf_free(&r->out);
    free(r);
    *con_cls = NULL;
}

__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[MESSAGE_MAX];
    (void)cls;
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    log_warn("http", "%s", line);
}

/* --- the loop ------------------------------------------------------------------------- */

static int start_daemon(struct http *h, const struct mcp_listen *l, unsigned *port,
                        struct heal_error *err)
{
    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (l->ipv6)
        flags |= MHD_USE_IPv6;
    /* The logger first, or what the other options say goes to stderr its own way. */
    h->daemon =
        MHD_start_daemon(flags, (uint16_t)*port, NULL, NULL, on_request, h,
                         MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h, MHD_OPTION_SOCK_ADDR, &l->addr,
                         MHD_OPTION_CONNECTION_LIMIT, (unsigned)MCP_HTTP_CONNECTIONS_MAX,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
                         MHD_OPTION_NOTIFY_COMPLETED, on_completed, h, MHD_OPTION_END);
    if (!h->daemon)
        return heal_error_set(err, "cannot listen on %s:%u (in use, or not an address of ours)",
                              l->host, *port);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    if (info)
        *port = info->port;
    return 0;
}

static int write_port_file(const char *path, unsigned port, struct heal_error *err)
{
    char text[PORT_TEXT_MAX];
    int n = snprintf(text, sizeof text, "%u\n", port);
    return atomicfile_write_cache(path, text, (size_t)n, 0644, err);
}

static int wait_ms(struct http *h)
{
    int wait = mcp_calls_wait_ms(h->calls);
    MHD_UNSIGNED_LONG_LONG mhd;
    if (MHD_get_timeout(h->daemon, &mhd) == MHD_YES && (wait < 0 || mhd < (unsigned)wait))
        wait = (int)mhd;
    for (int i = 0; i < MCP_HTTP_SESSIONS_MAX; i++)
        if (h->sessions[i].used && (wait < 0 || wait > EXPIRY_TICK_MS))
            wait = EXPIRY_TICK_MS;
    return h->kick ? 0 : wait;
}

static int serve(struct http *h, struct heal_error *err)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    if (!info)
        return heal_error_set(err, "libmicrohttpd gave no epoll descriptor");
    int epoll_fd = info->epoll_fd;
    bool stopping = false;
    for (;;) {
        if (signals_stop_requested() && !stopping) {
            log_info(NULL, "stopping on a signal");
            stopping = true;
            mcp_calls_stop_all(h->calls);
        }
        if (stopping && mcp_calls_active(h->calls) == 0)
            return 0;
        struct pollfd fds[1 + MCP_CALLS_POLLFDS_MAX];
        fds[0] = (struct pollfd){.fd = epoll_fd, .events = POLLIN};
        int n = 1 + mcp_calls_pollfds(h->calls, fds + 1);
        int timeout = wait_ms(h);
        h->kick = false;
        int ready = poll(fds, (nfds_t)n, timeout);
        if (ready < 0 && errno != EINTR)
            return heal_error_errno(err, "poll");
        MHD_run(h->daemon);
        mcp_calls_service(h->calls, fds + 1, ready > 0);
        sessions_expire(h);
    }
}

static void http_free(struct http *h)
{
    if (h->daemon) {
        /* libmicrohttpd must not be stopped with a connection parked. */
        for (struct request *r = h->requests; r; r = r->next) {
            r->call_pending = false;
            kick(r);
        }
        MHD_stop_daemon(h->daemon);
    }
    mcp_calls_free(h->calls);
    for (int i = 0; i < MCP_HTTP_SESSIONS_MAX; i++)
        if (h->sessions[i].used)
            session_end(&h->sessions[i], "closed as heal-mcp stops");
    mcp_auth_free(h->auth);
    free(h->hosts.names);
    free(h->origins.names);
    free(h);
}

static int allow_extra(struct mcp_allow *a, const char *const *names, struct heal_error *err)
{
    for (const char *const *n = names; n && *n; n++)
        if (mcp_allow_add(a, *n, err) != 0)
            return -1;
    return 0;
}

static void refuse_open(const struct mcp_listen *l, struct heal_error *err)
{
    heal_error_set(err,
                   "refusing to listen on %s, not a loopback address, without authorisation "
                   "(give --tokens FILE or --issuer URL)",
                   l->host);
}

int mcp_http_run(const struct mcp_http_config *cfg, struct heal_error *err)
{
    struct mcp_listen l;
    unsigned port;
    if (mcp_listen_parse(cfg->listen, &l, &port, err) != 0)
        return MCP_HTTP_REFUSED;
    struct http *h = calloc(1, sizeof *h);
    struct mcp_calls_config calls_cfg = {
        .tools = cfg->tools, .child_options = cfg->child_options, .audit = cfg->audit};
    if (!h || !(h->calls = mcp_calls_new(&calls_cfg))) {
        free(h);
        return heal_error_set(err, "out of memory");
    }
    h->cfg = cfg;
    ratelimit_init(&h->rate, cfg->rate, cfg->burst);
    int rc = MCP_HTTP_REFUSED;
    /* Said before binding, so that not even a moment is spent listening there. */
    if (!l.loopback && !cfg->auth.issuer && !cfg->auth.tokens_file) {
        refuse_open(&l, err);
        goto out;
    }
    rc = MCP_HTTP_FAILED;
    if (start_daemon(h, &l, &port, err) != 0)
        goto out;
    char resource[RESOURCE_MAX];
    struct mcp_auth_config auth_cfg = cfg->auth;
    if (!auth_cfg.resource) {
        snprintf(resource, sizeof resource, "http://%s:%u%s", l.any ? "127.0.0.1" : l.host, port,
                 MCP_HTTP_PATH);
        auth_cfg.resource = resource;
    }
    rc = MCP_HTTP_REFUSED;
    if (!(h->auth = mcp_auth_new(&auth_cfg, err)))
        goto out;
    if (!l.loopback && !mcp_auth_required(h->auth)) { /* a tokens file with no token in it */
        refuse_open(&l, err);
        goto out;
    }
    if (mcp_allow_defaults(&h->hosts, &h->origins, &l, port, cfg->auth.resource, err) != 0 ||
        allow_extra(&h->hosts, cfg->allow_hosts, err) != 0 ||
        allow_extra(&h->origins, cfg->allow_origins, err) != 0)
        goto out;
    rc = MCP_HTTP_FAILED;
    if (cfg->port_file && write_port_file(cfg->port_file, port, err) != 0)
        goto out;
    log_info(NULL, "listening on http://%s:%u%s (%s)", l.host, port, MCP_HTTP_PATH,
             mcp_auth_required(h->auth) ? "bearer tokens required" : "no authorisation");
    rc = serve(h, err) == 0 ? MCP_HTTP_DONE : MCP_HTTP_FAILED;
out:
    http_free(h);
    return rc;
}
