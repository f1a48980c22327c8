#include "clock.h"
#include "journal.h"
#include "loop_status.h"
#include "scratch.h"
#include "unit.h"

#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define HOUR_MS (3600LL * 1000)
#define DAY_MS (24 * HOUR_MS)
/* 2026-11-29T12:00:00Z: every test's "now". */
#define NOW_MS 1795953600000LL

#define WRITERS 4
#define CHANGES_PER_WRITER 400
#define PAD 6000 /* label bytes: lines cross page boundaries mid-write */

static char base[SCRATCH_DIR_SIZE];
/* A state directory: the scratch one plus a short name, so paths under it always fit. */
#define DIR_SIZE (SCRATCH_DIR_SIZE + 40)

/* A fresh state directory for one test. */
static void state_dir(const char *name, char out[DIR_SIZE])
{
    snprintf(out, DIR_SIZE, "%s/%.32s", base, name);
    mkdir(out, 0700);
    char loop[PATH_MAX];
    snprintf(loop, sizeof loop, "%s/" LOOP_DIR, out);
    mkdir(loop, 0700);
}

static void history_path(const char state[DIR_SIZE], char out[PATH_MAX])
{
    snprintf(out, PATH_MAX, "%.*s/" LOOP_DIR "/" LOOP_HISTORY_FILE, DIR_SIZE, state);
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "a");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Appends one history line stamped at ms. */
static void history_line(const char *state, int64_t ms, const char *target, const char *status,
                         const char *labels)
{
    char path[PATH_MAX], ts[CLOCK_RFC3339_SIZE], line[2048];
    history_path(state, path);
    clock_format_rfc3339(ms, ts);
    snprintf(line, sizeof line,
             "{\"ts\":\"%s\",\"target\":\"%s\",\"status\":\"%s\",\"hard\":true,\"labels\":%s}\n",
             ts, target, status, labels ? labels : "{}");
    put(path, line);
}

static int count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    int n = 0, c;
    while (f && (c = fgetc(f)) != EOF)
        n += c == '\n';
    if (f)
        fclose(f);
    return n;
}

static jv check(const char *target, const char *status, const char *type)
{
    jv c = jv_object();
    c = jv_object_set(c, jv_string("type"), jv_string("check"));
    c = jv_object_set(c, jv_string("target"), jv_string(target));
    c = jv_object_set(c, jv_string("status"), jv_string(status));
    c = jv_object_set(c, jv_string("state_type"), jv_string(type));
    return jv_object_set(c, jv_string("labels"),
                         jv_object_set(jv_object(), jv_string("project"), jv_string("shop")));
}

/* Notes a check record and returns what note_check returned. */
static int note(struct loop_history *h, const char *target, const char *status, const char *type)
{
    jv c = check(target, status, type);
    struct heal_error err;
    int rc = loop_history_note_check(h, &c, &err);
    jv_free(c);
    return rc;
}

static jv collect(const char *state, const char *by)
{
    jv report;
    struct heal_error err;
    if (loop_status_collect(state, by, NOW_MS, &report, &err) != 0) {
        printf("# collect: %s\n", err.msg);
        return jv_null();
    }
    return report;
}

/* The item of report's "targets" (or "groups") whose target (or value) is name. */
static jv item(const jv *report, const char *name)
{
    jv list = jv_object_get(jv_copy(*report), jv_string("targets"));
    const char *key = "target";
    if (jv_get_kind(list) != JV_KIND_ARRAY) {
        jv_free(list);
        list = jv_object_get(jv_copy(*report), jv_string("groups"));
        key = "value";
    }
    jv found = jv_null();
    jv_array_foreach(list, i, x)
    {
        jv k = jv_object_get(jv_copy(x), jv_string(key));
        bool match = name ? jv_get_kind(k) == JV_KIND_STRING && !strcmp(jv_string_value(k), name)
                          : jv_get_kind(k) == JV_KIND_NULL;
        jv_free(k);
        if (match && jv_get_kind(found) == JV_KIND_NULL) {
            jv_free(found);
            found = x;
        } else {
            jv_free(x);
        }
    }
    jv_free(list);
    return found;
}

/* A number field of one item, NAN when missing or null. */
static double num(const jv *report, const char *name, const char *field)
{
    jv it = item(report, name);
    jv v = jv_get_kind(it) == JV_KIND_OBJECT ? jv_object_get(it, jv_string(field)) : it;
    double d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : NAN;
    jv_free(v);
    return d;
}

static bool is_null(const jv *report, const char *name, const char *field)
{
    jv it = item(report, name);
    jv v = jv_get_kind(it) == JV_KIND_OBJECT ? jv_object_get(it, jv_string(field)) : it;
    bool null = jv_get_kind(v) == JV_KIND_NULL;
    jv_free(v);
    return null;
}

/* A string field of one item, copied into out ("" when missing). */
static const char *str(const jv *report, const char *name, const char *field, char *out,
                       size_t size)
{
    jv it = item(report, name);
    jv v = jv_get_kind(it) == JV_KIND_OBJECT ? jv_object_get(it, jv_string(field)) : it;
    snprintf(out, size, "%s", jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : "");
    jv_free(v);
    return out;
}

static bool near(double a, double b)
{
    return fabs(a - b) < 1e-6;
}

static void test_change_only_appends(void)
{
    char state[DIR_SIZE], path[PATH_MAX];
    struct heal_error err;
    state_dir("changes", state);
    history_path(state, path);
    setenv("HEAL_NOW", "2026-11-29T12:00:00Z", 1);
    struct loop_history *h = loop_history_open(state, &err);
    CHECK(h != NULL, "the history opens in a fresh state directory");
    if (!h)
        return;
    CHECK(note(h, "web", "ok", "hard") == 1, "a first sighting is written");
    CHECK(note(h, "web", "ok", "hard") == 0, "the same status again writes nothing");
    CHECK(note(h, "web", "critical", "soft") == 1, "a change to critical is written");
    CHECK(note(h, "web", "critical", "soft") == 0, "a second soft critical writes nothing");
    CHECK(note(h, "web", "critical", "hard") == 1, "critical turning hard is written");
    CHECK(note(h, "web", "critical", "hard") == 0, "a hard critical again writes nothing");
    CHECK(note(h, "web", "ok", "soft") == 1, "the recovery is written");
    CHECK(note(h, "web", "ok", "hard") == 0, "ok turning hard writes nothing");
    CHECK(count_lines(path) == 4, "four changes, four lines (got %d)", count_lines(path));

    jv other = jv_object_set(jv_object(), jv_string("type"), jv_string("diagnosis"));
    CHECK(loop_history_note_check(h, &other, &err) == 0, "a record that is not a check is ignored");
    jv_free(other);
    jv bad = check("web", "purple", "hard");
    CHECK(loop_history_note_check(h, &bad, &err) == -1 && strstr(err.msg, "status"),
          "a check with an unknown status is refused: %s", err.msg);
    jv_free(bad);
    jv anon = jv_object_delete(check("x", "ok", "hard"), jv_string("target"));
    CHECK(loop_history_note_check(h, &anon, &err) == -1 && strstr(err.msg, "target"),
          "a check without a target is refused: %s", err.msg);
    jv_free(anon);

    /* The record's own time is kept; a future one becomes now. */
    jv timed = jv_object_set(check("db", "warning", "hard"), jv_string("ts"),
                             jv_string("2026-11-29T11:00:00.000Z"));
    CHECK(loop_history_note_check(h, &timed, &err) == 1, "a check with a ts is written");
    jv_free(timed);
    jv future = jv_object_set(check("db", "ok", "hard"), jv_string("ts"),
                              jv_string("2027-01-01T00:00:00.000Z"));
    CHECK(loop_history_note_check(h, &future, &err) == 1, "a check from the future is written");
    jv_free(future);
    loop_history_close(h);
    jv report = collect(state, NULL);
    char since[64];
    CHECK_STR(str(&report, "db", "since", since, sizeof since), "2026-11-29T12:00:00.000Z",
              "a ts in the future is stamped now");
    jv_free(report);

    /* Reopening learns the last status of each target from the file. */
    h = loop_history_open(state, &err);
    CHECK(h != NULL, "the history reopens");
    if (!h)
        return;
    CHECK(note(h, "web", "ok", "hard") == 0, "after reopening, web's ok is known");
    CHECK(note(h, "db", "ok", "hard") == 0, "after reopening, db's ok is known");
    CHECK(note(h, "web", "warning", "hard") == 1, "after reopening, a change is still written");
    loop_history_close(h);
    CHECK(count_lines(path) == 7, "seven lines in all (got %d)", count_lines(path));
    unsetenv("HEAL_NOW");
}

static void test_availability(void)
{
    char state[DIR_SIZE];
    state_dir("availability", state);
    /* Known all week: ok, then 12 h critical two days ago, then ok. */
    history_line(state, NOW_MS - 10 * DAY_MS, "steady", "ok", NULL);
    history_line(state, NOW_MS - 2 * DAY_MS, "steady", "critical", NULL);
    history_line(state, NOW_MS - 2 * DAY_MS + 12 * HOUR_MS, "steady", "ok", NULL);
    /* Known for the last 6 hours only: 3 h warning then 3 h ok. */
    history_line(state, NOW_MS - 6 * HOUR_MS, "young", "warning", NULL);
    history_line(state, NOW_MS - 3 * HOUR_MS, "young", "ok", NULL);
    /* Down since 30 hours ago: 24 h fully down, 7 d down 30 h out of 7 d. */
    history_line(state, NOW_MS - 8 * DAY_MS, "down", "ok", NULL);
    history_line(state, NOW_MS - 30 * HOUR_MS, "down", "critical", NULL);
    /* Only seen after "now": not yet known. */
    history_line(state, NOW_MS + HOUR_MS, "later", "ok", NULL);
    /* First seen exactly now: no known time yet. */
    history_line(state, NOW_MS, "now", "unknown", NULL);
    jv r = collect(state, NULL);
    CHECK(near(num(&r, "steady", "availability_24h"), 1.0), "steady was ok all of the last 24 h");
    CHECK(near(num(&r, "steady", "availability_7d"), 1.0 - 12.0 / (7 * 24)),
          "steady was down 12 h of the 7 d (got %f)", num(&r, "steady", "availability_7d"));
    CHECK(near(num(&r, "young", "availability_24h"), 0.5),
          "young was ok half of the 6 h known (got %f)", num(&r, "young", "availability_24h"));
    CHECK(near(num(&r, "young", "availability_7d"), 0.5), "the 7 d window knows the same 6 h");
    CHECK(near(num(&r, "down", "availability_24h"), 0.0), "down was down all of the last 24 h");
    CHECK(near(num(&r, "down", "availability_7d"), 1.0 - 30.0 / (7 * 24)),
          "down was down 30 h of the 7 d (got %f)", num(&r, "down", "availability_7d"));
    CHECK(is_null(&r, "later", NULL), "a target seen only after now is not listed");
    CHECK(is_null(&r, "now", "availability_24h") && is_null(&r, "now", "availability_7d"),
          "a target first seen now has no availability yet");
    char s[64];
    CHECK_STR(str(&r, "down", "status", s, sizeof s), "critical", "down's status is critical");
    CHECK_STR(str(&r, "now", "status", s, sizeof s), "unknown", "now's status is unknown");
    jv_free(r);
}

static void test_incidents(void)
{
    char state[DIR_SIZE];
    state_dir("incidents", state);
    /* Two incidents in the week: warning->critical->ok counts once. */
    history_line(state, NOW_MS - 6 * DAY_MS, "a", "ok", NULL);
    history_line(state, NOW_MS - 5 * DAY_MS, "a", "warning", NULL);
    history_line(state, NOW_MS - 5 * DAY_MS + HOUR_MS, "a", "critical", NULL);
    history_line(state, NOW_MS - 5 * DAY_MS + 2 * HOUR_MS, "a", "ok", NULL);
    history_line(state, NOW_MS - DAY_MS, "a", "critical", NULL);
    history_line(state, NOW_MS - DAY_MS, "a", "critical", NULL); /* a second heal-loop */
    history_line(state, NOW_MS - 20 * HOUR_MS, "a", "ok", NULL);
    /* A first sighting that is not ok is an incident. */
    history_line(state, NOW_MS - HOUR_MS, "b", "critical", NULL);
    /* An incident that began before the week is not counted. */
    history_line(state, NOW_MS - 9 * DAY_MS, "c", "critical", NULL);
    history_line(state, NOW_MS - DAY_MS, "c", "ok", NULL);
    jv r = collect(state, NULL);
    CHECK(num(&r, "a", "incidents") == 2, "a had two incidents (got %g)", num(&r, "a", "incidents"));
    CHECK(num(&r, "b", "incidents") == 1, "b's first sighting was an incident");
    CHECK(num(&r, "c", "incidents") == 0, "c's incident began before the week");
    char s[64];
    CHECK_STR(str(&r, "a", "since", s, sizeof s), "2026-11-28T16:00:00.000Z",
              "a's since is its last change");
    CHECK(is_null(&r, "a", "mtth_seconds"), "without healed outcomes there is no mtth");
    jv_free(r);
}

static void journal_put(struct journal *j, const char *type, const char *id, const char *intent,
                        int64_t ms, const char *target, const char *result)
{
    char ts[CLOCK_RFC3339_SIZE];
    clock_format_rfc3339(ms, ts);
    jv l = jv_object();
    l = jv_object_set(l, jv_string("type"), jv_string(type));
    l = jv_object_set(l, jv_string("id"), jv_string(id));
    l = jv_object_set(l, jv_string("ts"), jv_string(ts));
    l = jv_object_set(l, jv_string("target"), jv_string(target));
    l = jv_object_set(l, jv_string("remedy"), jv_string("restart"));
    if (intent) {
        l = jv_object_set(l, jv_string("intent"), jv_string(intent));
        l = jv_object_set(l, jv_string("action"), jv_string("executed"));
        l = jv_object_set(l, jv_string("result"), jv_string(result));
    }
    struct heal_error err;
    if (journal_append(j, l, &err) != 0)
        printf("# journal: %s\n", err.msg);
}

static void test_mtth(void)
{
    char state[DIR_SIZE];
    struct heal_error err;
    state_dir("mtth", state);
    /* Incident 1: 2 h, healed by a run inside it. */
    history_line(state, NOW_MS - 6 * DAY_MS, "web", "ok", NULL);
    history_line(state, NOW_MS - 4 * DAY_MS, "web", "critical", NULL);
    history_line(state, NOW_MS - 4 * DAY_MS + 2 * HOUR_MS, "web", "ok", NULL);
    /* Incident 2: 30 min, its run ended just after the ok was seen: still counted. */
    history_line(state, NOW_MS - 2 * DAY_MS, "web", "critical", NULL);
    history_line(state, NOW_MS - 2 * DAY_MS + HOUR_MS / 2, "web", "ok", NULL);
    /* Incident 3: 5 h, only a failed run: not counted. */
    history_line(state, NOW_MS - DAY_MS, "web", "critical", NULL);
    history_line(state, NOW_MS - DAY_MS + 5 * HOUR_MS, "web", "ok", NULL);
    /* Incident 4: still open. */
    history_line(state, NOW_MS - HOUR_MS, "web", "warning", NULL);
    struct journal j;
    if (journal_open(&j, state, &err) != 0) {
        CHECK(0, "journal opens: %s", err.msg);
        return;
    }
    journal_put(&j, "intent", "i1", NULL, NOW_MS - 4 * DAY_MS + HOUR_MS, "web", NULL);
    journal_put(&j, "outcome", "o1", "i1", NOW_MS - 4 * DAY_MS + HOUR_MS + 5000, "web", "healed");
    journal_put(&j, "intent", "i2", NULL, NOW_MS - 2 * DAY_MS + HOUR_MS / 2 - 10000, "web", NULL);
    journal_put(&j, "outcome", "o2", "i2", NOW_MS - 2 * DAY_MS + HOUR_MS / 2 + 3000, "web",
                "healed");
    journal_put(&j, "intent", "i3", NULL, NOW_MS - DAY_MS + HOUR_MS, "web", NULL);
    journal_put(&j, "outcome", "o3", "i3", NOW_MS - DAY_MS + HOUR_MS + 1000, "web", "failed");
    /* A healed run for another target, and one older than the week. */
    journal_put(&j, "outcome", "o4", "i9", NOW_MS - 4 * DAY_MS + HOUR_MS, "db", "healed");
    journal_put(&j, "outcome", "o5", "i8", NOW_MS - 8 * DAY_MS, "web", "healed");
    /* The latest outcome, but after now: not yet. */
    journal_put(&j, "outcome", "o6", "i7", NOW_MS + HOUR_MS, "web", "healed");
    journal_close(&j);
    jv r = collect(state, NULL);
    CHECK(num(&r, "web", "incidents") == 4, "web had four incidents");
    CHECK(num(&r, "web", "healed") == 2, "two healed outcomes in the week (got %g)",
          num(&r, "web", "healed"));
    CHECK(near(num(&r, "web", "mtth_seconds"), (2 * 3600 + 1800) / 2.0),
          "mtth is the mean of the two healed incidents (got %g)", num(&r, "web", "mtth_seconds"));
    jv last = item(&r, "web");
    last = jv_object_get(last, jv_string("last_outcome"));
    jv result = jv_object_get(jv_copy(last), jv_string("result"));
    jv ts = jv_object_get(last, jv_string("ts"));
    CHECK(jv_get_kind(result) == JV_KIND_STRING && !strcmp(jv_string_value(result), "failed") &&
              jv_get_kind(ts) == JV_KIND_STRING &&
              !strcmp(jv_string_value(ts), "2026-11-28T13:00:01.000Z"),
          "the last outcome is the failed run, not one after now");
    jv_free(result);
    jv_free(ts);
    char s[64];
    CHECK_STR(str(&r, "db", "status", s, sizeof s), "unknown",
              "a target only heal-apply knows is listed as unknown");
    CHECK(num(&r, "db", "healed") == 1 && is_null(&r, "db", "availability_7d"),
          "it has its healed count and no availability");
    jv_free(r);
}

static void test_rollup(void)
{
    char state[DIR_SIZE];
    state_dir("rollup", state);
    history_line(state, NOW_MS - 2 * DAY_MS, "shop-web", "ok", "{\"project\":\"shop\"}");
    history_line(state, NOW_MS - 12 * HOUR_MS, "shop-web", "critical", "{\"project\":\"shop\"}");
    history_line(state, NOW_MS - 6 * HOUR_MS, "shop-web", "ok", "{\"project\":\"shop\"}");
    history_line(state, NOW_MS - 2 * DAY_MS, "shop-db", "warning", "{\"project\":\"shop\"}");
    history_line(state, NOW_MS - 2 * DAY_MS, "blog", "ok", "{\"project\":\"blog\"}");
    history_line(state, NOW_MS - DAY_MS, "host", "ok", "{}");
    history_line(state, NOW_MS - DAY_MS, "odd", "ok", "{\"project\":7}");
    jv r = collect(state, "project");
    char s[64];
    jv by = jv_object_get(jv_copy(r), jv_string("by"));
    CHECK(jv_get_kind(by) == JV_KIND_STRING && !strcmp(jv_string_value(by), "project"),
          "the report names its label");
    jv_free(by);
    CHECK(num(&r, "shop", "targets") == 2, "shop has two targets");
    CHECK_STR(str(&r, "shop", "status", s, sizeof s), "warning", "shop's status is its worst");
    /* shop-web ok 18 of 24 h, shop-db never: 18 / 48 of the day. */
    CHECK(near(num(&r, "shop", "availability_24h"), 18.0 / 48),
          "shop's availability sums its targets' time (got %f)",
          num(&r, "shop", "availability_24h"));
    CHECK(num(&r, "shop", "incidents") == 2, "shop's incidents are summed");
    CHECK_STR(str(&r, "blog", "status", s, sizeof s), "ok", "blog is ok");
    CHECK(num(&r, NULL, "targets") == 2, "targets without the label (or not a string) roll up under null");
    jv groups = jv_object_get(jv_copy(r), jv_string("groups"));
    jv lastg = jv_array_get(jv_copy(groups), jv_array_length(jv_copy(groups)) - 1);
    jv v = jv_object_get(lastg, jv_string("value"));
    CHECK(jv_array_length(groups) == 3 && jv_get_kind(v) == JV_KIND_NULL,
          "three groups, null last");
    jv_free(v);
    jv_free(r);
}

static void test_corrupt_lines(void)
{
    char state[DIR_SIZE], path[PATH_MAX];
    struct heal_error err;
    state_dir("corrupt", state);
    history_path(state, path);
    history_line(state, NOW_MS - DAY_MS, "web", "critical", NULL);
    put(path, "not json at all\n");
    put(path, "{\"ts\":\"yesterday\",\"target\":\"web\",\"status\":\"ok\",\"hard\":true}\n");
    put(path, "{\"ts\":\"2026-11-29T00:00:00Z\",\"target\":\"web\",\"status\":\"fine\",\"hard\":true}\n");
    history_line(state, NOW_MS - 12 * HOUR_MS, "web", "ok", NULL);
    put(path, "{\"ts\":\"2026-11-29T11:00:00.000Z\",\"target\":\"web\",\"sta"); /* torn */
    jv r = collect(state, NULL);
    jv bad = jv_object_get(jv_object_get(jv_copy(r), jv_string("unreadable")),
                           jv_string("history"));
    CHECK(jv_get_kind(bad) == JV_KIND_NUMBER && jv_number_value(bad) == 4,
          "four unreadable lines are counted (got %g)",
          jv_get_kind(bad) == JV_KIND_NUMBER ? jv_number_value(bad) : -1);
    jv_free(bad);
    CHECK(near(num(&r, "web", "availability_24h"), 0.5), "the good lines still count");
    jv_free(r);
    setenv("HEAL_NOW", "2026-11-29T12:00:00Z", 1);
    struct loop_history *h = loop_history_open(state, &err);
    CHECK(h && note(h, "web", "ok", "hard") == 0, "opening skips them and learns web is ok");
    CHECK(h && note(h, "web", "critical", "hard") == 1, "and appends after the torn line");
    loop_history_close(h);
    r = collect(state, NULL);
    char s[64];
    CHECK_STR(str(&r, "web", "status", s, sizeof s), "critical",
              "the line after a torn one is read");
    jv_free(r);
    unsetenv("HEAL_NOW");
}

/* The targets and statuses of a history file, one "target=status" a line. */
static void history_summary(const char *path, char *out, size_t size)
{
    struct journal_reader rd;
    struct heal_error err;
    out[0] = '\0';
    if (journal_reader_open_path(&rd, path, &err) != 0)
        return;
    jv line;
    long no;
    while (journal_reader_next(&rd, &line, &no, &err) == 1) {
        struct loop_history_entry e;
        if (loop_history_entry_parse(&line, &e, NULL) == 0)
            snprintf(out + strlen(out), size - strlen(out), "%s@%lld ", e.target,
                     (long long)((NOW_MS - e.ts_ms) / HOUR_MS));
        jv_free(line);
    }
    journal_reader_close(&rd);
}

static void test_compaction(void)
{
    char state[DIR_SIZE], path[PATH_MAX], got[1024];
    struct heal_error err;
    state_dir("compact", state);
    history_path(state, path);
    /* old: three changes before the week, last at 9 days; then two in the week. */
    history_line(state, NOW_MS - 300 * HOUR_MS, "old", "ok", NULL);
    history_line(state, NOW_MS - 250 * HOUR_MS, "old", "critical", NULL);
    history_line(state, NOW_MS - 216 * HOUR_MS, "old", "ok", NULL);
    history_line(state, NOW_MS - 100 * HOUR_MS, "old", "warning", NULL);
    history_line(state, NOW_MS - 50 * HOUR_MS, "old", "ok", NULL);
    /* gone: nothing since 20 days ago. */
    history_line(state, NOW_MS - 500 * HOUR_MS, "gone", "critical", NULL);
    history_line(state, NOW_MS - 480 * HOUR_MS, "gone", "ok", NULL);
    put(path, "garbage\n");
    jv before = collect(state, NULL);
    CHECK(loop_history_compact(path, NOW_MS, LOOP_HISTORY_MAX_BYTES, &err) == 0,
          "compaction succeeds");
    history_summary(path, got, sizeof got);
    CHECK_STR(got, "old@216 old@100 old@50 gone@480 ",
              "the week, the status at its start, and each target's last line are kept");
    jv after = collect(state, NULL);
    before = jv_object_delete(before, jv_string("unreadable"));
    after = jv_object_delete(after, jv_string("unreadable"));
    CHECK(jv_equal(jv_copy(before), jv_copy(after)), "the report is the same before and after");

    /* With no room, the oldest go first, but never a target's last line. */
    CHECK(loop_history_compact(path, NOW_MS, 50, &err) == 0, "a tight compaction succeeds");
    history_summary(path, got, sizeof got);
    CHECK_STR(got, "old@50 gone@480 ", "only the last lines are left (got %s)", got);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "the file stays private");

    /* An append that takes the file over the cap compacts it. */
    state_dir("compact-big", state);
    history_path(state, path);
    char labels[1200];
    snprintf(labels, sizeof labels, "{\"pad\":\"%01000d\"}", 0);
    for (int i = 0; (long)i * 1000 < LOOP_HISTORY_MAX_BYTES; i++)
        history_line(state, NOW_MS - 20 * DAY_MS + i * 1000LL, i % 2 ? "flap" : "flop",
                     i % 3 ? "ok" : "critical", labels);
    history_line(state, NOW_MS - HOUR_MS, "flap", "warning", labels);
    setenv("HEAL_NOW", "2026-11-29T12:00:00Z", 1);
    struct loop_history *h = loop_history_open(state, &err);
    CHECK(h && note(h, "new", "critical", "hard") == 1, "an append over the cap succeeds");
    loop_history_close(h);
    unsetenv("HEAL_NOW");
    CHECK(stat(path, &st) == 0 && st.st_size < LOOP_HISTORY_MAX_BYTES / 2,
          "and leaves the file under half the cap (%lld bytes)", (long long)st.st_size);
    history_summary(path, got, sizeof got);
    CHECK(strstr(got, "flap@1 ") && strstr(got, "new@0 ") && strstr(got, "flop@"),
          "every target's last line survives (%.200s)", got);
    jv_free(before);
    jv_free(after);
}

/* One writer: its own history handle, its own target, alternating statuses. */
static int writer(const char *state, int w)
{
    struct heal_error err;
    struct loop_history *h = loop_history_open(state, &err);
    if (!h)
        return 1;
    char target[32], pad[PAD + 1];
    snprintf(target, sizeof target, "writer-%d", w);
    memset(pad, 'a' + w, PAD);
    pad[PAD] = '\0';
    int failed = 0;
    for (int i = 0; i < CHANGES_PER_WRITER; i++) {
        jv c = check(target, i % 2 ? "ok" : "critical", "hard");
        c = jv_object_set(c, jv_string("labels"),
                          jv_object_set(jv_object(), jv_string("pad"), jv_string(pad)));
        failed |= loop_history_note_check(h, &c, &err) != 1;
        jv_free(c);
    }
    loop_history_close(h);
    return failed;
}

static void test_concurrent(void)
{
    char state[DIR_SIZE], path[PATH_MAX];
    state_dir("concurrent", state);
    history_path(state, path);
    setenv("HEAL_NOW", "2026-11-29T12:00:00Z", 1);
    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        if (pids[w] == 0)
            _exit(writer(state, w));
    }
    int ok = 0;
    for (int w = 0; w < WRITERS; w++) {
        int status;
        if (pids[w] > 0 && waitpid(pids[w], &status, 0) == pids[w] && WIFEXITED(status) &&
            WEXITSTATUS(status) == 0)
            ok++;
    }
    unsetenv("HEAL_NOW");
    CHECK(ok == WRITERS, "every writer appended every change");
    /* 4 x 400 lines of 6 KB: the file went over the cap and was compacted on the way. */
    struct journal_reader rd;
    struct heal_error err;
    int lines = 0, last_status[WRITERS], whole = 1;
    for (int w = 0; w < WRITERS; w++)
        last_status[w] = -1;
    if (journal_reader_open_path(&rd, path, &err) == 0) {
        jv line;
        long no;
        while (journal_reader_next(&rd, &line, &no, &err) == 1) {
            struct loop_history_entry e;
            int w;
            jv pad = jv_object_get(jv_object_get(jv_copy(line), jv_string("labels")),
                                   jv_string("pad"));
            if (loop_history_entry_parse(&line, &e, NULL) != 0 ||
                sscanf(e.target, "writer-%d", &w) != 1 || w < 0 || w >= WRITERS ||
                jv_get_kind(pad) != JV_KIND_STRING || strlen(jv_string_value(pad)) != PAD ||
                jv_string_value(pad)[PAD - 1] != 'a' + w) {
                whole = 0;
            } else {
                last_status[w] = e.status;
                lines++;
            }
            jv_free(pad);
            jv_free(line);
        }
        CHECK(journal_reader_bad(&rd) == 0 && whole, "no line is torn or mixed");
        journal_reader_close(&rd);
    }
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size <= LOOP_HISTORY_MAX_BYTES,
          "compaction kept the file under the cap (%lld bytes, %d lines)", (long long)st.st_size,
          lines);
    bool finals = true;
    for (int w = 0; w < WRITERS; w++)
        finals = finals && last_status[w] == 0; /* the 400th change is ok */
    CHECK(finals, "each writer's last change survived every compaction");
}

/* The report as its table; the caller frees the text. */
static char *render(const char *state, const char *by, bool color)
{
    jv r = collect(state, by);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f) {
        loop_status_print_text(f, &r, color);
        fclose(f);
    }
    jv_free(r);
    return text;
}

static void test_text(void)
{
    char state[DIR_SIZE];
    state_dir("text", state);
    history_line(state, NOW_MS - DAY_MS, "web\\u001b[2J", "ok", "{\"project\":\"shop\"}");
    history_line(state, NOW_MS - DAY_MS, "a-much-longer-target-name", "critical", NULL);
    char *text = render(state, NULL, false);
    CHECK(text && strstr(text, "TARGET                     STATUS    AVAIL-24H  AVAIL-7D  "
                               "INCIDENTS  HEALED  MTTH  LAST-OUTCOME\n"),
          "the header is aligned to the widest target");
    CHECK(text && strstr(text, "\nweb?[2J                    OK        100.00%    100.00%   0"),
          "control characters are shown as '?'");
    CHECK(text && !strchr(text, '\033'), "no escape sequence without colour");
    free(text);
    text = render(state, NULL, true);
    CHECK(text && strstr(text, "\033[31mCRITICAL\033[0m") && strstr(text, "\033[32mOK      \033[0m"),
          "statuses are coloured on request");
    free(text);
    text = render(state, "project", false);
    CHECK(text && strstr(text, "PROJECT  STATUS") && strstr(text, "\nshop     OK"),
          "a rollup is headed by its label");
    free(text);
}

int main(void)
{
    scratch_make(base, "loop-status");
    test_change_only_appends();
    test_availability();
    test_incidents();
    test_mtth();
    test_rollup();
    test_corrupt_lines();
    test_compaction();
    test_concurrent();
    test_text();
    scratch_remove(base);
    return unit_done();
}
