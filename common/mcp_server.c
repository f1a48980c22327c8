#include "mcp_server.h"
#include "log.h"
#include "mcp_jsonrpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MCP_SERVER_NAME "heal-mcp"
#define MCP_SERVER_TITLE "heal"
#define MCP_SERVER_DESCRIPTION                                                                     \
    "Checks, diagnoses and heals this host with the heal toolkit: the same programs, "             \
    "playbook, policy, locks and journal as at a terminal."
#define MCP_INSTRUCTIONS                                                                           \
    "Ask whether things are healthy with perform_health_check, why a check fails with "            \
    "analyze_failure (pass the check record), what could fix it with propose_fix (pass the "       \
    "diagnoses), and fix it with apply_fix (pass the proposals; a dry run unless apply is true). " \
    "trigger_healing_session runs all four at once; get_healing_status reports history and the "   \
    "running heal-loop daemons."
#define MCP_METHOD_MAX 64 /* of an unknown method, quoted back */

/* Newest first: a client asking for another version is answered with the first. */
static const char *const protocol_versions[] = {"2025-11-25", "2025-06-18", NULL};

struct mcp_server {
    const struct mcp_tools *tools;
    const struct mcp_server_ops *ops;
    void *ctx;
    const char *version; /* negotiated; NULL before initialize */
};

struct mcp_server *mcp_server_new(const struct mcp_tools *tools, const struct mcp_server_ops *ops,
                                  void *ctx)
{
    struct mcp_server *s = calloc(1, sizeof *s);
    if (s) {
        s->tools = tools;
        s->ops = ops;
        s->ctx = ctx;
    }
    return s;
}

void mcp_server_free(struct mcp_server *s)
{
    free(s);
}

bool mcp_server_speaks(const char *version)
{
    for (const char *const *v = protocol_versions; *v; v++)
        if (!strcmp(*v, version))
            return true;
    return false;
}

const char *mcp_server_version(const struct mcp_server *s)
{
    return s->version;
}

static void reply(struct mcp_server *s, jv id, jv result)
{
    s->ops->send(s->ctx, mcp_response(id, result));
}

static void fail(struct mcp_server *s, jv id, int code, const char *message)
{
    log_info("request", "answered with error %d: %s", code, message);
    s->ops->send(s->ctx, mcp_error_response(id, code, message, jv_invalid()));
}

static jv param(const struct mcp_message *m, const char *key)
{
    if (jv_get_kind(m->params) != JV_KIND_OBJECT)
        return jv_invalid();
    return jv_object_get(jv_copy(m->params), jv_string(key));
}

static void initialize(struct mcp_server *s, const struct mcp_message *m)
{
    if (s->version) {
        fail(s, jv_copy(m->id), MCP_INVALID_REQUEST, "Invalid Request: already initialized");
        return;
    }
    jv asked = param(m, "protocolVersion");
    if (jv_get_kind(asked) != JV_KIND_STRING) {
        jv_free(asked);
        fail(s, jv_copy(m->id), MCP_INVALID_PARAMS, "Invalid params: protocolVersion is required");
        return;
    }
    /* The client's version if we speak it; otherwise our latest, and the client decides. */
    s->version = protocol_versions[0];
    for (const char *const *v = protocol_versions; *v; v++)
        if (!strcmp(*v, jv_string_value(asked)))
            s->version = *v;
    log_info("initialize", "client asked for protocol %.40s; speaking %s", jv_string_value(asked),
             s->version);
    jv_free(asked);
    jv info = jv_object_set(jv_object(), jv_string("name"), jv_string(MCP_SERVER_NAME));
    info = jv_object_set(info, jv_string("title"), jv_string(MCP_SERVER_TITLE));
    info = jv_object_set(info, jv_string("version"), jv_string(HEAL_VERSION));
    if (s->version == protocol_versions[0]) /* description is new in 2025-11-25 */
        info = jv_object_set(info, jv_string("description"), jv_string(MCP_SERVER_DESCRIPTION));
    jv tools = jv_object_set(jv_object(), jv_string("listChanged"), jv_false());
    jv caps = jv_object_set(jv_object(), jv_string("tools"), tools);
    jv r = jv_object_set(jv_object(), jv_string("protocolVersion"), jv_string(s->version));
    r = jv_object_set(r, jv_string("capabilities"), caps);
    r = jv_object_set(r, jv_string("serverInfo"), info);
    r = jv_object_set(r, jv_string("instructions"), jv_string(MCP_INSTRUCTIONS));
    reply(s, jv_copy(m->id), r);
}

static void tools_list(struct mcp_server *s, const struct mcp_message *m)
{
    jv cursor = param(m, "cursor");
    bool paged = jv_is_valid(cursor) && jv_get_kind(cursor) != JV_KIND_NULL;
    jv_free(cursor);
    /* One page holds every tool, so no cursor we hand out exists. */
    if (paged)
        fail(s, jv_copy(m->id), MCP_INVALID_PARAMS, "Invalid params: unknown cursor");
    else
        reply(s, jv_copy(m->id), mcp_tools_list(s->tools));
}

static void tools_call(struct mcp_server *s, const struct mcp_message *m)
{
    jv name = param(m, "name"), args = param(m, "arguments");
    char msg[MCP_ERROR_MESSAGE_MAX];
    int tool = -1, code = MCP_INVALID_PARAMS;
    if (jv_get_kind(name) != JV_KIND_STRING) {
        snprintf(msg, sizeof msg, "Invalid params: name must be a string");
    } else if ((tool = mcp_tools_find(s->tools, jv_string_value(name))) < 0) {
        snprintf(msg, sizeof msg, "Unknown tool: %.64s", jv_string_value(name));
    } else if (jv_is_valid(args) && jv_get_kind(args) != JV_KIND_OBJECT &&
               jv_get_kind(args) != JV_KIND_NULL) {
        tool = -1;
        snprintf(msg, sizeof msg, "Invalid params: arguments must be an object");
    } else if (s->ops->in_flight(s->ctx, &m->id)) {
        tool = -1;
        code = MCP_INVALID_REQUEST;
        snprintf(msg, sizeof msg, "Invalid Request: a request with this id is still running");
    }
    jv_free(name);
    if (tool < 0) {
        jv_free(args);
        fail(s, jv_copy(m->id), code, msg);
        return;
    }
    if (jv_get_kind(args) != JV_KIND_OBJECT) {
        jv_free(args);
        args = jv_object();
    }
    /* 2025-06-18 counts invalid arguments as a protocol error; from 2025-11-25
     * they are a tool error the model can read (mcp_tool_plan). */
    struct heal_error err;
    if (s->version != protocol_versions[0] &&
        mcp_tools_check_args(s->tools, tool, &args, &err) != 0) {
        jv_free(args);
        snprintf(msg, sizeof msg, "Invalid params: %.360s", err.msg);
        fail(s, jv_copy(m->id), MCP_INVALID_PARAMS, msg);
        return;
    }
    jv meta = param(m, "_meta");
    jv token = jv_get_kind(meta) == JV_KIND_OBJECT
                   ? jv_object_get(jv_copy(meta), jv_string("progressToken"))
                   : jv_invalid();
    jv_free(meta);
    jv_kind k = jv_get_kind(token);
    if (k != JV_KIND_STRING && k != JV_KIND_NUMBER) {
        jv_free(token);
        token = jv_null();
    }
    s->ops->call(s->ctx, jv_copy(m->id), tool, args, token);
}

static void cancelled(struct mcp_server *s, const struct mcp_message *m)
{
    jv id = param(m, "requestId");
    jv_kind k = jv_get_kind(id);
    if ((k == JV_KIND_STRING || k == JV_KIND_NUMBER) && s->ops->in_flight(s->ctx, &id)) {
        s->ops->cancel(s->ctx, id);
        return;
    }
    /* Unknown or already answered: the spec says to ignore it. */
    jv_free(id);
}

static void request(struct mcp_server *s, const struct mcp_message *m)
{
    const char *method = m->method;
    if (!strcmp(method, "ping")) {
        reply(s, jv_copy(m->id), jv_object());
    } else if (!strcmp(method, "initialize")) {
        initialize(s, m);
    } else if (!strcmp(method, "tools/list") || !strcmp(method, "tools/call")) {
        if (!s->version)
            fail(s, jv_copy(m->id), MCP_INVALID_REQUEST,
                 "Invalid Request: not initialized (send initialize first)");
        else if (!strcmp(method, "tools/list"))
            tools_list(s, m);
        else
            tools_call(s, m);
    } else {
        /* server/discover from a stateless client lands here too, before or after initialize. */
        char msg[MCP_ERROR_MESSAGE_MAX];
        snprintf(msg, sizeof msg, "Method not found: %.*s", MCP_METHOD_MAX, method);
        fail(s, jv_copy(m->id), MCP_METHOD_NOT_FOUND, msg);
    }
}

void mcp_server_line(struct mcp_server *s, const char *line, size_t len)
{
    size_t blank = 0;
    while (blank < len && (line[blank] == ' ' || line[blank] == '\t'))
        blank++;
    if (blank == len)
        return; /* an empty line carries no message */
    struct mcp_message m;
    mcp_message_parse(line, len, &m);
    switch (m.kind) {
    case MCP_MESSAGE_INVALID:
        fail(s, jv_copy(m.id), m.error_code, m.error);
        break;
    case MCP_MESSAGE_REQUEST:
        request(s, &m);
        break;
    case MCP_MESSAGE_NOTIFICATION:
        if (!strcmp(m.method, "notifications/cancelled"))
            cancelled(s, &m);
        else
            log_debug("notification", "%.64s", m.method);
        break;
    case MCP_MESSAGE_RESPONSE:
        break; /* we send no requests, so no answer is awaited */
    }
    mcp_message_free(&m);
}

void mcp_server_line_too_long(struct mcp_server *s, size_t len)
{
    char msg[MCP_ERROR_MESSAGE_MAX];
    snprintf(msg, sizeof msg, "Invalid Request: message of %zu bytes is over the limit of %d", len,
             MCP_LINE_MAX);
    fail(s, jv_null(), MCP_INVALID_REQUEST, msg);
}
