/*
 * ndjson.h — records in and out, one JSON object per line.
 *
 * Reader: yields each line that is a JSON object; a bad line (invalid
 * JSON, not an object, over the cap, invalid UTF-8, a NUL byte) comes
 * back as NDJSON_BAD with its line number and reason, and reading goes on
 * with the next line.  Blank lines are skipped.  Callers log bad lines as
 * `prog: FILE:LINE: reason` and turn ndjson_reader_bad() into exit 4.
 *
 * Writer: one compact line per record, never a half line: the write is
 * retried across EINTR and short writes.  In the default mode every record
 * is written out as it is put.  A filter stage may instead batch records
 * and flush whenever its reader is about to wait for input (see
 * ndjson_writer_attach): the same latency, far fewer system calls.
 *
 * jv ownership: ndjson_writer_put consumes its record; the jv handed out
 * by ndjson_reader_next belongs to the caller.
 */
#ifndef HEAL_NDJSON_H
#define HEAL_NDJSON_H

#include "error.h"
#include "linereader.h"

#include <jv.h>
#include <stdbool.h>
#include <stdint.h>

#define NDJSON_LINE_MAX (1024 * 1024)

enum ndjson_status {
    NDJSON_RECORD, /* *out holds a JSON object */
    NDJSON_EOF,
    NDJSON_BAD,   /* line ndjson_reader_lineno() was skipped; err says why */
    NDJSON_ERROR, /* read error; err says why */
};

struct ndjson_reader;

struct ndjson_reader *ndjson_reader_new(int fd, size_t line_max);
void ndjson_reader_free(struct ndjson_reader *r);
enum ndjson_status ndjson_reader_next(struct ndjson_reader *r, jv *out, struct heal_error *err);
uint64_t ndjson_reader_lineno(const struct ndjson_reader *r);
uint64_t ndjson_reader_bad(const struct ndjson_reader *r);
struct linereader *ndjson_reader_lines(struct ndjson_reader *r);

/*
 * Parses one line (no newline) into a JSON object, applying every check
 * the reader applies.  Returns the object, or jv_invalid() with err set.
 */
jv ndjson_parse_line(const char *line, size_t len, struct heal_error *err);

/* A JSON kind as a message names it: "an object", "a string", "null" ... */
const char *ndjson_kind_name(jv_kind k);

struct ndjson_writer;

struct ndjson_writer *ndjson_writer_new(int fd);
/* Flushes and frees; returns -1 with err if the final flush failed. */
int ndjson_writer_free(struct ndjson_writer *w, struct heal_error *err);
/*
 * Writes one record as a line (consumes it).  Returns -1 with err on a
 * write error; errno is EPIPE when the reader has gone (end quietly).
 */
int ndjson_writer_put(struct ndjson_writer *w, jv record, struct heal_error *err);
/*
 * Writes a line that is already a record (no newline; as the reader gave
 * it), byte for byte: how a stage passes on a record it did not change,
 * so that numbers jq cannot hold exactly, escapes and spacing survive.
 */
int ndjson_writer_put_line(struct ndjson_writer *w, const char *line, size_t len,
                           struct heal_error *err);
int ndjson_writer_flush(struct ndjson_writer *w, struct heal_error *err);
/*
 * Batch records and flush them whenever reader r is about to wait for
 * input, or the batch reaches NDJSON_WRITER_BATCH bytes.
 */
void ndjson_writer_attach(struct ndjson_writer *w, struct linereader *r);
#define NDJSON_WRITER_BATCH (64 * 1024)
/*
 * The same for a producer with a wait of its own (heal-check's poll loop):
 * batch records, and have it call ndjson_writer_before_wait(w) before it
 * waits.  A failed flush there shows at the next put (or at free).
 */
void ndjson_writer_batch(struct ndjson_writer *w);
void ndjson_writer_before_wait(void *w);
/* The errno of the last failed flush inside a before-wait hook, or 0. */
int ndjson_writer_failed(const struct ndjson_writer *w);

#endif
