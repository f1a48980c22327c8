#include "atomicfile.h"
#include "scratch.h"
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BIG_SIZE (256 * 1024)
#define KILL_ROUNDS 200
#define KILL_DELAY_MAX_US 4000

static char dir[SCRATCH_DIR_SIZE];

static size_t count_temps(const char *in)
{
    size_t n = 0;
    DIR *d = opendir(in);
    if (!d)
        return (size_t)-1;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, ATOMICFILE_TEMP_PREFIX, strlen(ATOMICFILE_TEMP_PREFIX)) == 0)
            n++;
    closedir(d);
    return n;
}

static void test_write_read(void)
{
    char path[PATH_MAX];
    struct heal_error err = {{0}};
    char *data = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/file.json", dir);

    bool ok = atomicfile_write(path, "{\"a\":1}\n", 8, 0640, &err) == 0;
    CHECK(ok, "a new file is written");
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0640,
          "the file gets exactly the mode asked for");
    ok = atomicfile_read(path, 100, &data, &len, &err) == 0 && len == 8 &&
         strcmp(data, "{\"a\":1}\n") == 0;
    CHECK(ok, "reading returns every byte, NUL-terminated");
    free(data);

    ok = atomicfile_write(path, "second", 6, 0600, &err) == 0 &&
         atomicfile_read(path, 100, &data, &len, &err) == 0 && len == 6 &&
         memcmp(data, "second", 6) == 0;
    CHECK(ok, "writing again replaces the content");
    free(data);
    CHECK(count_temps(dir) == 0, "a successful write leaves no temp file");

    ok = atomicfile_write(path, "", 0, 0600, &err) == 0 &&
         atomicfile_read(path, 100, &data, &len, &err) == 0 && len == 0 && data[0] == '\0';
    CHECK(ok, "an empty content gives an empty file");
    free(data);

    char nodir[PATH_MAX];
    snprintf(nodir, sizeof nodir, "%s/missing/file", dir);
    ok = atomicfile_write(nodir, "x", 1, 0600, &err) == -1 && strstr(err.msg, "missing");
    CHECK(ok, "writing into a missing directory fails and names it");

    /* rename() cannot replace a non-empty directory: the failure comes late. */
    char blocker[PATH_MAX], inside[PATH_MAX];
    snprintf(blocker, sizeof blocker, "%s/blocker", dir);
    snprintf(inside, sizeof inside, "%s/blocker/keep", dir);
    mkdir(blocker, 0700);
    atomicfile_write(inside, "k", 1, 0600, &err);
    err.msg[0] = '\0';
    ok = atomicfile_write(blocker, "x", 1, 0600, &err) == -1 && strstr(err.msg, "rename");
    CHECK(ok, "a failed rename is reported");
    CHECK(count_temps(dir) == 0 && stat(inside, &st) == 0,
          "a failed write removes its temp file and leaves the old content");
    ok = atomicfile_write("", "x", 1, 0600, &err) == -1 &&
         atomicfile_write("/tmp/", "x", 1, 0600, &err) == -1;
    CHECK(ok, "a path without a file name is refused");

    char missing[PATH_MAX];
    snprintf(missing, sizeof missing, "%s/nothing-here", dir);
    data = (char *)1;
    ok = atomicfile_read(missing, 100, &data, &len, &err) == 1 && data == NULL;
    CHECK(ok, "reading a missing file says so with 1, not an error");

    char big[1000];
    memset(big, 'z', sizeof big);
    atomicfile_write(path, big, sizeof big, 0600, &err);
    err.msg[0] = '\0';
    ok = atomicfile_read(path, 999, &data, &len, &err) == -1 && data == NULL &&
         strstr(err.msg, "longer than 999");
    CHECK(ok, "a file over the size cap is reported, not cut");
    ok = atomicfile_read(path, 1000, &data, &len, &err) == 0 && len == 1000;
    CHECK(ok, "a file exactly at the size cap is read whole");
    free(data);
    ok = atomicfile_read("/proc/self/status", 1 << 20, &data, &len, &err) == 0 && len > 0 &&
         strstr(data, "Name:");
    CHECK(ok, "a file whose size stat does not know is read whole");
    free(data);
}

static void rewrite_forever(const char *path, const char *a, const char *b, int first)
{
    struct heal_error err;
    for (int k = first;; k++)
        atomicfile_write(path, k % 2 ? b : a, BIG_SIZE, 0600, &err);
}

static void test_kill(void)
{
    char path[PATH_MAX];
    struct heal_error err = {{0}};
    snprintf(path, sizeof path, "%s/killed.json", dir);
    char *a = malloc(BIG_SIZE), *b = malloc(BIG_SIZE);
    memset(a, 'A', BIG_SIZE);
    memset(b, 'B', BIG_SIZE);
    atomicfile_write(path, a, BIG_SIZE, 0600, &err);

    unsigned seed = (unsigned)time(NULL);
    printf("# kill test seed %u\n", seed);
    int whole = 0, seen_a = 0, seen_b = 0;
    size_t stray = 0;
    for (int i = 0; i < KILL_ROUNDS; i++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            rewrite_forever(path, a, b, i % 2);
            _exit(0);
        }
        if (pid < 0)
            break;
        struct timespec delay = {0, (long)(rand_r(&seed) % KILL_DELAY_MAX_US) * 1000};
        nanosleep(&delay, NULL);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);

        char *data = NULL;
        size_t len = 0;
        if (atomicfile_read(path, BIG_SIZE, &data, &len, &err) == 0 && len == BIG_SIZE) {
            if (memcmp(data, a, BIG_SIZE) == 0) {
                whole++;
                seen_a = 1;
            } else if (memcmp(data, b, BIG_SIZE) == 0) {
                whole++;
                seen_b = 1;
            }
        }
        free(data);
        size_t temps = count_temps(dir);
        if (temps > stray)
            stray = temps;
    }
    printf("# %zu of %d kills left a temp file behind\n", stray, KILL_ROUNDS);
    CHECK(whole == KILL_ROUNDS,
          "after each of %d kill -9s the file is wholly one version (%d were)", KILL_ROUNDS, whole);
    CHECK(seen_a && seen_b, "the killed writers did replace the file between kills");
    free(a);
    free(b);
}

static void test_cleanup(void)
{
    struct heal_error err = {{0}};
    char stale[PATH_MAX], keep[PATH_MAX];
    size_t removed = 0;
    snprintf(stale, sizeof stale, "%s/" ATOMICFILE_TEMP_PREFIX "abcdef", dir);
    snprintf(keep, sizeof keep, "%s/.heal-tmpx", dir);
    close(open(stale, O_WRONLY | O_CREAT, 0600));
    close(open(keep, O_WRONLY | O_CREAT, 0600));

    bool ok = atomicfile_cleanup(dir, ATOMICFILE_STALE_MS, &removed, &err) == 0 &&
              access(stale, F_OK) == 0;
    CHECK(ok, "cleanup leaves a fresh temp file alone: a writer may still own it");
    struct timespec old[2] = {{0, UTIME_OMIT}, {time(NULL) - 3600, 0}};
    utimensat(AT_FDCWD, stale, old, 0);
    ok = atomicfile_cleanup(dir, ATOMICFILE_STALE_MS, &removed, &err) == 0 && removed == 1 &&
         access(stale, F_OK) == -1 && errno == ENOENT;
    CHECK(ok, "cleanup removes a temp file older than the age given");
    ok = atomicfile_cleanup(dir, 0, &removed, &err) == 0 && count_temps(dir) == 0;
    CHECK(ok, "cleanup with age 0 removes every temp file left by killed writers");
    char killed[PATH_MAX];
    snprintf(killed, sizeof killed, "%s/killed.json", dir);
    CHECK(access(keep, F_OK) == 0 && access(killed, F_OK) == 0, "cleanup touches no other file");
    ok = atomicfile_cleanup("/nonexistent-heal-dir", 0, NULL, &err) == -1;
    CHECK(ok, "cleanup of a missing directory is an error");
}

/* A cache read leaves the access time alone, where relatime would set it. */
static void test_read_cache(void)
{
    char path[PATH_MAX];
    struct heal_error err = {{0}};
    char *data = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/cache.json", dir);
    /* Access and change times a minute back, equal: the next plain read
     * would move the access time under relatime or strictatime. */
    struct timespec past[2] = {{time(NULL) - 60, 0}, {time(NULL) - 60, 0}};
    struct stat before, after;
    bool ok = atomicfile_write_cache(path, "{\"c\":1}", 7, 0600, &err) == 0 &&
              utimensat(AT_FDCWD, path, past, 0) == 0 && stat(path, &before) == 0 &&
              atomicfile_read_cache(path, 100, &data, &len, &err) == 0 && len == 7 &&
              strcmp(data, "{\"c\":1}") == 0 && stat(path, &after) == 0;
    CHECK(ok, "a cache file reads back whole");
    CHECK(ok && after.st_atim.tv_sec == before.st_atim.tv_sec,
          "reading a cache file of ours leaves its access time alone");
    free(data);
    ok = atomicfile_read_cache("/proc/self/status", 1 << 20, &data, &len, &err) == 0 && len > 0;
    CHECK(ok, "a file of the kernel's is read all the same");
    free(data);
    char missing[PATH_MAX];
    snprintf(missing, sizeof missing, "%s/no-such-cache", dir);
    CHECK(atomicfile_read_cache(missing, 100, &data, &len, &err) == 1 && !data,
          "a missing cache file is no error");
}

int main(void)
{
    scratch_make(dir, "atomicfile");
    test_write_read();
    test_read_cache();
    test_kill();
    test_cleanup();
    scratch_remove(dir);
    return unit_done();
}
