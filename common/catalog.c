#include "catalog.h"
#include "builtin.h"
#include "hs_lib.h"
#include "log.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct config_field signature_fields[] = {
    {"id", CONFIG_STRING, true},
    {"category", CONFIG_STRING, true},
    {"severity", CONFIG_STRING, true},
    {"patterns", CONFIG_ARRAY, true},
    {"literals", CONFIG_ARRAY, true},
    {"summary", CONFIG_STRING, true},
    {"description", CONFIG_STRING, false},
    {"confidence", CONFIG_NUMBER, false},
    {"transient", CONFIG_BOOL, false},
    {"remedies", CONFIG_ARRAY, false},
    {"multiline", CONFIG_STRING | CONFIG_NULL, false},
    {"source", CONFIG_STRING, false},
    {"disabled", CONFIG_BOOL, false},
    {NULL, 0, false},
};

struct catalog {
    /*
     * Until the first line to match there are no signatures at all: a
     * stream of healthy check records never needs them, and parsing the
     * built-ins and compiling every pattern costs heal-analyze megabytes
     * it would keep for good.  Loading reads and validates the drop-ins
     * (so their problems are reported at start) and keeps the entries
     * accepted; catalog_prepare replays them over the built-ins.
     */
    jv drop_ins;             /* array of [entry, source] until prepared */
    bool builtin;            /* the built-ins go under them */
    config_error_fn *report; /* for the built-ins' problems, which tests rule out */
    void *report_ctx;
    bool prepared, unusable;
    struct signature *sigs;
    size_t n;
    size_t *ends; /* block scan: end offsets of literal hits */
    size_t nends, ends_cap;
    bool ends_overflow;
    const struct hs_lib *hs; /* loaded by catalog_prepare */
    hs_database_t *db;
    hs_scratch_t *scratch;
    unsigned char *hit; /* per signature: seen in the current line */
    unsigned *hits;     /* list of signatures seen in the current line */
    size_t nhits;
    pcre2_match_data *md;
    pcre2_match_context *mctx; /* bounds every match: no pattern may stall a stream */
};

static bool ready_to_match(struct catalog *c);

size_t catalog_size(struct catalog *c)
{
    return ready_to_match(c) ? c->n : 0;
}

const struct signature *catalog_get(struct catalog *c, size_t i)
{
    return i < catalog_size(c) ? &c->sigs[i] : NULL;
}

static char *str_field(jv o, const char *key)
{
    jv v = jv_object_get(jv_copy(o), jv_string(key));
    char *s = jv_get_kind(v) == JV_KIND_STRING ? strdup(jv_string_value(v)) : NULL;
    jv_free(v);
    return s;
}

static void signature_free(struct signature *s)
{
    free(s->id), free(s->category), free(s->severity), free(s->summary);
    free(s->description), free(s->source), free(s->multiline);
    jv_free(s->remedies);
    for (size_t i = 0; i < s->npatterns; i++)
        pcre2_code_free(s->patterns[i]);
    memset(s, 0, sizeof *s);
}

static int known_category(const char *c)
{
    return catalog_category_index(c) >= 0;
}

/* Validates one entry (borrowed), all but its patterns' syntax.  Returns 0, or -1 with err. */
static int signature_build(jv o, struct signature *s, struct heal_error *err)
{
    memset(s, 0, sizeof *s);
    s->remedies = jv_array();
    struct heal_error e;
    if (config_check_fields(o, signature_fields, &e) != 0)
        return heal_error_set(err, "%s", e.msg);
    s->id = str_field(o, "id");
    s->category = str_field(o, "category");
    s->severity = str_field(o, "severity");
    s->summary = str_field(o, "summary");
    s->description = str_field(o, "description");
    s->source = str_field(o, "source");
    s->multiline = str_field(o, "multiline");
    if (!known_category(s->category))
        return heal_error_set(err, "unknown category '%s'", s->category);
    s->category_index = catalog_category_index(s->category);
    size_t cl = strlen(s->category);
    if (strncmp(s->id, s->category, cl) != 0 || s->id[cl] != '.' || !s->id[cl + 1])
        return heal_error_set(err, "id must be '%s.NAME'", s->category);
    if (strcmp(s->severity, "info") && strcmp(s->severity, "warning") &&
        strcmp(s->severity, "critical"))
        return heal_error_set(err, "severity must be info, warning or critical");
    jv conf = jv_object_get(jv_copy(o), jv_string("confidence"));
    s->confidence = jv_get_kind(conf) == JV_KIND_NUMBER ? jv_number_value(conf) : 0.8;
    jv_free(conf);
    if (!(s->confidence > 0 && s->confidence <= 1))
        return heal_error_set(err, "confidence must be in (0, 1]");
    jv tr = jv_object_get(jv_copy(o), jv_string("transient"));
    s->transient = jv_get_kind(tr) == JV_KIND_TRUE;
    jv_free(tr);
    jv rem = jv_object_get(jv_copy(o), jv_string("remedies"));
    if (jv_get_kind(rem) == JV_KIND_ARRAY) {
        jv_free(s->remedies);
        s->remedies = rem;
    } else {
        jv_free(rem);
    }
    /* The prefilter skips a literal that is empty or spans lines; a
     * signature left without one would silently never match. */
    jv lits = jv_object_get(jv_copy(o), jv_string("literals"));
    int nlit = jv_array_length(jv_copy(lits)), bad_literal = 0;
    for (int i = 0; i < nlit && !bad_literal; i++) {
        jv one = jv_array_get(jv_copy(lits), i);
        if (jv_get_kind(one) != JV_KIND_STRING || jv_string_length_bytes(jv_copy(one)) == 0 ||
            strchr(jv_string_value(one), '\n'))
            bad_literal = i + 1;
        jv_free(one);
    }
    jv_free(lits);
    if (nlit < 1)
        return heal_error_set(err, "needs at least one literal");
    if (bad_literal)
        return heal_error_set(err, "literal %d must be a non-empty string without a newline",
                              bad_literal);
    jv pats = jv_object_get(jv_copy(o), jv_string("patterns"));
    int np = jv_array_length(jv_copy(pats));
    int rc = 0;
    if (np < 1 || np > CATALOG_PATTERNS_MAX)
        rc = heal_error_set(err, "needs 1 to %d patterns", CATALOG_PATTERNS_MAX);
    for (int i = 0; rc == 0 && i < np; i++) {
        jv p = jv_array_get(jv_copy(pats), i);
        if (jv_get_kind(p) != JV_KIND_STRING)
            rc = heal_error_set(err, "pattern %d is not a string", i + 1);
        jv_free(p);
    }
    jv_free(pats);
    return rc;
}

/*
 * Compiles a signature's patterns (an array of strings, borrowed) into s;
 * JIT-compiled for matching, or not when only checking them.  Returns 0,
 * or -1 with err naming the first bad pattern.
 */
static int patterns_compile(jv pats, struct signature *s, bool jit, struct heal_error *err)
{
    int np = jv_array_length(jv_copy(pats));
    for (int i = 0; i < np; i++) {
        jv p = jv_array_get(jv_copy(pats), i);
        int code;
        PCRE2_SIZE off;
        /* Log lines are not always valid UTF-8 (a Latin-1 file name): match
         * around bad bytes instead of failing the whole line. */
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)jv_string_value(p), PCRE2_ZERO_TERMINATED,
                                       PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
        jv_free(p);
        if (!re) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(code, msg, sizeof msg);
            return heal_error_set(err, "pattern %d: %s at offset %zu", i + 1, (char *)msg,
                                  (size_t)off);
        }
        if (jit)
            pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* falls back to the interpreter */
        s->patterns[s->npatterns++] = re;
    }
    return 0;
}

/* A signature is validated as it loads, its patterns compiled once (no JIT) and freed. */
static int signature_validate(jv entry, const char *source, struct heal_error *err)
{
    (void)source;
    struct signature probe;
    int rc = signature_build(entry, &probe, err);
    if (rc == 0) {
        jv pats = jv_object_get(jv_copy(entry), jv_string("patterns"));
        rc = patterns_compile(pats, &probe, false, err);
        jv_free(pats);
    }
    signature_free(&probe);
    return rc;
}

static void load_builtins(struct config_catalog *l)
{
    for (const struct builtin_file *f = heal_builtin_files; f->name; f++)
        if (strncmp(f->name, "signatures", 10) == 0)
            config_load_builtin(f->name, &l->sink);
}

/* Passes the drop-ins on to the catalog, keeping a copy of each it accepts. */
struct drop_in_recorder {
    struct config_catalog *l;
    jv kept; /* array of [entry, source] */
};

static void record_drop_in(void *ctx, jv entry, const char *source)
{
    struct drop_in_recorder *r = ctx;
    unsigned before = r->l->problems;
    jv copy = jv_copy(entry);
    r->l->sink.entry(r->l->sink.ctx, entry, source);
    if (r->l->problems == before)
        r->kept = jv_array_append(r->kept, JV_ARRAY(copy, jv_string(source)));
    else
        jv_free(copy);
}

static void forward_problem(void *ctx, const char *message)
{
    struct drop_in_recorder *r = ctx;
    r->l->sink.error(r->l->sink.ctx, message);
}

static struct catalog *catalog_new(struct drop_in_recorder *r, bool builtin, unsigned *problems,
                                   struct heal_error *err)
{
    *problems = r->l->problems;
    struct catalog *c = calloc(1, sizeof *c);
    if (c) {
        c->drop_ins = r->kept;
        c->builtin = builtin;
        c->report = r->l->report;
        c->report_ctx = r->l->ctx;
    } else {
        jv_free(r->kept);
        heal_error_set(err, "out of memory");
    }
    jv_free(config_catalog_finish(r->l, NULL));
    return c;
}

struct catalog *catalog_load(const char *config_dir, config_error_fn *report, void *ctx,
                             unsigned *problems, struct heal_error *err)
{
    struct config_catalog l;
    config_catalog_init(&l, "signature", signature_validate, report, ctx);
    config_catalog_drop_ins(&l);
    struct drop_in_recorder r = {&l, jv_array()};
    struct config_sink sink = {.entry = record_drop_in, .error = forward_problem, .ctx = &r};
    if (config_dir)
        config_load_dir(config_dir, "signatures.d", &sink);
    return catalog_new(&r, true, problems, err);
}

struct catalog *catalog_load_buffer(const char *buf, size_t len, const char *name, bool builtin,
                                    config_error_fn *report, void *ctx, unsigned *problems,
                                    struct heal_error *err)
{
    struct config_catalog l;
    config_catalog_init(&l, "signature", signature_validate, report, ctx);
    config_catalog_drop_ins(&l);
    struct drop_in_recorder r = {&l, jv_array()};
    struct config_sink sink = {.entry = record_drop_in, .error = forward_problem, .ctx = &r};
    config_parse_buffer(buf, len, name, &sink);
    return catalog_new(&r, builtin, problems, err);
}

/* The merged entries: the built-ins, then the drop-ins kept at load over them. */
static jv merged_entries(struct catalog *c)
{
    struct config_catalog l;
    config_catalog_init(&l, "signature", signature_validate, c->report, c->report_ctx);
    if (c->builtin)
        load_builtins(&l);
    config_catalog_drop_ins(&l);
    int n = jv_array_length(jv_copy(c->drop_ins));
    for (int i = 0; i < n; i++) {
        jv kept = jv_array_get(jv_copy(c->drop_ins), i);
        jv source = jv_array_get(jv_copy(kept), 1);
        l.sink.entry(l.sink.ctx, jv_array_get(jv_copy(kept), 0), jv_string_value(source));
        jv_free(source);
        jv_free(kept);
    }
    return config_catalog_finish(&l, NULL);
}

/* Adds each of a signature's literals (an array, borrowed) to the prefilter's list. */
static int add_literals(jv ls, unsigned sig, struct signature *s, char ***lit, unsigned **ids,
                        size_t *nl, size_t *cap)
{
    for (int k = 0; k < jv_array_length(jv_copy(ls)); k++) {
        jv one = jv_array_get(jv_copy(ls), k);
        /* A literal never spans lines: block scans rely on it. */
        if (jv_get_kind(one) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(one)) > 0 &&
            !strchr(jv_string_value(one), '\n')) {
            if (*nl == *cap) {
                size_t bigger = *cap ? *cap * 2 : 256;
                char **l2 = realloc(*lit, bigger * sizeof **lit);
                if (l2)
                    *lit = l2;
                unsigned *i2 = l2 ? realloc(*ids, bigger * sizeof **ids) : NULL;
                if (i2)
                    *ids = i2;
                if (!l2 || !i2) {
                    jv_free(one);
                    return -1;
                }
                *cap = bigger;
            }
            if (!((*lit)[*nl] = strdup(jv_string_value(one)))) {
                jv_free(one);
                return -1;
            }
            (*ids)[*nl] = sig;
            size_t len = strlen((*lit)[*nl]);
            if (len > s->specificity)
                s->specificity = len;
            (*nl)++;
        }
        jv_free(one);
    }
    return 0;
}

/* One Vectorscan database of every literal, each one's id its signature's index. */
static int compile_prefilter(struct catalog *c, char **lit, unsigned *ids, size_t nl,
                             struct heal_error *err)
{
    if (nl == 0)
        return 0;
    if (!(c->hs = hs_lib_load(err)))
        return -1;
    size_t *lens = malloc(nl * sizeof *lens);
    /* Not SINGLEMATCH: a block scan needs every occurrence. */
    unsigned *flags = calloc(nl, sizeof *flags);
    if (!lens || !flags) {
        free(lens), free(flags);
        return heal_error_set(err, "out of memory");
    }
    for (size_t i = 0; i < nl; i++)
        lens[i] = strlen(lit[i]);
    hs_compile_error_t *ce = NULL;
    /* Vectorscan's hs_compile_lit_multi takes raw bytes. */
    hs_error_t hc = c->hs->compile_lit_multi((const char *const *)lit, flags, ids, lens,
                                             (unsigned)nl, HS_MODE_BLOCK, NULL, &c->db, &ce);
    free(lens), free(flags);
    if (hc != HS_SUCCESS) {
        heal_error_set(err, "prefilter: %s", ce ? ce->message : "compile failed");
        c->hs->free_compile_error(ce);
        return -1;
    }
    if (c->hs->alloc_scratch(c->db, &c->scratch) != HS_SUCCESS)
        return heal_error_set(err, "prefilter: cannot allocate scratch space");
    return 0;
}

/* Builds the signatures from the merged entries (borrowed): PCRE2 with JIT, the prefilter. */
static int build(struct catalog *c, jv entries, struct heal_error *err)
{
    int n = jv_array_length(jv_copy(entries));
    size_t slots = (size_t)(n ? n : 1);
    c->sigs = calloc(slots, sizeof *c->sigs);
    c->hit = calloc(slots, 1);
    c->hits = calloc(slots, sizeof *c->hits);
    c->md = pcre2_match_data_create(64, NULL);
    c->mctx = pcre2_match_context_create(NULL);
    if (!c->sigs || !c->hit || !c->hits || !c->md || !c->mctx)
        return heal_error_set(err, "out of memory");
    pcre2_set_match_limit(c->mctx, CATALOG_MATCH_LIMIT);
    pcre2_set_depth_limit(c->mctx, CATALOG_MATCH_LIMIT / 10);
    char **lit = NULL;
    unsigned *ids = NULL;
    size_t nl = 0, cap = 0;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        jv e = jv_array_get(jv_copy(entries), i);
        struct signature *s = &c->sigs[c->n];
        struct heal_error e2;
        if (signature_build(e, s, &e2) != 0) { /* validated at load: cannot happen */
            signature_free(s);
            jv_free(e);
            continue;
        }
        jv pats = jv_object_get(jv_copy(e), jv_string("patterns"));
        jv ls = jv_object_get(jv_copy(e), jv_string("literals"));
        c->n++; /* freed with the catalog from here on */
        if (patterns_compile(pats, s, true, err) != 0)
            rc = -1; /* validated at load: only when out of memory */
        else if (add_literals(ls, (unsigned)(c->n - 1), s, &lit, &ids, &nl, &cap) != 0)
            rc = heal_error_set(err, "out of memory");
        jv_free(pats);
        jv_free(ls);
        jv_free(e);
    }
    if (rc == 0)
        rc = compile_prefilter(c, lit, ids, nl, err);
    for (size_t i = 0; i < nl; i++)
        free(lit[i]);
    free(lit), free(ids);
    return rc;
}

int catalog_prepare(struct catalog *c, struct heal_error *err)
{
    if (c->prepared)
        return 0;
    if (c->unusable)
        return heal_error_set(err, "the signature catalog could not be compiled");
    c->unusable = true; /* until everything below has worked */
    jv entries = merged_entries(c);
    int rc = build(c, entries, err);
    jv_free(entries);
    if (rc != 0)
        return -1;
    jv_free(c->drop_ins);
    c->drop_ins = jv_null();
    c->unusable = false;
    c->prepared = true;
    return 0;
}

void catalog_free(struct catalog *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        signature_free(&c->sigs[i]);
    free(c->sigs);
    if (c->hs) {
        c->hs->free_scratch(c->scratch);
        c->hs->free_database(c->db);
    }
    free(c->hit), free(c->hits), free(c->ends);
    jv_free(c->drop_ins);
    pcre2_match_data_free(c->md);
    pcre2_match_context_free(c->mctx);
    free(c);
}

static int on_literal(unsigned int id, unsigned long long from, unsigned long long to,
                      unsigned int flags, void *ctx)
{
    (void)from, (void)to, (void)flags;
    struct catalog *c = ctx;
    if (!c->hit[id]) {
        c->hit[id] = 1;
        c->hits[c->nhits++] = id;
    }
    return 0;
}

static void prefilter(struct catalog *c, const char *line, size_t len)
{
    c->nhits = 0;
    if (c->db && len > 0)
        c->hs->scan(c->db, line, (unsigned)len, 0, c->scratch, on_literal, c);
    for (size_t i = 0; i < c->nhits; i++)
        c->hit[c->hits[i]] = 0;
}

static jv capture_facts(const pcre2_code *re, pcre2_match_data *md, const char *line)
{
    jv facts = jv_object();
    uint32_t count = 0, entry_size = 0;
    PCRE2_SPTR table;
    pcre2_pattern_info(re, PCRE2_INFO_NAMECOUNT, &count);
    pcre2_pattern_info(re, PCRE2_INFO_NAMEENTRYSIZE, &entry_size);
    pcre2_pattern_info(re, PCRE2_INFO_NAMETABLE, &table);
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    uint32_t pairs = pcre2_get_ovector_count(md);
    for (uint32_t i = 0; i < count; i++) {
        PCRE2_SPTR e = table + i * entry_size;
        uint32_t n = ((uint32_t)e[0] << 8) | e[1];
        if (n >= pairs || ov[2 * n] == PCRE2_UNSET)
            continue;
        size_t len = ov[2 * n + 1] - ov[2 * n];
        if (len > CATALOG_FACT_MAX)
            len = CATALOG_FACT_MAX;
        /* Several groups may share a name ((?J)); keep the one that matched. */
        facts = jv_object_set(facts, jv_string((const char *)e + 2),
                              jv_string_sized(line + ov[2 * n], (int)len));
    }
    return facts;
}

/* Matching compiles the catalog first; a failure to (out of memory) is said once. */
static bool ready_to_match(struct catalog *c)
{
    if (c->prepared)
        return true;
    bool first = !c->unusable;
    struct heal_error err;
    if (catalog_prepare(c, &err) == 0)
        return true;
    if (first)
        log_error("catalog", "%s", err.msg);
    return false;
}

int catalog_match_line(struct catalog *c, const char *line, size_t len, struct catalog_match *m)
{
    if (!ready_to_match(c))
        return 0;
    prefilter(c, line, len);
    const struct signature *best = NULL;
    double best_score = 0;
    for (size_t h = 0; h < c->nhits; h++) {
        struct signature *s = &c->sigs[c->hits[h]];
        for (size_t p = 0; p < s->npatterns; p++) {
            /* Over the limit (PCRE2_ERROR_MATCHLIMIT) counts as no match. */
            int rc = pcre2_match(s->patterns[p], (PCRE2_SPTR)line, len, 0, 0, c->md, c->mctx);
            if (rc < 0)
                continue;
            /* More confident first; among equals, the more specific literal. */
            double score = s->confidence + (double)s->specificity * 1e-4;
            if (!best || score > best_score) {
                if (best)
                    jv_free(m->facts);
                best = s;
                best_score = score;
                PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
                m->sig = s;
                m->start = ov[0];
                m->end = ov[1];
                m->facts = capture_facts(s->patterns[p], c->md, line);
            }
            break;
        }
    }
    return best != NULL;
}

#define CATALOG_BLOCK_HITS_MAX (1u << 20)

static int on_block_hit(unsigned int id, unsigned long long from, unsigned long long to,
                        unsigned int flags, void *ctx)
{
    (void)id, (void)from, (void)flags;
    struct catalog *c = ctx;
    /* Hits arrive in order of their end; several on one line are folded later. */
    if (c->nends && c->ends[c->nends - 1] == (size_t)to)
        return 0;
    if (c->nends == c->ends_cap) {
        size_t cap = c->ends_cap ? c->ends_cap * 2 : 4096;
        size_t *e = cap <= CATALOG_BLOCK_HITS_MAX ? realloc(c->ends, cap * sizeof *e) : NULL;
        if (!e) {
            c->ends_overflow = true; /* fall back to every line of this block */
            return 1;
        }
        c->ends = e;
        c->ends_cap = cap;
    }
    c->ends[c->nends++] = (size_t)to;
    return 0;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

void catalog_scan_block(struct catalog *c, const char *data, size_t len, catalog_line_fn *fn,
                        void *ctx)
{
    c->nends = 0;
    c->ends_overflow = false;
    if (!ready_to_match(c))
        return;
    if (c->db && len > 0)
        c->hs->scan(c->db, data, (unsigned)len, 0, c->scratch, on_block_hit, c);
    if (c->ends_overflow) {
        /* A block dense with hits: every line goes the per-line way. */
        for (size_t at = 0; at < len;) {
            const char *nl = memchr(data + at, '\n', len - at);
            size_t end = nl ? (size_t)(nl - data) : len;
            fn(ctx, data + at, end - at);
            at = end + 1;
        }
        return;
    }
    if (c->nends > 1) /* ends is NULL before the first hit: qsort must not see it */
        qsort(c->ends, c->nends, sizeof *c->ends, cmp_size);
    size_t next_start = 0; /* lines before this offset are done */
    for (size_t i = 0; i < c->nends; i++) {
        /* The hit's last byte, at to - 1, is no newline: literals hold none. */
        size_t last = c->ends[i] - 1;
        if (last < next_start)
            continue; /* another hit on a line already handed out */
        const char *before = memrchr(data, '\n', last);
        size_t start = before ? (size_t)(before - data) + 1 : 0;
        const char *after = memchr(data + last, '\n', len - last);
        size_t end = after ? (size_t)(after - data) : len;
        fn(ctx, data + start, end - start);
        next_start = end + 1;
    }
}
