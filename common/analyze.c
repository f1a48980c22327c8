#include "analyze.h"
#include "clock.h"
#include "record.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct group {
    const struct signature *sig;
    jv facts;
    char *key; /* id + facts, to find repeats */
    int64_t first_ms, last_ms;
    uint64_t count;
    jv evidence; /* array of the first lines */
};

struct analyzer {
    struct catalog *catalog;
    int64_t window_ms;
    bool all_states;
    analyze_emit_fn *emit;
    void *ctx;
    struct group *groups;
    size_t ngroups;
    struct analyze_stats stats;
};

struct analyzer *analyzer_new(struct catalog *catalog, int64_t window_ms, bool all_states,
                              analyze_emit_fn *emit, void *ctx)
{
    struct analyzer *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->groups = calloc(ANALYZE_GROUPS_MAX, sizeof *a->groups);
    if (!a->groups) {
        free(a);
        return NULL;
    }
    a->catalog = catalog;
    a->window_ms = window_ms;
    a->all_states = all_states;
    a->emit = emit;
    a->ctx = ctx;
    return a;
}

struct analyze_stats analyzer_stats(const struct analyzer *a)
{
    return a->stats;
}

/* "{path} is full" with facts {"path": "/var"} -> "/var is full". */
static jv fill_summary(const char *tmpl, jv facts)
{
    jv out = jv_string("");
    const char *p = tmpl;
    while (*p) {
        const char *open = strchr(p, '{');
        const char *close = open ? strchr(open, '}') : NULL;
        if (!open || !close) {
            out = jv_string_append_str(out, p);
            break;
        }
        out = jv_string_append_buf(out, p, (int)(open - p));
        jv key = jv_string_sized(open + 1, (int)(close - open - 1));
        jv v = jv_object_get(jv_copy(facts), key);
        if (jv_get_kind(v) == JV_KIND_STRING)
            out = jv_string_append_str(out, jv_string_value(v));
        else
            out = jv_string_append_buf(out, open, (int)(close - open + 1));
        jv_free(v);
        p = close + 1;
    }
    jv_free(facts);
    return out;
}

static jv time_string(int64_t ms)
{
    char ts[CLOCK_RFC3339_SIZE];
    clock_format_rfc3339(ms, ts);
    return jv_string(ts);
}

/* The fields every diagnosis carries, from a signature (or none). */
static jv diagnosis_fields(jv d, const struct signature *sig, jv facts, double confidence)
{
    if (sig) {
        d = jv_object_set(d, jv_string("signature"), jv_string(sig->id));
        d = jv_object_set(d, jv_string("category"), jv_string(sig->category));
        d = jv_object_set(d, jv_string("severity"), jv_string(sig->severity));
        d = jv_object_set(d, jv_string("summary"), fill_summary(sig->summary, jv_copy(facts)));
        d = jv_object_set(d, jv_string("confidence"), jv_number(confidence));
        d = jv_object_set(d, jv_string("analyzer"), jv_string("catalog"));
        d = jv_object_set(d, jv_string("transient"), jv_bool(sig->transient));
        d = jv_object_set(d, jv_string("remedies"), jv_copy(sig->remedies));
    } else {
        d = jv_object_set(d, jv_string("signature"), jv_string("unknown.unclassified"));
        d = jv_object_set(d, jv_string("category"), jv_string("unknown"));
        d = jv_object_set(d, jv_string("severity"), jv_string("warning"));
        d = jv_object_set(d, jv_string("confidence"), jv_number(confidence));
        d = jv_object_set(d, jv_string("analyzer"), jv_string("none"));
    }
    return jv_object_set(d, jv_string("facts"), facts);
}

static void group_emit(struct analyzer *a, struct group *g)
{
    jv d = record_new("diagnosis");
    /* Text starts its own chain; heal-records(5) wants a parent in every
     * diagnosis, so a text diagnosis is its own parent, as a check is its
     * own trace. */
    jv self = jv_string(record_string_borrow(&d, "id"));
    d = jv_object_set(d, jv_string("parent"), jv_copy(self));
    d = jv_object_set(d, jv_string("trace"), self);
    jv target = jv_object_get(jv_copy(g->facts), jv_string("unit"));
    if (jv_get_kind(target) != JV_KIND_STRING) {
        jv_free(target);
        target = jv_string("text");
    }
    d = jv_object_set(d, jv_string("target"), target);
    d = diagnosis_fields(d, g->sig, g->facts, g->sig->confidence);
    d = jv_object_set(d, jv_string("evidence"), g->evidence);
    d = jv_object_set(d, jv_string("count"), jv_number((double)g->count));
    d = jv_object_set(d, jv_string("first_seen"), time_string(g->first_ms));
    d = jv_object_set(d, jv_string("last_seen"), time_string(g->last_ms));
    free(g->key);
    memset(g, 0, sizeof *g);
    a->stats.diagnoses++;
    a->emit(a->ctx, d);
}

/* Emits the groups whose window has closed by `now` (input time). */
static void expire(struct analyzer *a, int64_t now)
{
    size_t kept = 0;
    for (size_t i = 0; i < a->ngroups; i++) {
        if (now - a->groups[i].first_ms >= a->window_ms)
            group_emit(a, &a->groups[i]);
        else
            a->groups[kept++] = a->groups[i];
    }
    a->ngroups = kept;
}

void analyzer_flush(struct analyzer *a)
{
    for (size_t i = 0; i < a->ngroups; i++)
        group_emit(a, &a->groups[i]);
    a->ngroups = 0;
}

void analyzer_free(struct analyzer *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->ngroups; i++) {
        jv_free(a->groups[i].facts);
        jv_free(a->groups[i].evidence);
        free(a->groups[i].key);
    }
    free(a->groups);
    free(a);
}

static jv evidence_line(const char *line, size_t len)
{
    if (len > ANALYZE_EVIDENCE_LINE_MAX)
        len = ANALYZE_EVIDENCE_LINE_MAX;
    return jv_string_sized(line, (int)len); /* jq repairs invalid UTF-8 here */
}

static int month_of(const char *m)
{
    static const char *names = "JanFebMarAprMayJunJulAugSepOctNovDec";
    const char *at = strstr(names, m);
    return at && (at - names) % 3 == 0 && strlen(m) == 3 ? (int)(at - names) / 3 : -1;
}

bool analyze_line_time(const char *line, size_t len, int64_t now_ms, int64_t *ms)
{
    char buf[40];
    size_t n = len < sizeof buf - 1 ? len : sizeof buf - 1;
    memcpy(buf, line, n);
    buf[n] = '\0';
    /* RFC 3339 prefix: cut at the first space after the time. */
    if (n >= 20 && isdigit((unsigned char)buf[0]) && buf[4] == '-' && buf[10] == 'T') {
        char *sp = strchr(buf, ' ');
        if (sp)
            *sp = '\0';
        if (clock_parse_rfc3339(buf, ms) == 0)
            return true;
    }
    struct tm tm = {0};
    if (n >= 19 && buf[4] == '/' && buf[7] == '/' && buf[13] == ':' &&
        sscanf(buf, "%4d/%2d/%2d %2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec) == 6) { /* nginx error.log */
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        *ms = (int64_t)timegm(&tm) * 1000;
        return true;
    }
    char mon[4];
    if (n >= 15 && buf[3] == ' ' && buf[9] == ':' &&
        sscanf(buf, "%3s %2d %2d:%2d:%2d", mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
               &tm.tm_sec) == 5 &&
        month_of(mon) >= 0) { /* syslog: no year, so this year (or last, if in the future) */
        time_t now = (time_t)(now_ms / 1000);
        struct tm cur;
        gmtime_r(&now, &cur);
        tm.tm_year = cur.tm_year;
        tm.tm_mon = month_of(mon);
        *ms = (int64_t)timegm(&tm) * 1000;
        if (*ms > now_ms + 86400000LL) {
            tm.tm_year--;
            *ms = (int64_t)timegm(&tm) * 1000;
        }
        return true;
    }
    return false;
}

static void text_line(struct analyzer *a, const char *line, size_t len);

void analyzer_text(struct analyzer *a, const char *line, size_t len)
{
    a->stats.lines++;
    text_line(a, line, len);
}

static void block_line(void *ctx, const char *line, size_t len)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    text_line(ctx, line, len);
}

/*
 * Counts '\n' eight bytes at a time: a byte of x is zero exactly where the
 * input holds a newline, and ((x & 0x7f..) + 0x7f..) | x has its high bit
 * clear exactly at zero bytes, with no carry between bytes.
 */
static uint64_t count_newlines(const char *data, size_t len)
{
    const uint64_t nl = 0x0a0a0a0a0a0a0a0aULL, low7 = 0x7f7f7f7f7f7f7f7fULL;
    uint64_t n = 0;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, data + i, 8);
        uint64_t x = w ^ nl;
        uint64_t t = ~(((x & low7) + low7) | x) & ~low7;
        /* t holds only 0x80 bits: shift to 0x01s and sum the bytes by a multiply
         * (no popcnt instruction on baseline x86-64). */
        n += ((t >> 7) * 0x0101010101010101ULL) >> 56;
    }
    for (; i < len; i++)
        n += data[i] == '\n';
    return n;
}

void analyzer_text_block(struct analyzer *a, const char *data, size_t len)
{
    a->stats.lines += count_newlines(data, len) + (len > 0 && data[len - 1] != '\n');
    catalog_scan_block(a->catalog, data, len, block_line, a);
}

static void text_line(struct analyzer *a, const char *line, size_t len)
{
    struct catalog_match m;
    /* Most lines match nothing: no clock, no timestamp parsing for them.
     * Windows are closed in input time as matched lines arrive, which
     * groups exactly as closing them at every line would. */
    if (!catalog_match_line(a->catalog, line, len, &m))
        return;
    int64_t now = clock_now_ms();
    int64_t at;
    if (!analyze_line_time(line, len, now, &at))
        at = now;
    if (a->ngroups)
        expire(a, at);
    a->stats.matched++;
    jv key = jv_dump_string(jv_copy(m.facts), JV_PRINT_SORTED);
    size_t klen = strlen(m.sig->id) + (size_t)jv_string_length_bytes(jv_copy(key)) + 2;
    char *k = malloc(klen);
    snprintf(k, klen, "%s %s", m.sig->id, jv_string_value(key));
    jv_free(key);
    for (size_t i = 0; i < a->ngroups; i++) {
        struct group *g = &a->groups[i];
        if (strcmp(g->key, k) == 0) {
            g->count++;
            g->last_ms = at;
            if (jv_array_length(jv_copy(g->evidence)) < ANALYZE_EVIDENCE_LINES)
                g->evidence = jv_array_append(g->evidence, evidence_line(line, len));
            free(k);
            jv_free(m.facts);
            return;
        }
    }
    if (a->ngroups == ANALYZE_GROUPS_MAX) {
        group_emit(a, &a->groups[0]); /* the oldest; a storm of distinct facts */
        memmove(a->groups, a->groups + 1, (ANALYZE_GROUPS_MAX - 1) * sizeof *a->groups);
        a->ngroups--;
    }
    struct group *g = &a->groups[a->ngroups++];
    g->sig = m.sig;
    g->facts = m.facts;
    g->key = k;
    g->first_ms = g->last_ms = at;
    g->count = 1;
    g->evidence = jv_array_append(jv_array(), evidence_line(line, len));
}

/* Feeds each line of a string to the best-match search. */
static void match_text(struct analyzer *a, const char *text, struct catalog_match *best,
                       jv *evidence)
{
    const char *p = text;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        struct catalog_match m;
        if (catalog_match_line(a->catalog, p, len, &m)) {
            if (!best->sig || m.sig->confidence > best->sig->confidence) {
                if (best->sig)
                    jv_free(best->facts);
                *best = m;
            } else {
                jv_free(m.facts);
            }
            if (jv_array_length(jv_copy(*evidence)) < ANALYZE_EVIDENCE_LINES)
                *evidence = jv_array_append(*evidence, evidence_line(p, len));
        }
        p = nl ? nl + 1 : NULL;
    }
}

/* Every string inside v (strings, arrays and objects of them), borrowed. */
static void match_strings(struct analyzer *a, jv v, struct catalog_match *best, jv *evidence,
                          int depth)
{
    if (depth > 4)
        return;
    switch (jv_get_kind(v)) {
    case JV_KIND_STRING:
        match_text(a, jv_string_value(v), best, evidence);
        break;
    case JV_KIND_ARRAY:
        for (int i = 0; i < jv_array_length(jv_copy(v)); i++) {
            jv e = jv_array_get(jv_copy(v), i);
            match_strings(a, e, best, evidence, depth + 1);
            jv_free(e);
        }
        break;
    case JV_KIND_OBJECT: {
        jv all = jv_copy(v); /* jv_object_foreach evaluates its argument repeatedly */
        jv_object_foreach(all, k, e)
        {
            match_strings(a, e, best, evidence, depth + 1);
            jv_free(k);
            jv_free(e);
        }
        jv_free(all);
        break;
    }
    default:
        break;
    }
}

void analyzer_record(struct analyzer *a, jv rec)
{
    if (!record_is_type(&rec, "check")) {
        a->stats.passed++;
        a->emit(a->ctx, rec);
        return;
    }
    jv code = jv_object_get(jv_copy(rec), jv_string("code"));
    int c = jv_get_kind(code) == JV_KIND_NUMBER ? (int)jv_number_value(code) : 3;
    jv_free(code);
    const char *st = record_string_borrow(&rec, "state_type");
    bool hard = !st || strcmp(st, "soft") != 0;
    if (c == 0 || (!hard && !a->all_states)) {
        /* Healthy, or not yet confirmed: nothing to diagnose, pass it on. */
        a->stats.passed++;
        a->emit(a->ctx, rec);
        return;
    }
    struct catalog_match best = {0};
    jv evidence = jv_array();
    static const char *const fields[] = {"summary", "output", "evidence"};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        jv v = jv_object_get(jv_copy(rec), jv_string(fields[i]));
        match_strings(a, v, &best, &evidence, 0);
        jv_free(v);
    }
    jv d = record_derive("diagnosis", jv_copy(rec));
    if (best.sig) {
        d = diagnosis_fields(d, best.sig, best.facts, best.sig->confidence);
        a->stats.diagnoses++;
    } else {
        d = diagnosis_fields(d, NULL, jv_object(), 0.1);
        const char *name = record_string_borrow(&rec, "name");
        const char *summary = record_string_borrow(&rec, "summary");
        char buf[1024];
        snprintf(buf, sizeof buf, "check '%s' failed and no known signature matched: %s",
                 name ? name : "?", summary ? summary : "");
        d = jv_object_set(d, jv_string("summary"), jv_string(buf));
        if (summary && jv_array_length(jv_copy(evidence)) == 0)
            evidence = jv_array_append(evidence, evidence_line(summary, strlen(summary)));
        a->stats.unclassified++;
    }
    d = jv_object_set(d, jv_string("evidence"), evidence);
    d = jv_object_set(d, jv_string("count"), jv_number(1));
    jv ts = jv_object_get(jv_copy(rec), jv_string("ts"));
    if (jv_get_kind(ts) != JV_KIND_STRING) { /* records from a script may lack it */
        jv_free(ts);
        ts = time_string(clock_now_ms());
    }
    d = jv_object_set(d, jv_string("first_seen"), jv_copy(ts));
    d = jv_object_set(d, jv_string("last_seen"), ts);
    a->emit(a->ctx, rec); /* the check itself passes through too */
    a->emit(a->ctx, d);
}
