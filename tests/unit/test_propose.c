/*
 * Learning and ranking (common/history.c, propose.c): outcomes count by
 * result and fade with a half-life; the penalty follows risk and
 * complexity; a proposal ranks what history favours.
 */
#include "clock.h"
#include "history.h"
#include "playbook.h"
#include "propose.h"
#include "unit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static jv outcome(const char *sig, const char *remedy, const char *result, const char *ts)
{
    char buf[512];
    snprintf(buf, sizeof buf,
             "{\"type\": \"outcome\", \"signature\": \"%s\", \"remedy\": \"%s\", "
             "\"result\": \"%s\", \"ts\": \"%s\"}",
             sig, remedy, result, ts);
    return jv_parse(buf);
}

static void test_history(void)
{
    int64_t now = 1795000000000; /* 2026-11-18 */
    struct history *h = history_new(now, HISTORY_HALF_LIFE_DEFAULT_MS);
    struct history_stats s = history_get(h, "disk.full", "a");
    CHECK(fabs(history_success(s) - 0.5) < 1e-9, "no history: success 0.5");
    char ts[CLOCK_RFC3339_SIZE];
    clock_format_rfc3339(now, ts);
    for (int i = 0; i < 3; i++) {
        jv o = outcome("disk.full", "b", "healed", ts);
        CHECK(history_add(h, o) == 1, "a healed outcome counts");
        jv_free(o);
    }
    jv o = outcome("disk.full", "b", "unverified", ts);
    CHECK(history_add(h, o) == 0, "an unverified outcome is ignored");
    jv_free(o);
    s = history_get(h, "disk.full", "b");
    CHECK(s.tries == 3 && s.healed == 3 && fabs(history_success(s) - 0.8) < 1e-9,
          "three fresh heals give (1+3)/(2+3) = 0.8");
    clock_format_rfc3339(now - HISTORY_HALF_LIFE_DEFAULT_MS, ts);
    o = outcome("disk.full", "c", "failed", ts);
    history_add(h, o);
    jv_free(o);
    s = history_get(h, "disk.full", "c");
    CHECK(fabs(s.failed_w - 0.5) < 1e-9 && fabs(history_success(s) - 1 / 2.5) < 1e-9,
          "a failure one half-life old weighs 0.5");
    CHECK(fabs(propose_penalty(PLAYBOOK_RISK_HIGH, 3) - 0.4 * 0.9) < 1e-9 &&
              fabs(propose_penalty(PLAYBOOK_RISK_MEDIUM, 1) - 0.7) < 1e-9,
          "the penalty follows risk and complexity");
    history_free(h);
}

static void test_ranking(void)
{
    const char *text =
        "{\"id\": \"a\", \"title\": \"A\", \"argv\": [\"true\"], \"risk\": \"low\", "
        "\"applies_to\": [\"runtime.*\"]}\n"
        "{\"id\": \"b\", \"title\": \"B\", \"argv\": [\"true\"], \"risk\": \"medium\", "
        "\"applies_to\": [\"runtime.*\"]}\n";
    struct playbook *pb =
        playbook_load_buffer(text, strlen(text), "t.json", false, NULL, NULL, NULL);
    jv d = jv_parse("{\"type\": \"diagnosis\", \"id\": \"01M86GTHFMM9S346Q3D25VT4F6\", "
                    "\"signature\": \"runtime.flaky\", \"confidence\": 1}");
    struct heal_error err;
    jv p = propose_diagnosis(pb, NULL, d, &err);
    jv first = jv_array_get(jv_object_get(jv_copy(p), jv_string("candidates")), 0);
    jv id = jv_object_get(first, jv_string("remedy"));
    CHECK_STR(jv_string_value(id), "a", "with no history the lower risk ranks first");
    jv_free(id), jv_free(p);

    int64_t now = 1795000000000;
    char ts[CLOCK_RFC3339_SIZE];
    clock_format_rfc3339(now, ts);
    struct history *h = history_new(now, HISTORY_HALF_LIFE_DEFAULT_MS);
    for (int i = 0; i < 3; i++) {
        jv o = outcome("runtime.flaky", "a", "failed", ts);
        history_add(h, o);
        jv_free(o);
        o = outcome("runtime.flaky", "b", "healed", ts);
        history_add(h, o);
        jv_free(o);
    }
    p = propose_diagnosis(pb, h, d, &err);
    first = jv_array_get(jv_object_get(jv_copy(p), jv_string("candidates")), 0);
    id = jv_object_get(first, jv_string("remedy"));
    CHECK_STR(jv_string_value(id), "b", "three heals of b outrank three failures of a");
    jv_free(id), jv_free(p);

    jv bad = jv_parse("{\"type\": \"diagnosis\", \"signature\": \"runtime.x\"}");
    p = propose_diagnosis(pb, h, bad, &err);
    CHECK(!jv_is_valid(p) && strstr(err.msg, "confidence"),
          "a diagnosis without a confidence is refused: %s", err.msg);
    jv_free(p), jv_free(bad), jv_free(d);
    history_free(h);
    playbook_free(pb);
}

int main(void)
{
    test_history();
    test_ranking();
    return unit_done();
}
