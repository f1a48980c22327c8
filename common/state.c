#include "state.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* '~' plus 16 hex digits: the tail of a name too long to keep whole. */
#define STATE_HASH_SUFFIX_LEN 17

static int copy_path(char out[STATE_PATH_MAX], const char *path, const char *from,
                     struct heal_error *err)
{
    size_t n = strlen(path);
    if (n == 0)
        return heal_error_set(err, "state directory from %s is empty", from);
    if (n >= STATE_PATH_MAX)
        return heal_error_set(err, "state directory from %s is longer than %d bytes", from,
                              STATE_PATH_MAX - 1);
    memcpy(out, path, n + 1);
    return 0;
}

int state_dir_resolve_for_uid(const char *explicit_dir, uid_t euid, char out[STATE_PATH_MAX],
                              struct heal_error *err)
{
    if (explicit_dir)
        return copy_path(out, explicit_dir, "--state-dir", err);
    const char *v = getenv("HEAL_STATE_DIR");
    if (v && *v)
        return copy_path(out, v, "HEAL_STATE_DIR", err);
    if (euid == 0)
        return copy_path(out, STATE_DIR_ROOT, "the default for root", err);
    /* The XDG base directory spec says a relative value is to be ignored. */
    v = getenv("XDG_STATE_HOME");
    if (v && v[0] == '/')
        return state_path_join(out, STATE_PATH_MAX, v, "heal", err);
    v = getenv("HOME");
    if (v && *v)
        return state_path_join(out, STATE_PATH_MAX, v, ".local/state/heal", err);
    return heal_error_set(err, "no state directory: HOME is not set "
                               "(set HEAL_STATE_DIR or use --state-dir)");
}

int state_dir_resolve(const char *explicit_dir, char out[STATE_PATH_MAX], struct heal_error *err)
{
    return state_dir_resolve_for_uid(explicit_dir, geteuid(), out, err);
}

/* mkdir that counts an existing directory as success. */
static int make_dir(const char *path, struct heal_error *err)
{
    if (mkdir(path, 0700) == 0)
        return 0;
    int saved = errno;
    struct stat st;
    /* Checked after the fact: mkdir may say EACCES or EROFS for a directory that exists. */
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    errno = saved;
    return heal_error_errno(err, "mkdir %s", path);
}

static int make_dirs(const char *path, struct heal_error *err)
{
    char buf[STATE_PATH_MAX];
    size_t n = strlen(path);
    if (n >= sizeof buf)
        return heal_error_set(err, "path longer than %zu bytes", sizeof buf - 1);
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i < n; i++) {
        if (buf[i] != '/' || buf[i - 1] == '/')
            continue;
        buf[i] = '\0';
        int rc = make_dir(buf, err);
        buf[i] = '/';
        if (rc < 0)
            return -1;
    }
    return make_dir(buf, err);
}

int state_dir_open(const char *explicit_dir, char out[STATE_PATH_MAX], struct heal_error *err)
{
    if (state_dir_resolve(explicit_dir, out, err) < 0 || make_dirs(out, err) < 0)
        return -1;
    struct stat st;
    if (stat(out, &st) < 0)
        return heal_error_errno(err, "%s", out);
    if (!S_ISDIR(st.st_mode))
        return heal_error_set(err, "%s: not a directory", out);
    /* Root opens lock and journal files in here: a directory another user
     * controls could point those opens anywhere. */
    if (st.st_uid != geteuid())
        return heal_error_set(err, "%s: owned by uid %ld, not by uid %ld; refusing it", out,
                              (long)st.st_uid, (long)geteuid());
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return heal_error_set(err, "%s: group or others may write it (mode %03o); refusing it", out,
                              (unsigned)(st.st_mode & 0777));
    return 0;
}

int state_subdir(const char *state_dir, const char *name, char out[STATE_PATH_MAX],
                 struct heal_error *err)
{
    if (state_path_join(out, STATE_PATH_MAX, state_dir, name, err) < 0)
        return -1;
    return make_dir(out, err);
}

int state_path_join(char *out, size_t size, const char *dir, const char *name,
                    struct heal_error *err)
{
    size_t dl = strlen(dir), nl = strlen(name);
    if (dl == 0 || nl == 0)
        return heal_error_set(err, "cannot join an empty path");
    size_t slash = dir[dl - 1] == '/' ? 0 : 1;
    if (dl + slash + nl + 1 > size)
        return heal_error_set(err, "path longer than %zu bytes: %.40s…/%.40s", size - 1, dir, name);
    memcpy(out, dir, dl);
    if (slash)
        out[dl] = '/';
    memcpy(out + dl + slash, name, nl + 1);
    return 0;
}

static bool name_needs_escape(unsigned char c, size_t pos)
{
    return c == '%' || c == '/' || c == '~' || c < 0x20 || c == 0x7f || (pos == 0 && c == '.');
}

static bool utf8_continuation(unsigned char c)
{
    return (c & 0xc0) == 0x80;
}

static uint64_t fnv1a64(const unsigned char *s)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (; *s; s++) {
        h ^= *s;
        h *= 0x100000001b3u;
    }
    return h;
}

static size_t name_put(char *out, unsigned char c, size_t pos)
{
    static const char hex[] = "0123456789ABCDEF";
    if (!name_needs_escape(c, pos)) {
        out[0] = (char)c;
        return 1;
    }
    out[0] = '%';
    out[1] = hex[c >> 4];
    out[2] = hex[c & 0xf];
    return 3;
}

int state_name_encode(const char *target, char out[STATE_NAME_SIZE], struct heal_error *err)
{
    const unsigned char *t = (const unsigned char *)target;
    if (!*t)
        return heal_error_set(err, "empty target name");
    size_t full = 0;
    for (size_t i = 0; t[i]; i++)
        full += name_needs_escape(t[i], i) ? 3 : 1;
    size_t limit = full <= STATE_NAME_MAX ? STATE_NAME_MAX : STATE_NAME_MAX - STATE_HASH_SUFFIX_LEN;
    size_t n = 0, whole = 0;
    for (size_t i = 0; t[i]; i++) {
        size_t w = name_needs_escape(t[i], i) ? 3 : 1;
        if (n + w > limit)
            break;
        n += name_put(out + n, t[i], i);
        /* Cut only between characters, so the kept prefix stays valid UTF-8. */
        if (!utf8_continuation(t[i + 1]))
            whole = n;
    }
    if (full <= STATE_NAME_MAX) {
        out[n] = '\0';
        return 0;
    }
    snprintf(out + whole, STATE_NAME_SIZE - whole, "~%016" PRIx64, fnv1a64(t));
    return 0;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int state_name_decode(const char *name, char *out, size_t size, struct heal_error *err)
{
    if (!*name)
        return heal_error_set(err, "empty name");
    if (strchr(name, '~'))
        return heal_error_set(err, "%s: a hashed name cannot be decoded", name);
    size_t n = 0;
    for (size_t i = 0; name[i]; n++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '%') {
            int hi = hex_value(name[i + 1]), lo = hi < 0 ? -1 : hex_value(name[i + 2]);
            if (lo < 0)
                return heal_error_set(err, "%s: bad escape at byte %zu", name, i);
            c = (unsigned char)(hi * 16 + lo);
            /* Only the canonical form decodes, so a name maps to one target. */
            if (!name_needs_escape(c, n) || c == '\0')
                return heal_error_set(err, "%s: needless escape at byte %zu", name, i);
            i += 3;
        } else {
            if (name_needs_escape(c, n))
                return heal_error_set(err, "%s: byte %zu should be escaped", name, i);
            i++;
        }
        if (n + 1 >= size)
            return heal_error_set(err, "%s: decoded name longer than %zu bytes", name, size - 1);
        out[n] = (char)c;
    }
    out[n] = '\0';
    return 0;
}
