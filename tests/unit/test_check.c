/*
 * test_check.c — Nagios state semantics (check_state), definition
 * validation (check_def), the shell-less word splitter (argv) and the
 * order of badness of statuses.
 */
#include "argv.h"
#include "check.h"
#include "check_report.h"
#include "check_state.h"
#include "scratch.h"
#include "state.h"
#include "unit.h"
#include "utf8.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_ATTEMPTS 3
#define FLAP_LOW 5.0
#define FLAP_HIGH 20.0

static char dir[SCRATCH_DIR_SIZE];

/* One result, with the default flap thresholds and a clock that ticks. */
static void feed(struct check_state *s, int code, int max_attempts)
{
    static int64_t now = 1000;
    check_state_update(s, code, max_attempts, FLAP_LOW, FLAP_HIGH, now += 1000);
}

static bool near(double got, double want, double tolerance)
{
    return fabs(got - want) <= tolerance;
}

static void test_soft_hard(void)
{
    struct check_state s;
    check_state_init(&s);
    feed(&s, NAGIOS_OK, MAX_ATTEMPTS);
    CHECK(s.hard && s.attempt == 1 && !s.changed, "a first OK is HARD, attempt 1, not a change");
    feed(&s, NAGIOS_CRITICAL, MAX_ATTEMPTS);
    CHECK(!s.hard && s.attempt == 1 && s.changed, "the first CRITICAL is SOFT 1/3 and a change");
    feed(&s, NAGIOS_CRITICAL, MAX_ATTEMPTS);
    CHECK(!s.hard && s.attempt == 2 && !s.changed, "the second is SOFT 2/3, not a change");
    feed(&s, NAGIOS_CRITICAL, MAX_ATTEMPTS);
    CHECK(s.hard && s.attempt == 3, "the third is HARD 3/3");
    feed(&s, NAGIOS_CRITICAL, MAX_ATTEMPTS);
    CHECK(s.hard && s.attempt == 3, "the attempt counter stops at max_attempts");
    feed(&s, NAGIOS_WARNING, MAX_ATTEMPTS);
    CHECK(s.hard && s.attempt == 3 && s.changed, "HARD CRITICAL -> WARNING stays HARD, a change");
    feed(&s, NAGIOS_CRITICAL, MAX_ATTEMPTS);
    CHECK(s.hard && s.changed, "HARD WARNING -> CRITICAL stays HARD");
    feed(&s, NAGIOS_UNKNOWN, MAX_ATTEMPTS);
    CHECK(s.hard && s.last_code == NAGIOS_UNKNOWN, "HARD CRITICAL -> UNKNOWN stays HARD");
    feed(&s, NAGIOS_OK, MAX_ATTEMPTS);
    CHECK(s.hard && s.attempt == 1 && s.changed, "recovery from a HARD problem is a HARD recovery");
    CHECK(s.last_change_ms > 0, "a recovery records when the status changed");

    feed(&s, NAGIOS_WARNING, MAX_ATTEMPTS);
    feed(&s, NAGIOS_WARNING, MAX_ATTEMPTS);
    CHECK(!s.hard && s.attempt == 2, "a new problem counts attempts from 1 again");
    feed(&s, NAGIOS_CRITICAL, MAX_ATTEMPTS);
    CHECK(s.hard && s.attempt == 3 && s.changed,
          "a SOFT WARNING -> CRITICAL still counts attempts and turns HARD at 3");
    feed(&s, NAGIOS_OK, MAX_ATTEMPTS);
    feed(&s, NAGIOS_CRITICAL, MAX_ATTEMPTS);
    feed(&s, NAGIOS_OK, MAX_ATTEMPTS);
    CHECK(!s.hard && s.attempt == 1 && s.changed,
          "recovery from a SOFT problem is a SOFT recovery, attempt reset");
    feed(&s, NAGIOS_OK, MAX_ATTEMPTS);
    CHECK(s.hard && !s.changed, "OK after OK is HARD and not a change");

    check_state_init(&s);
    feed(&s, NAGIOS_WARNING, 1);
    CHECK(s.hard && s.attempt == 1, "with max_attempts 1 a problem is HARD at once");
    feed(&s, NAGIOS_OK, 1);
    CHECK(s.hard && s.changed, "and its recovery is HARD");

    check_state_init(&s);
    feed(&s, NAGIOS_CRITICAL, MAX_ATTEMPTS);
    CHECK(!s.hard && s.attempt == 1 && !s.changed,
          "a problem on the very first run is SOFT 1/3 but not a change (nothing before it)");
}

/* Fills 21 states of OK, with changes (OK <-> CRITICAL) at the given pairs x (1..20). */
static void history_with_changes(int *h, const int *pairs, int npairs)
{
    int state = NAGIOS_OK;
    h[0] = state;
    for (int x = 1; x < CHECK_STATE_HISTORY; x++) {
        for (int i = 0; i < npairs; i++)
            if (pairs[i] == x)
                state = state == NAGIOS_OK ? NAGIOS_CRITICAL : NAGIOS_OK;
        h[x] = state;
    }
}

static void test_percent_change(void)
{
    int h[CHECK_STATE_HISTORY];

    history_with_changes(h, NULL, 0);
    CHECK(check_state_percent_change(h, CHECK_STATE_HISTORY) == 0.0, "no change is 0 %%");
    CHECK(check_state_percent_change(h, 1) == 0.0 && check_state_percent_change(h, 0) == 0.0,
          "fewer than two states is 0 %%");

    history_with_changes(h, (const int[]){17, 18, 19, 20}, 4);
    double p = check_state_percent_change(h, CHECK_STATE_HISTORY);
    CHECK(near(p, 24.2, 0.05) && near(p, 100 * 4.842 / 20, 0.01),
          "4 changes in the newest pairs: 24.2 %% (got %.3f)", p);
    CHECK(p >= FLAP_HIGH, "which starts flapping at 20 %%");

    history_with_changes(h, (const int[]){1, 2, 3, 4}, 4);
    p = check_state_percent_change(h, CHECK_STATE_HISTORY);
    CHECK(near(p, 15.8, 0.05) && near(p, 100 * 3.158 / 20, 0.01),
          "the same 4 changes in the oldest pairs: 15.8 %% (got %.3f)", p);

    history_with_changes(h, (const int[]){16, 17, 18, 19, 20}, 5);
    p = check_state_percent_change(h, CHECK_STATE_HISTORY);
    CHECK(near(p, 29.9, 0.05), "five alternations at the newest end: 29.9 %% (got %.3f)", p);

    history_with_changes(h, (const int[]){20}, 1);
    CHECK(near(check_state_percent_change(h, CHECK_STATE_HISTORY), 6.25, 1e-9),
          "one change in the newest pair weighs 1.25: 6.25 %%");
    history_with_changes(h, (const int[]){1}, 1);
    CHECK(near(check_state_percent_change(h, CHECK_STATE_HISTORY), 3.75, 1e-9),
          "one change in the oldest pair weighs 0.75: 3.75 %%");

    /* Stopping at 5 %: the weighted sum must be <= 1.0, one change at x <= 10. */
    for (int x = 1; x <= 20; x++) {
        history_with_changes(h, (const int[]){x}, 1);
        p = check_state_percent_change(h, CHECK_STATE_HISTORY);
        if (x == 10 || x == 11)
            CHECK(near(p, x == 10 ? 4.93 : 5.07, 0.005), "one change at x = %d: %.2f %%", x, p);
        if ((p <= FLAP_LOW) != (x <= 10)) {
            CHECK(false, "one change at x = %d gives %.3f %%, on the wrong side of 5 %%", x, p);
            break;
        }
    }
    history_with_changes(h, (const int[]){1, 2}, 2);
    CHECK(check_state_percent_change(h, CHECK_STATE_HISTORY) > FLAP_LOW,
          "even the two oldest changes (sum 1.53) are above 5 %%");

    /* A young history is aligned to the newest end, as the ring fills. */
    int young[] = {NAGIOS_OK, NAGIOS_CRITICAL};
    CHECK(near(check_state_percent_change(young, 2), 6.25, 1e-9),
          "a history of two states weighs its change as the newest pair");
}

static void test_flapping(void)
{
    struct check_state s;
    check_state_init(&s);
    int runs = 0;
    for (; runs < 30 && !s.flapping; runs++)
        feed(&s, runs % 2 ? NAGIOS_CRITICAL : NAGIOS_OK, 1);
    CHECK(s.flapping && s.percent_change >= FLAP_HIGH,
          "alternating HARD OK/CRITICAL starts flapping (after %d runs, %.1f %%)", runs,
          s.percent_change);
    CHECK(runs == 5, "after exactly 4 changes at the newest end (5 runs), got %d", runs);

    /* Settling: while between low and high, flapping stays; at <= low it stops. */
    bool held = true;
    int ok_runs = 0;
    while (s.flapping && ok_runs < 40) {
        feed(&s, NAGIOS_OK, 1);
        ok_runs++;
        if (s.flapping && s.percent_change <= FLAP_LOW)
            held = false;
        if (!s.flapping && s.percent_change > FLAP_LOW)
            held = false;
        if (s.flapping && s.percent_change < FLAP_HIGH && s.percent_change > FLAP_LOW)
            break; /* in the band */
    }
    CHECK(held && s.flapping && s.percent_change < FLAP_HIGH && s.percent_change > FLAP_LOW,
          "in the band between low and high (%.1f %%) flapping stays on", s.percent_change);
    while (s.flapping && ok_runs < 40) {
        feed(&s, NAGIOS_OK, 1);
        ok_runs++;
    }
    CHECK(!s.flapping && s.percent_change <= FLAP_LOW,
          "steady OK ends flapping once at or below low (%.1f %% after %d OK runs)",
          s.percent_change, ok_runs);

    /* Rising into the band from below does not start it. */
    check_state_init(&s);
    feed(&s, NAGIOS_OK, 1);
    feed(&s, NAGIOS_CRITICAL, 1);
    feed(&s, NAGIOS_OK, 1);
    feed(&s, NAGIOS_CRITICAL, 1);
    CHECK(!s.flapping && s.percent_change > FLAP_LOW && s.percent_change < FLAP_HIGH,
          "3 changes (%.1f %%) in the band do not start flapping", s.percent_change);

    /* The boundaries are inclusive: >= high starts, <= low stops. */
    check_state_init(&s);
    feed(&s, NAGIOS_OK, 1);
    check_state_update(&s, NAGIOS_CRITICAL, 1, 6.25, 6.25, 5000);
    CHECK(s.flapping && s.percent_change == 6.25, "exactly flap_high starts flapping");
    check_state_update(&s, NAGIOS_CRITICAL, 1, 6.0, 7.0, 6000);
    CHECK(s.flapping, "6.25 %% between 6 and 7 keeps it");
    check_state_update(&s, NAGIOS_CRITICAL, 1, 5.0, 7.0, 7000);
    CHECK(s.flapping, "a change sliding to an older pair (%.2f %%) above low keeps it",
          s.percent_change);
    struct check_state peek = s;
    check_state_update(&peek, NAGIOS_CRITICAL, 1, 0.0, 100.0, 8000);
    check_state_update(&s, NAGIOS_CRITICAL, 1, peek.percent_change, 30.0, 8000);
    CHECK(!s.flapping && s.percent_change == peek.percent_change,
          "exactly flap_low (%.2f %%) stops flapping", s.percent_change);

    /* SOFT problems are never recorded; SOFT recoveries are. */
    check_state_init(&s);
    feed(&s, NAGIOS_OK, MAX_ATTEMPTS);
    CHECK(s.history_len == CHECK_STATE_HISTORY && s.history[0] == NAGIOS_OK,
          "the history starts full of the first state, as Nagios' does");
    int before[CHECK_STATE_HISTORY];
    memcpy(before, s.history, sizeof before);
    s.history[0] = NAGIOS_WARNING; /* mark the oldest entry, to see it shift out */
    before[0] = NAGIOS_WARNING;
    feed(&s, NAGIOS_CRITICAL, MAX_ATTEMPTS);
    CHECK(memcmp(before, s.history, sizeof before) == 0,
          "a SOFT problem is not added to the history");
    feed(&s, NAGIOS_OK, MAX_ATTEMPTS);
    CHECK(s.history[CHECK_STATE_HISTORY - 1] == NAGIOS_OK && s.history[0] == NAGIOS_OK &&
              memcmp(before + 1, s.history, sizeof before - sizeof before[0]) == 0,
          "a SOFT recovery is: the oldest entry shifts out");
    for (int i = 0; i < 40; i++)
        feed(&s, i % 2 ? NAGIOS_OK : NAGIOS_CRITICAL, MAX_ATTEMPTS);
    CHECK(s.history_len == CHECK_STATE_HISTORY, "the history keeps the last %d states",
          CHECK_STATE_HISTORY);
    CHECK(!s.flapping,
          "flipping between OK and SOFT problems never flaps: only recoveries are recorded");
}

static void test_load_save(void)
{
    struct heal_error err = {{0}};
    struct check_state s, t;
    check_state_init(&s);
    for (int i = 0; i < 8; i++)
        feed(&s, i % 2 ? NAGIOS_WARNING : NAGIOS_OK, 1);
    feed(&s, NAGIOS_CRITICAL, MAX_ATTEMPTS);
    CHECK(check_state_save(dir, "web/api health", &s, &err) == 0, "save: %s", err.msg);
    CHECK(check_state_load(dir, "web/api health", &t, &err) == 0, "load: %s", err.msg);
    CHECK(t.last_code == s.last_code && t.attempt == s.attempt && t.hard == s.hard &&
              t.flapping == s.flapping && t.last_change_ms == s.last_change_ms,
          "load returns what save stored (code, attempt, type, flapping, times)");
    CHECK(t.history_len == s.history_len &&
              memcmp(t.history, s.history, sizeof s.history[0] * (size_t)s.history_len) == 0 &&
              t.percent_change == s.percent_change,
          "and the same history, hence the same percent state change");
    CHECK(!t.changed, "changed describes one result and is not carried over");

    CHECK(check_state_load(dir, "never-saved", &t, &err) == 0 && t.last_code == -1 &&
              t.history_len == 0,
          "a check never run loads as a fresh state");

    char path[STATE_PATH_MAX];
    snprintf(path, sizeof path, "%s/checks/damaged.json", dir);
    static const char *const damage[] = {"{\"last_code\": 2, \"attem", "[1,2,3]", "\x01\xff", ""};
    for (size_t i = 0; i < sizeof damage / sizeof *damage; i++) {
        FILE *f = fopen(path, "w");
        fputs(damage[i], f);
        fclose(f);
        t.last_code = 99;
        CHECK(check_state_load(dir, "damaged", &t, &err) == 0 && t.last_code == -1 &&
                  t.attempt == 1 && t.history_len == 0 && !t.flapping,
              "a damaged state file (%zu) is a fresh start", i + 1);
    }
    FILE *f = fopen(path, "w");
    fputs("{\"last_code\": 42, \"attempt\": -7, \"history\": \"0x2\"}", f);
    fclose(f);
    CHECK(check_state_load(dir, "damaged", &t, &err) == 0 && t.last_code == -1 &&
              t.attempt == 1 && t.history_len == 2,
          "out-of-range values are reset, non-digits in the history skipped");
}

/* Validates one definition from JSON text; returns 0 or -1 with err. */
static int def_from(const char *json, struct check_def *def, struct heal_error *err)
{
    return check_def_init(def, jv_parse(json), "test.json:7", err);
}

/* The definition must fail with a message containing every one of the words. */
static void refused(const char *json, const char *what, const char *w1, const char *w2)
{
    struct check_def def;
    struct heal_error err = {{0}};
    int rc = def_from(json, &def, &err);
    bool ok = rc == -1 && strstr(err.msg, w1) && (!w2 || strstr(err.msg, w2));
    CHECK(ok, "%s: refused naming %s%s%s", what, w1, w2 ? " and " : "", w2 ? w2 : "");
    if (!ok)
        printf("#   message: %s\n", err.msg);
    if (rc == 0)
        check_def_free(&def);
}

static void test_check_def(void)
{
    struct check_def def;
    struct heal_error err = {{0}};

    CHECK(def_from("{\"name\":\"m\",\"kind\":\"memory\"}", &def, &err) == 0, "a minimal check: %s",
          err.msg);
    CHECK(def.timeout_ms == 10000 && def.interval_ms == 30000 &&
              def.max_attempts == CHECK_MAX_ATTEMPTS_DEFAULT && def.max_attempts == 3,
          "defaults: timeout 10 s, interval 30 s, max_attempts 3");
    CHECK(def.retry_interval_ms == 10000, "the retry interval is a third of it: 10 s (%lld ms)",
          (long long)def.retry_interval_ms);
    CHECK(def.flap_low == 5.0 && def.flap_high == 20.0, "flap thresholds default to 5 / 20 %%");
    CHECK_STR(def.target, "m", "the target defaults to the name");
    CHECK(jv_get_kind(def.labels) == JV_KIND_OBJECT && jv_object_length(jv_copy(def.labels)) == 0,
          "no labels is an empty object");
    CHECK_STR(def.source, "test.json:7", "the source is kept for messages");
    CHECK(def.has_warn && def.has_crit && strcmp(def.warn_text, "90") == 0 &&
              strcmp(def.crit_text, "95") == 0,
          "the memory kind fills in its default thresholds 90 / 95");
    check_def_free(&def);

    CHECK(def_from("{\"name\":\"e\",\"kind\":\"exec\",\"command\":\"/bin/true\","
                   "\"timeout\":\"1m30s\",\"interval\":5,\"retry_interval\":\"250ms\","
                   "\"max_attempts\":1,\"warn\":10,\"crit\":\"@~:0\",\"target\":\"web\","
                   "\"labels\":{\"unit\":\"nginx\"},\"description\":\"d\",\"flap_low\":10,"
                   "\"flap_high\":40}",
                   &def, &err) == 0,
          "every common field: %s", err.msg);
    CHECK(def.timeout_ms == 90000 && def.interval_ms == 5000 && def.retry_interval_ms == 250,
          "a duration string or a number of seconds");
    CHECK(def.max_attempts == 1 && def.flap_low == 10 && def.flap_high == 40,
          "max_attempts and flap thresholds as given");
    CHECK(def.has_warn && strcmp(def.warn_text, "10") == 0 && def.has_crit &&
              strcmp(def.crit_text, "@~:0") == 0,
          "a number threshold reads as the range it spells");
    CHECK_STR(def.target, "web", "target as given");
    jv unit = jv_object_get(jv_copy(def.labels), jv_string("unit"));
    CHECK(jv_get_kind(unit) == JV_KIND_STRING && strcmp(jv_string_value(unit), "nginx") == 0,
          "labels kept");
    jv_free(unit);
    check_def_free(&def);

    refused("{\"name\":\"x\",\"kind\":\"nope\"}", "an unknown kind", "unknown kind 'nope'",
            "known: exec, ");
    refused("{\"kind\":\"memory\"}", "a missing name", "'name'", NULL);
    refused("{\"name\":\"x\"}", "a missing kind", "'kind'", NULL);
    refused("{\"name\":\"\",\"kind\":\"memory\"}", "an empty name", "'name'", NULL);
    refused("{\"name\":\"x\",\"kind\":\"exec\"}", "exec without command", "check 'x'",
            "missing required field 'command'");
    refused("{\"name\":\"x\",\"kind\":\"memory\",\"warn\":\"10::\"}", "a '10::' threshold",
            "check 'x'", "field 'warn'");
    refused("{\"name\":\"x\",\"kind\":\"memory\",\"crit\":\"3:1\"}", "start > end", "field 'crit'",
            NULL);
    refused("{\"name\":\"x\",\"kind\":\"memory\",\"colour\":\"red\"}", "an unknown field",
            "check 'x'", "unknown field 'colour'");
    refused("{\"name\":\"x\",\"kind\":\"exec\",\"command\":\"/bin/true\",\"url\":\"http://a\"}",
            "another kind's field", "unknown field 'url'", NULL);
    refused("{\"name\":\"x\",\"kind\":\"exec\",\"command\":5}", "a number for a string",
            "field 'command'", "not a number");
    refused("{\"name\":\"x\",\"kind\":\"memory\",\"max_attempts\":\"3\"}", "a string max_attempts",
            "field 'max_attempts'", "not a string");
    refused("{\"name\":\"x\",\"kind\":\"memory\",\"max_attempts\":0}", "max_attempts 0",
            "field 'max_attempts'", NULL);
    refused("{\"name\":\"x\",\"kind\":\"memory\",\"max_attempts\":1.5}", "max_attempts 1.5",
            "field 'max_attempts'", NULL);
    refused("{\"name\":\"x\",\"kind\":\"memory\",\"timeout\":\"5 parsecs\"}", "a bad duration",
            "check 'x'", "field 'timeout'");
    refused("{\"name\":\"x\",\"kind\":\"memory\",\"interval\":0}", "a zero interval",
            "field 'interval'", NULL);
    refused("{\"name\":\"x\",\"kind\":\"memory\",\"retry_interval\":\"-1s\"}",
            "a negative retry interval", "field 'retry_interval'", NULL);
    refused("{\"name\":\"x\",\"kind\":\"memory\",\"flap_low\":30,\"flap_high\":20}",
            "flap_low above flap_high", "flap_low", NULL);
    refused("{\"name\":\"x\",\"kind\":\"memory\",\"labels\":{\"a\":\"b\",\"n\":1}}",
            "a label that is not a string", "label 'n'", "must be a string");
    refused("{\"name\":\"x\",\"kind\":\"memory\",\"labels\":[\"a\"]}", "labels as an array",
            "field 'labels'", NULL);
    refused("{\"name\":\"x\",\"kind\":\"exec\",\"command\":\"'open\"}", "an unsplittable command",
            "field 'command'", "quote");
    refused("{\"name\":\"x\",\"kind\":\"exec\",\"command\":[]}", "an empty command array",
            "field 'command'", NULL);
    refused("{\"name\":\"x\",\"kind\":\"disk\",\"inode_warn\":\"a\"}", "a kind's own range field",
            "field 'inode_warn'", NULL);
    refused("[1]", "an array", "object", NULL);

    char big[CHECK_NAME_MAX + 64];
    snprintf(big, sizeof big, "{\"name\":\"%0*d\",\"kind\":\"memory\"}", CHECK_NAME_MAX + 1, 0);
    refused(big, "a name over CHECK_NAME_MAX", "'name'", NULL);

    CHECK(def_from("{\"name\":\"x\",\"kind\":\"exec\",\"command\":[\"/bin/echo\",\"a b\"]}", &def,
                   &err) == 0 &&
              strcmp(((char **)def.kind_data)[1], "a b") == 0,
          "exec: an argv array is taken word for word");
    check_def_free(&def);
}

static void test_argv(void)
{
    struct heal_error err = {{0}};
    char **v = argv_split("  a 'b c'\t\"d \\\" \\\\ e\" f\\ g $HOME ~ * x;y >z  ", &err);
    static const char *const want[] = {"a", "b c", "d \" \\ e", "f g", "$HOME", "~", "*", "x;y",
                                       ">z", NULL};
    bool same = v != NULL;
    for (int i = 0; same && want[i]; i++)
        same = v[i] && strcmp(v[i], want[i]) == 0;
    CHECK(same && !v[9],
          "quotes group, escapes escape, and $, ~, *, ; and > are kept literally");
    argv_free(v);

    v = argv_split("a'b'\"c\" '' \"x\\ny\"", &err);
    CHECK(v && strcmp(v[0], "abc") == 0 && strcmp(v[1], "") == 0 &&
              strcmp(v[2], "x\\ny") == 0 && !v[3],
          "adjacent quoted parts join, '' is an empty word, \\n in double quotes stays");
    argv_free(v);

    v = argv_split("'it''s'", &err);
    CHECK(v && strcmp(v[0], "its") == 0 && !v[1], "single quotes have no escapes");
    argv_free(v);

    static const struct {
        const char *line, *shown, *reason;
    } bad[] = {
        {"echo 'open", "echo 'open", "unterminated single quote"},
        {"echo \"open", "echo \"open", "unterminated double quote"},
        {"echo \\", "echo \\", "backslash at the end"},
        {"", "", "empty command"},
        {" \t\n ", "blanks only", "empty command"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err.msg[0] = '\0';
        v = argv_split(bad[i].line, &err);
        CHECK(!v && strcmp(err.msg, bad[i].reason) == 0, "'%s' is refused: %s", bad[i].shown,
              bad[i].reason);
        argv_free(v);
    }

    static char many[ARGV_WORDS_MAX * 2 + 8];
    size_t n = 0;
    for (int i = 0; i <= ARGV_WORDS_MAX; i++)
        many[n++] = 'w', many[n++] = ' ';
    many[n] = '\0';
    v = argv_split(many, &err);
    CHECK(!v && strstr(err.msg, "too many words"), "more than %d words is refused",
          ARGV_WORDS_MAX);
    many[2 * ARGV_WORDS_MAX] = '\0';
    v = argv_split(many, &err);
    int words = 0;
    while (v && v[words])
        words++;
    CHECK(words == ARGV_WORDS_MAX, "exactly %d words are fine", ARGV_WORDS_MAX);
    argv_free(v);
    many[2 * ARGV_WORDS_MAX - 1] = 'w'; /* no trailing blank: the last word ends the line */
    many[2 * ARGV_WORDS_MAX] = ' ';
    many[2 * ARGV_WORDS_MAX + 1] = 'w';
    many[2 * ARGV_WORDS_MAX + 2] = '\0';
    v = argv_split(many, &err);
    CHECK(!v, "a word past the limit at the end of the line is refused too");
    argv_free(v);

    static char longline[ARGV_TEXT_MAX + 2];
    memset(longline, 'a', sizeof longline - 1);
    v = argv_split(longline, &err);
    CHECK(!v && strstr(err.msg, "longer than"), "a line over ARGV_TEXT_MAX is refused");
}

static void test_worse(void)
{
    static const enum nagios_status order[] = {NAGIOS_OK, NAGIOS_UNKNOWN, NAGIOS_WARNING,
                                               NAGIOS_CRITICAL};
    bool ok = true;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            enum nagios_status want = order[i > j ? i : j];
            ok &= check_status_worse(order[i], order[j]) == want;
        }
    CHECK(ok, "CRITICAL > WARNING > UNKNOWN > OK, whichever comes first");
    CHECK(check_status_worse(NAGIOS_UNKNOWN, NAGIOS_WARNING) == NAGIOS_WARNING &&
              check_status_worse(NAGIOS_CRITICAL, NAGIOS_UNKNOWN) == NAGIOS_CRITICAL,
          "UNKNOWN is worse than OK only");
}

/* The record's perfdata and evidence: items written as text first, then the jv ones. */
static void test_record_lists(void)
{
    struct check_def def;
    struct heal_error err;
    if (def_from("{\"name\":\"r\",\"kind\":\"file\",\"path\":\"/\"}", &def, &err) != 0) {
        CHECK(false, "a file check for the record test: %s", err.msg);
        return;
    }
    struct check_result r;
    check_result_init(&r);
    check_result_set(&r, NAGIOS_OK, "fine");
    check_result_perf(&r, "/mnt/bad \xff name", 0.25, "%", "80", NULL, 0, NAN);
    check_result_evidence_text(&r, "body", "caf\xc3\xa9 \xfe", 7);
    const char *names[] = {"dns", "total"};
    const double seconds[] = {0.000123, 1.5};
    check_result_evidence_numbers(&r, "timings", names, seconds, 2);
    check_result_evidence_json(&r, "stopped", "true", 4);
    r.perfdata = jv_array_append(r.perfdata, jv_parse("{\"label\":\"jv\",\"value\":1}"));
    r.evidence = jv_object_set(r.evidence, jv_string("later"), jv_number(2));
    struct check_state st;
    check_state_init(&st);
    struct jsonbuf b = {NULL, 0, 0};
    int rc = check_record_write(&b, &def, &r, &st, NULL, &err);
    CHECK(rc == 0 && utf8_valid(b.data, b.len, NULL), "the record is valid UTF-8 as written");
    jv rec = rc == 0 ? jv_parse_sized(b.data, (int)b.len) : jv_invalid();
    jv perf = jv_dump_string(jv_object_get(jv_copy(rec), jv_string("perfdata")), 0);
    jv ev = jv_dump_string(jv_object_get(jv_copy(rec), jv_string("evidence")), 0);
    CHECK_STR(jv_string_value(perf),
              "[{\"label\":\"/mnt/bad \xef\xbf\xbd name\",\"value\":0.25,\"uom\":\"%\","
              "\"warn\":\"80\",\"crit\":null,\"min\":0,\"max\":null},"
              "{\"label\":\"jv\",\"value\":1}]",
              "perfdata written as text come first, bad UTF-8 repaired as jq repairs it");
    CHECK_STR(jv_string_value(ev),
              "{\"body\":\"caf\xc3\xa9 \xef\xbf\xbd\",\"timings\":{\"dns\":0.000123,\"total\":1.5},"
              "\"stopped\":true,\"later\":2}",
              "evidence members written as text, then the jv object's");
    jv_free(perf);
    jv_free(ev);
    jv_free(rec);
    b.len = 0;
    jv_free(r.perfdata);
    jv_free(r.evidence);
    r.perfdata = jv_array();
    r.evidence = jv_object();
    rc = check_record_write(&b, &def, &r, &st, NULL, &err) || jsonbuf_append(&b, "", 1, &err);
    CHECK(rc == 0 && strstr(b.data, ",\"evidence\":{\"body\"") &&
              strstr(b.data, "\"stopped\":true}}"),
          "with an empty jv object the text members stand alone");
    jsonbuf_free(&b);
    check_result_free(&r);
    check_def_free(&def);
}

int main(void)
{
    scratch_make(dir, "check");
    test_soft_hard();
    test_percent_change();
    test_flapping();
    test_load_save();
    test_check_def();
    test_argv();
    test_worse();
    test_record_lists();
    scratch_remove(dir);
    return unit_done();
}
