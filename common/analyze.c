#include "analyze.h"
#include "clock.h"
#include "record.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct group {
    const struct signature *sig;
    const struct signature *related; /* a failure of the same incident ... */
    const char *related_role;        /* ... and what it was: "cause" or "effect" */
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
    /* The block being scanned, for multi-line context, and how far into it
     * lines already belong to a traceback handled as one failure. */
    const char *blk;
    size_t blk_len, consumed;
    /* Built once from the tables below, indexed by category_index. */
    bool causes[CATALOG_CATEGORIES][CATALOG_CATEGORIES];
    int rank[CATALOG_CATEGORIES];
    /* Lines the catalog does not know, for whoever asked (analyzer_on_unmatched). */
    analyze_wants_fn *wants;
    analyze_unmatched_fn *unmatched;
    void *unmatched_ctx;
    char trace[RECORD_ID_SIZE]; /* "" : text diagnoses are their own trace */
};

static int causal_rank(const char *category);
static bool can_cause(const char *cause, const char *effect);

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
    for (int e = 0; e < CATALOG_CATEGORIES; e++) {
        a->rank[e] = causal_rank(catalog_categories[e]);
        for (int c = 0; c < CATALOG_CATEGORIES; c++)
            a->causes[c][e] = can_cause(catalog_categories[c], catalog_categories[e]);
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

/*
 * How causal a category is, most causal first: when several failures come
 * together (disk full -> database cannot write -> HTTP 500), the one
 * earliest in this order leads and the others are listed as related.
 */
static int causal_rank(const char *category)
{
    static const char *const order[] = {
        "disk", "memory", "resource", "time", "permission", "config", "dns", "tls",
        "network", "lock", "database", "dependency", "auth", "service", "process",
        "container", "runtime", "http", "build", "test", "unknown", NULL};
    for (int i = 0; order[i]; i++)
        if (!strcmp(order[i], category))
            return i;
    return 99;
}

/*
 * Which categories can bring down which: text failures in one window are
 * linked as a cascade only along these edges (disk full -> database ->
 * HTTP 500), never merely for being near each other.
 */
static bool can_cause(const char *cause, const char *effect)
{
    static const char *const edges[][2] = {
        {"disk", "database"},     {"disk", "service"},        {"disk", "http"},
        {"disk", "process"},      {"disk", "container"},      {"disk", "lock"},
        {"memory", "process"},    {"memory", "service"},      {"memory", "container"},
        {"memory", "database"},   {"memory", "http"},         {"resource", "process"},
        {"resource", "service"},  {"resource", "database"},   {"resource", "http"},
        {"time", "tls"},          {"time", "auth"},           {"permission", "service"},
        {"permission", "process"}, {"permission", "database"}, {"config", "service"},
        {"config", "http"},       {"config", "database"},     {"dns", "network"},
        {"dns", "http"},          {"dns", "service"},         {"dns", "database"},
        {"dns", "dependency"},    {"tls", "http"},            {"tls", "service"},
        {"tls", "dependency"},    {"network", "http"},        {"network", "service"},
        {"network", "database"},  {"network", "dependency"},  {"lock", "database"},
        {"lock", "service"},      {"lock", "dependency"},     {"database", "http"},
        {"database", "service"},  {"service", "http"},        {"process", "service"},
        {"process", "http"},      {"container", "service"},   {"container", "http"},
        {NULL, NULL}};
    for (int i = 0; edges[i][0]; i++)
        if (!strcmp(edges[i][0], cause) && !strcmp(edges[i][1], effect))
            return true;
    return false;
}

/* Which categories a check kind's own failure speaks for. */
static bool kind_agrees(const char *kind, const char *category)
{
    static const char *const table[][2] = {
        {"http", "http"}, {"http", "network"}, {"http", "service"}, {"http", "tls"},
        {"http", "dns"}, {"tcp", "network"}, {"tcp", "service"}, {"dns", "dns"},
        {"process", "process"}, {"process", "service"}, {"systemd", "service"},
        {"disk", "disk"}, {"memory", "memory"}, {"swap", "memory"},
        {"filehandles", "resource"}, {"load", "resource"}, {"file", "disk"},
        {"file", "permission"}, {NULL, NULL}};
    for (int i = 0; kind && table[i][0]; i++)
        if (!strcmp(table[i][0], kind) && !strcmp(table[i][1], category))
            return true;
    return false;
}

#define CONFIDENCE_MAX 0.99
#define CONFIDENCE_KIND_AGREES 0.10  /* the check's kind points the same way */
#define CONFIDENCE_PER_WITNESS 0.05  /* another line of the same category */
#define CONFIDENCE_WITNESS_MAX 0.10
#define CONFIDENCE_PER_DOUBLING 0.02 /* repeats of the same text failure */
#define CONFIDENCE_REPEAT_MAX 0.10

static double clamp_confidence(double c)
{
    return c > CONFIDENCE_MAX ? CONFIDENCE_MAX : c;
}

/* The fields every diagnosis carries, from a signature (or none). */
static jv diagnosis_fields(jv d, const struct signature *sig, jv facts, double confidence)
{
    if (sig) {
        d = jv_object_set(d, jv_string("signature"), jv_string(sig->id));
        d = jv_object_set(d, jv_string("category"), jv_string(sig->category));
        d = jv_object_set(d, jv_string("severity"), jv_string(sig->severity));
        d = jv_object_set(d, jv_string("summary"), fill_summary(sig->summary, jv_copy(facts)));
        /* Two decimals: sums of 0.05s must not read 0.9400000000000001. */
        d = jv_object_set(d, jv_string("confidence"), jv_number(round(confidence * 100) / 100));
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
    jv trace = a->trace[0] ? jv_string(a->trace) : jv_copy(self);
    d = jv_object_set(d, jv_string("parent"), self);
    d = jv_object_set(d, jv_string("trace"), trace);
    jv target = jv_object_get(jv_copy(g->facts), jv_string("unit"));
    if (jv_get_kind(target) != JV_KIND_STRING) {
        jv_free(target);
        target = jv_string("text");
    }
    d = jv_object_set(d, jv_string("target"), target);
    double repeats = 0;
    for (uint64_t c = g->count; c > 1 && repeats < CONFIDENCE_REPEAT_MAX; c /= 2)
        repeats += CONFIDENCE_PER_DOUBLING;
    if (repeats > CONFIDENCE_REPEAT_MAX)
        repeats = CONFIDENCE_REPEAT_MAX;
    d = diagnosis_fields(d, g->sig, g->facts, clamp_confidence(g->sig->confidence + repeats));
    if (g->related) {
        jv r = jv_object();
        r = jv_object_set(r, jv_string("signature"), jv_string(g->related->id));
        r = jv_object_set(r, jv_string("category"), jv_string(g->related->category));
        r = jv_object_set(r, jv_string("role"), jv_string(g->related_role));
        d = jv_object_set(d, jv_string("related"), jv_array_append(jv_array(), r));
    }
    d = jv_object_set(d, jv_string("evidence"), g->evidence);
    d = jv_object_set(d, jv_string("count"), jv_number((double)g->count));
    d = jv_object_set(d, jv_string("first_seen"), time_string(g->first_ms));
    d = jv_object_set(d, jv_string("last_seen"), time_string(g->last_ms));
    free(g->key);
    memset(g, 0, sizeof *g);
    a->stats.diagnoses++;
    a->emit(a->ctx, d);
}

/*
 * Before a batch of groups is emitted: a failure whose category can cause
 * another's (can_cause), within one window of it, is named as the other's
 * related cause, so a proposal can start at the cause.
 */
static void link_cascade(const struct analyzer *a, struct group *batch, size_t n,
                         int64_t window_ms, int64_t due_by)
{
    for (size_t i = 0; i < n; i++) {
        struct group *me = &batch[i];
        if (me->related || (due_by != INT64_MIN && due_by - me->first_ms < window_ms))
            continue; /* linked already, or not being emitted now */
        int mine = me->sig->category_index;
        struct group *lead = NULL;
        for (size_t k = 0; k < n; k++) {
            struct group *g = &batch[k];
            int theirs = g->sig->category_index;
            if (k == i || !a->causes[theirs][mine])
                continue;
            bool overlap = g->first_ms <= me->last_ms + window_ms &&
                           me->first_ms <= g->last_ms + window_ms;
            if (overlap && (!lead || a->rank[theirs] < a->rank[lead->sig->category_index]))
                lead = g;
        }
        if (lead) {
            me->related = lead->sig;
            me->related_role = "cause";
        }
    }
}

/* Emits the groups whose window has closed by `now` (input time). */
static void expire(struct analyzer *a, int64_t now)
{
    size_t due = 0;
    for (size_t i = 0; i < a->ngroups; i++)
        due += now - a->groups[i].first_ms >= a->window_ms;
    if (due == 0)
        return;
    link_cascade(a, a->groups, a->ngroups, a->window_ms, now);
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
    link_cascade(a, a->groups, a->ngroups, a->window_ms, INT64_MIN);
    for (size_t i = 0; i < a->ngroups; i++)
        group_emit(a, &a->groups[i]);
    a->ngroups = 0;
}

void analyzer_set_trace(struct analyzer *a, const char *trace)
{
    snprintf(a->trace, sizeof a->trace, "%s", trace && record_id_valid(trace) ? trace : "");
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

/* A leading timestamp: RFC 3339, nginx's "2026/11/29 19:52:40", syslog's "Nov 29 19:52:40". */
static bool analyze_line_time(const char *line, size_t len, int64_t now_ms, int64_t *ms)
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

static void block_line(void *ctx, const char *line, size_t len)
{
    struct analyzer *a = ctx;
    if (a->blk && line < a->blk + a->consumed)
        return; /* part of a traceback already handled as one failure */
    if (len > 0 && line[len - 1] == '\r')
        len--;
    text_line(a, line, len);
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

uint64_t analyze_count_lines(const char *data, size_t len)
{
    return count_newlines(data, len) + (len > 0 && data[len - 1] != '\n');
}

void analyzer_on_unmatched(struct analyzer *a, analyze_wants_fn *wants, analyze_unmatched_fn *fn,
                           void *ctx)
{
    a->wants = wants;
    a->unmatched = fn;
    a->unmatched_ctx = ctx;
}

/* The lines of a block that the hook wants and no signature matches. */
static void unmatched_lines(struct analyzer *a, const char *data, size_t len)
{
    const char *p = data, *end = data + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n > 0 && p[n - 1] == '\r')
            n--;
        struct catalog_match m;
        if (n > 0 && a->wants(p, n)) {
            if (catalog_match_line(a->catalog, p, n, &m)) {
                jv_free(m.facts);
            } else {
                int64_t now = clock_now_ms(), at;
                if (!analyze_line_time(p, n, now, &at))
                    at = now;
                a->unmatched(a->unmatched_ctx, p, n, at);
            }
        }
        p = nl ? nl + 1 : end;
    }
}

void analyzer_text_block(struct analyzer *a, const char *data, size_t len)
{
    a->stats.lines += analyze_count_lines(data, len);
    a->blk = data;
    a->blk_len = len;
    a->consumed = 0;
    catalog_scan_block(a->catalog, data, len, block_line, a);
    a->blk = NULL;
    if (a->unmatched)
        unmatched_lines(a, data, len);
}

#define MULTILINE_LINES_MAX 200 /* lines of one traceback looked at */

/* The line before the one starting at p within the block, or NULL. */
static const char *line_before(const struct analyzer *a, const char *p, size_t *len)
{
    if (p <= a->blk)
        return NULL;
    const char *end = p - 1; /* the '\n' ending the previous line */
    const char *nl = memrchr(a->blk, '\n', (size_t)(end - a->blk));
    const char *start = nl ? nl + 1 : a->blk;
    *len = (size_t)(end - start);
    if (*len > 0 && start[*len - 1] == '\r')
        (*len)--;
    return start;
}

/* The line after the one ending at end (its '\n' or the block's end), or NULL. */
static const char *line_after(const struct analyzer *a, const char *end, size_t *len)
{
    const char *stop = a->blk + a->blk_len;
    if (end >= stop || end + 1 >= stop)
        return NULL;
    const char *start = end + 1;
    const char *nl = memchr(start, '\n', (size_t)(stop - start));
    *len = nl ? (size_t)(nl - start) : (size_t)(stop - start);
    return start;
}

static bool starts_with(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(s, prefix, n) == 0;
}

static bool is_indented(const char *s, size_t len)
{
    return len > 0 && (s[0] == ' ' || s[0] == '\t');
}

/* A Python traceback: the header and the frames nearest the error. */
static jv python_context(struct analyzer *a, const char *line)
{
    jv frames = jv_array();
    size_t len;
    const char *p = line;
    for (int n = 0; n < MULTILINE_LINES_MAX && (p = line_before(a, p, &len)); n++) {
        if (is_indented(p, len)) {
            if (jv_array_length(jv_copy(frames)) < 2)
                frames = jv_array_concat(jv_array_append(jv_array(), evidence_line(p, len)), frames);
            continue;
        }
        static const char header[] = "Traceback (most recent call last):";
        if (len >= sizeof header - 1 && memmem(p, len, header, sizeof header - 1))
            return jv_array_concat(jv_array_append(jv_array(), evidence_line(p, len)), frames);
        break;
    }
    return frames;
}

/*
 * A Java stack trace, read forward from its first line: the last
 * "Caused by:" is the root cause.  Marks the trace consumed.
 */
static const char *java_trace(struct analyzer *a, const char *line, size_t len, size_t *cause_len)
{
    const char *cause = NULL;
    const char *end = line + len;
    const char *p;
    size_t n;
    for (int k = 0; k < MULTILINE_LINES_MAX && (p = line_after(a, end, &n)); k++) {
        size_t t = n;
        const char *q = p;
        while (t > 0 && (*q == ' ' || *q == '\t'))
            q++, t--;
        if (starts_with(p, n, "Caused by: ")) {
            cause = p;
            *cause_len = n > 0 && p[n - 1] == '\r' ? n - 1 : n;
        } else if (!(q != p && (starts_with(q, t, "at ") || starts_with(q, t, "... ") ||
                                starts_with(q, t, "Suppressed: ") ||
                                starts_with(q, t, "Caused by: ")))) {
            break;
        }
        end = p + n;
    }
    a->consumed = (size_t)(end - a->blk);
    return cause;
}

/* A Go panic: the first lines of its goroutine dump.  Marks the dump consumed. */
static jv go_context(struct analyzer *a, const char *line, size_t len)
{
    jv lines = jv_array();
    const char *end = line + len;
    const char *p;
    size_t n;
    for (int k = 0; k < MULTILINE_LINES_MAX && (p = line_after(a, end, &n)); k++) {
        bool part = n == 0 || is_indented(p, n) || starts_with(p, n, "goroutine ") ||
                    starts_with(p, n, "[signal ") || starts_with(p, n, "exit status ") ||
                    memchr(p, '(', n) || memmem(p, n, ".go:", 4);
        if (!part)
            break;
        if (n > 0 && jv_array_length(jv_copy(lines)) < ANALYZE_EVIDENCE_LINES - 1)
            lines = jv_array_append(lines, evidence_line(p, n));
        end = p + n;
    }
    a->consumed = (size_t)(end - a->blk);
    return lines;
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
    /* A multi-line failure is one failure: its decisive line leads, the
     * rest is evidence (a->blk is NULL outside a block scan). */
    jv context = jv_array();
    const struct signature *related = NULL;
    const char *ml = m.sig->multiline;
    if (a->blk && ml && !strcmp(ml, "python-traceback")) {
        jv_free(context);
        context = python_context(a, line);
    } else if (a->blk && ml && !strcmp(ml, "java-exception")) {
        size_t clen = 0;
        const char *cause = java_trace(a, line, len, &clen);
        struct catalog_match root;
        context = jv_array_append(context, evidence_line(line, len));
        if (cause && catalog_match_line(a->catalog, cause, clen, &root)) {
            if (root.sig != m.sig)
                related = m.sig; /* the wrapper names the root cause as related */
            jv_free(m.facts);
            m = root;
            line = cause;
            len = clen;
        } else if (cause) {
            context = jv_array_append(context, evidence_line(cause, clen));
        }
    } else if (a->blk && ml && !strcmp(ml, "go-panic")) {
        jv_free(context);
        context = jv_array_append(jv_array(), evidence_line(line, len));
        context = jv_array_concat(context, go_context(a, line, len));
    }
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
            jv_free(context);
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
    g->related = related;
    g->related_role = "effect"; /* a Java wrapper of the root cause */
    /* A traceback's context, then the decisive line (once). */
    bool has_line = false;
    int nctx = jv_array_length(jv_copy(context));
    for (int c = 0; c < nctx && !has_line; c++) {
        jv e = jv_array_get(jv_copy(context), c);
        has_line = (size_t)jv_string_length_bytes(jv_copy(e)) == len &&
                   !memcmp(jv_string_value(e), line, len);
        jv_free(e);
    }
    g->evidence = has_line ? context : jv_array_append(context, evidence_line(line, len));
}

#define RECORD_MATCHES_MAX 16

/* What one failed check's text matched, line by line. */
struct record_matches {
    struct catalog_match m[RECORD_MATCHES_MAX];
    size_t n;
    jv evidence;
};

static void match_text(struct analyzer *a, const char *text, struct record_matches *rm)
{
    const char *p = text;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        struct catalog_match m;
        if (catalog_match_line(a->catalog, p, len, &m)) {
            if (rm->n < RECORD_MATCHES_MAX)
                rm->m[rm->n++] = m;
            else
                jv_free(m.facts);
            if (jv_array_length(jv_copy(rm->evidence)) < ANALYZE_EVIDENCE_LINES)
                rm->evidence = jv_array_append(rm->evidence, evidence_line(p, len));
        }
        p = nl ? nl + 1 : NULL;
    }
}

/* Every string inside v (strings, arrays and objects of them), borrowed. */
static void match_strings(struct analyzer *a, jv v, struct record_matches *rm, int depth)
{
    if (depth > 4)
        return;
    switch (jv_get_kind(v)) {
    case JV_KIND_STRING:
        match_text(a, jv_string_value(v), rm);
        break;
    case JV_KIND_ARRAY:
        for (int i = 0; i < jv_array_length(jv_copy(v)); i++) {
            jv e = jv_array_get(jv_copy(v), i);
            match_strings(a, e, rm, depth + 1);
            jv_free(e);
        }
        break;
    case JV_KIND_OBJECT: {
        jv all = jv_copy(v); /* jv_object_foreach evaluates its argument repeatedly */
        jv_object_foreach(all, k, e)
        {
            match_strings(a, e, rm, depth + 1);
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

/*
 * The lead of a check's matches: the most causal category, then the more
 * confident signature.  Its confidence gains when the check's own kind
 * points the same way and when other lines agree on its category.
 */
static size_t lead_of(const struct record_matches *rm)
{
    size_t lead = 0;
    for (size_t i = 1; i < rm->n; i++) {
        int ri = causal_rank(rm->m[i].sig->category), rl = causal_rank(rm->m[lead].sig->category);
        if (ri < rl || (ri == rl && rm->m[i].sig->confidence > rm->m[lead].sig->confidence))
            lead = i;
    }
    return lead;
}

static double record_confidence(const struct record_matches *rm, size_t lead, const char *kind)
{
    const struct signature *s = rm->m[lead].sig;
    double c = s->confidence, witnesses = 0;
    if (kind_agrees(kind, s->category))
        c += CONFIDENCE_KIND_AGREES;
    for (size_t i = 0; i < rm->n; i++)
        if (i != lead && !strcmp(rm->m[i].sig->category, s->category))
            witnesses += CONFIDENCE_PER_WITNESS;
    c += witnesses > CONFIDENCE_WITNESS_MAX ? CONFIDENCE_WITNESS_MAX : witnesses;
    return clamp_confidence(c);
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
    struct record_matches rm = {.n = 0, .evidence = jv_array()};
    static const char *const fields[] = {"summary", "output", "evidence"};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        jv v = jv_object_get(jv_copy(rec), jv_string(fields[i]));
        match_strings(a, v, &rm, 0);
        jv_free(v);
    }
    jv evidence = rm.evidence;
    jv d = record_derive("diagnosis", jv_copy(rec));
    if (rm.n > 0) {
        size_t lead = lead_of(&rm);
        const struct signature *s = rm.m[lead].sig;
        double conf = record_confidence(&rm, lead, record_string_borrow(&rec, "kind"));
        d = diagnosis_fields(d, s, jv_copy(rm.m[lead].facts), conf);
        jv related = jv_array();
        for (size_t i = 0; i < rm.n; i++) {
            bool seen = rm.m[i].sig == s;
            for (size_t k = 0; k < i && !seen; k++)
                seen = rm.m[k].sig == rm.m[i].sig;
            if (!seen) {
                jv r = jv_object();
                r = jv_object_set(r, jv_string("signature"), jv_string(rm.m[i].sig->id));
                r = jv_object_set(r, jv_string("category"), jv_string(rm.m[i].sig->category));
                /* The lead is the most causal; the others are read as its effects. */
                r = jv_object_set(r, jv_string("role"), jv_string("effect"));
                related = jv_array_append(related, r);
            }
        }
        if (jv_array_length(jv_copy(related)) > 0)
            d = jv_object_set(d, jv_string("related"), related);
        else
            jv_free(related);
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
    for (size_t i = 0; i < rm.n; i++)
        jv_free(rm.m[i].facts);
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
