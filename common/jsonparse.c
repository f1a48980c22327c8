#include "jsonparse.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define JSONPARSE_NUMBER_MAX 64 /* a longer number is left to jq */

struct cursor {
    const char *p, *end;
    bool to_jq; /* met something left to jq: the result is dropped */
};

static jv value(struct cursor *c);

static void skip_blanks(struct cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

/* Simple escapes only; \u is jq's. */
static jv escaped_string(struct cursor *c, const char *start, const char *close)
{
    char *buf = malloc((size_t)(close - start) + 1);
    if (!buf) {
        c->to_jq = true;
        return jv_invalid();
    }
    size_t n = 0;
    for (const char *q = start; q < close; q++) {
        if (*q != '\\') {
            buf[n++] = *q;
            continue;
        }
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *e = strchr(from, *++q);
        if (!e || !*e) { /* \u */
            free(buf);
            c->to_jq = true;
            return jv_invalid();
        }
        buf[n++] = to[e - from];
    }
    jv s = jv_string_sized(buf, (int)n);
    free(buf);
    return s;
}

static jv string(struct cursor *c)
{
    const char *start = ++c->p; /* past the opening quote */
    bool escapes = false;
    while (*c->p != '"') {
        if (*c->p == '\\') {
            escapes = true;
            c->p++; /* the escaped character cannot close the string */
        }
        c->p++;
    }
    const char *close = c->p++;
    return escapes ? escaped_string(c, start, close) : jv_string_sized(start, (int)(close - start));
}

static jv number(struct cursor *c)
{
    const char *start = c->p;
    while (c->p < c->end && *c->p && strchr("+-.0123456789eE", *c->p))
        c->p++;
    size_t n = (size_t)(c->p - start);
    char text[JSONPARSE_NUMBER_MAX];
    if (n >= sizeof text) {
        c->to_jq = true;
        return jv_invalid();
    }
    memcpy(text, start, n);
    text[n] = '\0';
    return jv_number(strtod(text, NULL));
}

/* An object or an array: items in order, a repeated key's last value kept. */
static jv container(struct cursor *c, bool object)
{
    jv out = object ? jv_object() : jv_array();
    char close = object ? '}' : ']';
    c->p++; /* '{' or '[' */
    skip_blanks(c);
    while (!c->to_jq && *c->p != close) {
        jv key = jv_null();
        if (object) {
            key = string(c);
            skip_blanks(c);
            c->p++; /* ':' */
        }
        jv v = value(c);
        if (c->to_jq) {
            jv_free(key);
            jv_free(v);
            break;
        }
        if (object) {
            out = jv_object_set(out, key, v);
        } else {
            jv_free(key);
            out = jv_array_append(out, v);
        }
        skip_blanks(c);
        if (*c->p == ',') {
            c->p++;
            skip_blanks(c);
        }
    }
    c->p++; /* the closing bracket */
    return out;
}

static jv value(struct cursor *c)
{
    skip_blanks(c);
    switch (*c->p) {
    case '{':
    case '[':
        return container(c, *c->p == '{');
    case '"':
        return string(c);
    case 't':
        c->p += 4;
        return jv_true();
    case 'f':
        c->p += 5;
        return jv_false();
    case 'n':
        c->p += 4;
        return jv_null();
    default:
        return number(c);
    }
}

jv jsonparse_checked(const char *s, size_t len)
{
    struct cursor c = {s, s + len, false};
    jv v = value(&c);
    if (c.to_jq) {
        jv_free(v);
        return jv_invalid();
    }
    return v;
}
