#include "clock.h"
#include "lock.h"
#include "scratch.h"
#include "state.h"
#include "unit.h"

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BUSY_WAIT_MS 300
/* Scheduling slack on a loaded CI machine, above the 50 ms back-off cap. */
#define TOLERANCE_MS 250
#define HANDOVER_DELAY_MS 100
#define LS_OUTPUT_MAX 65536

static char dir[SCRATCH_DIR_SIZE];

/* A child process holding a lock, driven by one-byte commands over a pipe. */
struct holder {
    pid_t pid;
    int cmd; /* parent writes: 'r' release now, 'd' release after HANDOVER_DELAY_MS */
    int ack; /* child writes: 'L' locked, 'E' error, 'R' released */
};

static void holder_main(const char *target, int cmd, int ack)
{
    struct lock l;
    struct heal_error err;
    char c = lock_acquire(dir, target, 0, &l, &err) == 0 ? 'L' : 'E';
    if (write(ack, &c, 1) != 1 || c == 'E')
        _exit(1);
    if (read(cmd, &c, 1) != 1)
        _exit(1);
    if (c == 'd') {
        struct timespec ts = {0, HANDOVER_DELAY_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    lock_release(&l);
    c = 'R';
    if (write(ack, &c, 1) != 1)
        _exit(1);
    while (read(cmd, &c, 1) > 0)
        ;
    _exit(0);
}

static int holder_start(const char *target, struct holder *h)
{
    int to_child[2], from_child[2];
    if (pipe(to_child) < 0 || pipe(from_child) < 0)
        return -1;
    fflush(stdout);
    h->pid = fork();
    if (h->pid == 0) {
        close(to_child[1]);
        close(from_child[0]);
        holder_main(target, to_child[0], from_child[1]);
    }
    close(to_child[0]);
    close(from_child[1]);
    h->cmd = to_child[1];
    h->ack = from_child[0];
    char c = 0;
    return h->pid > 0 && read(h->ack, &c, 1) == 1 && c == 'L' ? 0 : -1;
}

static int holder_say(struct holder *h, char c)
{
    return write(h->cmd, &c, 1) == 1 ? 0 : -1;
}

static int holder_wait_released(struct holder *h)
{
    char c = 0;
    return read(h->ack, &c, 1) == 1 && c == 'R' ? 0 : -1;
}

static void holder_stop(struct holder *h)
{
    close(h->cmd);
    close(h->ack);
    waitpid(h->pid, NULL, 0);
}

static void test_single_process(void)
{
    struct lock a, b;
    struct heal_error err = {{0}};
    char path[PATH_MAX];
    struct stat st;

    bool ok = lock_acquire(dir, "nginx/http:80", 0, &a, &err) == 0 && a.fd >= 0;
    CHECK(ok, "an uncontended lock is acquired at once");
    snprintf(path, sizeof path, "%s/locks/nginx%%2Fhttp:80.lock", dir);
    ok = stat(path, &st) == 0 && S_ISREG(st.st_mode);
    CHECK(ok, "the lock file is locks/ENCODED-TARGET.lock");
    ok = (fcntl(a.fd, F_GETFD) & FD_CLOEXEC) != 0;
    CHECK(ok, "the lock descriptor is close-on-exec");
    ok = lock_acquire(dir, "nginx/http:80", 0, &b, &err) == 1 && b.fd == -1;
    CHECK(ok, "a second acquire of a held target in the same process is busy");
    ok = lock_acquire(dir, "nginx/https:443", 0, &b, &err) == 0;
    CHECK(ok, "a different target is not blocked");
    lock_release(&b);
    lock_release(&a);
    CHECK(a.fd == -1, "releasing marks the lock as not held");
    lock_release(&a);
    ok = lock_acquire(dir, "nginx/http:80", 0, &a, &err) == 0;
    CHECK(ok, "a released lock can be taken again");
    lock_release(&a);

    ok = lock_acquire("/nonexistent/heal-state", "t", 0, &a, &err) == -1 && a.fd == -1;
    CHECK(ok, "a state directory that cannot hold locks/ is an error");
    ok = lock_acquire(dir, "", 0, &a, &err) == -1;
    CHECK(ok, "an empty target is an error");
}

static void test_two_processes(void)
{
    struct holder h;
    struct lock l;
    struct heal_error err = {{0}};
    bool started = holder_start("db", &h) == 0;
    CHECK(started, "a child process takes the lock");
    if (!started)
        return;

    int64_t t0 = clock_mono_ms();
    int rc = lock_acquire(dir, "db", BUSY_WAIT_MS, &l, &err);
    int64_t took = clock_mono_ms() - t0;
    CHECK(rc == 1, "while the child holds it the parent gets busy (1)");
    CHECK(took >= BUSY_WAIT_MS && took <= BUSY_WAIT_MS + TOLERANCE_MS,
          "busy comes after wait_ms and not much later (%lld ms for %d)", (long long)took,
          BUSY_WAIT_MS);

    t0 = clock_mono_ms();
    rc = lock_acquire(dir, "db", 0, &l, &err);
    took = clock_mono_ms() - t0;
    CHECK(rc == 1 && took < TOLERANCE_MS, "with wait_ms 0 busy comes at once");

    /* The child lets go while the parent is already waiting. */
    holder_say(&h, 'd');
    t0 = clock_mono_ms();
    rc = lock_acquire(dir, "db", 5000, &l, &err);
    took = clock_mono_ms() - t0;
    CHECK(rc == 0, "a waiting process gets the lock once the holder releases it");
    CHECK(took < HANDOVER_DELAY_MS + TOLERANCE_MS, "the hand-over is prompt (%lld ms)",
          (long long)took);
    bool released = holder_wait_released(&h) == 0;
    CHECK(released, "the holder saw its release succeed");
    lock_release(&l);
    holder_stop(&h);

    started = holder_start("db", &h) == 0;
    kill(h.pid, SIGKILL);
    holder_stop(&h);
    rc = lock_acquire(dir, "db", 1000, &l, &err);
    CHECK(started && rc == 0, "a holder killed with SIGKILL leaves the lock free");
    lock_release(&l);
}

/* Runs `ls -l /proc/self/fd` and returns what it printed (NUL-terminated). */
static int list_child_fds(char *out, size_t size)
{
    int p[2];
    if (pipe(p) < 0)
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execlp("ls", "ls", "-l", "/proc/self/fd", (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    size_t used = 0;
    ssize_t n;
    while (used + 1 < size && (n = read(p[0], out + used, size - 1 - used)) > 0)
        used += (size_t)n;
    out[used] = '\0';
    close(p[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void test_exec(void)
{
    struct lock l;
    struct heal_error err = {{0}};
    static char listing[LS_OUTPUT_MAX];
    char canary[PATH_MAX];
    snprintf(canary, sizeof canary, "%s/canary-inherited", dir);
    /* Deliberately not close-on-exec: proves the listing would show a leak. */
    int fd = open(canary, O_WRONLY | O_CREAT, 0600);
    int rc = lock_acquire(dir, "exec-target", 0, &l, &err);
    bool listed = rc == 0 && list_child_fds(listing, sizeof listing) == 0;
    CHECK(listed && strstr(listing, "canary-inherited"),
          "a spawned program sees an inherited descriptor in /proc/self/fd");
    CHECK(listed && !strstr(listing, ".lock"),
          "a spawned program does not inherit the lock descriptor");
    close(fd);
    lock_release(&l);
}

int main(void)
{
    scratch_make(dir, "lock");
    test_single_process();
    test_two_processes();
    test_exec();
    scratch_remove(dir);
    return unit_done();
}
