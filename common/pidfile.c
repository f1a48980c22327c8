#include "pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static pid_t read_pid(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    long pid = strtol(buf, NULL, 10);
    return pid > 0 ? (pid_t)pid : 0;
}

int pidfile_acquire(const char *path, pid_t *holder, struct heal_error *err)
{
    *holder = 0;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return heal_error_errno(err, "%s", path);
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int saved = errno;
        *holder = read_pid(fd);
        close(fd);
        if (saved == EWOULDBLOCK) {
            if (*holder)
                return heal_error_set(err, "%s: already running as pid %ld", path,
                                      (long)*holder);
            return heal_error_set(err, "%s: already running", path);
        }
        errno = saved;
        return heal_error_errno(err, "%s: flock", path);
    }
    char line[32];
    int len = snprintf(line, sizeof line, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, line, (size_t)len, 0) != len) {
        heal_error_errno(err, "%s", path);
        close(fd);
        return -1;
    }
    return fd;
}

void pidfile_release(const char *path, int fd)
{
    if (fd < 0)
        return;
    /* Unlinked while still locked, so no newcomer locks a file about to vanish. */
    unlink(path);
    close(fd);
}

int pidfile_probe(const char *path, pid_t *pid, struct heal_error *err)
{
    *pid = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        return heal_error_errno(err, "%s", path);
    }
    int running = 0;
    if (flock(fd, LOCK_SH | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK) {
            *pid = read_pid(fd);
            running = 1;
        } else {
            heal_error_errno(err, "%s: flock", path);
            running = -1;
        }
    }
    close(fd);
    return running;
}
