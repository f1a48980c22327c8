/*
 * jsonbuf.h — compact JSON serialisation straight into a growable buffer.
 *
 * jq 1.6's jv_dump_string builds a jv string piece by piece; writing into
 * one reusable buffer instead is what lets a heal stage pass records
 * through faster than `jq -c .` (see tests/bench/ndjson.sh).  Output is
 * compact JSON in jq's style: object keys in jv's order, "/" unescaped,
 * controls and DEL as \uXXXX, NaN as null, infinities as +-DBL_MAX,
 * other numbers in the shortest form that reads back to the same double.
 *
 * jv ownership: jsonbuf_append_jv borrows its value.
 */
#ifndef HEAL_JSONBUF_H
#define HEAL_JSONBUF_H

#include "error.h"

#include <jv.h>
#include <stddef.h>

/* Deeper nesting than this is refused (jq's parser allows 256). */
#define JSONBUF_DEPTH_MAX 512
/* The least first allocation jsonbuf_reserve makes. */
#define JSONBUF_SMALL 256

struct jsonbuf {
    char *data;
    size_t len;
    size_t size;
};

/* Appends v's compact JSON.  Returns -1 with err when out of memory or too deep. */
int jsonbuf_append_jv(struct jsonbuf *b, const jv *v, struct heal_error *err);
int jsonbuf_append(struct jsonbuf *b, const char *s, size_t n, struct heal_error *err);
/*
 * Makes room for n more bytes.  An empty buffer gets just that room (at
 * least JSONBUF_SMALL), not the 64 KiB meant for a stream of records:
 * for the many buffers that each hold one small value.
 */
int jsonbuf_reserve(struct jsonbuf *b, size_t n, struct heal_error *err);
/* A JSON string of s[0..n) (valid UTF-8 expected) or a number, in jq's style. */
int jsonbuf_append_string(struct jsonbuf *b, const char *s, size_t n, struct heal_error *err);
int jsonbuf_append_number(struct jsonbuf *b, double d, struct heal_error *err);
/* `"key":` for a key known to need no escaping (one of ours). */
int jsonbuf_append_key(struct jsonbuf *b, const char *key, struct heal_error *err);
void jsonbuf_free(struct jsonbuf *b);

#endif
