/*
 * linereader.h — split a file descriptor into lines, in blocks.
 *
 * Reads LINEREADER_BLOCK bytes at a time and hands out lines without
 * copying.  A line longer than the reader's cap is not returned: it is
 * read through and reported as LINEREADER_TOO_LONG with its number, so a
 * 10 MB line costs a cap's worth of memory, not 10 MB.  A trailing "\r"
 * is dropped (CRLF input); a last line without "\n" is still a line.
 * A stop request (SIGTERM/SIGINT, see signals.h) during a read ends input.
 */
#ifndef HEAL_LINEREADER_H
#define HEAL_LINEREADER_H

#include "error.h"

#include <stddef.h>
#include <stdint.h>

#define LINEREADER_BLOCK (64 * 1024)

enum linereader_status {
    LINEREADER_LINE,     /* line and len set; valid until the next call */
    LINEREADER_EOF,      /* no more input */
    LINEREADER_TOO_LONG, /* a line over the cap was skipped; *len = its length */
    LINEREADER_ERROR,    /* read failed; err says why */
};

struct linereader;

/* Reads fd (not closed by the reader) with lines of at most line_max bytes. */
struct linereader *linereader_new(int fd, size_t line_max);
void linereader_free(struct linereader *r);

enum linereader_status linereader_next(struct linereader *r, const char **line, size_t *len,
                                       struct heal_error *err);

/*
 * The next run of whole lines (data ends with a "\n", except a last line
 * at the end of input): for a caller that scans many lines at once.  An
 * over-long line that does not fit the buffer is skipped as with
 * linereader_next (LINEREADER_TOO_LONG).  Line numbers are not kept in
 * this mode: the caller counts the newlines it was given.
 */
enum linereader_status linereader_next_block(struct linereader *r, const char **data, size_t *len,
                                             struct heal_error *err);

/* Number of the line last returned (or skipped), counting from 1. */
uint64_t linereader_lineno(const struct linereader *r);

/*
 * Called before each read() that may block; a writer uses it to flush
 * what it holds, so records never wait in a buffer while we wait for input.
 */
void linereader_set_before_wait(struct linereader *r, void (*fn)(void *), void *ctx);

#endif
