/* loop_status.c — the `heal-loop status` report from history and journal (see loop_status.h). */
#include "loop_status.h"
#include "check.h"
#include "check_report.h"
#include "clock.h"
#include "journal.h"
#include "mcp_audit.h"
#include "record.h"
#include "state.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Intents older than this before the 7-day window cannot start a run that matters. */
#define LOOP_INTENT_SLACK_MS (24LL * 3600 * 1000)

struct point {
    int64_t ts_ms;
    long seq; /* file order, to keep sorting stable */
    int status;
};

/* A remedy run that healed: from its intent to its outcome. */
struct heal_run {
    int64_t start_ms, end_ms;
};

/* What a target, or a group of them, adds up to: sums, so that groups add targets. */
struct measures {
    int64_t ok_ms[2], known_ms[2]; /* [0]: 24 h, [1]: 7 d */
    long incidents, healed, heal_times;
    int64_t heal_time_sum_ms;
};

struct target {
    jv name, labels;
    struct point *points;
    size_t npoints, points_cap;
    struct heal_run *runs;
    size_t nruns, runs_cap;
    jv last_outcome; /* null until one is seen */
    int64_t last_outcome_ms;
    int status; /* -1: no history */
    int64_t since_ms;
    struct measures m;
};

struct collection {
    struct target *t;
    size_t n, cap;
    jv index; /* target name -> index in t */
    int64_t now_ms;
    long history_bad, journal_bad;
};

static int grow(void **items, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t more = *cap ? *cap * 2 : 16;
    void *grown = realloc(*items, more * size);
    if (!grown)
        return -1;
    *items = grown;
    *cap = more;
    return 0;
}

/* The target's entry, created when `create`; NULL when absent (or out of memory). */
static struct target *target_get(struct collection *c, const char *name, bool create)
{
    jv i = jv_object_get(jv_copy(c->index), jv_string(name));
    if (jv_get_kind(i) == JV_KIND_NUMBER) {
        size_t at = (size_t)jv_number_value(i);
        jv_free(i);
        return &c->t[at];
    }
    jv_free(i);
    if (!create || grow((void **)&c->t, &c->cap, c->n, sizeof *c->t) != 0)
        return NULL;
    struct target *t = &c->t[c->n];
    memset(t, 0, sizeof *t);
    t->name = jv_string(name);
    t->labels = jv_object();
    t->last_outcome = jv_null();
    t->last_outcome_ms = INT64_MIN;
    t->status = -1;
    c->index = jv_object_set(c->index, jv_string(name), jv_number((double)c->n));
    c->n++;
    return t;
}

static void collection_free(struct collection *c)
{
    for (size_t i = 0; i < c->n; i++) {
        jv_free(c->t[i].name);
        jv_free(c->t[i].labels);
        jv_free(c->t[i].last_outcome);
        free(c->t[i].points);
        free(c->t[i].runs);
    }
    free(c->t);
    jv_free(c->index);
}

static int load_history(struct collection *c, const char *state_dir, struct heal_error *err)
{
    char path[STATE_PATH_MAX];
    struct journal_reader r;
    if (state_path_join(path, sizeof path, state_dir, LOOP_DIR "/" LOOP_HISTORY_FILE, err) != 0 ||
        journal_reader_open_path(&r, path, err) != 0)
        return -1;
    jv line;
    long line_no, seq = 0;
    int rc;
    while ((rc = journal_reader_next(&r, &line, &line_no, err)) == 1) {
        struct loop_history_entry e;
        if (loop_history_entry_parse(&line, &e, NULL) != 0) {
            c->history_bad++;
        } else if (e.ts_ms <= c->now_ms) {
            struct target *t = target_get(c, e.target, true);
            if (!t || grow((void **)&t->points, &t->points_cap, t->npoints, sizeof *t->points)) {
                jv_free(line);
                rc = heal_error_set(err, "out of memory reading %s", path);
                break;
            }
            t->points[t->npoints++] = (struct point){e.ts_ms, seq++, e.status};
            jv labels = jv_object_get(jv_copy(line), jv_string("labels"));
            if (jv_get_kind(labels) == JV_KIND_OBJECT) {
                jv_free(t->labels);
                t->labels = labels;
            } else {
                jv_free(labels);
            }
        }
        jv_free(line);
    }
    c->history_bad += journal_reader_bad(&r);
    journal_reader_close(&r);
    return rc < 0 ? -1 : 0;
}

static jv string_or_null(const jv *record, const char *key)
{
    const char *s = record_string_borrow(record, key);
    return s ? jv_string(s) : jv_null();
}

/* One outcome line of heal-apply's journal, stamped ts_ms (not after now). */
static int note_outcome(struct collection *c, const jv *line, int64_t ts_ms, const jv *intents)
{
    const char *name = record_string_borrow(line, "target");
    if (!name || !*name)
        return 0;
    bool recent = ts_ms >= c->now_ms - LOOP_WINDOW_7D_MS;
    struct target *t = target_get(c, name, recent);
    if (!t)
        return recent ? -1 : 0;
    if (ts_ms >= t->last_outcome_ms) {
        jv o = jv_object();
        o = jv_object_set(o, jv_string("ts"), string_or_null(line, "ts"));
        o = jv_object_set(o, jv_string("remedy"), string_or_null(line, "remedy"));
        o = jv_object_set(o, jv_string("action"), string_or_null(line, "action"));
        o = jv_object_set(o, jv_string("result"), string_or_null(line, "result"));
        jv_free(t->last_outcome);
        t->last_outcome = o;
        t->last_outcome_ms = ts_ms;
    }
    const char *result = record_string_borrow(line, "result");
    if (!recent || !result || strcmp(result, "healed") != 0)
        return 0;
    t->m.healed++;
    int64_t start = ts_ms;
    const char *intent = record_string_borrow(line, "intent");
    if (intent) {
        jv at = jv_object_get(jv_copy(*intents), jv_string(intent));
        if (jv_get_kind(at) == JV_KIND_NUMBER && jv_number_value(at) <= (double)ts_ms)
            start = (int64_t)jv_number_value(at);
        jv_free(at);
    }
    if (grow((void **)&t->runs, &t->runs_cap, t->nruns, sizeof *t->runs) != 0)
        return -1;
    t->runs[t->nruns++] = (struct heal_run){start, ts_ms};
    return 0;
}

static int load_journal(struct collection *c, const char *state_dir, struct heal_error *err)
{
    struct journal_reader r;
    if (journal_reader_open(&r, state_dir, err) != 0)
        return -1;
    jv intents = jv_object(); /* intent id -> ts ms, for when each run began */
    jv line;
    long line_no;
    int rc;
    while ((rc = journal_reader_next(&r, &line, &line_no, err)) == 1) {
        const char *ts = record_string_borrow(&line, "ts");
        const char *id = record_string_borrow(&line, "id");
        int64_t ms;
        if (!ts || clock_parse_rfc3339(ts, &ms) != 0 || ms > c->now_ms) {
            jv_free(line);
            continue;
        }
        if (record_is_type(&line, "intent") && id &&
            ms >= c->now_ms - LOOP_WINDOW_7D_MS - LOOP_INTENT_SLACK_MS) {
            intents = jv_object_set(intents, jv_string(id), jv_number((double)ms));
        } else if (record_is_type(&line, "outcome") && note_outcome(c, &line, ms, &intents) != 0) {
            jv_free(line);
            rc = heal_error_set(err, "out of memory reading the journal");
            break;
        }
        jv_free(line);
    }
    c->journal_bad = journal_reader_bad(&r);
    journal_reader_close(&r);
    jv_free(intents);
    return rc < 0 ? -1 : 0;
}

static int point_order(const void *a, const void *b)
{
    const struct point *p = a, *q = b;
    if (p->ts_ms != q->ts_ms)
        return p->ts_ms < q->ts_ms ? -1 : 1;
    return p->seq < q->seq ? -1 : p->seq > q->seq;
}

/* ok and known time in [now - window, now] (see loop_status.h). */
static void availability(struct target *t, int64_t now_ms, int64_t window_ms, int slot)
{
    if (t->npoints == 0)
        return;
    int64_t known_start = now_ms - window_ms;
    if (t->points[0].ts_ms > known_start)
        known_start = t->points[0].ts_ms;
    t->m.known_ms[slot] = now_ms - known_start;
    for (size_t i = 0; i < t->npoints; i++) {
        int64_t lo = t->points[i].ts_ms, hi = i + 1 < t->npoints ? t->points[i + 1].ts_ms : now_ms;
        if (lo < known_start)
            lo = known_start;
        if (t->points[i].status == 0 && hi > lo)
            t->m.ok_ms[slot] += hi - lo;
    }
}

static bool healed_during(const struct target *t, int64_t start_ms, int64_t end_ms)
{
    for (size_t i = 0; i < t->nruns; i++)
        if (t->runs[i].start_ms <= end_ms && t->runs[i].end_ms >= start_ms)
            return true;
    return false;
}

/* Status, since, incidents and times to heal, from the points in time order. */
static void walk_changes(struct target *t, int64_t now_ms)
{
    int prev = -1;
    int64_t incident = INT64_MIN; /* start of the open incident */
    for (size_t i = 0; i < t->npoints; i++) {
        const struct point *p = &t->points[i];
        if (p->status == prev)
            continue; /* a HARD turn, or a second heal-loop noting the same change */
        if (p->status != 0 && (prev <= 0)) {
            incident = p->ts_ms;
            if (incident >= now_ms - LOOP_WINDOW_7D_MS)
                t->m.incidents++;
        } else if (p->status == 0 && incident != INT64_MIN) {
            if (incident >= now_ms - LOOP_WINDOW_7D_MS && healed_during(t, incident, p->ts_ms)) {
                t->m.heal_times++;
                t->m.heal_time_sum_ms += p->ts_ms - incident;
            }
            incident = INT64_MIN;
        }
        prev = p->status;
        t->since_ms = p->ts_ms;
    }
    t->status = prev;
}

static void compute(struct target *t, int64_t now_ms)
{
    if (t->npoints > 1)
        qsort(t->points, t->npoints, sizeof *t->points, point_order);
    walk_changes(t, now_ms);
    availability(t, now_ms, LOOP_WINDOW_24H_MS, 0);
    availability(t, now_ms, LOOP_WINDOW_7D_MS, 1);
}

static jv fraction(int64_t part, int64_t whole)
{
    /* Six decimals: finer than anyone reads, and stable in tests. */
    return whole > 0 ? jv_number(round((double)part / (double)whole * 1e6) / 1e6) : jv_null();
}

static jv mean_seconds(int64_t sum_ms, long n)
{
    return n > 0 ? jv_number(round((double)sum_ms / (double)n) / 1000.0) : jv_null();
}

/* Adds the measures to o (consumed, returned). */
static jv measures_json(jv o, const struct measures *m)
{
    o = jv_object_set(o, jv_string("availability_24h"), fraction(m->ok_ms[0], m->known_ms[0]));
    o = jv_object_set(o, jv_string("availability_7d"), fraction(m->ok_ms[1], m->known_ms[1]));
    o = jv_object_set(o, jv_string("incidents"), jv_number((double)m->incidents));
    o = jv_object_set(o, jv_string("healed"), jv_number((double)m->healed));
    return jv_object_set(o, jv_string("mtth_seconds"),
                         mean_seconds(m->heal_time_sum_ms, m->heal_times));
}

static const char *status_word(int status)
{
    return check_status_name(status < 0 ? NAGIOS_UNKNOWN : (enum nagios_status)status);
}

static jv target_json(const struct target *t)
{
    char since[CLOCK_RFC3339_SIZE];
    jv o = jv_object();
    o = jv_object_set(o, jv_string("target"), jv_copy(t->name));
    o = jv_object_set(o, jv_string("status"), jv_string(status_word(t->status)));
    o = jv_object_set(o, jv_string("labels"), jv_copy(t->labels));
    o = measures_json(o, &t->m);
    o = jv_object_set(o, jv_string("last_outcome"), jv_copy(t->last_outcome));
    if (t->status >= 0)
        clock_format_rfc3339(t->since_ms, since);
    o = jv_object_set(o, jv_string("since"), t->status >= 0 ? jv_string(since) : jv_null());
    return o;
}

static int by_name(const void *a, const void *b)
{
    const struct target *s = a, *t = b;
    return strcmp(jv_string_value(s->name), jv_string_value(t->name));
}

/* The sums of a rollup group. */
struct group {
    jv value; /* a string, or null */
    long targets;
    int status;
    struct measures m;
};

static int by_value(const void *a, const void *b)
{
    const struct group *g = a, *h = b;
    bool gn = jv_get_kind(g->value) != JV_KIND_STRING, hn = jv_get_kind(h->value) != JV_KIND_STRING;
    if (gn || hn)
        return gn - hn; /* null last */
    return strcmp(jv_string_value(g->value), jv_string_value(h->value));
}

static void group_add(struct group *g, const struct target *t)
{
    g->targets++;
    g->m.incidents += t->m.incidents;
    g->m.healed += t->m.healed;
    g->m.heal_times += t->m.heal_times;
    g->m.heal_time_sum_ms += t->m.heal_time_sum_ms;
    for (int i = 0; i < 2; i++) {
        g->m.ok_ms[i] += t->m.ok_ms[i];
        g->m.known_ms[i] += t->m.known_ms[i];
    }
    enum nagios_status s = (enum nagios_status)(t->status < 0 ? NAGIOS_UNKNOWN : t->status);
    g->status =
        g->targets == 1 ? (int)s : (int)check_status_worse((enum nagios_status)g->status, s);
}

static jv group_json(const struct group *g)
{
    jv o = jv_object();
    o = jv_object_set(o, jv_string("value"), jv_copy(g->value));
    o = jv_object_set(o, jv_string("targets"), jv_number((double)g->targets));
    o = jv_object_set(o, jv_string("status"), jv_string(status_word(g->status)));
    o = measures_json(o, &g->m);
    return o;
}

static int rollup(const struct collection *c, const char *label, jv *groups, struct heal_error *err)
{
    struct group *g = NULL;
    size_t n = 0, cap = 0;
    jv index = jv_object(); /* value -> index in g; null under the key "" never collides */
    int rc = 0;
    for (size_t i = 0; i < c->n && rc == 0; i++) {
        jv v = jv_object_get(jv_copy(c->t[i].labels), jv_string(label));
        if (jv_get_kind(v) != JV_KIND_STRING) {
            jv_free(v);
            v = jv_null();
        }
        /* Strings keyed with a prefix, null without: the two can never meet. */
        jv key = jv_get_kind(v) == JV_KIND_STRING ? jv_string_fmt("=%s", jv_string_value(v))
                                                  : jv_string("");
        jv at = jv_object_get(jv_copy(index), jv_copy(key));
        size_t k;
        if (jv_get_kind(at) == JV_KIND_NUMBER) {
            k = (size_t)jv_number_value(at);
            jv_free(v);
        } else if (grow((void **)&g, &cap, n, sizeof *g) != 0) {
            jv_free(v);
            rc = heal_error_set(err, "out of memory for the rollup");
            k = 0;
        } else {
            k = n++;
            memset(&g[k], 0, sizeof g[k]);
            g[k].value = v;
            index = jv_object_set(index, jv_copy(key), jv_number((double)k));
        }
        jv_free(at);
        jv_free(key);
        if (rc == 0)
            group_add(&g[k], &c->t[i]);
    }
    jv_free(index);
    if (rc == 0) {
        if (n > 1)
            qsort(g, n, sizeof *g, by_value);
        for (size_t i = 0; i < n; i++)
            *groups = jv_array_append(*groups, group_json(&g[i]));
    }
    for (size_t i = 0; i < n; i++)
        jv_free(g[i].value);
    free(g);
    return rc;
}

int loop_status_collect(const char *state_dir, const char *by_label, int64_t now_ms, jv *report,
                        struct heal_error *err)
{
    struct collection c = {.index = jv_object(), .now_ms = now_ms};
    *report = jv_invalid();
    if (load_history(&c, state_dir, err) != 0 || load_journal(&c, state_dir, err) != 0) {
        collection_free(&c);
        return -1;
    }
    for (size_t i = 0; i < c.n; i++)
        compute(&c.t[i], now_ms);
    if (c.n > 1)
        qsort(c.t, c.n, sizeof *c.t, by_name);
    jv r = jv_object();
    if (by_label) {
        jv groups = jv_array();
        if (rollup(&c, by_label, &groups, err) != 0) {
            jv_free(groups);
            jv_free(r);
            collection_free(&c);
            return -1;
        }
        r = jv_object_set(r, jv_string("by"), jv_string(by_label));
        r = jv_object_set(r, jv_string("groups"), groups);
    } else {
        jv targets = jv_array();
        for (size_t i = 0; i < c.n; i++)
            targets = jv_array_append(targets, target_json(&c.t[i]));
        r = jv_object_set(r, jv_string("targets"), targets);
    }
    jv calls;
    if (mcp_audit_recent_changes(state_dir, LOOP_STATUS_TOOL_CALLS, &calls, err) != 0) {
        jv_free(calls);
        jv_free(r);
        collection_free(&c);
        return -1;
    }
    r = jv_object_set(r, jv_string("tool_calls"), calls);
    jv bad = jv_object();
    bad = jv_object_set(bad, jv_string("history"), jv_number((double)c.history_bad));
    bad = jv_object_set(bad, jv_string("journal"), jv_number((double)c.journal_bad));
    *report = jv_object_set(r, jv_string("unreadable"), bad);
    collection_free(&c);
    return 0;
}

bool loop_status_all_ok(const jv *report)
{
    jv items = jv_object_get(jv_copy(*report), jv_string("targets"));
    if (jv_get_kind(items) != JV_KIND_ARRAY) {
        jv_free(items);
        items = jv_object_get(jv_copy(*report), jv_string("groups"));
    }
    bool ok = true;
    int n = jv_get_kind(items) == JV_KIND_ARRAY ? jv_array_length(jv_copy(items)) : 0;
    for (int i = 0; i < n && ok; i++) {
        jv item = jv_array_get(jv_copy(items), i);
        const char *status = record_string_borrow(&item, "status");
        ok = status && !strcmp(status, "ok");
        jv_free(item);
    }
    jv_free(items);
    return ok;
}
