/*
 * record.h — the envelope every record carries (schema v1, DESIGN.md).
 *
 * record_new() makes {type, v, id, ts, host}; record_derive() also links
 * a record to the one it came from: parent = its id, trace = its trace
 * (or its id, for a check that started the chain), and target and labels
 * copied.  Ids are ULID-style: 26 Crockford base32 characters, 48 bits of
 * milliseconds then 80 random bits, strictly increasing within a process
 * (the random part is incremented when the clock has not moved), so they
 * sort by time.  Not thread-safe: one id generator per process.
 *
 * jv ownership: every function consumes its jv arguments; the accessors
 * named *_borrow only look at theirs.
 */
#ifndef HEAL_RECORD_H
#define HEAL_RECORD_H

#include <jv.h>
#include <stdbool.h>

#define RECORD_SCHEMA_VERSION 1
#define RECORD_ID_SIZE 27 /* 26 characters and a NUL */

void record_id_new(char out[RECORD_ID_SIZE]);
/* True if s has the form of an id: 26 Crockford base32 digits (upper case). */
bool record_id_valid(const char *s);

/* This host's name (uname nodename), computed once. */
const char *record_host(void);

jv record_new(const char *type);
jv record_derive(const char *type, jv parent);

/*
 * The string at key in record r, or NULL if absent or not a string.  The
 * pointer stays valid as long as r is alive and unchanged.
 */
const char *record_string_borrow(const jv *r, const char *key);

/*
 * The same for a name that keys state, locks and look-ups (target, trace,
 * remedy): NULL also when the string holds a NUL byte, which C would cut
 * short so that "web\u0000x" acted as "web".
 */
const char *record_name_borrow(const jv *r, const char *key);

/* The array at key in record r (borrowed), or an empty array when absent or not one. */
jv record_array_get(const jv *r, const char *key);

/* A check, diagnosis, proposal, outcome or event record, by its type. */
bool record_is_type(const jv *r, const char *type);

#endif
