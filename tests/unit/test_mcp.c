/* Unit tests for heal-mcp's framing and argument checks (mcp_jsonrpc, mcp_schema). */
#include "mcp_jsonrpc.h"
#include "mcp_schema.h"
#include "record.h"
#include "unit.h"

struct seen {
    char lines[8][64];
    int n, overlong;
    size_t overlong_len;
};

static void on_line(void *ctx, const char *line, size_t len)
{
    struct seen *s = ctx;
    if (s->n < 8)
        snprintf(s->lines[s->n++], 64, "%.*s", (int)len, line);
}

static void on_overlong(void *ctx, size_t len)
{
    struct seen *s = ctx;
    s->overlong++;
    s->overlong_len = len;
}

static void feed(struct mcp_lines *l, struct seen *s, const char *data)
{
    mcp_lines_feed(l, data, strlen(data), on_line, on_overlong, s, NULL);
}

/* The message a line parses to: its kind, and the error code when invalid. */
static int kind_of(const char *line, int *code)
{
    struct mcp_message m;
    mcp_message_parse(line, strlen(line), &m);
    int k = m.kind;
    *code = m.error_code;
    mcp_message_free(&m);
    return k;
}

static int schema_says(const char *schema, const char *value, const char *want)
{
    jv s = jv_parse(schema), v = jv_parse(value);
    struct heal_error err = {{0}};
    int rc = mcp_schema_check(&s, &v, "arguments", &err);
    jv_free(s);
    jv_free(v);
    if (want == NULL)
        return rc == 0;
    if (rc == 0 || strcmp(err.msg, want) != 0) {
        printf("#   got '%s'\n", rc == 0 ? "(valid)" : err.msg);
        return 0;
    }
    return 1;
}

int main(void)
{
    struct mcp_lines l = {0};
    struct seen s = {0};
    feed(&l, &s, "{\"a\":1}\n{\"b\"");
    feed(&l, &s, ":2}\r\n\n");
    CHECK(s.n == 3 && !strcmp(s.lines[0], "{\"a\":1}") && !strcmp(s.lines[1], "{\"b\":2}") &&
              !strcmp(s.lines[2], ""),
          "lines are whole however the bytes arrive; CR before LF is dropped");
    feed(&l, &s, "tail");
    mcp_lines_end(&l, on_line, on_overlong, &s);
    CHECK(s.n == 4 && !strcmp(s.lines[3], "tail"), "a last line without a newline still counts");

    char *big = malloc(MCP_LINE_MAX + 2);
    memset(big, 'x', MCP_LINE_MAX + 1);
    big[MCP_LINE_MAX + 1] = '\0';
    feed(&l, &s, big);
    feed(&l, &s, "yz\nnext\n");
    CHECK(s.overlong == 1 && s.overlong_len == MCP_LINE_MAX + 3 && s.n == 5 &&
              !strcmp(s.lines[4], "next"),
          "a line over the cap is reported once with its length, and the next one is whole");
    CHECK(l.size <= MCP_LINE_MAX * 2, "an over-long line is not buffered whole (%zu bytes held)",
          l.size);
    free(big);
    mcp_lines_free(&l);

    int code;
    CHECK(kind_of("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", &code) ==
              MCP_MESSAGE_REQUEST,
          "a request has a method and an id");
    CHECK(kind_of("{\"jsonrpc\":\"2.0\",\"method\":\"n\"}", &code) == MCP_MESSAGE_NOTIFICATION,
          "a notification has no id");
    CHECK(kind_of("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}", &code) == MCP_MESSAGE_RESPONSE,
          "a response has a result and an id");
    CHECK(kind_of("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}", &code) ==
                  MCP_MESSAGE_INVALID &&
              code == MCP_INVALID_REQUEST,
          "an id must be a string or an integer");
    CHECK(kind_of("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":[1]}", &code) ==
                  MCP_MESSAGE_INVALID &&
              code == MCP_INVALID_PARAMS,
          "params must be an object");
    CHECK(kind_of("[1,2", &code) == MCP_MESSAGE_INVALID && code == MCP_PARSE_ERROR,
          "broken JSON is a parse error");

    const char *schema = "{\"type\":\"object\",\"properties\":{\"kind\":{\"type\":\"string\","
                         "\"enum\":[\"http\",\"tcp\"]},\"n\":{\"type\":\"integer\",\"minimum\":1},"
                         "\"l\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\","
                         "\"maxLength\":3}},\"a\":{\"type\":\"array\",\"maxItems\":2,\"items\":"
                         "{\"type\":\"object\"}}},\"required\":[\"kind\"],"
                         "\"additionalProperties\":false}";
    CHECK(schema_says(schema, "{\"kind\":\"tcp\",\"n\":3,\"l\":{\"u\":\"abc\"},\"a\":[{}]}", NULL),
          "valid arguments pass");
    CHECK(schema_says(schema, "{}", "arguments: kind is required"), "a missing required argument");
    CHECK(schema_says(schema, "{\"kind\":\"ftp\"}", "arguments.kind: must be one of http, tcp"),
          "a value outside the enum");
    CHECK(schema_says(schema, "{\"kind\":\"tcp\",\"n\":1.5}",
                      "arguments.n: must be an integer, not a number"),
          "a fraction is not an integer");
    CHECK(schema_says(schema, "{\"kind\":\"tcp\",\"n\":0}", "arguments.n: minimum is 1"),
          "a number below the minimum");
    CHECK(schema_says(schema, "{\"kind\":\"tcp\",\"l\":{\"u\":\"abcd\"}}",
                      "arguments.l.u: maxLength is 3"),
          "additionalProperties as a schema checks every extra key");
    CHECK(schema_says(schema, "{\"kind\":\"tcp\",\"a\":[{},1]}",
                      "arguments.a[1]: must be an object, not a number"),
          "items are checked one by one, with their index");
    CHECK(schema_says(schema, "{\"kind\":\"tcp\",\"zz\":1}", "arguments.zz: not a known argument"),
          "an unknown argument is refused");
    CHECK(schema_says("{\"type\":\"object\",\"oneOf\":[]}", "{}",
                      "arguments: schema: keyword oneOf is not understood"),
          "a keyword the checker does not know fails rather than being skipped");

    CHECK(record_id_valid("01JDZZZZZZZZZZZZZZZZZZZZZZ"), "an id is 26 Crockford digits");
    CHECK(!record_id_valid("01JDZZZZZZZZZZZZZZZZZZZZZ") &&
              !record_id_valid("01JDZZZZZZZZZZZZZZZZZZZZZZZ") &&
              !record_id_valid("01JDZZZZZZZZZZZZZZZZZZZZZU") &&
              !record_id_valid("81JDZZZZZZZZZZZZZZZZZZZZZZ") && !record_id_valid(""),
          "too short, too long, a U, a first digit over 7, empty: not ids");
    return unit_done();
}
