#include "jsonbuf.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSONBUF_INITIAL (64 * 1024)

static int reserve(struct jsonbuf *b, size_t more, struct heal_error *err)
{
    if (b->len + more <= b->size)
        return 0;
    size_t size = b->size ? b->size : JSONBUF_INITIAL;
    while (size < b->len + more)
        size *= 2;
    char *d = realloc(b->data, size);
    if (!d)
        return heal_error_set(err, "out of memory for %zu bytes of JSON", b->len + more);
    b->data = d;
    b->size = size;
    return 0;
}

int jsonbuf_append(struct jsonbuf *b, const char *s, size_t n, struct heal_error *err)
{
    if (reserve(b, n, err) != 0)
        return -1;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    return 0;
}

int jsonbuf_reserve(struct jsonbuf *b, size_t n, struct heal_error *err)
{
    if (b->size == 0) {
        size_t size = n > JSONBUF_SMALL ? n : JSONBUF_SMALL;
        if (!(b->data = malloc(size)))
            return heal_error_set(err, "out of memory for %zu bytes of JSON", size);
        b->size = size;
    }
    return reserve(b, n, err);
}

void jsonbuf_free(struct jsonbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->size = 0;
}

static bool needs_escape(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\' || c == 0x7f;
}

static int append_string(struct jsonbuf *b, const char *s, size_t n, struct heal_error *err)
{
    /* Worst case every byte becomes \u00XX: reserve once, then copy runs. */
    if (reserve(b, n * 6 + 2, err) != 0)
        return -1;
    char *o = b->data + b->len;
    *o++ = '"';
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && !needs_escape((unsigned char)s[run]))
            run++;
        memcpy(o, s + i, run - i);
        o += run - i;
        if (run == n)
            break;
        unsigned char c = (unsigned char)s[run];
        *o++ = '\\';
        switch (c) {
        case '"':
            *o++ = '"';
            break;
        case '\\':
            *o++ = '\\';
            break;
        case '\n':
            *o++ = 'n';
            break;
        case '\t':
            *o++ = 't';
            break;
        case '\r':
            *o++ = 'r';
            break;
        case '\b':
            *o++ = 'b';
            break;
        case '\f':
            *o++ = 'f';
            break;
        default:
            o += sprintf(o, "u%04x", c);
        }
        i = run + 1;
    }
    *o++ = '"';
    b->len = (size_t)(o - b->data);
    return 0;
}

static int append_number(struct jsonbuf *b, double d, struct heal_error *err)
{
    char tmp[40];
    int n;
    if (isnan(d))
        return jsonbuf_append(b, "null", 4, err);
    if (d > DBL_MAX)
        d = DBL_MAX;
    if (d < -DBL_MAX)
        d = -DBL_MAX;
    if (fabs(d) < 1e17 && d == (double)(int64_t)d) {
        /* Integers are most numbers in a record; printf is ten times slower. */
        int64_t v = (int64_t)d;
        uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        char *end = tmp + sizeof tmp, *p = end;
        do {
            *--p = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        if (v < 0)
            *--p = '-';
        return jsonbuf_append(b, p, (size_t)(end - p), err);
    } else if (fabs(d) < 1e9 && fabs(d) >= 1e-6) {
        /* Measurements (seconds, percentages) mostly have few decimals:
         * try up to 6 written by hand, kept only if it reads back exactly. */
        double scaled = d * 1e6;
        double r = round(scaled);
        if (fabs(scaled - r) < 1e-3) {
            long long m = (long long)r;
            unsigned long long u = m < 0 ? (unsigned long long)-m : (unsigned long long)m;
            char *p = tmp + sizeof tmp;
            int frac = 6;
            while (frac > 0 && u % 10 == 0) /* drop trailing zeros */
                u /= 10, frac--;
            for (int k = 0; k < frac; k++, u /= 10)
                *--p = (char)('0' + u % 10);
            if (frac > 0)
                *--p = '.';
            do {
                *--p = (char)('0' + u % 10);
                u /= 10;
            } while (u);
            if (m < 0)
                *--p = '-';
            /* m and 1e6 are exact doubles and IEEE division rounds
             * correctly, so m / 1e6 is what strtod would read back. */
            if ((double)m / 1e6 == d)
                return jsonbuf_append(b, p, (size_t)(tmp + sizeof tmp - p), err);
        }
        n = snprintf(tmp, sizeof tmp, "%.15g", d);
        if (strtod(tmp, NULL) != d)
            n = snprintf(tmp, sizeof tmp, "%.16g", d);
        if (strtod(tmp, NULL) != d)
            n = snprintf(tmp, sizeof tmp, "%.17g", d);
    } else {
        /* The shortest of 15, 16, 17 digits that reads back exactly. */
        n = snprintf(tmp, sizeof tmp, "%.15g", d);
        if (strtod(tmp, NULL) != d)
            n = snprintf(tmp, sizeof tmp, "%.16g", d);
        if (strtod(tmp, NULL) != d)
            n = snprintf(tmp, sizeof tmp, "%.17g", d);
    }
    return jsonbuf_append(b, tmp, (size_t)n, err);
}

static int append_value(struct jsonbuf *b, jv v, int depth, struct heal_error *err)
{
    if (depth > JSONBUF_DEPTH_MAX)
        return heal_error_set(err, "JSON nested deeper than %d levels", JSONBUF_DEPTH_MAX);
    switch (jv_get_kind(v)) {
    case JV_KIND_NULL:
        return jsonbuf_append(b, "null", 4, err);
    case JV_KIND_TRUE:
        return jsonbuf_append(b, "true", 4, err);
    case JV_KIND_FALSE:
        return jsonbuf_append(b, "false", 5, err);
    case JV_KIND_NUMBER:
        return append_number(b, jv_number_value(v), err);
    case JV_KIND_STRING:
        return append_string(b, jv_string_value(v),
                             (size_t)jv_string_length_bytes(jv_copy(v)), err);
    case JV_KIND_ARRAY: {
        if (jsonbuf_append(b, "[", 1, err) != 0)
            return -1;
        int n = jv_array_length(jv_copy(v));
        for (int i = 0; i < n; i++) {
            if (i > 0 && jsonbuf_append(b, ",", 1, err) != 0)
                return -1;
            jv e = jv_array_get(jv_copy(v), i);
            int rc = append_value(b, e, depth + 1, err);
            jv_free(e);
            if (rc != 0)
                return -1;
        }
        return jsonbuf_append(b, "]", 1, err);
    }
    case JV_KIND_OBJECT: {
        if (jsonbuf_append(b, "{", 1, err) != 0)
            return -1;
        bool first = true;
        for (int it = jv_object_iter(v); jv_object_iter_valid(v, it);
             it = jv_object_iter_next(v, it)) {
            if (!first && jsonbuf_append(b, ",", 1, err) != 0)
                return -1;
            first = false;
            jv key = jv_object_iter_key(v, it);
            int rc = append_string(b, jv_string_value(key),
                                   (size_t)jv_string_length_bytes(jv_copy(key)), err);
            jv_free(key);
            if (rc != 0 || jsonbuf_append(b, ":", 1, err) != 0)
                return -1;
            jv val = jv_object_iter_value(v, it);
            rc = append_value(b, val, depth + 1, err);
            jv_free(val);
            if (rc != 0)
                return -1;
        }
        return jsonbuf_append(b, "}", 1, err);
    }
    case JV_KIND_INVALID:
        break;
    }
    return heal_error_set(err, "cannot serialise an invalid value");
}

int jsonbuf_append_jv(struct jsonbuf *b, const jv *v, struct heal_error *err)
{
    size_t mark = b->len;
    if (append_value(b, *v, 0, err) != 0) {
        b->len = mark; /* never leave half a value behind */
        return -1;
    }
    return 0;
}

int jsonbuf_append_string(struct jsonbuf *b, const char *s, size_t n, struct heal_error *err)
{
    return append_string(b, s, n, err);
}

int jsonbuf_append_number(struct jsonbuf *b, double d, struct heal_error *err)
{
    return append_number(b, d, err);
}

int jsonbuf_append_key(struct jsonbuf *b, const char *key, struct heal_error *err)
{
    size_t n = strlen(key);
    if (reserve(b, n + 3, err) != 0)
        return -1;
    char *o = b->data + b->len;
    *o++ = '"';
    memcpy(o, key, n);
    o[n] = '"';
    o[n + 1] = ':';
    b->len += n + 3;
    return 0;
}
