#include "jsoncheck.h"
#include "ndjson.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* jq 1.6 appends the whole input to parse errors; keep a reason only. */
#define NDJSON_REASON_MAX 160

struct ndjson_reader {
    struct linereader *lines;
    uint64_t bad;
    size_t line_max;
};

struct ndjson_reader *ndjson_reader_new(int fd, size_t line_max)
{
    struct ndjson_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->lines = linereader_new(fd, line_max);
    if (!r->lines) {
        free(r);
        return NULL;
    }
    r->line_max = line_max;
    return r;
}

void ndjson_reader_free(struct ndjson_reader *r)
{
    if (!r)
        return;
    linereader_free(r->lines);
    free(r);
}

uint64_t ndjson_reader_lineno(const struct ndjson_reader *r)
{
    return linereader_lineno(r->lines);
}

uint64_t ndjson_reader_bad(const struct ndjson_reader *r)
{
    return r->bad;
}

struct linereader *ndjson_reader_lines(struct ndjson_reader *r)
{
    return r->lines;
}

/*
 * jq 1.6 appends the whole input to parse errors, and counts lines inside
 * what it parsed; we parse one line at a time and report FILE:LINE
 * ourselves, so keep the reason and the column only.
 */
static void short_reason(struct heal_error *err, const char *prefix, const char *msg)
{
    char buf[HEAL_ERROR_SIZE];
    snprintf(buf, sizeof buf, "%s", msg);
    char *cut = strstr(buf, " (while parsing");
    if (cut)
        *cut = '\0';
    char *at = strstr(buf, " at EOF at line 1, column");
    if (at)
        memmove(at + 1, "at end of line", sizeof "at end of line");
    at = strstr(buf, " at line 1, column ");
    if (at)
        memmove(at + 4, at + 12, strlen(at + 12) + 1);
    heal_error_set(err, "%s%.*s", prefix, NDJSON_REASON_MAX, buf);
}

const char *ndjson_kind_name(jv_kind k)
{
    switch (k) {
    case JV_KIND_OBJECT:
        return "an object";
    case JV_KIND_ARRAY:
        return "an array";
    case JV_KIND_STRING:
        return "a string";
    case JV_KIND_NUMBER:
        return "a number";
    case JV_KIND_NULL:
        return "null";
    case JV_KIND_TRUE:
    case JV_KIND_FALSE:
        return "a boolean";
    default:
        return "nothing";
    }
}

jv ndjson_parse_line(const char *line, size_t len, struct heal_error *err)
{
    const char *nul = memchr(line, '\0', len);
    if (nul) {
        heal_error_set(err, "NUL byte at offset %zu", (size_t)(nul - line));
        return jv_invalid();
    }
    size_t bad_at;
    if (!utf8_valid(line, len, &bad_at)) {
        heal_error_set(err, "invalid UTF-8 at offset %zu", bad_at);
        return jv_invalid();
    }
    if (len > (size_t)INT32_MAX) {
        heal_error_set(err, "line too long");
        return jv_invalid();
    }
    struct heal_error syntax;
    if (jsoncheck(line, len, NULL, &syntax) != 0) {
        heal_error_set(err, "invalid JSON: %s", syntax.msg);
        return jv_invalid();
    }
    jv v = jv_parse_sized(line, (int)len);
    if (!jv_is_valid(v)) {
        jv msg = jv_invalid_get_msg(v);
        if (jv_get_kind(msg) == JV_KIND_STRING)
            short_reason(err, "invalid JSON: ", jv_string_value(msg));
        else
            heal_error_set(err, "invalid JSON");
        jv_free(msg);
        return jv_invalid();
    }
    if (jv_get_kind(v) != JV_KIND_OBJECT) {
        heal_error_set(err, "expected a JSON object, got %s", ndjson_kind_name(jv_get_kind(v)));
        jv_free(v);
        return jv_invalid();
    }
    return v;
}

static bool blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return false;
    return true;
}

enum ndjson_status ndjson_reader_next(struct ndjson_reader *r, jv *out, struct heal_error *err)
{
    for (;;) {
        const char *line;
        size_t len;
        switch (linereader_next(r->lines, &line, &len, err)) {
        case LINEREADER_EOF:
            return NDJSON_EOF;
        case LINEREADER_ERROR:
            return NDJSON_ERROR;
        case LINEREADER_TOO_LONG:
            r->bad++;
            heal_error_set(err, "line of %zu bytes exceeds the %zu-byte limit", len, r->line_max);
            return NDJSON_BAD;
        case LINEREADER_LINE:
            break;
        }
        if (blank(line, len))
            continue;
        jv v = ndjson_parse_line(line, len, err);
        if (!jv_is_valid(v)) {
            jv_free(v);
            r->bad++;
            return NDJSON_BAD;
        }
        *out = v;
        return NDJSON_RECORD;
    }
}
