#include "journal.h"
#include "jsoncheck.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"

int journal_open(struct journal *journal, const char *state_dir, struct heal_error *err)
{
    char path[STATE_PATH_MAX];
    journal->fd = -1;
    if (state_path_join(path, sizeof path, state_dir, JOURNAL_FILE_NAME, err) < 0)
        return -1;
    return journal_open_path(journal, path, true, err);
}

int journal_open_path(struct journal *journal, const char *path, bool sync,
                      struct heal_error *err)
{
    journal->fd = -1;
    journal->sync = sync;
    /* Read access too: an append first looks at the last byte (journal_tail_torn). */
    int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return heal_error_errno(err, "open %s", path);
    struct stat st;
    if (fstat(fd, &st) < 0) {
        heal_error_errno(err, "fstat %s", path);
        close(fd);
        return -1;
    }
    /* Appends are atomic only on regular files. */
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return heal_error_set(err, "%s: not a regular file", path);
    }
    journal->fd = fd;
    return 0;
}

/* 1 when the file's last byte is not a newline: a crash or short write tore a line. */
static int journal_tail_torn(int fd, struct heal_error *err)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return heal_error_errno(err, "fstat journal");
    if (st.st_size == 0)
        return 0;
    char last;
    ssize_t n;
    do
        n = pread(fd, &last, 1, st.st_size - 1);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return heal_error_errno(err, "read journal");
    /* n == 0: truncated under us; nothing to close off. */
    return n == 1 && last != '\n';
}

/*
 * Writes line[1..len) (ending in a newline) with one write(), first closing
 * a torn line left by a crash if there is one: line[0] is the room for that
 * newline.  Appenders hold an flock on the journal meanwhile, because a
 * write spanning pages shows its size growing before it ends, and the torn
 * check would otherwise mistake another appender's line in progress for a
 * torn one.
 */
static int journal_write_locked(int fd, char *line, size_t len, struct heal_error *err)
{
    while (flock(fd, LOCK_EX) < 0)
        if (errno != EINTR)
            return heal_error_errno(err, "flock journal");
    int rc = 0, torn = journal_tail_torn(fd, err);
    if (torn < 0) {
        rc = -1;
        goto unlock;
    }
    const char *p = torn ? line : line + 1;
    size_t want = torn ? len : len - 1;
    ssize_t w;
    do
        w = write(fd, p, want);
    while (w < 0 && errno == EINTR);
    if (w < 0) {
        rc = heal_error_errno(err, "write journal");
    } else if ((size_t)w < want) {
        /* Best effort: if this fails too, the next append closes the line. */
        ssize_t ignored = write(fd, "\n", 1);
        (void)ignored;
        rc = heal_error_set(err,
                            "short write to the journal: %zd of %zu bytes; "
                            "readers will skip the torn line",
                            w, want);
    }
unlock:
    flock(fd, LOCK_UN);
    return rc;
}

int journal_append(struct journal *journal, jv record, struct heal_error *err)
{
    if (jv_get_kind(record) != JV_KIND_OBJECT) {
        const char *kind = jv_kind_name(jv_get_kind(record));
        jv_free(record);
        return heal_error_set(err, "a journal record must be an object, not %s", kind);
    }
    jv text = jv_dump_string(record, 0);
    size_t n = (size_t)jv_string_length_bytes(jv_copy(text));
    if (n + 1 > JOURNAL_LINE_MAX) {
        jv_free(text);
        return heal_error_set(err, "record of %zu bytes is over the %d-byte line cap", n + 1,
                              JOURNAL_LINE_MAX);
    }
    /* One buffer, one write(): two writes could let another line in between. */
    char *line = malloc(n + 2);
    if (!line) {
        jv_free(text);
        return heal_error_set(err, "out of memory for a %zu-byte record", n + 1);
    }
    line[0] = '\n';
    memcpy(line + 1, jv_string_value(text), n);
    line[n + 1] = '\n';
    jv_free(text);
    int rc = journal_write_locked(journal->fd, line, n + 2, err);
    free(line);
    if (rc < 0)
        return -1;
    if (journal->sync && fdatasync(journal->fd) < 0)
        return heal_error_errno(err, "fdatasync journal");
    return 0;
}

void journal_close(struct journal *journal)
{
    if (journal->fd >= 0)
        close(journal->fd);
    journal->fd = -1;
}

int journal_reader_open(struct journal_reader *reader, const char *state_dir,
                        struct heal_error *err)
{
    char path[STATE_PATH_MAX];
    memset(reader, 0, sizeof *reader);
    reader->fd = -1;
    if (state_path_join(path, sizeof path, state_dir, JOURNAL_FILE_NAME, err) < 0)
        return -1;
    return journal_reader_open_path(reader, path, err);
}

int journal_reader_open_path(struct journal_reader *reader, const char *path,
                             struct heal_error *err)
{
    memset(reader, 0, sizeof *reader);
    reader->fd = -1;
    reader->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (reader->fd < 0 && errno != ENOENT)
        return heal_error_errno(err, "open %s", path);
    if (reader->fd < 0) {
        reader->eof = 1;
        return 0;
    }
    reader->buf = malloc(JOURNAL_READER_BUFFER);
    if (!reader->buf) {
        close(reader->fd);
        reader->fd = -1;
        return heal_error_set(err, "out of memory for the journal reader");
    }
    return 0;
}

static bool line_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    return true;
}

/* 1 with *record set for an object line, 0 for a line to skip. */
static int reader_take_line(struct journal_reader *reader, const char *s, size_t n, jv *record)
{
    reader->line_no++;
    if (reader->skipping) {
        reader->skipping = 0;
        reader->bad++;
        return 0;
    }
    if (line_blank(s, n))
        return 0;
    jv v = jsoncheck(s, n, NULL, NULL) == 0 ? jv_parse_sized(s, (int)n) : jv_invalid();
    if (jv_get_kind(v) != JV_KIND_OBJECT) {
        jv_free(v);
        reader->bad++;
        return 0;
    }
    *record = v;
    return 1;
}

/* Reads more bytes after moving the unread ones to the front. 0 at end, -1 on error. */
static int reader_fill(struct journal_reader *reader, struct heal_error *err)
{
    size_t unread = reader->end - reader->start;
    memmove(reader->buf, reader->buf + reader->start, unread);
    reader->start = 0;
    reader->end = unread;
    for (;;) {
        ssize_t n =
            read(reader->fd, reader->buf + reader->end, JOURNAL_READER_BUFFER - reader->end);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return heal_error_errno(err, "read journal");
        reader->end += (size_t)n;
        return n > 0;
    }
}

int journal_reader_next(struct journal_reader *reader, jv *record, long *line_no,
                        struct heal_error *err)
{
    if (!reader->buf)
        return 0;
    for (;;) {
        char *s = reader->buf + reader->start;
        size_t unread = reader->end - reader->start;
        char *nl = memchr(s, '\n', unread);
        if (nl) {
            reader->start += (size_t)(nl - s) + 1;
            if (reader_take_line(reader, s, (size_t)(nl - s), record)) {
                *line_no = reader->line_no;
                return 1;
            }
            continue;
        }
        if (reader->eof) {
            /* A last line without its newline: torn by a crash, or complete but for it. */
            reader->start = reader->end;
            if (unread == 0 && !reader->skipping)
                return 0;
            if (reader_take_line(reader, s, unread, record)) {
                *line_no = reader->line_no;
                return 1;
            }
            return 0;
        }
        if (unread == JOURNAL_READER_BUFFER) {
            /* No newline within the cap: drop what we have and the rest of the line. */
            reader->skipping = 1;
            reader->start = reader->end = 0;
        }
        int rc = reader_fill(reader, err);
        if (rc < 0)
            return -1;
        if (rc == 0)
            reader->eof = 1;
    }
}

long journal_reader_bad(const struct journal_reader *reader)
{
    return reader->bad;
}

void journal_reader_close(struct journal_reader *reader)
{
    if (reader->fd >= 0)
        close(reader->fd);
    free(reader->buf);
    reader->buf = NULL;
    reader->fd = -1;
}
