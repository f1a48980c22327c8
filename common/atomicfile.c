#include "atomicfile.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "state.h"

/* First read of a file whose size fstat cannot tell (pipes, /proc). */
#define ATOMICFILE_READ_CHUNK 4096

static int dir_of(const char *path, char dir[STATE_PATH_MAX], struct heal_error *err)
{
    size_t n = strlen(path);
    if (n == 0 || path[n - 1] == '/')
        return heal_error_set(err, "'%s' does not name a file", path);
    if (n >= STATE_PATH_MAX)
        return heal_error_set(err, "path longer than %d bytes", STATE_PATH_MAX - 1);
    const char *slash = strrchr(path, '/');
    if (!slash) {
        strcpy(dir, ".");
        return 0;
    }
    size_t dl = slash == path ? 1 : (size_t)(slash - path);
    memcpy(dir, path, dl);
    dir[dl] = '\0';
    return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int fsync_dir(const char *dir, struct heal_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return heal_error_errno(err, "open %s", dir);
    /* Some file systems cannot sync a directory; they say EINVAL and
     * order the rename themselves. */
    if (fsync(fd) < 0 && errno != EINVAL) {
        heal_error_errno(err, "fsync %s", dir);
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

static int replace(const char *path, const void *data, size_t len, mode_t mode, bool durable,
                   struct heal_error *err)
{
    char dir[STATE_PATH_MAX], tmp[STATE_PATH_MAX];
    if (dir_of(path, dir, err) < 0 ||
        state_path_join(tmp, sizeof tmp, dir, ATOMICFILE_TEMP_PREFIX "XXXXXX", err) < 0)
        return -1;
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return heal_error_errno(err, "create a temp file in %s", dir);
    if (fchmod(fd, mode) < 0) {
        heal_error_errno(err, "fchmod %s", tmp);
        goto fail;
    }
    if (write_all(fd, data, len) < 0) {
        heal_error_errno(err, "write %s", tmp);
        goto fail;
    }
    /* Without this the rename can reach the disk before the data does,
     * and a crash leaves an empty file under the real name. */
    if (durable && fsync(fd) < 0) {
        heal_error_errno(err, "fsync %s", tmp);
        goto fail;
    }
    int rc = close(fd);
    fd = -1;
    if (rc < 0) {
        heal_error_errno(err, "close %s", tmp);
        goto fail;
    }
    if (rename(tmp, path) < 0) {
        heal_error_errno(err, "rename %s to %s", tmp, path);
        goto fail;
    }
    return durable ? fsync_dir(dir, err) : 0;

fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return -1;
}

static int read_all(const char *path, int flags, size_t max, char **data, size_t *len,
                    struct heal_error *err)
{
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | flags);
    if (fd < 0 && errno == EPERM && (flags & O_NOATIME))
        fd = open(path, O_RDONLY | O_CLOEXEC); /* not ours: O_NOATIME is refused */
    if (fd < 0 && errno == ENOENT)
        return 1;
    if (fd < 0)
        return heal_error_errno(err, "open %s", path);
    struct stat st;
    if (fstat(fd, &st) < 0) {
        heal_error_errno(err, "fstat %s", path);
        close(fd);
        return -1;
    }
    /* One byte past the cap is how an oversized file shows itself. */
    size_t cap = ATOMICFILE_READ_CHUNK;
    if (st.st_size > 0)
        cap = (size_t)st.st_size < max ? (size_t)st.st_size + 1 : max + 1;
    char *buf = NULL;
    size_t used = 0;
    for (;;) {
        if (used == cap || !buf) {
            if (buf)
                cap = cap > max / 2 ? max + 1 : cap * 2;
            char *bigger = realloc(buf, cap + 1);
            if (!bigger) {
                heal_error_set(err, "%s: out of memory", path);
                goto fail;
            }
            buf = bigger;
        }
        ssize_t n = read(fd, buf + used, cap - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            heal_error_errno(err, "read %s", path);
            goto fail;
        }
        if (n == 0)
            break;
        used += (size_t)n;
        if (used > max) {
            heal_error_set(err, "%s: longer than %zu bytes", path, max);
            goto fail;
        }
    }
    close(fd);
    buf[used] = '\0';
    *data = buf;
    *len = used;
    return 0;

fail:
    free(buf);
    close(fd);
    return -1;
}

int atomicfile_read(const char *path, size_t max, char **data, size_t *len, struct heal_error *err)
{
    return read_all(path, 0, max, data, len, err);
}

int atomicfile_read_cache(const char *path, size_t max, char **data, size_t *len,
                          struct heal_error *err)
{
    return read_all(path, O_NOATIME, max, data, len, err);
}

int atomicfile_cleanup(const char *dir, int64_t older_than_ms, size_t *removed,
                       struct heal_error *err)
{
    size_t count = 0;
    DIR *d = opendir(dir);
    if (!d)
        return heal_error_errno(err, "opendir %s", dir);
    int64_t now = clock_now_ms();
    int rc = 0;
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (!e) {
            if (errno)
                rc = heal_error_errno(err, "readdir %s", dir);
            break;
        }
        if (strncmp(e->d_name, ATOMICFILE_TEMP_PREFIX, strlen(ATOMICFILE_TEMP_PREFIX)) != 0)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT) /* renamed or removed meanwhile: not ours to worry about */
                continue;
            rc = heal_error_errno(err, "stat %s/%s", dir, e->d_name);
            break;
        }
        int64_t mtime = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
        if (!S_ISREG(st.st_mode) || now - mtime < older_than_ms)
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) < 0) {
            if (errno == ENOENT)
                continue;
            rc = heal_error_errno(err, "unlink %s/%s", dir, e->d_name);
            break;
        }
        count++;
    }
    closedir(d);
    if (removed)
        *removed = count;
    return rc;
}

int atomicfile_write(const char *path, const void *data, size_t len, mode_t mode,
                     struct heal_error *err)
{
    return replace(path, data, len, mode, true, err);
}

int atomicfile_write_cache(const char *path, const void *data, size_t len, mode_t mode,
                           struct heal_error *err)
{
    return replace(path, data, len, mode, false, err);
}
