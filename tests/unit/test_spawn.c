#include "clock.h"
#include "spawn.h"
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})
#define CONCURRENT_CHILDREN 20
/* Longest any test waits for a condition before calling it failed. */
#define TEST_WAIT_MAX_MS 5000

static int run(const char *const *argv, struct spawn_result *r)
{
    struct spawn_options opt = {.argv = argv};
    struct heal_error err = {""};
    int rc = spawn_run(&opt, r, &err);
    if (rc < 0)
        printf("# spawn_run: %s\n", err.msg);
    return rc;
}

static int count_open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

/* Gone, or a zombie that only its new parent (maybe no reaper at all) can reap. */
static bool process_gone(pid_t pid)
{
    if (kill(pid, 0) < 0 && errno == ESRCH)
        return true;
    char path[64], stat[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return true;
    ssize_t n = read(fd, stat, sizeof stat - 1);
    close(fd);
    if (n <= 0)
        return true;
    stat[n] = '\0';
    const char *paren = strrchr(stat, ')');
    return paren && (paren[2] == 'Z' || paren[2] == 'X');
}

static bool wait_gone(pid_t pid)
{
    int64_t until = clock_mono_ms() + TEST_WAIT_MAX_MS;
    while (!process_gone(pid)) {
        if (clock_mono_ms() > until)
            return false;
        poll(NULL, 0, 10);
    }
    return true;
}

/* True if the NUL-separated lines of text contain line exactly. */
static bool has_line(const char *text, const char *line)
{
    size_t len = strlen(line);
    for (const char *p = text; *p;) {
        const char *nl = strchrnul(p, '\n');
        if ((size_t)(nl - p) == len && memcmp(p, line, len) == 0)
            return true;
        p = *nl ? nl + 1 : nl;
    }
    return false;
}

static int count_lines(const char *text)
{
    int n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    return n;
}

static void test_exit_codes(void)
{
    struct spawn_result r;
    int rc = run(ARGV("true"), &r);
    CHECK(rc == 0 && r.exited && r.exit_code == 0, "true exits normally with code 0");
    CHECK(r.error[0] == '\0' && !r.timed_out && !r.out.truncated,
          "a normal run reports no error, no timeout, no truncation");
    CHECK(r.out.data && r.out.len == 0 && r.out.data[0] == '\0' && r.err.data,
          "empty output is an empty string, never NULL");
    spawn_result_free(&r);
    rc = run(ARGV("false"), &r);
    CHECK(rc == 0 && r.exited && r.exit_code == 1, "false exits with code 1");
    spawn_result_free(&r);
    rc = run(ARGV("sh", "-c", "exit 42"), &r);
    CHECK(rc == 0 && r.exit_code == 42, "any exit code comes back as given");
    spawn_result_free(&r);
    rc = run(ARGV("sh", "-c", "kill -KILL $$"), &r);
    CHECK(rc == 0 && !r.exited && r.signal == SIGKILL,
          "a child killed by a signal is reported by that signal, not as an exit");
    spawn_result_free(&r);
}

static void test_output(void)
{
    struct spawn_result r;
    run(ARGV("printf", "hello\\nworld"), &r);
    CHECK(r.out.len == 11 && memcmp(r.out.data, "hello\nworld", 12) == 0,
          "stdout is captured byte for byte and NUL-terminated");
    spawn_result_free(&r);
    run(ARGV("sh", "-c", "echo out; echo err >&2"), &r);
    CHECK_STR(r.out.data, "out\n", "stdout holds only what went to stdout");
    CHECK_STR(r.err.data, "err\n", "stderr is captured separately");
    spawn_result_free(&r);

    int64_t t0 = clock_mono_ms();
    run(ARGV("head", "-c", "10000000", "/dev/zero"), &r);
    CHECK(r.out.len == SPAWN_OUTPUT_MAX && r.out.truncated,
          "output over the default cap is cut at SPAWN_OUTPUT_MAX and flagged truncated");
    CHECK(r.exited && r.exit_code == 0 && !r.timed_out,
          "a child writing past the cap still runs to a normal exit");
    CHECK(!r.err.truncated && r.err.len == 0, "truncating stdout leaves stderr alone");
    printf("# 10 MB through the cap took %lld ms\n", (long long)(clock_mono_ms() - t0));
    spawn_result_free(&r);

    struct spawn_options opt = {.argv = ARGV("printf", "abcdef"), .output_max = 6};
    spawn_run(&opt, &r, NULL);
    CHECK(r.out.len == 6 && !r.out.truncated, "output exactly at the cap is not truncated");
    spawn_result_free(&r);
    opt.output_max = 5;
    spawn_run(&opt, &r, NULL);
    CHECK(r.out.len == 5 && r.out.truncated && strcmp(r.out.data, "abcde") == 0,
          "one byte over a caller's cap is truncated and flagged");
    spawn_result_free(&r);
}

static void test_timeouts(void)
{
    struct spawn_result r;
    struct spawn_options opt = {.argv = ARGV("sleep", "30"), .timeout_ms = 300};
    int64_t t0 = clock_mono_ms();
    spawn_run(&opt, &r, NULL);
    int64_t took = clock_mono_ms() - t0;
    CHECK(r.timed_out && !r.exited && r.signal == SIGTERM,
          "a child past its timeout is stopped with SIGTERM and marked timed_out");
    CHECK(took >= 300 && took < 2000 && r.duration_ms >= 300 && r.duration_ms < 2000,
          "a 300 ms timeout ends a 30 s sleep in well under 2 s (%lld ms)", (long long)took);
    spawn_result_free(&r);

    opt.argv = ARGV("sh", "-c", "trap '' TERM; echo ready; sleep 30");
    opt.timeout_ms = 200;
    t0 = clock_mono_ms();
    spawn_run(&opt, &r, NULL);
    took = clock_mono_ms() - t0;
    CHECK(r.timed_out && r.signal == SIGKILL && took < 2000,
          "a child ignoring SIGTERM gets SIGKILL after the grace (%lld ms)", (long long)took);
    CHECK_STR(r.out.data, "ready\n", "output written before a timeout is kept");
    spawn_result_free(&r);

    t0 = clock_mono_ms();
    run(ARGV("sh", "-c", "sleep 30 & echo $!"), &r);
    took = clock_mono_ms() - t0;
    CHECK(r.exited && r.exit_code == 0 && took < 2000,
          "a grandchild holding stdout does not keep the caller waiting (%lld ms)",
          (long long)took);
    CHECK(r.orphans_killed, "the result says descendants held the output open");
    pid_t grandchild = (pid_t)atoi(r.out.data);
    bool gone = grandchild > 1 && wait_gone(grandchild);
    CHECK(gone, "the grandchild left holding the pipe is killed with the process group");
    spawn_result_free(&r);
}

static void test_exec_failures(void)
{
    struct spawn_result r;
    int rc = run(ARGV("heal-no-such-program"), &r);
    CHECK(rc == 0 && r.exited && r.exit_code == 127,
          "a program not on PATH exits 127, as in a shell");
    CHECK_STR(r.error, "exec: No such file or directory", "the result says why it did not run");
    spawn_result_free(&r);
    run(ARGV("/nonexistent/heal-prog"), &r);
    CHECK(r.exit_code == 127 && strstr(r.error, "No such file"),
          "a missing absolute path exits 127 too");
    spawn_result_free(&r);

    char path[] = "/tmp/heal-test-spawn-XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0) {
        (void)!write(fd, "#!/bin/sh\necho no\n", 18);
        close(fd);
        chmod(path, 0644);
    }
    run(ARGV(path), &r);
    CHECK(r.exited && r.exit_code == 126, "a file without execute permission exits 126");
    CHECK_STR(r.error, "exec: Permission denied", "and the error names the permission problem");
    CHECK(r.out.len == 0, "a program that never ran wrote nothing");
    spawn_result_free(&r);
    unlink(path);

    struct spawn_options opt = {.argv = ARGV("true"), .env_extra = ARGV("PATH=/nonexistent")};
    spawn_run(&opt, &r, NULL);
    CHECK(r.exit_code == 127, "argv[0] is looked up on the child's PATH, not the caller's");
    spawn_result_free(&r);

    opt = (struct spawn_options){.argv = ARGV("pwd"), .cwd = "/"};
    spawn_run(&opt, &r, NULL);
    CHECK_STR(r.out.data, "/\n", "the child runs in the cwd it was given");
    spawn_result_free(&r);
    opt.cwd = "/nonexistent-heal-dir";
    spawn_run(&opt, &r, NULL);
    CHECK(r.exit_code == 127 && strncmp(r.error, "chdir /nonexistent-heal-dir: ", 29) == 0,
          "a missing cwd is reported as a chdir error with exit 127");
    spawn_result_free(&r);

    struct heal_error err = {""};
    opt = (struct spawn_options){.argv = ARGV(NULL)};
    rc = spawn_run(&opt, &r, &err);
    CHECK(rc == -1 && strstr(err.msg, "argv"), "an empty argv is refused before anything starts");
    opt = (struct spawn_options){.argv = ARGV("true"), .env_extra = ARGV("NOEQUALS")};
    rc = spawn_run(&opt, &r, &err);
    CHECK(rc == -1 && strstr(err.msg, "NAME=VALUE"),
          "an extra environment entry without '=' is refused");
    opt = (struct spawn_options){
        .argv = ARGV("true"), .stdin_data = "", .stdin_len = SPAWN_STDIN_MAX + 1};
    rc = spawn_run(&opt, &r, &err);
    CHECK(rc == -1 && strstr(err.msg, "stdin"), "stdin over SPAWN_STDIN_MAX is refused");
}

static void test_stdin(void)
{
    struct spawn_result r;
    struct spawn_options opt = {.argv = ARGV("cat"), .stdin_data = "hello\0world", .stdin_len = 11};
    spawn_run(&opt, &r, NULL);
    CHECK(r.out.len == 11 && memcmp(r.out.data, "hello\0world", 11) == 0,
          "stdin bytes, NULs included, reach the child unchanged");
    spawn_result_free(&r);

    run(ARGV("cat"), &r);
    CHECK(r.exited && r.exit_code == 0 && r.out.len == 0,
          "without stdin data the child reads /dev/null and ends at once");
    spawn_result_free(&r);

    size_t big = 300000;
    char *data = malloc(big);
    memset(data, 'x', big);
    opt = (struct spawn_options){.argv = ARGV("wc", "-c"), .stdin_data = data, .stdin_len = big};
    spawn_run(&opt, &r, NULL);
    CHECK(strtol(r.out.data, NULL, 10) == (long)big,
          "stdin larger than a pipe buffer is fed in full while output is read");
    spawn_result_free(&r);
    /* SIGPIPE is at its default here: a write to a closed pipe would kill us. */
    opt.argv = ARGV("true");
    int rc = spawn_run(&opt, &r, NULL);
    CHECK(rc == 0 && r.exit_code == 0,
          "a child that never reads its stdin neither hangs nor SIGPIPEs the caller");
    spawn_result_free(&r);
    free(data);
}

static void test_environment(void)
{
    setenv("HEAL_TEST_SECRET", "leak", 1);
    setenv("HEAL_TEST_KEEP", "kept", 1);
    struct spawn_result r;
    run(ARGV("env"), &r);
    CHECK(count_lines(r.out.data) == 2 && has_line(r.out.data, "PATH=" SPAWN_SAFE_PATH) &&
              has_line(r.out.data, "LANG=" SPAWN_SAFE_LANG),
          "by default the environment is scrubbed to PATH and LANG only");
    spawn_result_free(&r);

    struct spawn_options opt = {.argv = ARGV("env"),
                                .env_keep = ARGV("HEAL_TEST_KEEP", "NOPE"),
                                .env_extra = ARGV("HEAL_EXTRA=1", "LANG=C")};
    spawn_run(&opt, &r, NULL);
    CHECK(count_lines(r.out.data) == 4 && has_line(r.out.data, "HEAL_TEST_KEEP=kept") &&
              has_line(r.out.data, "HEAL_EXTRA=1") && has_line(r.out.data, "LANG=C"),
          "a scrubbed environment adds only the kept names and the extra pairs");
    CHECK(!strstr(r.out.data, "SECRET"), "a scrubbed environment does not leak other variables");
    spawn_result_free(&r);

    opt = (struct spawn_options){.argv = ARGV("env"),
                                 .env = SPAWN_ENV_INHERIT,
                                 .env_extra = ARGV("HEAL_TEST_KEEP=replaced")};
    spawn_run(&opt, &r, NULL);
    CHECK(has_line(r.out.data, "HEAL_TEST_SECRET=leak"), "an inherited environment is passed on");
    CHECK(has_line(r.out.data, "HEAL_TEST_KEEP=replaced") && !strstr(r.out.data, "=kept"),
          "an extra pair replaces an inherited variable of the same name");
    spawn_result_free(&r);
    unsetenv("HEAL_TEST_SECRET");
    unsetenv("HEAL_TEST_KEEP");
}

static void test_child_setup(void)
{
    struct spawn_result r;
    run(ARGV("sh", "-c", "cut -d' ' -f5 /proc/$$/stat; echo $$"), &r);
    int pgid = 0, pid = -1;
    CHECK(sscanf(r.out.data, "%d %d", &pgid, &pid) == 2 && pgid == pid && pid != getpgrp(),
          "the child leads its own process group");
    spawn_result_free(&r);

    sigset_t usr1, old;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, &old);
    struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_pipe;
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGPIPE, &ign, &old_pipe);
    run(ARGV("cat", "/proc/self/status"), &r);
    CHECK(has_line(r.out.data, "SigBlk:\t0000000000000000"),
          "the child starts with an empty signal mask though the caller blocks SIGUSR1");
    /* glibc keeps signals 32 and 33 (below SIGRTMIN) for itself and its
     * sigaction refuses them, so an ignore inherited from our own parent
     * (make does this) can survive; only the signals we can reset count. */
    const char *ign_line = strstr(r.out.data, "SigIgn:\t");
    unsigned long long ignored = ign_line ? strtoull(ign_line + 8, NULL, 16) : ~0ULL;
    for (int sig = 32; sig < SIGRTMIN; sig++)
        ignored &= ~(1ULL << (sig - 1));
    CHECK(ignored == 0,
          "the child starts with default dispositions though the caller ignores SIGINT, SIGPIPE");
    spawn_result_free(&r);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
    sigprocmask(SIG_SETMASK, &old, NULL);

    int leak = open("/dev/null", O_RDONLY);
    if (leak >= 0 && leak != 57) {
        dup2(leak, 57);
        close(leak);
    }
    run(ARGV("ls", "/proc/self/fd"), &r);
    CHECK(has_line(r.out.data, "0") && has_line(r.out.data, "2") && !has_line(r.out.data, "57"),
          "the child sees fds 0-2 but not an fd the caller left without CLOEXEC");
    spawn_result_free(&r);
    close(57);
}

static void test_no_leaks(void)
{
    int before = count_open_fds();
    bool all_ok = true;
    for (int i = 0; i < 100; i++) {
        struct spawn_result r;
        struct spawn_options opt = {.argv = i % 2 ? ARGV("true") : ARGV("cat"),
                                    .stdin_data = i % 4 == 0 ? "x" : NULL,
                                    .stdin_len = 1};
        if (spawn_run(&opt, &r, NULL) < 0 || !r.exited || r.exit_code != 0)
            all_ok = false;
        spawn_result_free(&r);
    }
    int after = count_open_fds();
    CHECK(all_ok, "100 runs in a row all succeed");
    CHECK(before > 0 && before == after, "100 runs leak no fds (%d before, %d after)", before,
          after);
    pid_t waited = waitpid(-1, NULL, WNOHANG);
    CHECK(waited < 0 && errno == ECHILD, "no child is left unreaped");

    struct spawn_options opt = {.argv = ARGV("sleep", "30")};
    struct spawn_child *c = spawn_start(&opt, NULL);
    pid_t pid = c ? spawn_child_pid(c) : -1;
    int64_t t0 = clock_mono_ms();
    struct spawn_result r;
    if (c)
        spawn_child_finish(c, &r);
    int64_t took = clock_mono_ms() - t0;
    CHECK(c && !r.exited && r.signal == SIGKILL && took < 1000,
          "finishing a running child kills and reaps it at once");
    bool gone = pid > 0 && kill(pid, 0) < 0 && errno == ESRCH;
    CHECK(gone, "an abandoned child is not left a zombie");
    if (c)
        spawn_result_free(&r);
}

static void test_concurrent(void)
{
    struct spawn_child *kids[CONCURRENT_CHILDREN];
    char scripts[CONCURRENT_CHILDREN][48];
    int64_t t0 = clock_mono_ms();
    bool started = true;
    for (int i = 0; i < CONCURRENT_CHILDREN; i++) {
        snprintf(scripts[i], sizeof scripts[i], "sleep 0.2; echo child %d", i);
        struct spawn_options opt = {.argv = ARGV("sh", "-c", scripts[i]), .timeout_ms = 5000};
        kids[i] = spawn_start(&opt, NULL);
        started = started && kids[i];
    }
    CHECK(started, "%d children start without waiting for each other", CONCURRENT_CHILDREN);
    int64_t until = t0 + TEST_WAIT_MAX_MS;
    for (;;) {
        struct pollfd fds[CONCURRENT_CHILDREN * SPAWN_POLLFD_MAX];
        int first[CONCURRENT_CHILDREN], count[CONCURRENT_CHILDREN];
        int n = 0, timeout = -1, running = 0;
        for (int i = 0; i < CONCURRENT_CHILDREN; i++) {
            first[i] = n;
            count[i] = 0;
            if (!kids[i] || spawn_child_done(kids[i]))
                continue;
            running++;
            count[i] = spawn_child_pollfds(kids[i], fds + n);
            n += count[i];
            int wait = spawn_child_wait_ms(kids[i]);
            if (wait >= 0 && (timeout < 0 || wait < timeout))
                timeout = wait;
        }
        if (!running || clock_mono_ms() > until)
            break;
        if (poll(fds, (nfds_t)n, timeout) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < CONCURRENT_CHILDREN; i++) {
            if (kids[i] && !spawn_child_done(kids[i]))
                spawn_child_service(kids[i], fds + first[i], count[i]);
        }
    }
    int64_t took = clock_mono_ms() - t0;
    int right = 0;
    for (int i = 0; i < CONCURRENT_CHILDREN; i++) {
        if (!kids[i])
            continue;
        char want[32];
        snprintf(want, sizeof want, "child %d\n", i);
        struct spawn_result r;
        spawn_child_finish(kids[i], &r);
        if (r.exited && r.exit_code == 0 && strcmp(r.out.data, want) == 0)
            right++;
        spawn_result_free(&r);
    }
    CHECK(right == CONCURRENT_CHILDREN, "children polled together each return their own output");
    CHECK(took < 1500, "%d children sleeping 0.2 s take about as long as one (%lld ms)",
          CONCURRENT_CHILDREN, (long long)took);
}

/* spawn_attach: a pipeline stage on the caller's pipe, and death_signal. */
static void test_attach(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0, "a pipe for the stage");
    const char *argv[] = {"sh", "-c", "echo stage out; exit 3", NULL};
    struct spawn_options opt = {.argv = argv};
    struct spawn_attached child;
    struct heal_error err;
    CHECK(spawn_attach(&opt, -1, fds[1], &child, &err) == 0 && child.pid > 0,
          "an attached child starts");
    close(fds[1]);
    char buf[64] = "";
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    CHECK(n == 10 && memcmp(buf, "stage out\n", 10) == 0, "it writes to the caller's fd");
    int status;
    CHECK(waitpid(child.pid, &status, 0) == child.pid && WIFEXITED(status) &&
              WEXITSTATUS(status) == 3,
          "the caller reaps it with its status");
    if (child.pidfd >= 0)
        close(child.pidfd);
    close(fds[0]);

    const char *missing[] = {"/nonexistent/heal-stage", NULL};
    opt.argv = missing;
    CHECK(spawn_attach(&opt, -1, STDOUT_FILENO, &child, &err) == -1 &&
              strstr(err.msg, "/nonexistent/heal-stage") && child.pid == -1,
          "a program that cannot run is an error naming it, with nothing to reap");

    /* A middle process starts a sleeper with death_signal and dies: the
     * sleeper must not outlive it. */
    int pidpipe[2];
    CHECK(pipe(pidpipe) == 0, "a pipe for the grandchild's pid");
    pid_t middle = fork();
    if (middle == 0) {
        const char *sleeper[] = {"sleep", "30", NULL};
        struct spawn_options o = {.argv = sleeper, .death_signal = SIGKILL};
        struct spawn_attached c;
        struct heal_error e;
        if (spawn_attach(&o, -1, STDOUT_FILENO, &c, &e) != 0)
            _exit(1);
        if (write(pidpipe[1], &c.pid, sizeof c.pid) != (ssize_t)sizeof c.pid)
            _exit(1);
        _exit(0);
    }
    close(pidpipe[1]);
    pid_t grandchild = 0;
    CHECK(read(pidpipe[0], &grandchild, sizeof grandchild) == (ssize_t)sizeof grandchild,
          "the middle process started the sleeper");
    close(pidpipe[0]);
    waitpid(middle, NULL, 0);
    bool gone = false;
    for (int i = 0; i < 200 && !gone; i++) {
        char path[64], state = 0;
        snprintf(path, sizeof path, "/proc/%ld/stat", (long)grandchild);
        FILE *f = fopen(path, "r");
        if (!f) {
            gone = true;
            break;
        }
        /* An orphan reparented to init may linger as a zombie a moment. */
        gone = fscanf(f, "%*d %*s %c", &state) == 1 && state == 'Z';
        fclose(f);
        if (!gone)
            usleep(10000);
    }
    CHECK(gone, "with death_signal, a child does not outlive the process that started it");
    if (!gone)
        kill(grandchild, SIGKILL);
}

int main(void)
{
    test_exit_codes();
    test_output();
    test_timeouts();
    test_exec_failures();
    test_stdin();
    test_environment();
    test_child_setup();
    test_no_leaks();
    test_concurrent();
    test_attach();
    return unit_done();
}
