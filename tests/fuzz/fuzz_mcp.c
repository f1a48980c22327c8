/*
 * fuzz_mcp.c — libFuzzer harness for heal-mcp's message handling: bytes
 * split into lines (mcp_lines, with its 1 MiB cap), each line parsed and
 * dispatched by the server (mcp_server), tool arguments checked against
 * the inputSchema and planned (mcp_tools), as heal-mcp does short of
 * running a program.  Every message sent must be one line of JSON-RPC
 * 2.0, and a tool call must be answered with a result or a tool error.
 */
#include "jsonbuf.h"
#include "mcp_jsonrpc.h"
#include "mcp_server.h"
#include "mcp_tools.h"
#include "ndjson.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct harness {
    struct mcp_server *server;
    struct mcp_tools *tools;
    struct jsonbuf line;
};

static void send_message(void *ctx, jv msg)
{
    struct harness *h = ctx;
    struct heal_error err;
    if (mcp_message_line(&h->line, msg, &err) != 0)
        abort(); /* our own answers always serialise */
    if (memchr(h->line.data, '\n', h->line.len - 1) || h->line.data[h->line.len - 1] != '\n')
        abort(); /* one message, one line */
    jv back = ndjson_parse_line(h->line.data, h->line.len - 1, &err);
    jv version = jv_is_valid(back) ? jv_object_get(jv_copy(back), jv_string("jsonrpc")) : jv_null();
    if (jv_get_kind(version) != JV_KIND_STRING || strcmp(jv_string_value(version), "2.0"))
        abort();
    jv_free(version);
    jv_free(back);
}

static bool in_flight(void *ctx, const jv *id)
{
    (void)ctx, (void)id;
    return false;
}

static void call(void *ctx, jv id, int tool, jv args, jv token)
{
    struct harness *h = ctx;
    struct mcp_plan plan;
    mcp_tool_plan(h->tools, tool, &args, "01JDZZZZZZZZZZZZZZZZZZZZZZ", &plan);
    if (plan.kind == MCP_PLAN_RUN && jv_get_kind(plan.args) != JV_KIND_ARRAY)
        abort();
    jv result = plan.kind == MCP_PLAN_DONE ? jv_copy(plan.result) : jv_object();
    if (jv_get_kind(result) != JV_KIND_OBJECT)
        abort(); /* a refusal is still an answer */
    send_message(h, mcp_response(id, result));
    mcp_plan_free(&plan);
    jv_free(args);
    jv_free(token);
}

static void cancel(void *ctx, jv id)
{
    (void)ctx;
    jv_free(id);
}

static void on_line(void *ctx, const char *line, size_t len)
{
    struct harness *h = ctx;
    mcp_server_line(h->server, line, len);
}

static void on_overlong(void *ctx, size_t len)
{
    struct harness *h = ctx;
    mcp_server_line_too_long(h->server, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct mcp_server_ops ops = {
        .send = send_message, .in_flight = in_flight, .call = call, .cancel = cancel};
    static const struct mcp_context ctx = {.state_dir = "/nonexistent/heal-fuzz"};
    struct heal_error err;
    struct harness h = {0};
    h.tools = mcp_tools_load(&ctx, &err);
    if (!h.tools)
        abort();
    h.server = mcp_server_new(h.tools, &ops, &h);
    /* Start initialized most of the time, so tools/call is reached. */
    static const char init[] = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
                               "\"params\":{\"protocolVersion\":\"2025-11-25\"}}";
    if (size > 0 && data[0] != '!')
        mcp_server_line(h.server, init, sizeof init - 1);
    struct mcp_lines lines = {0};
    if (mcp_lines_feed(&lines, (const char *)data, size, on_line, on_overlong, &h, &err) == 0)
        mcp_lines_end(&lines, on_line, on_overlong, &h);
    mcp_lines_free(&lines);
    mcp_server_free(h.server);
    mcp_tools_free(h.tools);
    jsonbuf_free(&h.line);
    return 0;
}
