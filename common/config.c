#include "config.h"
#include "jsoncheck.h"
#include "jsonparse.h"

#include "builtin.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- reporting ---- */

static void sink_vreport(struct config_sink *sink, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void sink_vreport(struct config_sink *sink, const char *fmt, va_list ap)
{
    char msg[CONFIG_MESSAGE_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    sink->problems++;
    if (sink->error)
        sink->error(sink->ctx, msg);
}

void config_sink_report(struct config_sink *sink, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sink_vreport(sink, fmt, ap);
    va_end(ap);
}

static void sink_deliver(struct config_sink *sink, jv entry, const char *source)
{
    if (sink->entry) {
        sink->entry(sink->ctx, entry, source);
    } else if (sink->set) {
        struct heal_error err;
        if (config_set_add(sink->set, entry, source, &err) < 0)
            config_sink_report(sink, "%s: %s", source, err.msg);
    } else {
        jv_free(entry);
    }
}

const char *config_kind_name(jv_kind kind)
{
    switch (kind) {
    case JV_KIND_NULL:
        return "null";
    case JV_KIND_TRUE:
    case JV_KIND_FALSE:
        return "a boolean";
    case JV_KIND_NUMBER:
        return "a number";
    case JV_KIND_STRING:
        return "a string";
    case JV_KIND_ARRAY:
        return "an array";
    case JV_KIND_OBJECT:
        return "an object";
    default:
        return "not a value";
    }
}

/* ---- configuration directory ---- */

static int dir_join(char out[CONFIG_PATH_MAX], const char *base, const char *leaf,
                    struct heal_error *err)
{
    int n = leaf ? snprintf(out, CONFIG_PATH_MAX, "%s/%s", base, leaf)
                 : snprintf(out, CONFIG_PATH_MAX, "%s", base);
    if (n < 0 || n >= CONFIG_PATH_MAX)
        return heal_error_set(err, "configuration path longer than %d bytes", CONFIG_PATH_MAX - 1);
    return 0;
}

int config_dir_resolve(const char *explicit_dir, uid_t euid, char out[CONFIG_PATH_MAX],
                       struct heal_error *err)
{
    const char *env;
    if (explicit_dir && *explicit_dir)
        return dir_join(out, explicit_dir, NULL, err);
    if ((env = getenv("HEAL_CONFIG_DIR")) && *env)
        return dir_join(out, env, NULL, err);
    if (euid == 0)
        return dir_join(out, "/etc/heal", NULL, err);
    /* The XDG spec says a relative $XDG_CONFIG_HOME is invalid and ignored. */
    if ((env = getenv("XDG_CONFIG_HOME")) && env[0] == '/')
        return dir_join(out, env, "heal", err);
    if ((env = getenv("HOME")) && *env)
        return dir_join(out, env, ".config/heal", err);
    return heal_error_set(err, "no configuration directory: HOME is not set");
}

/* ---- parsing one buffer ---- */

struct parse {
    const char *name;
    struct config_sink *sink;
    const char *text; /* the buffer with comments blanked */
    size_t len;
    unsigned problems;
};

static void parse_report(struct parse *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void parse_report(struct parse *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sink_vreport(p->sink, fmt, ap);
    va_end(ap);
    p->problems++;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t count_lines(const char *s, size_t from, size_t to)
{
    size_t n = 0;
    for (size_t i = from; i < to; i++)
        n += s[i] == '\n';
    return n;
}

/*
 * Comments become spaces rather than disappearing, so every offset (and
 * so every line number) of the copy is that of the original.  JSON
 * strings cannot hold a raw newline, so a '#' line is never inside one.
 */
static void blank_comments(char *s, size_t len)
{
    static const char bom[] = "\xef\xbb\xbf";
    if (len >= 3 && memcmp(s, bom, 3) == 0)
        memset(s, ' ', 3);
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && (s[j] == ' ' || s[j] == '\t'))
            j++;
        bool comment = j < len && s[j] == '#';
        while (j < len && s[j] != '\n') {
            if (comment)
                s[j] = ' ';
            j++;
        }
        i = j + 1;
    }
}

/*
 * Finds where the value starting at pos ends, by bracket depth and string
 * quoting only: jq judges the slice afterwards, this only cuts it out so
 * that each value's first line is known (jq's parser does not tell).
 * Sets *complete to false if the value runs to the end of the buffer.
 */
static size_t scan_value(const char *s, size_t len, size_t pos, bool *complete)
{
    *complete = true;
    char c = s[pos];
    if (c == '{' || c == '[' || c == '"') {
        size_t depth = 0;
        bool in_string = false;
        for (size_t i = pos; i < len; i++) {
            if (in_string) {
                if (s[i] == '\\') {
                    i++;
                } else if (s[i] == '"') {
                    in_string = false;
                    if (depth == 0)
                        return i + 1;
                }
                continue;
            }
            if (s[i] == '"')
                in_string = true;
            else if (s[i] == '{' || s[i] == '[')
                depth++;
            else if ((s[i] == '}' || s[i] == ']') && --depth == 0)
                return i + 1;
        }
        *complete = false;
        return len;
    }
    /* A scalar, or a stray '}' ',' ':' that jq will name; never empty. */
    size_t i = pos + 1;
    while (i < len && !is_blank(s[i]) && !strchr("{}[],:\"", s[i]))
        i++;
    return i;
}


/*
 * Parses exactly one JSON value.  On failure returns an invalid jv and
 * fills reason (jq's message without its position, first letter lowered)
 * and *line, relative to the slice (1-based).
 */
static jv parse_slice(const char *s, size_t len, char *reason, size_t size, size_t *line)
{
    /* jq 1.6 leaks on some malformed input: it only sees checked JSON. */
    size_t bad;
    struct heal_error syntax;
    if (jsoncheck(s, len, &bad, &syntax) != 0) {
        while (bad == len && bad > 0 && strchr(" \t\r\n", s[bad - 1]))
            bad--, len--; /* an early end is reported at the last line with text */
        *line = 1 + count_lines(s, 0, bad);
        char *at = strstr(syntax.msg, " at offset");
        if (at)
            *at = '\0';
        snprintf(reason, size, "%.200s", syntax.msg);
        return jv_invalid();
    }
    *line = 1;
    jv fast = jsonparse_checked(s, len);
    if (jv_is_valid(fast))
        return fast;
    struct jv_parser *parser = jv_parser_new(0);
    jv_parser_set_buf(parser, s, (int)len, 0);
    jv value = jv_parser_next(parser);
    jv problem = jv_invalid();
    if (jv_is_valid(value)) {
        jv next = jv_parser_next(parser);
        if (jv_is_valid(next)) {
            jv_free(next);
            next = jv_invalid_with_msg(jv_string("more than one JSON value"));
        }
        if (jv_invalid_has_msg(jv_copy(next))) {
            jv_free(value);
            value = jv_invalid();
            jv_free(problem);
            problem = jv_invalid_get_msg(next);
        } else {
            jv_free(next);
        }
    } else if (jv_invalid_has_msg(jv_copy(value))) {
        jv_free(problem);
        problem = jv_invalid_get_msg(value);
        value = jv_invalid();
    } else {
        jv_free(problem);
        problem = jv_string("expected a JSON value");
    }
    jv_parser_free(parser);

    *line = 1;
    if (jv_get_kind(problem) == JV_KIND_STRING) {
        const char *msg = jv_string_value(problem);
        /* jq ends its messages with " at line N, column M"; keep N, drop the rest. */
        const char *at = NULL;
        for (const char *p = strstr(msg, " at line "); p; p = strstr(p + 1, " at line "))
            at = p;
        size_t n = at ? (size_t)(at - msg) : strlen(msg);
        unsigned long l, col;
        if (at && sscanf(at, " at line %lu, column %lu", &l, &col) == 2 && l > 0) {
            /* jq counts a newline before judging the token it ended, so an
             * error found at a newline is reported at column 0 of the next line. */
            *line = (col == 0 && l > 1) ? l - 1 : l;
        }
        snprintf(reason, size, "%.*s", (int)n, msg);
        if (reason[0] >= 'A' && reason[0] <= 'Z' && !(reason[1] >= 'A' && reason[1] <= 'Z'))
            reason[0] = (char)(reason[0] - 'A' + 'a');
    }
    jv_free(problem);
    return value;
}

static void deliver(struct parse *p, jv entry, size_t line)
{
    char source[CONFIG_SOURCE_MAX];
    snprintf(source, sizeof source, "%s:%zu", p->name, line);
    sink_deliver(p->sink, entry, source);
}

/* Hands out an array's objects, each with the line its text starts on. */
static void deliver_array(struct parse *p, jv array, size_t start, size_t end, size_t line)
{
    const char *s = p->text;
    size_t pos = start + 1; /* past '[' */
    int count = jv_array_length(jv_copy(array));
    for (int i = 0; i < count; i++) {
        /* jq accepted the slice, so elements are separated by blanks and commas. */
        while (pos < end && (is_blank(s[pos]) || s[pos] == ',')) {
            line += s[pos] == '\n';
            pos++;
        }
        bool complete;
        size_t next = pos < end ? scan_value(s, end, pos, &complete) : end;
        jv element = jv_array_get(jv_copy(array), i);
        if (jv_get_kind(element) == JV_KIND_OBJECT) {
            deliver(p, element, line);
        } else {
            parse_report(p, "%s:%zu: array element %d is %s, not an object", p->name, line, i + 1,
                         config_kind_name(jv_get_kind(element)));
            jv_free(element);
        }
        line += count_lines(s, pos, next);
        pos = next;
    }
    jv_free(array);
}

/*
 * Parses the value text[start, end) that begins on line.  Returns 0, or
 * -1 if it is not valid JSON (reported; for a multi-line value at the
 * line jq found the error on).
 */
static int parse_value(struct parse *p, size_t start, size_t end, size_t line)
{
    char reason[256];
    size_t at;
    jv value = parse_slice(p->text + start, end - start, reason, sizeof reason, &at);
    switch (jv_get_kind(value)) {
    case JV_KIND_INVALID:
        parse_report(p, "%s:%zu: invalid JSON: %s", p->name, line + at - 1, reason);
        jv_free(value);
        return -1;
    case JV_KIND_OBJECT:
        deliver(p, value, line);
        return 0;
    case JV_KIND_ARRAY:
        deliver_array(p, value, start, end, line);
        return 0;
    default:
        parse_report(p, "%s:%zu: expected an object or an array of objects, not %s", p->name, line,
                     config_kind_name(jv_get_kind(value)));
        jv_free(value);
        return 0;
    }
}

/* NDJSON: one value per line, so a bad line costs only itself. */
static void parse_lines(struct parse *p)
{
    size_t line = 1;
    for (size_t pos = 0; pos < p->len; line++) {
        size_t eol = pos;
        while (eol < p->len && p->text[eol] != '\n')
            eol++;
        size_t start = pos, end = eol;
        while (start < end && is_blank(p->text[start]))
            start++;
        while (end > start && is_blank(p->text[end - 1]))
            end--;
        if (start < end)
            parse_value(p, start, end, line);
        pos = eol + 1;
    }
}

/*
 * One object, one array, or values back to back: a value that is not
 * valid JSON leaves no reliable place to resume, so the rest is skipped.
 */
static void parse_values(struct parse *p)
{
    size_t pos = 0, line = 1;
    for (;;) {
        while (pos < p->len && is_blank(p->text[pos]))
            line += p->text[pos++] == '\n';
        if (pos == p->len)
            return;
        bool complete;
        size_t end = scan_value(p->text, p->len, pos, &complete);
        if (parse_value(p, pos, end, line) < 0)
            return;
        line += count_lines(p->text, pos, end);
        pos = end;
    }
}

/* NDJSON when the first value is an object that ends on its own line. */
static bool looks_like_ndjson(const char *s, size_t len)
{
    size_t pos = 0;
    while (pos < len && is_blank(s[pos]))
        pos++;
    if (pos == len || s[pos] != '{')
        return false;
    bool complete;
    size_t end = scan_value(s, len, pos, &complete);
    if (!complete || memchr(s + pos, '\n', end - pos))
        return false;
    while (end < len && s[end] != '\n') {
        if (!is_blank(s[end]))
            return false;
        end++;
    }
    return true;
}

unsigned config_parse_buffer(const char *buf, size_t len, const char *name,
                             struct config_sink *sink)
{
    struct parse p = {.name = name, .sink = sink, .len = len};
    if (len > CONFIG_FILE_MAX) {
        parse_report(&p, "%s: refused: too large (%zu bytes, the limit is %u)", name, len,
                     CONFIG_FILE_MAX);
        return p.problems;
    }
    char *text = malloc(len + 1);
    if (!text) {
        parse_report(&p, "%s: out of memory", name);
        return p.problems;
    }
    if (len)
        memcpy(text, buf, len);
    text[len] = '\0';
    blank_comments(text, len);
    p.text = text;
    if (looks_like_ndjson(text, len))
        parse_lines(&p);
    else
        parse_values(&p);
    free(text);
    return p.problems;
}

unsigned config_load_builtin(const char *name, struct config_sink *sink)
{
    char label[CONFIG_PATH_MAX];
    snprintf(label, sizeof label, "builtin:%s", name);
    const struct builtin_file *f = builtin_find(name);
    if (!f) {
        config_sink_report(sink, "%s: no such built-in file", label);
        return 1;
    }
    return config_parse_buffer(f->data, (size_t)f->size, label, sink);
}

/* ---- files and trust ---- */

int config_trust_check(const struct stat *st, uid_t euid, struct heal_error *err)
{
    if (st->st_uid != 0 && st->st_uid != euid) {
        if (euid == 0)
            return heal_error_set(err, "refused: owned by uid %lu, not by root",
                                  (unsigned long)st->st_uid);
        return heal_error_set(err, "refused: owned by uid %lu, not by root or uid %lu",
                              (unsigned long)st->st_uid, (unsigned long)euid);
    }
    if (st->st_mode & (S_IWGRP | S_IWOTH))
        return heal_error_set(err, "refused: writable by group or others (mode %04o)",
                              (unsigned)(st->st_mode & 07777));
    return 0;
}

/*
 * Opens a directory (dirfd AT_FDCWD or a trusted directory) and judges
 * what was opened.  Returns the fd, -1 if it does not exist and
 * missing_ok, or -2 after reporting why it cannot be used.
 */
static int open_trusted_dir(int dirfd, const char *name, const char *path, bool missing_ok,
                            struct config_sink *sink)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT && missing_ok)
            return -1;
        config_sink_report(sink, "%s: %s", path, strerror(errno));
        return -2;
    }
    struct stat st;
    struct heal_error err;
    if (fstat(fd, &st) < 0) {
        config_sink_report(sink, "%s: %s", path, strerror(errno));
        close(fd);
        return -2;
    }
    if (config_trust_check(&st, geteuid(), &err) < 0) {
        config_sink_report(sink, "%s: %s", path, err.msg);
        close(fd);
        return -2;
    }
    return fd;
}

/* Reads a whole file of at most CONFIG_FILE_MAX bytes.  Returns 0, or -1 with err. */
static int read_capped(int fd, off_t size_hint, char **out, size_t *out_len, struct heal_error *err)
{
    size_t cap =
        size_hint > 0 && (size_t)size_hint < CONFIG_FILE_MAX ? (size_t)size_hint + 1 : 4096;
    size_t len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return heal_error_set(err, "out of memory");
    for (;;) {
        if (len == cap) {
            /* The file grew after fstat; one byte past the cap proves it too large. */
            size_t bigger = cap * 2 > CONFIG_FILE_MAX + 1 ? CONFIG_FILE_MAX + 1 : cap * 2;
            if (bigger <= cap) {
                free(buf);
                return heal_error_set(err, "refused: too large (the limit is %u bytes)",
                                      CONFIG_FILE_MAX);
            }
            char *grown = realloc(buf, bigger);
            if (!grown) {
                free(buf);
                return heal_error_set(err, "out of memory");
            }
            buf = grown;
            cap = bigger;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(buf);
            return heal_error_errno(err, "read");
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len > CONFIG_FILE_MAX) {
        free(buf);
        return heal_error_set(err, "refused: too large (the limit is %u bytes)", CONFIG_FILE_MAX);
    }
    *out = buf;
    *out_len = len;
    return 0;
}

/*
 * Opens name in a trusted directory, judges the file itself (fstat of the
 * opened fd, so what is judged is what is read) and parses it as path.
 */
static void load_at(int dirfd, const char *name, const char *path, bool missing_ok,
                    struct config_sink *sink)
{
    /* O_NONBLOCK: a FIFO planted under a .json name must not hang the loader. */
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (!(errno == ENOENT && missing_ok))
            config_sink_report(sink, "%s: %s", path, strerror(errno));
        return;
    }
    struct stat st;
    struct heal_error err;
    char *buf = NULL;
    size_t len = 0;
    if (fstat(fd, &st) < 0)
        config_sink_report(sink, "%s: %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        config_sink_report(sink, "%s: refused: not a regular file", path);
    else if (config_trust_check(&st, geteuid(), &err) < 0)
        config_sink_report(sink, "%s: %s", path, err.msg);
    else if (st.st_size > (off_t)CONFIG_FILE_MAX)
        config_sink_report(sink, "%s: refused: too large (%lld bytes, the limit is %u)", path,
                           (long long)st.st_size, CONFIG_FILE_MAX);
    else if (read_capped(fd, st.st_size, &buf, &len, &err) < 0)
        config_sink_report(sink, "%s: %s", path, err.msg);
    else
        config_parse_buffer(buf, len, path, sink);
    free(buf);
    close(fd);
}

unsigned config_load_file(const char *config_dir, const char *name, struct config_sink *sink)
{
    unsigned before = sink->problems;
    char path[CONFIG_PATH_MAX];
    struct heal_error err;
    if (dir_join(path, config_dir, name, &err) < 0) {
        config_sink_report(sink, "%s: %s", config_dir, err.msg);
        return sink->problems - before;
    }
    int dirfd = open_trusted_dir(AT_FDCWD, config_dir, config_dir, true, sink);
    if (dirfd >= 0) {
        load_at(dirfd, name, path, true, sink);
        close(dirfd);
    }
    return sink->problems - before;
}

unsigned config_load_path(const char *path, struct config_sink *sink)
{
    unsigned before = sink->problems;
    char dir[CONFIG_PATH_MAX];
    struct heal_error err;
    if (dir_join(dir, path, NULL, &err) < 0) {
        config_sink_report(sink, "%s: %s", path, err.msg);
        return sink->problems - before;
    }
    char *slash = strrchr(dir, '/');
    const char *name = path;
    if (!slash) {
        strcpy(dir, ".");
    } else {
        name = path + (slash - dir) + 1;
        if (slash == dir)
            slash[1] = '\0'; /* "/x.json" is held by "/" */
        else
            slash[0] = '\0';
    }
    int dirfd = open_trusted_dir(AT_FDCWD, dir, dir, false, sink);
    if (dirfd >= 0) {
        load_at(dirfd, name, path, false, sink);
        close(dirfd);
    }
    return sink->problems - before;
}

/* Drop-ins are *.json; dotfiles and leftovers of editors and dpkg are not. */
static bool dropin_wanted(const char *name)
{
    size_t n = strlen(name);
    if (name[0] == '.' || n <= 5 || strcmp(name + n - 5, ".json") != 0)
        return false;
    /* The suffix already rules out "x.json~", ".x.json.swp" and "x.json.dpkg-old";
     * this catches a dpkg leftover renamed to keep it ("x.dpkg-dist.json"). */
    if (strstr(name, ".dpkg-"))
        return false;
    return true;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the wanted names of an open directory, sorted.  Returns the count, or -1 with err. */
static int list_dropins(int dirfd, char ***out, struct heal_error *err)
{
    int fd = dup(dirfd);
    if (fd < 0)
        return heal_error_errno(err, "dup");
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return heal_error_errno(err, "opendir");
    }
    char **names = NULL;
    int count = 0, rc = 0;
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d))) {
        if (!dropin_wanted(e->d_name))
            continue;
        if (count == CONFIG_DIR_FILES_MAX) {
            rc = heal_error_set(err, "refused: more than %d *.json files", CONFIG_DIR_FILES_MAX);
            break;
        }
        char **grown = realloc(names, (size_t)(count + 1) * sizeof *names);
        char *copy = strdup(e->d_name);
        if (grown)
            names = grown;
        if (!grown || !copy) {
            free(copy);
            rc = heal_error_set(err, "out of memory");
            break;
        }
        names[count++] = copy;
        errno = 0;
    }
    if (rc == 0 && errno != 0)
        rc = heal_error_errno(err, "readdir");
    closedir(d);
    if (rc < 0) {
        for (int i = 0; i < count; i++)
            free(names[i]);
        free(names);
        return -1;
    }
    if (count > 0)
        qsort(names, (size_t)count, sizeof *names, compare_names);
    *out = names;
    return count;
}

unsigned config_load_dir(const char *config_dir, const char *subdir, struct config_sink *sink)
{
    unsigned before = sink->problems;
    char dirpath[CONFIG_PATH_MAX], path[CONFIG_PATH_MAX];
    struct heal_error err;
    if (dir_join(dirpath, config_dir, subdir, &err) < 0) {
        config_sink_report(sink, "%s: %s", config_dir, err.msg);
        return sink->problems - before;
    }
    int top = open_trusted_dir(AT_FDCWD, config_dir, config_dir, true, sink);
    if (top < 0)
        return sink->problems - before;
    int dirfd = open_trusted_dir(top, subdir, dirpath, true, sink);
    close(top);
    if (dirfd < 0)
        return sink->problems - before;

    char **names = NULL;
    int count = list_dropins(dirfd, &names, &err);
    if (count < 0)
        config_sink_report(sink, "%s: %s", dirpath, err.msg);
    for (int i = 0; i < count; i++) {
        if (dir_join(path, dirpath, names[i], &err) < 0)
            config_sink_report(sink, "%s: %s", dirpath, err.msg);
        else
            load_at(dirfd, names[i], path, false, sink);
        free(names[i]);
    }
    free(names);
    close(dirfd);
    return sink->problems - before;
}

/* ---- field specs ---- */

/* "a string or an array": the kinds a spec row allows, as a message names them. */
static void kinds_text(unsigned kinds, char *out, size_t size)
{
    static const jv_kind order[] = {JV_KIND_NULL,   JV_KIND_TRUE,  JV_KIND_NUMBER,
                                    JV_KIND_STRING, JV_KIND_ARRAY, JV_KIND_OBJECT};
    size_t n = sizeof order / sizeof order[0], used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!(kinds & (1u << order[i])))
            continue;
        int w = snprintf(out + used, size - used, "%s%s", used ? " or " : "",
                         config_kind_name(order[i]));
        if (w < 0 || (size_t)w >= size - used)
            return;
        used += (size_t)w;
    }
}

static int field_kind_check(const char *name, jv_kind got, unsigned kinds, struct heal_error *err)
{
    if (kinds & (1u << got))
        return 0;
    char want[128];
    kinds_text(kinds, want, sizeof want);
    return heal_error_set(err, "field '%s' must be %s, not %s", name, want, config_kind_name(got));
}

#define CONFIG_SPEC_MAX 128 /* fields one spec may list */

int config_fields_read(jv entry, const struct config_field *spec, jv *values,
                       struct heal_error *err)
{
    for (int f = 0; values && spec[f].name; f++)
        values[f] = jv_invalid();
    if (jv_get_kind(entry) != JV_KIND_OBJECT)
        return heal_error_set(err, "entry must be an object, not %s",
                              config_kind_name(jv_get_kind(entry)));
    /* One pass over the entry's own keys, no allocation: this runs for
     * every check of a 1,000-check inventory. */
    bool seen[CONFIG_SPEC_MAX] = {false};
    int rc = 0;
    for (int it = jv_object_iter(entry); rc == 0 && jv_object_iter_valid(entry, it);
         it = jv_object_iter_next(entry, it)) {
        jv key = jv_object_iter_key(entry, it);
        const char *name = jv_string_value(key);
        int f = 0;
        while (spec[f].name && strcmp(spec[f].name, name) != 0)
            f++;
        if (!spec[f].name) {
            rc = heal_error_set(err, "unknown field '%s'", name);
        } else {
            if (f < CONFIG_SPEC_MAX)
                seen[f] = true;
            jv value = jv_object_iter_value(entry, it);
            rc = field_kind_check(spec[f].name, jv_get_kind(value), spec[f].kinds, err);
            if (values) {
                jv_free(values[f]);
                values[f] = value;
            } else {
                jv_free(value);
            }
        }
        jv_free(key);
    }
    for (int f = 0; spec[f].name && rc == 0; f++)
        if (spec[f].required && f < CONFIG_SPEC_MAX && !seen[f])
            rc = heal_error_set(err, "missing required field '%s'", spec[f].name);
    return rc;
}

int config_check_fields(jv entry, const struct config_field *spec, struct heal_error *err)
{
    return config_fields_read(entry, spec, NULL, err);
}

void config_fields_free(jv *values, const struct config_field *spec)
{
    for (int f = 0; spec[f].name; f++) {
        jv_free(values[f]);
        values[f] = jv_invalid();
    }
}

jv config_field_peek(jv entry, const char *name)
{
    if (jv_get_kind(entry) != JV_KIND_OBJECT)
        return jv_invalid();
    for (int it = jv_object_iter(entry); jv_object_iter_valid(entry, it);
         it = jv_object_iter_next(entry, it)) {
        jv key = jv_object_iter_key(entry, it);
        bool match = strcmp(jv_string_value(key), name) == 0;
        jv_free(key);
        if (match)
            return jv_object_iter_value(entry, it);
    }
    return jv_invalid();
}

/* ---- merging by key ---- */

void config_set_init(struct config_set *set, const char *key)
{
    set->key = key;
    set->entries = jv_array();
    set->sources = jv_array();
    set->index = jv_object();
}

void config_set_free(struct config_set *set)
{
    jv_free(set->entries);
    jv_free(set->sources);
    jv_free(set->index);
    set->entries = set->sources = set->index = jv_null();
}

int config_set_add(struct config_set *set, jv entry, const char *source, struct heal_error *err)
{
    if (jv_get_kind(entry) != JV_KIND_OBJECT) {
        heal_error_set(err, "entry must be an object, not %s",
                       config_kind_name(jv_get_kind(entry)));
        jv_free(entry);
        return -1;
    }
    jv key = config_field_peek(entry, set->key);
    jv disabled = config_field_peek(entry, "disabled");
    int rc = 0;
    if (!jv_is_valid(key))
        rc = heal_error_set(err, "missing required field '%s'", set->key);
    else if (jv_get_kind(key) != JV_KIND_STRING)
        rc = field_kind_check(set->key, jv_get_kind(key), CONFIG_STRING, err);
    else if (jv_string_length_bytes(jv_copy(key)) == 0)
        rc = heal_error_set(err, "field '%s' must not be empty", set->key);
    else if (jv_is_valid(disabled))
        rc = field_kind_check("disabled", jv_get_kind(disabled), CONFIG_BOOL, err);
    if (rc < 0) {
        jv_free(key);
        jv_free(disabled);
        jv_free(entry);
        return -1;
    }

    bool off = jv_get_kind(disabled) == JV_KIND_TRUE;
    jv slot = jv_object_get(jv_copy(set->index), jv_copy(key));
    if (off) {
        jv_free(entry);
        entry = jv_null();
    } else if (jv_is_valid(disabled)) {
        entry = jv_object_delete(entry, jv_string("disabled"));
    }
    jv_free(disabled);
    if (jv_is_valid(slot)) {
        int i = (int)jv_number_value(slot);
        set->entries = jv_array_set(set->entries, i, entry);
        set->sources = jv_array_set(set->sources, i, jv_string(source));
        jv_free(key);
    } else if (off) {
        /* Nothing to disable yet; a later definition starts a slot of its own. */
        jv_free(entry);
        jv_free(key);
    } else {
        int i = jv_array_length(jv_copy(set->entries));
        set->entries = jv_array_append(set->entries, entry);
        set->sources = jv_array_append(set->sources, jv_string(source));
        set->index = jv_object_set(set->index, key, jv_number(i));
    }
    jv_free(slot);
    return 0;
}

jv config_set_finish(struct config_set *set, jv *sources)
{
    jv entries = jv_array(), kept_sources = jv_array();
    int n = jv_array_length(jv_copy(set->entries));
    for (int i = 0; i < n; i++) {
        jv e = jv_array_get(jv_copy(set->entries), i);
        if (jv_get_kind(e) == JV_KIND_NULL) {
            jv_free(e);
            continue;
        }
        entries = jv_array_append(entries, e);
        kept_sources = jv_array_append(kept_sources, jv_array_get(jv_copy(set->sources), i));
    }
    config_set_free(set);
    if (sources)
        *sources = kept_sources;
    else
        jv_free(kept_sources);
    return entries;
}

static void catalog_error(void *p, const char *message)
{
    struct config_catalog *c = p;
    c->problems++;
    if (c->report)
        c->report(c->ctx, message);
}

void config_catalog_problem(struct config_catalog *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sink_vreport(&c->sink, fmt, ap); /* counted by catalog_error */
    va_end(ap);
}

static void catalog_entry(void *p, jv entry, const char *source)
{
    struct config_catalog *c = p;
    jv idv = jv_object_get(jv_copy(entry), jv_string("id"));
    if (jv_get_kind(idv) != JV_KIND_STRING) {
        config_catalog_problem(c, "%s: %s without an 'id'", source, c->what);
        jv_free(idv), jv_free(entry);
        return;
    }
    const char *id = jv_string_value(idv);
    jv *seen = c->drop_ins ? &c->seen_user : &c->seen_builtin;
    jv was = jv_object_get(jv_copy(*seen), jv_string(id));
    if (jv_get_kind(was) == JV_KIND_STRING) {
        config_catalog_problem(c, "%s: %s '%s': duplicate id (first at %s); ignored", source,
                               c->what, id, jv_string_value(was));
        jv_free(was), jv_free(idv), jv_free(entry);
        return;
    }
    jv_free(was);
    *seen = jv_object_set(*seen, jv_string(id), jv_string(source));
    jv disabled = jv_object_get(jv_copy(entry), jv_string("disabled"));
    bool off = jv_get_kind(disabled) == JV_KIND_TRUE;
    jv_free(disabled);
    struct heal_error err;
    if (!off && c->validate(entry, source, &err) != 0) {
        config_catalog_problem(c, "%s: %s '%s': %s", source, c->what, id, err.msg);
        jv_free(idv), jv_free(entry);
        return;
    }
    if (config_set_add(&c->merged, entry, source, &err) != 0)
        config_catalog_problem(c, "%s: %s '%s': %s", source, c->what, id, err.msg);
    jv_free(idv);
}

void config_catalog_init(struct config_catalog *c, const char *what, config_validate_fn *validate,
                         config_error_fn *report, void *ctx)
{
    memset(c, 0, sizeof *c);
    c->what = what;
    c->validate = validate;
    config_set_init(&c->merged, "id");
    c->seen_builtin = jv_object();
    c->seen_user = jv_object();
    c->report = report;
    c->ctx = ctx;
    c->sink = (struct config_sink){.entry = catalog_entry, .error = catalog_error, .ctx = c};
}

void config_catalog_drop_ins(struct config_catalog *c)
{
    c->drop_ins = true;
}

jv config_catalog_finish(struct config_catalog *c, jv *sources)
{
    jv_free(c->seen_builtin);
    jv_free(c->seen_user);
    c->seen_builtin = c->seen_user = jv_null();
    return config_set_finish(&c->merged, sources);
}
