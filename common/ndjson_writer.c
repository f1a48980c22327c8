#include "jsonbuf.h"
#include "ndjson.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ndjson_writer {
    int fd;
    bool batch;
    int failed; /* errno of a failed flush from the before-wait hook */
    struct jsonbuf buf; /* whole lines only */
};

struct ndjson_writer *ndjson_writer_new(int fd)
{
    struct ndjson_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->fd = fd;
    return w;
}

/* Writes all of buf, across EINTR and short writes. */
static int write_all(int fd, const char *buf, size_t len, struct heal_error *err)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return heal_error_errno(err, "write");
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int ndjson_writer_flush(struct ndjson_writer *w, struct heal_error *err)
{
    if (w->buf.len == 0)
        return 0;
    int rc = write_all(w->fd, w->buf.data, w->buf.len, err);
    w->buf.len = 0;
    return rc;
}

int ndjson_writer_free(struct ndjson_writer *w, struct heal_error *err)
{
    if (!w)
        return 0;
    int rc = ndjson_writer_flush(w, err);
    jsonbuf_free(&w->buf);
    free(w);
    return rc;
}

int ndjson_writer_put(struct ndjson_writer *w, jv record, struct heal_error *err)
{
    if (w->failed) {
        errno = w->failed;
        return heal_error_errno(err, "write");
    }
    int rc = jsonbuf_append_jv(&w->buf, &record, err);
    jv_free(record);
    if (rc == 0)
        rc = jsonbuf_append(&w->buf, "\n", 1, err);
    if (rc == 0 && (!w->batch || w->buf.len >= NDJSON_WRITER_BATCH))
        rc = ndjson_writer_flush(w, err);
    return rc;
}

int ndjson_writer_put_line(struct ndjson_writer *w, const char *line, size_t len,
                           struct heal_error *err)
{
    if (w->failed) {
        errno = w->failed;
        return heal_error_errno(err, "write");
    }
    int rc = jsonbuf_append(&w->buf, line, len, err);
    if (rc == 0)
        rc = jsonbuf_append(&w->buf, "\n", 1, err);
    if (rc == 0 && (!w->batch || w->buf.len >= NDJSON_WRITER_BATCH))
        rc = ndjson_writer_flush(w, err);
    return rc;
}

void ndjson_writer_before_wait(void *ctx)
{
    struct ndjson_writer *w = ctx;
    struct heal_error err;
    if (!w->failed && ndjson_writer_flush(w, &err) != 0)
        w->failed = errno;
}

void ndjson_writer_batch(struct ndjson_writer *w)
{
    w->batch = true;
}

void ndjson_writer_attach(struct ndjson_writer *w, struct linereader *r)
{
    ndjson_writer_batch(w);
    linereader_set_before_wait(r, ndjson_writer_before_wait, w);
}

int ndjson_writer_failed(const struct ndjson_writer *w)
{
    return w->failed;
}
