#include "mcp_jsonrpc.h"
#include "jsonbuf.h"
#include "jsoncheck.h"
#include "utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* First line buffer; it doubles up to the cap. */
#define MCP_LINES_INITIAL 4096

/* The standard names JSON-RPC 2.0 gives its codes. */
static const char *code_name(int code)
{
    switch (code) {
    case MCP_PARSE_ERROR:
        return "Parse error";
    case MCP_INVALID_REQUEST:
        return "Invalid Request";
    case MCP_METHOD_NOT_FOUND:
        return "Method not found";
    case MCP_INVALID_PARAMS:
        return "Invalid params";
    default:
        return "Internal error";
    }
}

static void refuse(struct mcp_message *m, int code, const char *detail)
{
    m->kind = MCP_MESSAGE_INVALID;
    m->error_code = code;
    snprintf(m->error, sizeof m->error, "%s: %.300s", code_name(code), detail);
}

/* Parses the line into m->msg, or refuses with a parse error. */
static bool parse_json(const char *line, size_t len, struct mcp_message *m)
{
    size_t bad;
    struct heal_error e;
    if (memchr(line, '\0', len)) {
        refuse(m, MCP_PARSE_ERROR, "NUL byte in message");
    } else if (!utf8_valid(line, len, &bad)) {
        refuse(m, MCP_PARSE_ERROR, "invalid UTF-8");
    } else if (len > INT32_MAX || jsoncheck(line, len, NULL, &e) != 0) {
        refuse(m, MCP_PARSE_ERROR, len > INT32_MAX ? "too long" : e.msg);
    } else {
        jv v = jv_parse_sized(line, (int)len);
        if (jv_is_valid(v)) {
            m->msg = v;
            return true;
        }
        jv_free(v);
        refuse(m, MCP_PARSE_ERROR, "invalid JSON");
    }
    return false;
}

static bool valid_id(const jv *id)
{
    jv_kind k = jv_get_kind(*id);
    if (k == JV_KIND_STRING)
        return true;
    /* MCP ids are strings or integers. */
    return k == JV_KIND_NUMBER && jv_number_value(*id) == (double)(int64_t)jv_number_value(*id);
}

void mcp_message_parse(const char *line, size_t len, struct mcp_message *m)
{
    memset(m, 0, sizeof *m);
    m->msg = jv_null();
    m->id = jv_null();
    m->params = jv_null();
    if (!parse_json(line, len, m))
        return;
    if (jv_get_kind(m->msg) == JV_KIND_ARRAY) {
        refuse(m, MCP_INVALID_REQUEST, "batches are not supported");
        return;
    }
    if (jv_get_kind(m->msg) != JV_KIND_OBJECT) {
        refuse(m, MCP_INVALID_REQUEST, "not a JSON object");
        return;
    }
    jv id = jv_object_get(jv_copy(m->msg), jv_string("id"));
    bool has_id = jv_is_valid(id);
    if (has_id && valid_id(&id))
        m->id = jv_copy(id);
    jv_free(id);
    bool id_ok = !has_id || jv_get_kind(m->id) != JV_KIND_NULL;

    jv version = jv_object_get(jv_copy(m->msg), jv_string("jsonrpc"));
    bool v2 = jv_get_kind(version) == JV_KIND_STRING && !strcmp(jv_string_value(version), "2.0");
    jv_free(version);
    if (!v2) {
        refuse(m, MCP_INVALID_REQUEST, "jsonrpc must be \"2.0\"");
        return;
    }
    if (!id_ok) {
        refuse(m, MCP_INVALID_REQUEST, "id must be a string or an integer");
        return;
    }
    jv method = jv_object_get(jv_copy(m->msg), jv_string("method"));
    jv_kind method_kind = jv_get_kind(method);
    jv_free(method);
    if (method_kind == JV_KIND_INVALID) {
        bool answer = jv_object_has(jv_copy(m->msg), jv_string("result")) ||
                      jv_object_has(jv_copy(m->msg), jv_string("error"));
        if (answer && has_id)
            m->kind = MCP_MESSAGE_RESPONSE;
        else
            refuse(m, MCP_INVALID_REQUEST, "no method");
        return;
    }
    if (method_kind != JV_KIND_STRING) {
        refuse(m, MCP_INVALID_REQUEST, "method must be a string");
        return;
    }
    /* Borrowed: msg owns the string and is not changed until freed. */
    jv borrowed = jv_object_get(jv_copy(m->msg), jv_string("method"));
    m->method = jv_string_value(borrowed);
    jv_free(borrowed);
    m->kind = has_id ? MCP_MESSAGE_REQUEST : MCP_MESSAGE_NOTIFICATION;
    jv params = jv_object_get(jv_copy(m->msg), jv_string("params"));
    if (!jv_is_valid(params)) {
        jv_free(params);
        return;
    }
    if (jv_get_kind(params) != JV_KIND_OBJECT) {
        jv_free(params);
        refuse(m, MCP_INVALID_PARAMS, "params must be an object");
        return;
    }
    m->params = params;
}

void mcp_message_free(struct mcp_message *m)
{
    jv_free(m->msg);
    jv_free(m->id);
    jv_free(m->params);
    m->msg = m->id = m->params = jv_null();
    m->method = NULL;
}

static jv envelope(void)
{
    return jv_object_set(jv_object(), jv_string("jsonrpc"), jv_string("2.0"));
}

jv mcp_response(jv id, jv result)
{
    jv r = jv_object_set(envelope(), jv_string("id"), id);
    return jv_object_set(r, jv_string("result"), result);
}

jv mcp_error_response(jv id, int code, const char *message, jv data)
{
    jv e = jv_object_set(jv_object(), jv_string("code"), jv_number(code));
    e = jv_object_set(e, jv_string("message"), jv_string(message));
    if (jv_is_valid(data))
        e = jv_object_set(e, jv_string("data"), data);
    else
        jv_free(data);
    jv r = jv_object_set(envelope(), jv_string("id"), id);
    return jv_object_set(r, jv_string("error"), e);
}

jv mcp_notification(const char *method, jv params)
{
    jv n = jv_object_set(envelope(), jv_string("method"), jv_string(method));
    if (jv_is_valid(params))
        return jv_object_set(n, jv_string("params"), params);
    jv_free(params);
    return n;
}

int mcp_message_line(struct jsonbuf *b, jv msg, struct heal_error *err)
{
    b->len = 0;
    /* jsonbuf escapes controls inside strings, so the line holds no newline. */
    int rc = jsonbuf_append_jv(b, &msg, err) || jsonbuf_append(b, "\n", 1, err) ? -1 : 0;
    jv_free(msg);
    if (rc != 0)
        b->len = 0;
    return rc;
}

static void deliver(const char *line, size_t len, mcp_line_fn *on_line, void *ctx)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    on_line(ctx, line, len);
}

static int room_for(struct mcp_lines *l, size_t n, struct heal_error *err)
{
    if (l->len + n <= l->size)
        return 0;
    size_t size = l->size ? l->size : MCP_LINES_INITIAL;
    while (size < l->len + n)
        size *= 2;
    char *buf = realloc(l->buf, size);
    if (!buf)
        return heal_error_set(err, "out of memory");
    l->buf = buf;
    l->size = size;
    return 0;
}

int mcp_lines_feed(struct mcp_lines *l, const char *data, size_t n, mcp_line_fn *on_line,
                   mcp_overlong_fn *on_overlong, void *ctx, struct heal_error *err)
{
    while (n > 0) {
        const char *nl = memchr(data, '\n', n);
        size_t take = nl ? (size_t)(nl - data) : n;
        if (l->skipping) {
            l->skipping += take;
        } else if (l->len + take > MCP_LINE_MAX) {
            /* One cap's worth held at most: what is buffered is dropped now. */
            l->skipping = l->len + take;
            l->len = 0;
        } else if (nl && l->len == 0) {
            deliver(data, take, on_line, ctx); /* the common case: no copy */
        } else {
            if (room_for(l, take, err) != 0)
                return -1;
            memcpy(l->buf + l->len, data, take);
            l->len += take;
            if (nl) {
                deliver(l->buf, l->len, on_line, ctx);
                l->len = 0;
            }
        }
        if (nl && l->skipping) {
            on_overlong(ctx, l->skipping);
            l->skipping = 0;
        }
        if (!nl)
            break;
        data = nl + 1;
        n -= take + 1;
    }
    return 0;
}

void mcp_lines_end(struct mcp_lines *l, mcp_line_fn *on_line, mcp_overlong_fn *on_overlong,
                   void *ctx)
{
    if (l->skipping)
        on_overlong(ctx, l->skipping);
    else if (l->len)
        deliver(l->buf, l->len, on_line, ctx);
    l->len = l->skipping = 0;
}

void mcp_lines_free(struct mcp_lines *l)
{
    free(l->buf);
    *l = (struct mcp_lines){0};
}
