#include "jsoncheck.h"

#include <stdbool.h>
#include <string.h>

struct cursor {
    const unsigned char *s;
    size_t len, i;
    const char *why;
};

static void skip_ws(struct cursor *c)
{
    while (c->i < c->len &&
           (c->s[c->i] == ' ' || c->s[c->i] == '\t' || c->s[c->i] == '\n' || c->s[c->i] == '\r'))
        c->i++;
}

static bool fail(struct cursor *c, const char *why)
{
    if (!c->why)
        c->why = why;
    return false;
}

static bool is_hex(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static bool string(struct cursor *c)
{
    c->i++; /* opening quote */
    while (c->i < c->len) {
        unsigned char ch = c->s[c->i];
        if (ch == '"') {
            c->i++;
            return true;
        }
        if (ch < 0x20)
            return fail(c, "control character in a string");
        if (ch == '\\') {
            if (++c->i >= c->len)
                break;
            ch = c->s[c->i];
            if (ch == 'u') {
                for (int k = 1; k <= 4; k++)
                    if (c->i + k >= c->len || !is_hex(c->s[c->i + k]))
                        return fail(c, "bad \\u escape");
                c->i += 5;
                continue;
            }
            if (!strchr("\"\\/bfnrt", ch) || ch == '\0')
                return fail(c, "bad escape in a string");
        }
        c->i++;
    }
    return fail(c, "unterminated string");
}

static bool digits(struct cursor *c)
{
    size_t start = c->i;
    while (c->i < c->len && c->s[c->i] >= '0' && c->s[c->i] <= '9')
        c->i++;
    return c->i > start;
}

static bool number(struct cursor *c)
{
    if (c->s[c->i] == '-')
        c->i++;
    if (c->i < c->len && c->s[c->i] == '0') {
        c->i++;
    } else if (!digits(c)) {
        return fail(c, "bad number");
    }
    if (c->i < c->len && c->s[c->i] == '.') {
        c->i++;
        if (!digits(c))
            return fail(c, "bad number");
    }
    if (c->i < c->len && (c->s[c->i] == 'e' || c->s[c->i] == 'E')) {
        c->i++;
        if (c->i < c->len && (c->s[c->i] == '+' || c->s[c->i] == '-'))
            c->i++;
        if (!digits(c))
            return fail(c, "bad number");
    }
    return true;
}

static bool literal(struct cursor *c, const char *word)
{
    size_t n = strlen(word);
    if (c->len - c->i < n || memcmp(c->s + c->i, word, n) != 0)
        return fail(c, "invalid literal");
    c->i += n;
    return true;
}

/*
 * Iterative, with the open brackets kept in a bitmap (1 = object), so a
 * hostile nesting depth costs no stack.
 */
static bool value(struct cursor *c)
{
    unsigned char open[JSONCHECK_DEPTH_MAX / 8 + 1];
    int depth = 0;
    for (;;) {
        /* Expect a value. */
        skip_ws(c);
        if (c->i >= c->len)
            return fail(c, "unexpected end of input");
        unsigned char ch = c->s[c->i];
        bool empty_container = false;
        if (ch == '{' || ch == '[') {
            if (depth == JSONCHECK_DEPTH_MAX)
                return fail(c, "nested too deeply");
            bool obj = ch == '{';
            if (obj)
                open[depth / 8] |= (unsigned char)(1u << (depth % 8));
            else
                open[depth / 8] &= (unsigned char)~(1u << (depth % 8));
            depth++;
            c->i++;
            skip_ws(c);
            if (c->i < c->len && c->s[c->i] == (obj ? '}' : ']')) {
                c->i++;
                depth--;
                empty_container = true;
            } else if (obj) {
                if (c->i >= c->len || c->s[c->i] != '"')
                    return fail(c, "expected a string key");
                if (!string(c))
                    return false;
                skip_ws(c);
                if (c->i >= c->len || c->s[c->i] != ':')
                    return fail(c, "expected ':' after a key");
                c->i++;
                continue;
            } else {
                continue;
            }
        } else if (ch == '"') {
            if (!string(c))
                return false;
        } else if (ch == '-' || (ch >= '0' && ch <= '9')) {
            if (!number(c))
                return false;
        } else if (ch == 't') {
            if (!literal(c, "true"))
                return false;
        } else if (ch == 'f') {
            if (!literal(c, "false"))
                return false;
        } else if (ch == 'n') {
            if (!literal(c, "null"))
                return false;
        } else {
            return fail(c, "expected a value");
        }
        (void)empty_container;
        /* After a value: close containers, or a separator and the next one. */
        for (;;) {
            if (depth == 0)
                return true;
            skip_ws(c);
            if (c->i >= c->len)
                return fail(c, "unexpected end of input");
            bool obj = open[(depth - 1) / 8] & (1u << ((depth - 1) % 8));
            ch = c->s[c->i];
            if (ch == (obj ? '}' : ']')) {
                c->i++;
                depth--;
                continue;
            }
            if (ch != ',')
                return fail(c, obj ? "expected ',' or '}'" : "expected ',' or ']'");
            c->i++;
            if (obj) {
                skip_ws(c);
                if (c->i >= c->len || c->s[c->i] != '"')
                    return fail(c, "expected a string key");
                if (!string(c))
                    return false;
                skip_ws(c);
                if (c->i >= c->len || c->s[c->i] != ':')
                    return fail(c, "expected ':' after a key");
                c->i++;
            }
            break;
        }
    }
}

int jsoncheck(const char *s, size_t len, size_t *offset, struct heal_error *err)
{
    struct cursor c = {(const unsigned char *)s, len, 0, NULL};
    if (value(&c)) {
        skip_ws(&c);
        if (c.i == c.len)
            return 0;
        c.why = "unexpected text after the value";
    }
    if (offset)
        *offset = c.i;
    return heal_error_set(err, "%s at offset %zu", c.why, c.i);
}
