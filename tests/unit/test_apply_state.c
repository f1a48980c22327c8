/* test_apply_state.c — heal-apply's per-target memory and its back-off curve. */
#include "apply_state.h"
#include "scratch.h"
#include "unit.h"

#include <stdint.h>

#define S 1000LL
#define MIN (60 * S)

static void test_backoff(void)
{
    CHECK(apply_backoff_ms(MIN, 0) == MIN, "no failure: the remedy's own cool-down");
    CHECK(apply_backoff_ms(0, 0) == 0, "a cool-down of 0 stays 0 while nothing fails");
    CHECK(apply_backoff_ms(MIN, 1) == 2 * MIN, "one failure doubles it");
    CHECK(apply_backoff_ms(MIN, 3) == 8 * MIN, "three failures: x8");
    CHECK(apply_backoff_ms(MIN, 4) == 10 * MIN, "capped at 10 minutes");
    CHECK(apply_backoff_ms(MIN, 1000) == 10 * MIN, "many failures never overflow");
    CHECK(apply_backoff_ms(0, 1) == 20 * S, "a 0 cool-down backs off from the 10 s floor");
    CHECK(apply_backoff_ms(60 * MIN, 5) == 60 * MIN, "never shorter than the cool-down itself");
    CHECK(apply_backoff_ms(-5, 0) == 0, "a negative cool-down counts as 0");
}

static void test_state(const char *dir)
{
    struct apply_state st;
    struct heal_error err = {{0}}; /* printed by CHECK even when the call succeeds */
    int64_t t0 = 1790000000000LL;
    CHECK(apply_state_load(dir, "web/1", &st, &err) == 0, "a missing file loads as empty");
    CHECK(apply_state_last_run(&st) == INT64_MIN, "no run yet");
    apply_state_add_run(&st, "r.a", "TRACE1", "INTENT1", t0);
    apply_state_add_run(&st, "r.b", "TRACE2", "INTENT2", t0 + 10 * S);
    apply_state_result(&st, false, true, t0 + 10 * S);
    CHECK(apply_state_save(dir, "web/1", &st, &err) == 0, "saves: %s", err.msg);
    apply_state_free(&st);
    CHECK(apply_state_load(dir, "web/1", &st, &err) == 0, "loads what it saved");
    CHECK(apply_state_last_run(&st) == t0 + 10 * S, "the last run of any remedy");
    CHECK(apply_state_attempts(&st, "r.a", t0 - 1) == 1, "runs of one remedy are counted");
    CHECK(apply_state_attempts(&st, "r.a", t0) == 0, "a run at the window's start is outside");
    CHECK_STR(apply_state_tried(&st, "r.b", "TRACE2"), "INTENT2", "a trace tried is found");
    CHECK(apply_state_tried(&st, "r.a", "TRACE2") == NULL, "per remedy");
    CHECK(apply_state_tried(&st, "r.a", "") == NULL, "an empty trace never matches");
    CHECK(apply_state_failures(&st, t0 + 11 * S) == 1, "one failure");
    CHECK(apply_state_failures(&st, t0 + 10 * S + APPLY_BACKOFF_RESET_MS + 1) == 0,
          "forgotten after the reset period");
    apply_state_result(&st, false, false, t0 + 12 * S);
    CHECK(apply_state_failures(&st, t0 + 12 * S) == 1, "unverified leaves the count");
    apply_state_result(&st, true, false, t0 + 13 * S);
    CHECK(apply_state_failures(&st, t0 + 13 * S) == 0, "healed resets it");
    apply_state_free(&st);
}

int main(void)
{
    char dir[SCRATCH_DIR_SIZE];
    scratch_make(dir, "apply-state");
    test_backoff();
    test_state(dir);
    scratch_remove(dir);
    return unit_done();
}
