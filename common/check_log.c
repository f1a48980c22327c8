/*
 * The log kind: new lines of a log file that match any of some PCRE2
 * patterns.  Each run reads only what was appended since the last one,
 * as `tail -F` follows a file: the position (device, inode, offset) is
 * kept in STATE_DIR/log-offsets/NAME.json, so cron runs continue where the
 * last one stopped.  The definition's warn/crit apply to the number of
 * matching lines; by default any match is CRITICAL (crit "0").
 *
 * A first run with no saved position starts at the end (old lines were
 * someone else's news) unless from_start.  Rotation (another inode at the
 * path) finishes the old file when it can still be reached (held open by
 * this process, or renamed to PATH.1 or PATH.0) and reads the new one from
 * its start.  A file shorter than the offset, or whose bytes just before
 * the offset changed, was truncated (and maybe written again past the old
 * offset) and is read from its start.  A partial last line waits for its
 * newline.
 *
 * In --watch an inotify fd on the file (its directory while it is absent)
 * runs the check the moment lines are appended.
 */
#include "atomicfile.h"
#include "check.h"
#include "check_regex.h"
#include "check_watch.h"
#include "clock.h"
#include "jsoncheck.h"
#include "size.h"
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_PATTERNS_MAX 64
#define LOG_LINE_MAX (64 * 1024)       /* bytes of one line matched; the rest is skipped */
#define LOG_READ_MAX (8 * 1024 * 1024) /* bytes read per run; more waits for the next */
#define LOG_EVIDENCE_LINES_MAX 50
#define LOG_EVIDENCE_LINE_MAX 1024
#define LOG_STATE_FILE_MAX 8192
#define LOG_STATE_SUBDIR "log-offsets"
/* Bytes before the offset remembered (hashed) to tell an append from a rewrite. */
#define LOG_MARK_BYTES 64
/* --watch: a file that keeps growing is re-read at most this often. */
#define LOG_WATCH_GAP_MS 50

static const struct config_field log_fields[] = {
    {"path", CONFIG_STRING, true},
    {"patterns", CONFIG_ARRAY, true},
    {"from_start", CONFIG_BOOL, false},
    {NULL, 0, false},
};

struct log_settings {
    char *path;
    struct check_regex *re[LOG_PATTERNS_MAX];
    int nre;
    bool from_start;
    char *buf; /* LOG_LINE_MAX bytes */
    /* Where the last run stopped; `known` is false until a run or the state file says. */
    bool known, loaded;
    dev_t dev;
    ino_t ino; /* 0: the file did not exist yet */
    off_t offset;
    off_t seen; /* the size read up to, partial line included: more means news */
    bool has_mark;
    uint64_t mark; /* hash of the LOG_MARK_BYTES before offset */
    int fd;        /* the file followed, held so a rotated file can be finished; -1 */
    bool backlog;  /* the read cap stopped the last run short */
    int64_t last_run_mono_ms;
    /* What the state file holds, to write it only when the position moves. */
    bool saved_known;
    dev_t saved_dev;
    ino_t saved_ino;
    off_t saved_offset;
    uint64_t saved_mark;
};

/* One run's reading and matching. */
struct log_scan {
    struct log_settings *l;
    long lines, matched;
    long long bytes;
    jv found; /* array of matching lines, at most LOG_EVIDENCE_LINES_MAX */
    bool capped;
};

/* FNV-1a of the bytes just before offset; a short read hashes differently. */
static uint64_t mark_at(int fd, off_t offset)
{
    char buf[LOG_MARK_BYTES];
    size_t n = offset < LOG_MARK_BYTES ? (size_t)offset : LOG_MARK_BYTES;
    ssize_t got = n ? pread(fd, buf, n, offset - (off_t)n) : 0;
    uint64_t h = 14695981039346656037ull;
    for (ssize_t i = 0; i < got; i++)
        h = (h ^ (unsigned char)buf[i]) * 1099511628211ull;
    return got == (ssize_t)n ? h : ~h;
}

static int log_prepare(struct check_def *def, struct heal_error *err)
{
    struct log_settings *l = calloc(1, sizeof *l);
    if (!l)
        return heal_error_set(err, "out of memory");
    def->kind_data = l;
    l->fd = -1;
    jv v = jv_object_get(jv_copy(def->def), jv_string("path"));
    l->path = strdup(jv_string_value(v));
    jv_free(v);
    v = jv_object_get(jv_copy(def->def), jv_string("from_start"));
    l->from_start = jv_get_kind(v) == JV_KIND_TRUE;
    jv_free(v);
    l->buf = malloc(LOG_LINE_MAX);
    if (!l->path || !l->buf)
        return heal_error_set(err, "out of memory");
    if (!l->path[0])
        return heal_error_set(err, "field 'path' must not be empty");
    jv pats = jv_object_get(jv_copy(def->def), jv_string("patterns"));
    int n = jv_array_length(jv_copy(pats));
    int rc = 0;
    if (n < 1 || n > LOG_PATTERNS_MAX)
        rc = heal_error_set(err, "field 'patterns' must hold 1 to %d regexes", LOG_PATTERNS_MAX);
    for (int i = 0; i < n && rc == 0; i++) {
        jv p = jv_array_get(jv_copy(pats), i);
        struct heal_error e;
        if (jv_get_kind(p) != JV_KIND_STRING)
            rc = heal_error_set(err, "field 'patterns': item %d is not a string", i + 1);
        else if (!(l->re[l->nre] = check_regex_compile(jv_string_value(p), &e)))
            rc = heal_error_set(err, "field 'patterns': %s", e.msg);
        else
            l->nre++;
        jv_free(p);
    }
    jv_free(pats);
    if (rc == 0 && !def->has_warn && !def->has_crit)
        rc = check_default_thresholds(def, NULL, "0", err);
    return rc;
}

static void log_release(struct check_def *def)
{
    struct log_settings *l = def->kind_data;
    for (int i = 0; i < l->nre; i++)
        check_regex_free(l->re[i]);
    if (l->fd >= 0)
        close(l->fd);
    free(l->path);
    free(l->buf);
    free(l);
    def->kind_data = NULL;
}

static int state_path(const struct check_def *def, char path[STATE_PATH_MAX],
                      struct heal_error *err)
{
    char dir[STATE_PATH_MAX], enc[STATE_NAME_SIZE + 8];
    if (state_subdir(def->state_dir, LOG_STATE_SUBDIR, dir, err) != 0 ||
        state_name_encode(def->name, enc, err) != 0)
        return -1;
    strcat(enc, ".json");
    return state_path_join(path, STATE_PATH_MAX, dir, enc, err);
}

static double num(jv o, const char *key)
{
    jv v = jv_object_get(jv_copy(o), jv_string(key));
    double d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : -1;
    jv_free(v);
    return d;
}

/* A missing, damaged or other file's state is no state: the run starts afresh. */
static void state_load(const struct check_def *def, struct log_settings *l)
{
    char path[STATE_PATH_MAX], *data = NULL;
    size_t len;
    if (!def->state_dir || state_path(def, path, NULL) != 0 ||
        atomicfile_read(path, LOG_STATE_FILE_MAX, &data, &len, NULL) != 0)
        return;
    /* jq 1.6 leaks on some malformed JSON: a damaged file reaches it only well-formed. */
    jv o = jsoncheck(data, len, NULL, NULL) == 0 ? jv_parse_sized(data, (int)len) : jv_invalid();
    free(data);
    if (jv_get_kind(o) != JV_KIND_OBJECT) {
        jv_free(o);
        return;
    }
    jv p = jv_object_get(jv_copy(o), jv_string("path"));
    double dev = num(o, "device"), ino = num(o, "inode"), off = num(o, "offset");
    jv mark = jv_object_get(jv_copy(o), jv_string("mark"));
    if (jv_get_kind(mark) == JV_KIND_STRING) {
        char *end;
        l->mark = l->saved_mark = strtoull(jv_string_value(mark), &end, 16);
        l->has_mark = !*end && jv_string_length_bytes(jv_copy(mark)) == 16;
    }
    jv_free(mark);
    if (jv_get_kind(p) == JV_KIND_STRING && strcmp(jv_string_value(p), l->path) == 0 && dev >= 0 &&
        ino >= 0 && off >= 0) {
        l->known = l->saved_known = true;
        l->dev = l->saved_dev = (dev_t)dev;
        l->ino = l->saved_ino = (ino_t)ino;
        l->offset = l->saved_offset = l->seen = (off_t)off;
    }
    jv_free(p);
    jv_free(o);
}

static int state_save(const struct check_def *def, struct log_settings *l, struct heal_error *err)
{
    if (!def->state_dir || !l->known ||
        (l->saved_known && l->saved_dev == l->dev && l->saved_ino == l->ino &&
         l->saved_offset == l->offset && l->saved_mark == l->mark))
        return 0;
    char path[STATE_PATH_MAX];
    if (state_path(def, path, err) != 0)
        return -1;
    jv o = jv_object();
    o = jv_object_set(o, jv_string("name"), jv_string(def->name));
    o = jv_object_set(o, jv_string("path"), jv_string(l->path));
    o = jv_object_set(o, jv_string("device"), jv_number((double)l->dev));
    o = jv_object_set(o, jv_string("inode"), jv_number((double)l->ino));
    o = jv_object_set(o, jv_string("offset"), jv_number((double)l->offset));
    if (l->has_mark) {
        char hex[17];
        snprintf(hex, sizeof hex, "%016llx", (unsigned long long)l->mark);
        o = jv_object_set(o, jv_string("mark"), jv_string(hex));
    }
    jv text = jv_dump_string(o, 0);
    int rc = atomicfile_write(path, jv_string_value(text),
                              (size_t)jv_string_length_bytes(jv_copy(text)), 0600, err);
    jv_free(text);
    if (rc == 0) {
        l->saved_known = true;
        l->saved_dev = l->dev;
        l->saved_ino = l->ino;
        l->saved_offset = l->offset;
        l->saved_mark = l->mark;
    }
    return rc;
}

static void scan_line(struct log_scan *s, const char *line, size_t len)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    s->lines++;
    for (int i = 0; i < s->l->nre; i++) {
        if (check_regex_match(s->l->re[i], line, len) != 1)
            continue;
        if (s->matched++ < LOG_EVIDENCE_LINES_MAX) {
            size_t n = len;
            if (n > LOG_EVIDENCE_LINE_MAX) {
                n = LOG_EVIDENCE_LINE_MAX;
                /* Cut before a character, not inside one. */
                while (n > 0 && ((unsigned char)line[n] & 0xC0) == 0x80)
                    n--;
            }
            /* jv_string_sized replaces invalid UTF-8 with U+FFFD. */
            s->found = jv_array_append(s->found, jv_string_sized(line, (int)n));
        }
        break;
    }
}

/*
 * True when offset is inside a line: the last run stopped there at the read
 * cap, in the middle of an over-long line.  The rest of that line is not a
 * line of its own, so it is skipped rather than matched.
 */
static bool mid_line(int fd, off_t offset)
{
    char c;
    return offset > 0 && pread(fd, &c, 1, offset - 1) == 1 && c != '\n';
}

/*
 * Reads fd from l->offset to its end (or the run's cap), matching whole
 * lines.  A partial last line is left for the next run, unless `final`
 * (a rotated file that will not grow again).
 */
static void scan_file(struct log_scan *s, int fd, bool final)
{
    struct log_settings *l = s->l;
    size_t have = 0;
    bool skipping = mid_line(fd, l->offset); /* the rest of a line longer than LOG_LINE_MAX */
    for (;;) {
        if (s->bytes >= LOG_READ_MAX) {
            s->capped = true;
            break;
        }
        size_t want = LOG_LINE_MAX - have;
        if ((long long)want > LOG_READ_MAX - s->bytes)
            want = (size_t)(LOG_READ_MAX - s->bytes);
        ssize_t got = pread(fd, l->buf + have, want, l->offset + (off_t)have);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        have += (size_t)got;
        size_t start = 0;
        char *nl;
        while ((nl = memchr(l->buf + start, '\n', have - start))) {
            size_t len = (size_t)(nl - (l->buf + start));
            if (!skipping)
                scan_line(s, l->buf + start, len);
            skipping = false;
            start += len + 1;
        }
        if (start == 0 && have == LOG_LINE_MAX) {
            /* No newline in a whole buffer: match its start, skip the rest. */
            if (!skipping)
                scan_line(s, l->buf, have);
            skipping = true;
            start = have;
        }
        memmove(l->buf, l->buf + start, have - start);
        have -= start;
        l->offset += (off_t)start;
        s->bytes += (long long)start;
    }
    if (final && have > 0 && !s->capped) {
        if (!skipping)
            scan_line(s, l->buf, have);
        l->offset += (off_t)have;
        s->bytes += (long long)have;
        have = 0;
    }
    l->seen = l->offset + (off_t)have;
}

/* The rotated file, by the usual names, if it is the very file we followed. */
static int find_rotated(const struct log_settings *l)
{
    static const char *const suffixes[] = {".1", ".0", NULL};
    if (l->ino == 0)
        return -1;
    for (const char *const *sfx = suffixes; *sfx; sfx++) {
        char path[STATE_PATH_MAX];
        if ((size_t)snprintf(path, sizeof path, "%s%s", l->path, *sfx) >= sizeof path)
            return -1;
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        struct stat st;
        if (fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == l->dev && st.st_ino == l->ino)
            return fd;
        if (fd >= 0)
            close(fd);
    }
    return -1;
}

static void follow(struct log_settings *l, int fd, const struct stat *st, off_t offset)
{
    if (l->fd >= 0 && l->fd != fd)
        close(l->fd);
    l->fd = fd;
    l->known = true;
    l->dev = st ? st->st_dev : 0;
    l->ino = st ? st->st_ino : 0;
    l->offset = l->seen = offset;
    l->has_mark = false;
}

/* Reads what is new; returns a note for the summary ("" if none) or NULL with err. */
static const char *log_read(struct check_def *def, struct log_scan *s, jv *ev,
                            struct heal_error *err)
{
    struct log_settings *l = def->kind_data;
    struct stat st;
    int fd = open(l->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0 && errno != ENOENT && errno != ENOTDIR) {
        heal_error_errno(err, "cannot open %s", l->path);
        return NULL;
    }
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        heal_error_set(err, "%s is not a regular file", l->path);
        return NULL;
    }
    if (!l->known) {
        *ev = jv_object_set(*ev, jv_string("first_run"), jv_true());
        if (fd < 0) {
            follow(l, -1, NULL, 0); /* when it appears, all of it is news */
            heal_error_set(err, "cannot open %s: %s", l->path, strerror(ENOENT));
            return NULL;
        }
        follow(l, fd, &st, l->from_start ? 0 : st.st_size);
        scan_file(s, fd, false);
        return l->from_start ? "" : "; first run: reading from the end";
    }
    if (fd >= 0 && st.st_dev == l->dev && st.st_ino == l->ino) {
        if (l->fd >= 0)
            close(fd);
        else
            l->fd = fd;
        if (st.st_size < l->offset || (l->has_mark && mark_at(l->fd, l->offset) != l->mark)) {
            *ev = jv_object_set(*ev, jv_string("truncated"), jv_true());
            l->offset = 0;
        }
        scan_file(s, l->fd, false);
        return "";
    }
    /* Another file at the path, or none: first finish the one we followed. */
    int old = l->fd >= 0 ? l->fd : find_rotated(l);
    l->fd = -1;
    if (old >= 0) {
        scan_file(s, old, true);
        if (s->capped) {
            l->fd = old; /* go on with the old file next run */
            if (fd >= 0)
                close(fd);
            *ev = jv_object_set(*ev, jv_string("rotated"), jv_true());
            return "";
        }
        close(old);
    }
    if (fd < 0) {
        if (l->ino == 0) {
            heal_error_set(err, "cannot open %s: %s", l->path, strerror(ENOENT));
            return NULL;
        }
        *ev = jv_object_set(*ev, jv_string("missing"), jv_true());
        return "; the file is gone, waiting for it to come back";
    }
    *ev = jv_object_set(*ev, jv_string(l->ino ? "rotated" : "appeared"), jv_true());
    follow(l, fd, &st, 0);
    scan_file(s, fd, false);
    return "";
}

static int log_start(struct check_task *task, struct check_result *r)
{
    struct check_def *def = task->def;
    struct log_settings *l = def->kind_data;
    l->last_run_mono_ms = clock_mono_ms();
    if (!l->loaded) {
        l->loaded = true;
        state_load(def, l);
    }
    struct log_scan s = {.l = l, .found = jv_array()};
    struct heal_error err;
    jv ev = jv_object_set(jv_object(), jv_string("path"), jv_string(l->path));
    const char *note = log_read(def, &s, &ev, &err);
    l->backlog = s.capped;
    if (l->fd >= 0) {
        l->mark = mark_at(l->fd, l->offset);
        l->has_mark = true;
    }
    struct heal_error serr;
    if (state_save(def, l, &serr) != 0)
        ev = jv_object_set(ev, jv_string("state_error"), jv_string(serr.msg));
    ev = jv_object_set(ev, jv_string("lines_read"), jv_number((double)s.lines));
    ev = jv_object_set(ev, jv_string("bytes_read"), jv_number((double)s.bytes));
    ev = jv_object_set(ev, jv_string("matched"), jv_number((double)s.matched));
    ev = jv_object_set(ev, jv_string("lines"), s.found);
    if (s.matched > LOG_EVIDENCE_LINES_MAX)
        ev = jv_object_set(ev, jv_string("lines_omitted"),
                           jv_number((double)(s.matched - LOG_EVIDENCE_LINES_MAX)));
    ev = jv_object_set(ev, jv_string("offset"), jv_number((double)l->offset));
    ev = jv_object_set(ev, jv_string("inode"), jv_number((double)l->ino));
    char cap[96] = "";
    if (s.capped) {
        char size[SIZE_FORMAT_SIZE];
        size_format(LOG_READ_MAX, size, sizeof size);
        ev = jv_object_set(ev, jv_string("read_cap_hit"), jv_true());
        ev = jv_object_set(ev, jv_string("read_cap_bytes"), jv_number(LOG_READ_MAX));
        snprintf(cap, sizeof cap, "; stopped at the %s read cap, the rest comes next run", size);
    }
    jv_free(r->evidence);
    r->evidence = ev;
    if (!note) {
        check_result_set(r, NAGIOS_UNKNOWN, "%s", err.msg);
        return 1;
    }
    enum nagios_status status = check_evaluate(def, (double)s.matched);
    if (s.matched > 0)
        check_result_set(r, status, "%ld new line%s match%s in %s (of %ld read)%s%s", s.matched,
                         s.matched == 1 ? "" : "s", s.matched == 1 ? "es" : "", l->path, s.lines,
                         note, cap);
    else
        check_result_set(r, status, "no new matching lines (%ld read)%s%s", s.lines, note, cap);
    check_result_perf(r, "matches", (double)s.matched, "", def->warn_text, def->crit_text, 0, NAN);
    check_result_perf(r, "lines", (double)s.lines, "", NULL, NULL, 0, NAN);
    return 1;
}

static int log_watch_open(struct check_def *def)
{
    struct log_settings *l = def->kind_data;
    if (!l)
        return -1;
    int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (fd < 0)
        return -1;
    if (inotify_add_watch(fd, l->path, IN_MODIFY | IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB) < 0) {
        /* Absent (mid-rotation, or not yet created): watch for it to appear. */
        char dir[STATE_PATH_MAX];
        snprintf(dir, sizeof dir, "%s", l->path);
        if (inotify_add_watch(fd, dirname(dir), IN_CREATE | IN_MOVED_TO) < 0) {
            close(fd);
            return -1; /* the interval will do */
        }
    }
    /*
     * Armed only now: what changed since the run (lines appended, another
     * file at the path) or was left by the read cap raised no event.
     */
    struct stat st;
    bool news = l->backlog;
    /* Not following anything (not a regular file, unreadable): only events count. */
    if (l->known && stat(l->path, &st) == 0)
        news |= st.st_dev != l->dev || st.st_ino != l->ino || st.st_size != l->seen;
    if (news) {
        close(fd);
        return check_watch_timer(l->last_run_mono_ms + LOG_WATCH_GAP_MS - clock_mono_ms());
    }
    return fd;
}

const struct check_kind check_kind_log = {
    .name = "log",
    .fields = log_fields,
    .prepare = log_prepare,
    .release = log_release,
    .start = log_start,
    .watch_open = log_watch_open,
    .watch_close = check_watch_close_fd,
};
