#include "spawn_tee.h"
#include "unit.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Runs argv with its output copied to /dev/null and keep bytes kept. */
static int run_kept(const char *const *argv, size_t keep, struct spawn_tee_result *r)
{
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    struct spawn_tee_options opt = {.argv = argv, .out_fd = null, .err_fd = null, .keep_max = keep};
    struct heal_error err = {""};
    int rc = spawn_tee_run(&opt, r, &err);
    if (rc < 0)
        printf("# spawn_tee_run: %s\n", err.msg);
    close(null);
    return rc;
}

static void test_keeps_all_when_it_fits(void)
{
    struct spawn_tee_result r;
    CHECK(run_kept(ARGV("sh", "-c", "echo one; echo two >&2; printf three; exit 5"), 1024, &r) == 0,
          "a short run is kept whole");
    CHECK(r.exited && r.exit_code == 5, "its exit status is kept");
    CHECK(!r.kept_truncated, "nothing was dropped");
    CHECK(strstr(r.kept, "one\n") && strstr(r.kept, "two\n") && strstr(r.kept, "three\n"),
          "both streams are kept, a last line without newline gets one");
    CHECK(r.kept_len == strlen("one\ntwo\nthree\n"), "nothing more is kept");
    spawn_tee_result_free(&r);
}

static void test_keeps_the_last_whole_lines(void)
{
    struct spawn_tee_result r;
    /* 1000 lines of "line NNNN\n" (10 bytes each); 95 bytes kept */
    CHECK(run_kept(ARGV("sh", "-c", "i=1000; while [ $i -lt 2000 ]; do echo line $i; i=$((i+1)); done"),
              95, &r) == 0,
          "a long run is cut");
    CHECK(r.kept_truncated, "the cut is reported");
    CHECK(r.kept_len <= 95 && r.kept_len % 10 == 0, "only whole lines are kept (%zu bytes)",
          r.kept_len);
    CHECK(r.kept_len >= 10 && strncmp(r.kept + r.kept_len - 10, "line 1999\n", 10) == 0,
          "the last line is there");
    CHECK(strncmp(r.kept, "line 1991\n", 10) == 0, "it starts at a line: '%.9s'", r.kept);
    spawn_tee_result_free(&r);
}

static void test_long_lines_are_kept_in_pieces(void)
{
    struct spawn_tee_result r;
    CHECK(run_kept(ARGV("sh", "-c", "head -c 200000 /dev/zero | tr '\\0' a"), 1024 * 1024, &r) == 0,
          "a line longer than SPAWN_TEE_LINE_MAX runs");
    CHECK(r.kept_len == 200000 + 4, "it is kept as 4 pieces, each ended by a newline (%zu)",
          r.kept_len);
    CHECK(r.kept[SPAWN_TEE_LINE_MAX] == '\n', "the first piece is SPAWN_TEE_LINE_MAX bytes");
    spawn_tee_result_free(&r);
}

static void test_signals_and_missing_programs(void)
{
    struct spawn_tee_result r;
    CHECK(run_kept(ARGV("sh", "-c", "kill -TERM $$"), 64, &r) == 0, "a command killed by a signal");
    CHECK(!r.exited && r.signal == 15, "the signal is reported");
    spawn_tee_result_free(&r);
    CHECK(run_kept(ARGV("/nonexistent/program"), 64, &r) == 0, "a missing program is a result");
    CHECK(r.exited && r.exit_code == 127 && strstr(r.error, "No such file"),
          "exit 127 and why: '%s'", r.error);
    spawn_tee_result_free(&r);
    CHECK(run_kept(ARGV("/etc/hostname"), 64, &r) == 0, "a file that is not a program is a result");
    CHECK(r.exited && r.exit_code == 126, "exit 126: '%s'", r.error);
    spawn_tee_result_free(&r);
}

static void test_refuses_bad_options(void)
{
    struct spawn_tee_result r;
    struct spawn_tee_options opt = {.argv = ARGV("true"), .out_fd = 1, .err_fd = 2};
    struct heal_error err = {""};
    CHECK(spawn_tee_run(&opt, &r, &err) == -1 && strstr(err.msg, "output kept"),
          "keep_max 0 is refused: %s", err.msg);
    opt.argv = ARGV("");
    opt.keep_max = 1;
    CHECK(spawn_tee_run(&opt, &r, &err) == -1, "an empty program name is refused");
}

int main(void)
{
    test_keeps_all_when_it_fits();
    test_keeps_the_last_whole_lines();
    test_long_lines_are_kept_in_pieces();
    test_signals_and_missing_programs();
    test_refuses_bad_options();
    return unit_done();
}
