#include "linereader.h"
#include "signals.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct linereader {
    int fd;
    char *buf;
    size_t size;  /* allocated: line cap + one block */
    size_t start; /* first byte not yet handed out */
    size_t scan;  /* bytes before this are known to hold no '\n' */
    size_t end;   /* one past the last byte read */
    size_t line_max;
    uint64_t lineno;
    uint64_t discarded; /* bytes of an over-long line thrown away so far */
    bool discarding;
    bool eof;
    void (*before_wait)(void *);
    void *before_wait_ctx;
};

struct linereader *linereader_new(int fd, size_t line_max)
{
    struct linereader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->size = line_max + LINEREADER_BLOCK + 1;
    r->buf = malloc(r->size);
    if (!r->buf) {
        free(r);
        return NULL;
    }
    r->fd = fd;
    r->line_max = line_max;
    return r;
}

void linereader_free(struct linereader *r)
{
    if (!r)
        return;
    free(r->buf);
    free(r);
}

uint64_t linereader_lineno(const struct linereader *r)
{
    return r->lineno;
}

void linereader_set_before_wait(struct linereader *r, void (*fn)(void *), void *ctx)
{
    r->before_wait = fn;
    r->before_wait_ctx = ctx;
}

static void maybe_before_wait(struct linereader *r)
{
    if (!r->before_wait)
        return;
    struct pollfd pfd = {.fd = r->fd, .events = POLLIN};
    if (poll(&pfd, 1, 0) == 0)
        r->before_wait(r->before_wait_ctx);
}

/* Returns bytes read, 0 at EOF, -1 on error (errno set). */
static ssize_t fill(struct linereader *r)
{
    /*
     * Back to the front when the room runs out, and also whenever what is
     * left is no longer than what was handed out (amortised: each byte
     * moves at most once more than it is read).  Walking on through the
     * whole buffer first made a daemon's stream of short records touch
     * all of it: 1 MiB resident, for good, in every stage.
     */
    if (r->start > 0 &&
        (r->size - r->end < LINEREADER_BLOCK || r->end - r->start <= r->start)) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->scan -= r->start;
        r->start = 0;
    }
    maybe_before_wait(r);
    /* One block per read: the bytes are still in cache when they are scanned. */
    size_t room = r->size - 1 - r->end;
    if (room > LINEREADER_BLOCK)
        room = LINEREADER_BLOCK;
    for (;;) {
        ssize_t n = read(r->fd, r->buf + r->end, room);
        if (n >= 0) {
            r->end += (size_t)n;
            return n;
        }
        if (errno != EINTR)
            return -1;
        if (signals_stop_requested())
            return 0;
    }
}

/* Hands out buf[from, stop) as line number lineno+1. */
static enum linereader_status hand_out(struct linereader *r, size_t from, size_t stop,
                                       const char **line, size_t *len)
{
    r->lineno++;
    size_t n = stop - from;
    if (r->discarding) {
        r->discarding = false;
        *len = (size_t)r->discarded + n;
        r->discarded = 0;
        return LINEREADER_TOO_LONG;
    }
    if (n > 0 && r->buf[from + n - 1] == '\r')
        n--;
    if (n > r->line_max) {
        *len = n;
        return LINEREADER_TOO_LONG;
    }
    *line = r->buf + from;
    *len = n;
    return LINEREADER_LINE;
}

enum linereader_status linereader_next(struct linereader *r, const char **line, size_t *len,
                                       struct heal_error *err)
{
    for (;;) {
        char *nl = memchr(r->buf + r->scan, '\n', r->end - r->scan);
        if (nl) {
            size_t from = r->start, stop = (size_t)(nl - r->buf);
            r->start = r->scan = stop + 1;
            return hand_out(r, from, stop, line, len);
        }
        r->scan = r->end;
        /* +1 allows for a "\r" before the "\n" of a line exactly at the cap. */
        if (r->end - r->start > r->line_max + 1) {
            r->discarding = true;
            r->discarded += r->end - r->start;
            r->start = r->scan = r->end = 0;
        }
        if (r->eof) {
            if (r->start == r->end && !r->discarding)
                return LINEREADER_EOF;
            size_t from = r->start;
            r->start = r->scan = r->end;
            return hand_out(r, from, r->end, line, len);
        }
        ssize_t n = fill(r);
        if (n < 0) {
            heal_error_errno(err, "read");
            return LINEREADER_ERROR;
        }
        if (n == 0)
            r->eof = true;
    }
}

enum linereader_status linereader_next_block(struct linereader *r, const char **data, size_t *len,
                                             struct heal_error *err)
{
    for (;;) {
        if (r->discarding) {
            char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
            if (nl) {
                *len = (size_t)r->discarded + (size_t)(nl - (r->buf + r->start));
                r->discarding = false;
                r->discarded = 0;
                r->start = r->scan = (size_t)(nl - r->buf) + 1;
                return LINEREADER_TOO_LONG;
            }
            r->discarded += r->end - r->start;
            r->start = r->scan = r->end = 0;
        } else {
            char *last = memrchr(r->buf + r->start, '\n', r->end - r->start);
            if (last) {
                *data = r->buf + r->start;
                *len = (size_t)(last - (r->buf + r->start)) + 1;
                r->start = r->scan = (size_t)(last - r->buf) + 1;
                return LINEREADER_LINE;
            }
            if (r->end - r->start > r->line_max + 1) {
                r->discarding = true;
                continue;
            }
        }
        if (r->eof) {
            if (r->discarding) {
                *len = (size_t)r->discarded;
                r->discarding = false;
                r->discarded = 0;
                return LINEREADER_TOO_LONG;
            }
            if (r->start == r->end)
                return LINEREADER_EOF;
            *data = r->buf + r->start;
            *len = r->end - r->start;
            r->start = r->scan = r->end;
            return LINEREADER_LINE;
        }
        ssize_t n = fill(r);
        if (n < 0) {
            heal_error_errno(err, "read");
            return LINEREADER_ERROR;
        }
        if (n == 0)
            r->eof = true;
    }
}
