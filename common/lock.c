#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "state.h"

/* ".lock" and its NUL after an encoded name. */
#define LOCK_FILE_NAME_SIZE (STATE_NAME_SIZE + 5)

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    /* An early wake-up only means one more try before the deadline. */
    nanosleep(&ts, NULL);
}

int lock_acquire(const char *state_dir, const char *target, int64_t wait_ms, struct lock *lock,
                 struct heal_error *err)
{
    lock->fd = -1;
    char dir[STATE_PATH_MAX], path[STATE_PATH_MAX], name[LOCK_FILE_NAME_SIZE];
    if (state_name_encode(target, name, err) < 0)
        return -1;
    memcpy(name + strlen(name), ".lock", sizeof ".lock");
    if (state_subdir(state_dir, STATE_LOCKS_DIR, dir, err) < 0 ||
        state_path_join(path, sizeof path, dir, name, err) < 0)
        return -1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return heal_error_errno(err, "open %s", path);

    int64_t deadline = clock_mono_ms() + (wait_ms > 0 ? wait_ms : 0);
    int64_t backoff = LOCK_BACKOFF_MIN_MS;
    for (;;) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            lock->fd = fd;
            return 0;
        }
        if (errno != EWOULDBLOCK && errno != EINTR) {
            heal_error_errno(err, "flock %s", path);
            close(fd);
            return -1;
        }
        int64_t left = deadline - clock_mono_ms();
        if (left <= 0)
            break;
        sleep_ms(backoff < left ? backoff : left);
        backoff = backoff * 2 > LOCK_BACKOFF_MAX_MS ? LOCK_BACKOFF_MAX_MS : backoff * 2;
    }
    close(fd);
    heal_error_set(err, "%s: held by another process for more than %lld ms", target,
                   (long long)(wait_ms > 0 ? wait_ms : 0));
    return 1;
}

void lock_release(struct lock *lock)
{
    if (lock->fd < 0)
        return;
    /* close() alone would leave it locked while a forked child still has the file open. */
    flock(lock->fd, LOCK_UN);
    close(lock->fd);
    lock->fd = -1;
}
