#include "loop_tally.h"
#include "atomicfile.h"
#include "clock.h"
#include "prom.h"
#include "record.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const status_names[4] = {"ok", "warning", "critical", "unknown"};

static int status_code(const char *s)
{
    for (int i = 0; s && i < 4; i++)
        if (!strcmp(s, status_names[i]))
            return i;
    return 3;
}

void loop_tally_init(struct loop_tally *t)
{
    memset(t, 0, sizeof *t);
    t->targets = jv_object();
    t->outcomes = jv_object();
}

void loop_tally_free(struct loop_tally *t)
{
    jv_free(t->targets);
    jv_free(t->outcomes);
    t->targets = t->outcomes = jv_null();
}

/* Copies rec[key] into entry[key] when present. */
static jv take(jv entry, const jv *rec, const char *key, const char *as)
{
    jv v = jv_object_get(jv_copy(*rec), jv_string(key));
    if (jv_is_valid(v))
        return jv_object_set(entry, jv_string(as ? as : key), v);
    jv_free(v);
    return entry;
}

static void note_check(struct loop_tally *t, const jv *rec, jv entry, const char *target)
{
    const char *status = record_string_borrow(rec, "status");
    int code = status_code(status);
    t->checks++;
    t->by_status[code]++;
    /* A fresh check supersedes what was diagnosed and done before it. */
    jv fresh = jv_object();
    fresh = jv_object_set(fresh, jv_string("status"), jv_string(status_names[code]));
    fresh = jv_object_set(fresh, jv_string("code"), jv_number(code));
    fresh = take(fresh, rec, "state_type", NULL);
    fresh = take(fresh, rec, "attempt", NULL);
    fresh = take(fresh, rec, "duration_ms", NULL);
    fresh = take(fresh, rec, "flapping", NULL);
    fresh = take(fresh, rec, "summary", NULL);
    fresh = take(fresh, rec, "labels", NULL);
    fresh = jv_object_set(fresh, jv_string("seen_ms"), jv_number((double)clock_now_ms()));
    if (code != 0) {
        /* Keep what the loop is doing about a problem that goes on. */
        static const char *const keep[] = {"signature", "diagnosis", "remedy", "action",
                                           "result"};
        for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
            fresh = take(fresh, &entry, keep[i], NULL);
    }
    jv_free(entry);
    t->targets = jv_object_set(t->targets, jv_string(target), fresh);
}

void loop_tally_record(struct loop_tally *t, const jv *rec)
{
    t->records++;
    const char *target = record_string_borrow(rec, "target");
    if (!target)
        return;
    jv entry = jv_object_get(jv_copy(t->targets), jv_string(target));
    if (!jv_is_valid(entry)) {
        jv_free(entry);
        entry = jv_object();
    }
    if (record_is_type(rec, "check")) {
        note_check(t, rec, entry, target);
        return;
    }
    if (record_is_type(rec, "diagnosis")) {
        t->diagnoses++;
        entry = take(entry, rec, "signature", NULL);
        entry = take(entry, rec, "summary", "diagnosis");
    } else if (record_is_type(rec, "proposal")) {
        t->proposals++;
        jv best = jv_array_get(jv_object_get(jv_copy(*rec), jv_string("candidates")), 0);
        if (jv_get_kind(best) == JV_KIND_OBJECT)
            entry = take(entry, &best, "remedy", NULL);
        jv_free(best);
    } else if (record_is_type(rec, "outcome")) {
        t->outcome_count++;
        const char *remedy = record_string_borrow(rec, "remedy");
        const char *result = record_string_borrow(rec, "result");
        char key[512];
        snprintf(key, sizeof key, "%s\t%s", remedy ? remedy : "", result ? result : "none");
        jv n = jv_object_get(jv_copy(t->outcomes), jv_string(key));
        double count = jv_get_kind(n) == JV_KIND_NUMBER ? jv_number_value(n) : 0;
        jv_free(n);
        t->outcomes = jv_object_set(t->outcomes, jv_string(key), jv_number(count + 1));
        entry = take(entry, rec, "remedy", NULL);
        entry = take(entry, rec, "action", NULL);
        entry = take(entry, rec, "result", NULL);
    } else {
        jv_free(entry);
        return;
    }
    t->targets = jv_object_set(t->targets, jv_string(target), entry);
}

static bool entry_healthy(const jv *entry)
{
    const char *status = record_string_borrow(entry, "status");
    const char *result = record_string_borrow(entry, "result");
    return (status && !strcmp(status, "ok")) || (result && !strcmp(result, "healed"));
}

bool loop_tally_healthy(const struct loop_tally *t)
{
    bool healthy = true;
    jv targets = jv_copy(t->targets);
    jv_object_foreach(targets, key, entry)
    {
        healthy &= entry_healthy(&entry);
        jv_free(key);
        jv_free(entry);
    }
    jv_free(targets);
    return healthy;
}

jv loop_tally_summary(const struct loop_tally *t, const char *event)
{
    jv e = record_new("event");
    e = jv_object_set(e, jv_string("event"), jv_string(event));
    jv checks = jv_object();
    for (int i = 0; i < 4; i++)
        checks = jv_object_set(checks, jv_string(status_names[i]), jv_number(t->by_status[i]));
    e = jv_object_set(e, jv_string("checks"), checks);
    e = jv_object_set(e, jv_string("diagnoses"), jv_number(t->diagnoses));
    e = jv_object_set(e, jv_string("proposals"), jv_number(t->proposals));
    jv by_result = jv_object();
    jv outcomes = jv_copy(t->outcomes);
    jv_object_foreach(outcomes, key, count)
    {
        const char *result = strchr(jv_string_value(key), '\t') + 1;
        jv prev = jv_object_get(jv_copy(by_result), jv_string(result));
        double n = jv_get_kind(prev) == JV_KIND_NUMBER ? jv_number_value(prev) : 0;
        jv_free(prev);
        by_result = jv_object_set(by_result, jv_string(result),
                                  jv_number(n + jv_number_value(count)));
        jv_free(key);
        jv_free(count);
    }
    jv_free(outcomes);
    e = jv_object_set(e, jv_string("outcomes"), by_result);
    e = jv_object_set(e, jv_string("stage_restarts"), jv_number(t->stage_restarts));
    e = jv_object_set(e, jv_string("healthy"), jv_bool(loop_tally_healthy(t)));
    return e;
}

/* Outside text on a terminal: control characters shown as '?', cut to width. */
static void cell(FILE *f, const char *s, int width)
{
    int n = 0;
    for (; s && s[n] && (width <= 0 || n < width); n++)
        fputc((unsigned char)s[n] < 0x20 || s[n] == 0x7f ? '?' : s[n], f);
    for (; n < width; n++)
        fputc(' ', f);
}

void loop_tally_print(const struct loop_tally *t, FILE *f, bool color)
{
    static const char *const colors[] = {"\033[32m", "\033[33m", "\033[31m", "\033[35m"};
    bool header = false;
    jv targets = jv_copy(t->targets);
    jv_object_foreach(targets, key, entry)
    {
        const char *status = record_string_borrow(&entry, "status");
        if (status && (strcmp(status, "ok") || record_string_borrow(&entry, "signature"))) {
            if (!header) {
                fprintf(f, "%-24s  %-8s  %-30s  %-24s  %s\n", "TARGET", "STATUS", "DIAGNOSIS",
                        "PROPOSED", "DONE");
                header = true;
            }
            int code = status_code(status);
            cell(f, jv_string_value(key), 24);
            fprintf(f, "  %s%-8s%s  ", color ? colors[code] : "", status_names[code],
                    color ? "\033[0m" : "");
            const char *sig = record_string_borrow(&entry, "signature");
            cell(f, sig ? sig : "-", 30);
            fputs("  ", f);
            const char *remedy = record_string_borrow(&entry, "remedy");
            cell(f, remedy ? remedy : "-", 24);
            fputs("  ", f);
            const char *action = record_string_borrow(&entry, "action");
            const char *result = record_string_borrow(&entry, "result");
            if (action) {
                cell(f, action, 0);
                fputc('/', f);
                cell(f, result ? result : "none", 0);
            } else {
                fputc('-', f);
            }
            fputc('\n', f);
        }
        jv_free(key);
        jv_free(entry);
    }
    jv_free(targets);
    int ntargets = jv_object_length(jv_copy(t->targets));
    fprintf(f, "%s%d target%s: %lu ok, %lu warning, %lu critical, %lu unknown; "
               "%lu diagnos%s, %lu proposal%s, %lu outcome%s; %s\n",
            header ? "\n" : "", ntargets, ntargets == 1 ? "" : "s", t->by_status[0],
            t->by_status[1], t->by_status[2], t->by_status[3], t->diagnoses,
            t->diagnoses == 1 ? "is" : "es", t->proposals, t->proposals == 1 ? "" : "s",
            t->outcome_count, t->outcome_count == 1 ? "" : "s",
            loop_tally_healthy(t) ? "healthy" : "problems remain");
}

jv loop_tally_status(const struct loop_tally *t, jv extra)
{
    jv doc = jv_object();
    doc = jv_object_set(doc, jv_string("targets"), jv_copy(t->targets));
    jv summary = loop_tally_summary(t, "cycle.summary");
    static const char *const keep[] = {"ts", "checks", "diagnoses", "proposals", "outcomes",
                                       "stage_restarts", "healthy"};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        doc = jv_object_set(doc, jv_string(keep[i]),
                            jv_object_get(jv_copy(summary), jv_string(keep[i])));
    jv_free(summary);
    jv_object_foreach(extra, key, value)
        doc = jv_object_set(doc, key, value);
    jv_free(extra);
    return doc;
}

/* --- Prometheus text format (prom.h) --- */

static double entry_number(const jv *entry, const char *key, double dflt)
{
    jv v = jv_object_get(jv_copy(*entry), jv_string(key));
    double d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : dflt;
    jv_free(v);
    return d;
}

typedef double check_metric_fn(const jv *entry);

static double m_status(const jv *e)
{
    return status_code(record_string_borrow(e, "status"));
}
static double m_hard(const jv *e)
{
    const char *st = record_string_borrow(e, "state_type");
    return st && !strcmp(st, "hard");
}
static double m_attempt(const jv *e)
{
    return entry_number(e, "attempt", 1);
}
static double m_duration(const jv *e)
{
    return entry_number(e, "duration_ms", NAN) / 1000;
}
static double m_flapping(const jv *e)
{
    jv v = jv_object_get(jv_copy(*e), jv_string("flapping"));
    bool on = jv_get_kind(v) == JV_KIND_TRUE;
    jv_free(v);
    return on;
}
static double m_last_run(const jv *e)
{
    return floor(entry_number(e, "seen_ms", NAN) / 1000);
}

static void prom_checks(struct prom *p, const struct loop_tally *t, const char *name,
                        const char *help, check_metric_fn *fn)
{
    prom_family(p, name, "gauge", help);
    jv targets = jv_copy(t->targets);
    jv_object_foreach(targets, key, entry)
    {
        if (record_string_borrow(&entry, "status")) {
            prom_str(p, name);
            prom_str(p, "{check=\"");
            prom_label(p, jv_string_value(key));
            prom_str(p, "\"}");
            prom_value(p, fn(&entry));
        }
        jv_free(key);
        jv_free(entry);
    }
    jv_free(targets);
}

int loop_tally_write_metrics(const struct loop_tally *t, const char *path, const char *mode,
                             struct heal_error *err)
{
    struct prom p = {0};
    prom_checks(&p, t, "heal_check_status", "Latest status of each check: 0 OK, 1 WARNING, "
                                            "2 CRITICAL, 3 UNKNOWN.", m_status);
    prom_checks(&p, t, "heal_check_hard", "1 when the check's state is HARD, 0 when SOFT.",
                m_hard);
    prom_checks(&p, t, "heal_check_attempt", "The check's current attempt.", m_attempt);
    prom_checks(&p, t, "heal_check_duration_seconds", "How long the check's latest run took.",
                m_duration);
    prom_checks(&p, t, "heal_check_flapping", "1 while the check is flapping.", m_flapping);
    prom_checks(&p, t, "heal_check_last_run_timestamp_seconds",
                "When heal-loop last saw a result of the check.", m_last_run);
    prom_family(&p, "heal_checks", "gauge", "Checks by their latest status.");
    int now[4] = {0};
    jv targets = jv_copy(t->targets);
    jv_object_foreach(targets, key, entry)
    {
        if (record_string_borrow(&entry, "status"))
            now[status_code(record_string_borrow(&entry, "status"))]++;
        jv_free(key);
        jv_free(entry);
    }
    jv_free(targets);
    for (int i = 0; i < 4; i++) {
        prom_str(&p, "heal_checks{status=\"");
        prom_str(&p, status_names[i]);
        prom_str(&p, "\"}");
        prom_value(&p, now[i]);
    }
    prom_family(&p, "heal_check_results_total", "counter", "Check results seen, by status.");
    for (int i = 0; i < 4; i++) {
        prom_str(&p, "heal_check_results_total{status=\"");
        prom_str(&p, status_names[i]);
        prom_str(&p, "\"}");
        prom_value(&p, (double)t->by_status[i]);
    }
    prom_family(&p, "heal_outcomes_total", "counter",
                "What heal-apply did, by remedy and result.");
    prom_pair_counts(&p, "heal_outcomes_total", "remedy", "result", &t->outcomes);
    prom_family(&p, "heal_diagnoses_total", "counter", "Diagnoses seen.");
    prom_str(&p, "heal_diagnoses_total");
    prom_value(&p, (double)t->diagnoses);
    prom_family(&p, "heal_stage_restarts_total", "counter",
                "Pipeline stages heal-loop had to start again.");
    prom_str(&p, "heal_stage_restarts_total");
    prom_value(&p, (double)t->stage_restarts);
    prom_family(&p, "heal_healthy", "gauge",
                "1 when every target is OK or was healed after its latest problem.");
    prom_str(&p, "heal_healthy");
    prom_value(&p, loop_tally_healthy(t));
    prom_family(&p, "heal_last_write_timestamp_seconds", "gauge",
                "When heal-loop wrote this file.");
    prom_str(&p, "heal_last_write_timestamp_seconds");
    prom_value(&p, floor((double)clock_now_ms() / 1000));
    prom_family(&p, "heal_build_info", "gauge", "Always 1; the labels say which heal-loop.");
    prom_str(&p, "heal_build_info{version=\"" HEAL_VERSION "\",mode=\"");
    prom_label(&p, mode);
    prom_str(&p, "\"} 1\n");
    return prom_write(&p, path, err);
}
