/*
 * catalog.h — the signature catalog heal-analyze matches text against.
 *
 * Built-in signatures (data/signatures-*.json) load first, then the
 * drop-ins of signatures.d, which may override a built-in by id or turn
 * it off with {"id": "...", "disabled": true}.  A bad entry (unknown
 * category, bad regex, a duplicate id within one origin) is reported with
 * its source, id and — for a regex — PCRE2's error offset; the rest of
 * the catalog still loads.
 *
 * Matching is two-step: every signature's literals go into one Vectorscan
 * database, so a line that contains none of them (most lines) costs one
 * scan and no regex; the signatures whose literals were seen are then
 * confirmed with their PCRE2 patterns (JIT-compiled), whose named
 * captures become the diagnosis' facts.  Not thread-safe (one scratch).
 */
#ifndef HEAL_CATALOG_H
#define HEAL_CATALOG_H

#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <jv.h>
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>

#define CATALOG_SIGNATURES_MAX 10000
#define CATALOG_PATTERNS_MAX 32 /* per signature */
#define CATALOG_FACT_MAX 512    /* bytes kept of one captured fact */
/* PCRE2 match steps per line and pattern: a slow regex gives up, it never stalls. */
#define CATALOG_MATCH_LIMIT 1000000

struct signature {
    char *id, *category, *severity, *summary, *description, *source, *multiline;
    double confidence;
    bool transient;
    jv remedies; /* array of strings */
    pcre2_code *patterns[CATALOG_PATTERNS_MAX];
    size_t npatterns;
    size_t specificity; /* length of its longest literal: more specific wins ties */
    int category_index; /* position in catalog_categories: compared as a number */
};

/* The fixed categories of DESIGN.md, in a fixed order, ending with NULL. */
extern const char *const catalog_categories[];
#define CATALOG_CATEGORIES 21
/* The index of a category name, or -1. */
int catalog_category_index(const char *name);

struct catalog;

/*
 * The built-ins and config_dir/signatures.d (config_dir may be NULL):
 * the drop-ins are read and validated now, their problems going to
 * report; the rest waits for catalog_prepare.  NULL only when out of
 * memory (err says so).
 */
struct catalog *catalog_load(const char *config_dir, config_error_fn *report, void *ctx,
                             unsigned *problems, struct heal_error *err);
/* The same from one buffer named `name` (a drop-in), over the built-ins if asked. */
struct catalog *catalog_load_buffer(const char *buf, size_t len, const char *name, bool builtin,
                                    config_error_fn *report, void *ctx, unsigned *problems,
                                    struct heal_error *err);
void catalog_free(struct catalog *c);
/*
 * Builds the signatures: the built-ins with the drop-ins over them, every
 * pattern compiled (PCRE2, JIT), the Vectorscan literal database.
 * Loading only reads and validates the drop-ins: a stream that never
 * needs a match (healthy check records) never pays for the catalog, some
 * megabytes.  Matching calls it on first use; it is done once.  Returns
 * 0, or -1 with err (only when out of memory: the drop-ins were checked
 * at load, the built-ins by the tests).
 */
int catalog_prepare(struct catalog *c, struct heal_error *err);
/* The merged signatures (compiling the catalog first: catalog_prepare). */
size_t catalog_size(struct catalog *c);
const struct signature *catalog_get(struct catalog *c, size_t i);

/* The best match of one line. */
struct catalog_match {
    const struct signature *sig;
    jv facts;     /* object of strings; owned by the match */
    size_t start; /* byte range of the pattern's match within the line */
    size_t end;
};

/*
 * Matches one line.  Returns 1 and fills m (free m->facts) when a
 * signature matched; 0 when none did.
 */
int catalog_match_line(struct catalog *c, const char *line, size_t len, struct catalog_match *m);

/*
 * Scans a whole block of lines in one pass and calls fn once for each line
 * that holds any literal (in order, each line once); lines without one are
 * never looked at again.  This is what lets text mode run at grep speed.
 */
typedef void catalog_line_fn(void *ctx, const char *line, size_t len);
void catalog_scan_block(struct catalog *c, const char *data, size_t len, catalog_line_fn *fn,
                        void *ctx);

#endif
