#include "secretfile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int secretfile_read(const char *path, const char *what, char *buf, size_t size, size_t *len,
                    struct heal_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return heal_error_errno(err, "%s %s", what, path);
    struct stat st;
    size_t got = 0;
    int rc = -1;
    if (fstat(fd, &st) != 0) {
        heal_error_errno(err, "%s %s", what, path);
    } else if (!S_ISREG(st.st_mode)) {
        heal_error_set(err, "%s %s: not a regular file", what, path);
    } else if (st.st_uid != 0 && st.st_uid != geteuid()) {
        heal_error_set(err, "%s %s: refused: owned by uid %u, not by root or uid %u", what, path,
                       (unsigned)st.st_uid, (unsigned)geteuid());
    } else if (st.st_mode & 077) {
        heal_error_set(err, "%s %s: refused: mode %03o lets group or others at it", what, path,
                       (unsigned)(st.st_mode & 0777));
    } else {
        rc = 0;
        for (;;) {
            ssize_t n = read(fd, buf + got, size - got);
            if (n < 0) {
                rc = heal_error_errno(err, "%s %s", what, path);
                break;
            }
            if (n == 0)
                break;
            got += (size_t)n;
            if (got == size) {
                rc = heal_error_set(err, "%s %s: longer than %zu bytes", what, path, size - 1);
                break;
            }
        }
    }
    close(fd);
    if (rc == 0) {
        buf[got] = '\0';
        *len = got;
    }
    return rc;
}
