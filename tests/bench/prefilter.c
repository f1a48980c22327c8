/*
 * prefilter — why heal-analyze has a Vectorscan prefilter: the same
 * catalog over the same text, (a) as heal-analyze does it (one Vectorscan
 * scan per block, PCRE2 only on lines holding a literal) and (b) PCRE2
 * alone, every signature's patterns on every line.  Prints both times and
 * the lines each found.  Usage: prefilter FILE
 */
#include "catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct counter {
    struct catalog *c;
    size_t matched;
};

static void on_line(void *ctx, const char *line, size_t len)
{
    struct counter *k = ctx;
    struct catalog_match m;
    if (catalog_match_line(k->c, line, len, &m)) {
        k->matched++;
        jv_free(m.facts);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: prefilter FILE\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f)
        return 3;
    fseek(f, 0, SEEK_END);
    size_t len = (size_t)ftell(f);
    rewind(f);
    char *data = malloc(len + 1);
    if (!data || fread(data, 1, len, f) != len)
        return 3;
    fclose(f);
    unsigned problems = 0;
    struct heal_error err;
    struct catalog *c = catalog_load(NULL, NULL, NULL, &problems, &err);
    if (!c || catalog_prepare(c, &err) != 0) /* compiling is not scanning: not timed */
        return 3;

    struct counter k = {c, 0};
    double t0 = now();
    catalog_scan_block(c, data, len, on_line, &k);
    double t_block = now() - t0;

    pcre2_match_data *md = pcre2_match_data_create(64, NULL);
    size_t matched = 0;
    t0 = now();
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(data + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - data) : len;
        for (size_t i = 0; i < catalog_size(c); i++) {
            const struct signature *s = catalog_get(c, i);
            bool hit = false;
            for (size_t p = 0; p < s->npatterns && !hit; p++)
                hit = pcre2_match(s->patterns[p], (PCRE2_SPTR)data + at, end - at, 0, 0, md,
                                  NULL) >= 0;
            if (hit) {
                matched++;
                break;
            }
        }
        at = end + 1;
    }
    double t_pcre = now() - t0;
    printf("Vectorscan prefilter + PCRE2: %.3f s, %zu lines matched\n", t_block, k.matched);
    printf("PCRE2 (JIT) alone           : %.3f s, %zu lines matched\n", t_pcre, matched);
    printf("ratio: %.1fx\n", t_pcre / t_block);
    pcre2_match_data_free(md);
    catalog_free(c);
    free(data);
    return 0;
}
