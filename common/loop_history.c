/* loop_history.c — heal-loop's record of status changes (see loop_status.h). */
#include "atomicfile.h"
#include "check.h"
#include "clock.h"
#include "journal.h"
#include "jsonbuf.h"
#include "loop_status.h"
#include "record.h"
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct loop_history {
    char path[STATE_PATH_MAX];
    int lock_fd; /* history.lock: shared to append, exclusive to compact */
    struct journal j;
    jv last; /* target -> status * 2 + hard, of the last line written for it */
};

static int status_code(const char *name)
{
    for (int code = 0; name && code < 4; code++)
        if (!strcmp(name, check_status_name((enum nagios_status)code)))
            return code;
    return -1;
}

int loop_history_entry_parse(const jv *line, struct loop_history_entry *entry,
                             struct heal_error *err)
{
    const char *ts = record_string_borrow(line, "ts");
    entry->target = record_string_borrow(line, "target");
    entry->status = status_code(record_string_borrow(line, "status"));
    if (!entry->target || !*entry->target)
        return heal_error_set(err, "history line without a target");
    if (!ts || clock_parse_rfc3339(ts, &entry->ts_ms) != 0)
        return heal_error_set(err, "history line without a readable ts");
    if (entry->status < 0)
        return heal_error_set(err, "history line without a known status");
    jv hard = jv_object_get(jv_copy(*line), jv_string("hard"));
    jv_kind kind = jv_get_kind(hard);
    jv_free(hard);
    if (kind != JV_KIND_TRUE && kind != JV_KIND_FALSE)
        return heal_error_set(err, "history line without a boolean hard");
    entry->hard = kind == JV_KIND_TRUE;
    jv labels = jv_object_get(jv_copy(*line), jv_string("labels"));
    kind = jv_get_kind(labels);
    jv_free(labels);
    if (kind != JV_KIND_OBJECT && kind != JV_KIND_INVALID)
        return heal_error_set(err, "history line with labels that are not an object");
    return 0;
}

/* Learns each target's last line, in file order: the order the lines were written. */
static int learn(struct loop_history *h, struct heal_error *err)
{
    struct journal_reader r;
    if (journal_reader_open_path(&r, h->path, err) != 0)
        return -1;
    jv line;
    long line_no;
    int rc;
    while ((rc = journal_reader_next(&r, &line, &line_no, err)) == 1) {
        struct loop_history_entry e;
        if (loop_history_entry_parse(&line, &e, NULL) == 0)
            h->last = jv_object_set(h->last, jv_string(e.target),
                                    jv_number(e.status * 2 + (e.hard ? 1 : 0)));
        jv_free(line);
    }
    journal_reader_close(&r);
    return rc;
}

static int flock_retry(int fd, int op, struct heal_error *err)
{
    while (flock(fd, op) < 0)
        if (errno != EINTR)
            return heal_error_errno(err, "flock history lock");
    return 0;
}

struct loop_history *loop_history_open(const char *state_dir, struct heal_error *err)
{
    char dir[STATE_PATH_MAX], lock[STATE_PATH_MAX];
    if (state_subdir(state_dir, LOOP_DIR, dir, err) != 0 ||
        state_path_join(lock, sizeof lock, dir, LOOP_HISTORY_LOCK_FILE, err) != 0)
        return NULL;
    struct loop_history *h = calloc(1, sizeof *h);
    if (!h) {
        heal_error_set(err, "out of memory for the history");
        return NULL;
    }
    h->j.fd = -1;
    h->last = jv_object();
    /* A compaction killed mid-write leaves its temp file: old ones are safe to drop. */
    atomicfile_cleanup(dir, ATOMICFILE_STALE_MS, NULL, NULL);
    h->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (h->lock_fd < 0) {
        heal_error_errno(err, "open %s", lock);
        loop_history_close(h);
        return NULL;
    }
    if (state_path_join(h->path, sizeof h->path, dir, LOOP_HISTORY_FILE, err) != 0 ||
        journal_open_path(&h->j, h->path, false, err) != 0 || learn(h, err) != 0) {
        loop_history_close(h);
        return NULL;
    }
    return h;
}

void loop_history_close(struct loop_history *h)
{
    if (!h)
        return;
    journal_close(&h->j);
    if (h->lock_fd >= 0)
        close(h->lock_fd);
    jv_free(h->last);
    free(h);
}

/* Reopens the file when a compaction replaced it since we opened ours (lock held). */
static int follow_replacement(struct loop_history *h, struct heal_error *err)
{
    struct stat on_disk, ours;
    if (fstat(h->j.fd, &ours) != 0)
        return heal_error_errno(err, "fstat %s", h->path);
    if (stat(h->path, &on_disk) == 0 && on_disk.st_ino == ours.st_ino &&
        on_disk.st_dev == ours.st_dev)
        return 0;
    journal_close(&h->j);
    return journal_open_path(&h->j, h->path, false, err);
}

static int append(struct loop_history *h, jv line, struct heal_error *err)
{
    if (flock_retry(h->lock_fd, LOCK_SH, err) != 0) {
        jv_free(line);
        return -1;
    }
    int rc = follow_replacement(h, err);
    if (rc == 0 && journal_append(&h->j, line, err) != 0)
        rc = -1;
    else if (rc != 0)
        jv_free(line);
    flock(h->lock_fd, LOCK_UN);
    return rc;
}

static int compact_if_big(struct loop_history *h, int64_t now_ms, struct heal_error *err)
{
    struct stat st;
    if (fstat(h->j.fd, &st) != 0)
        return heal_error_errno(err, "fstat %s", h->path);
    if (st.st_size <= LOOP_HISTORY_MAX_BYTES)
        return 0;
    if (flock_retry(h->lock_fd, LOCK_EX, err) != 0)
        return -1;
    int rc = 0;
    /* Another heal-loop may have compacted it while we waited for the lock. */
    if (stat(h->path, &st) == 0 && st.st_size > LOOP_HISTORY_MAX_BYTES)
        rc = loop_history_compact(h->path, now_ms, LOOP_HISTORY_MAX_BYTES / 2, err);
    if (rc == 0)
        rc = follow_replacement(h, err);
    flock(h->lock_fd, LOCK_UN);
    return rc;
}

/* The time the record observed, but never later than now. */
static int64_t observed_at(const jv *check, int64_t now_ms)
{
    const char *ts = record_string_borrow(check, "ts");
    int64_t ms;
    if (!ts || clock_parse_rfc3339(ts, &ms) != 0 || ms > now_ms)
        return now_ms;
    return ms;
}

int loop_history_note_check(struct loop_history *h, const jv *check, struct heal_error *err)
{
    if (!record_is_type(check, "check"))
        return 0;
    const char *target = record_string_borrow(check, "target");
    const char *status = record_string_borrow(check, "status");
    const char *type = record_string_borrow(check, "state_type");
    int code = status_code(status);
    if (!target || !*target)
        return heal_error_set(err, "check record without a target");
    if (code < 0)
        return heal_error_set(err, "check record for %s without a known status", target);
    bool hard = !(type && !strcmp(type, "soft"));
    jv prev = jv_object_get(jv_copy(h->last), jv_string(target));
    bool first = jv_get_kind(prev) != JV_KIND_NUMBER;
    int was = first ? -1 : (int)jv_number_value(prev);
    jv_free(prev);
    bool changed = first || was / 2 != code || (code != 0 && hard && !(was & 1));
    if (!changed)
        return 0;
    int64_t now_ms = clock_now_ms();
    char ts[CLOCK_RFC3339_SIZE];
    clock_format_rfc3339(observed_at(check, now_ms), ts);
    jv labels = jv_object_get(jv_copy(*check), jv_string("labels"));
    if (jv_get_kind(labels) != JV_KIND_OBJECT) {
        jv_free(labels);
        labels = jv_object();
    }
    jv line = jv_object();
    line = jv_object_set(line, jv_string("ts"), jv_string(ts));
    line = jv_object_set(line, jv_string("target"), jv_string(target));
    line = jv_object_set(line, jv_string("status"), jv_string(status));
    line = jv_object_set(line, jv_string("hard"), jv_bool(hard));
    line = jv_object_set(line, jv_string("labels"), labels);
    struct heal_error e;
    if (append(h, line, &e) != 0)
        return heal_error_set(err, "%s: %s", h->path, e.msg);
    h->last = jv_object_set(h->last, jv_string(target), jv_number(code * 2 + (hard ? 1 : 0)));
    if (compact_if_big(h, now_ms, &e) != 0)
        return heal_error_set(err, "%s: line written, compaction failed: %s", h->path, e.msg);
    return 1;
}

/* One line read back for compaction. */
struct kept {
    jv text; /* the compact line, or invalid once dropped */
    int64_t ts_ms;
    bool final; /* the target's last line: always kept */
};

/* True when line i is later than the line that `best` holds for its target (if any). */
static bool later(const struct kept *lines, size_t i, jv best)
{
    bool is = jv_get_kind(best) != JV_KIND_NUMBER ||
              lines[i].ts_ms >= lines[(size_t)jv_number_value(best)].ts_ms;
    jv_free(best);
    return is;
}

/*
 * Marks, per target, its last line and its last line before the cutoff:
 * last by ts, file order among equals, as the report orders them.
 */
static void mark_kept(struct kept *lines, const jv *targets, size_t n, int64_t cutoff)
{
    jv final = jv_object(), before = jv_object();
    for (size_t i = 0; i < n; i++) {
        jv key = jv_array_get(jv_copy(*targets), (int)i);
        if (later(lines, i, jv_object_get(jv_copy(final), jv_copy(key))))
            final = jv_object_set(final, jv_copy(key), jv_number((double)i));
        if (lines[i].ts_ms < cutoff &&
            later(lines, i, jv_object_get(jv_copy(before), jv_copy(key))))
            before = jv_object_set(before, jv_copy(key), jv_number((double)i));
        jv_free(key);
    }
    for (size_t i = 0; i < n; i++) {
        jv key = jv_array_get(jv_copy(*targets), (int)i);
        jv f = jv_object_get(jv_copy(final), jv_copy(key));
        jv b = jv_object_get(jv_copy(before), key);
        lines[i].final = jv_number_value(f) == (double)i;
        bool start = jv_get_kind(b) == JV_KIND_NUMBER && jv_number_value(b) == (double)i;
        if (lines[i].ts_ms < cutoff && !start && !lines[i].final) {
            jv_free(lines[i].text);
            lines[i].text = jv_invalid();
        }
        jv_free(f);
        jv_free(b);
    }
    jv_free(final);
    jv_free(before);
}

/* Drops the oldest lines that are not a target's last until the rest fit keep_bytes. */
static void trim_oldest(struct kept *lines, size_t n, long keep_bytes)
{
    long total = 0;
    for (size_t i = 0; i < n; i++)
        if (jv_is_valid(lines[i].text) && !lines[i].final)
            total += jv_string_length_bytes(jv_copy(lines[i].text)) + 1;
    for (size_t i = 0; i < n && total > keep_bytes; i++) {
        if (!jv_is_valid(lines[i].text) || lines[i].final)
            continue;
        total -= jv_string_length_bytes(jv_copy(lines[i].text)) + 1;
        jv_free(lines[i].text);
        lines[i].text = jv_invalid();
    }
}

static int write_kept(const char *path, struct kept *lines, size_t n, struct heal_error *err)
{
    struct jsonbuf b = {0};
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (jv_is_valid(lines[i].text))
            rc = jsonbuf_append(&b, jv_string_value(lines[i].text),
                                (size_t)jv_string_length_bytes(jv_copy(lines[i].text)), err) ||
                         jsonbuf_append(&b, "\n", 1, err)
                     ? -1
                     : 0;
    if (rc == 0)
        rc = atomicfile_write(path, b.len ? b.data : "", b.len, 0600, err);
    jsonbuf_free(&b);
    return rc;
}

int loop_history_compact(const char *path, int64_t now_ms, long keep_bytes,
                         struct heal_error *err)
{
    struct journal_reader r;
    if (journal_reader_open_path(&r, path, err) != 0)
        return -1;
    struct kept *lines = NULL;
    size_t n = 0, cap = 0;
    jv targets = jv_array(); /* the target of lines[i] */
    jv line;
    long line_no;
    int rc;
    while ((rc = journal_reader_next(&r, &line, &line_no, err)) == 1) {
        struct loop_history_entry e;
        if (loop_history_entry_parse(&line, &e, NULL) != 0) {
            jv_free(line); /* unreadable lines are not carried over */
            continue;
        }
        if (n == cap) {
            size_t more = cap ? cap * 2 : 256;
            struct kept *grown = realloc(lines, more * sizeof *grown);
            if (!grown) {
                jv_free(line);
                rc = heal_error_set(err, "out of memory compacting %s", path);
                break;
            }
            lines = grown;
            cap = more;
        }
        targets = jv_array_append(targets, jv_string(e.target));
        lines[n].ts_ms = e.ts_ms;
        lines[n].final = false;
        lines[n++].text = jv_dump_string(line, 0);
    }
    journal_reader_close(&r);
    if (rc == 0) {
        mark_kept(lines, &targets, n, now_ms - LOOP_WINDOW_7D_MS);
        trim_oldest(lines, n, keep_bytes);
        rc = write_kept(path, lines, n, err);
    }
    for (size_t i = 0; i < n; i++)
        jv_free(lines[i].text);
    free(lines);
    jv_free(targets);
    return rc;
}
