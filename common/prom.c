#include "prom.h"
#include "atomicfile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void prom_put(struct prom *p, const char *s, size_t n)
{
    if (p->failed)
        return;
    if (p->len + n + 1 > p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8192;
        while (cap < p->len + n + 1)
            cap *= 2;
        char *b = realloc(p->buf, cap);
        if (!b) {
            p->failed = true;
            return;
        }
        p->buf = b;
        p->cap = cap;
    }
    memcpy(p->buf + p->len, s, n);
    p->len += n;
}

void prom_str(struct prom *p, const char *s)
{
    prom_put(p, s, strlen(s));
}

/* A label value: backslash, double quote and newline escaped. */
void prom_label(struct prom *p, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\\')
            prom_str(p, "\\\\");
        else if (*s == '"')
            prom_str(p, "\\\"");
        else if (*s == '\n')
            prom_str(p, "\\n");
        else
            prom_put(p, s, 1);
    }
}

void prom_family(struct prom *p, const char *name, const char *type, const char *help)
{
    char line[512];
    snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
    prom_str(p, line);
}

void prom_value(struct prom *p, double v)
{
    char num[64];
    if (isnan(v))
        snprintf(num, sizeof num, " NaN\n");
    else if (v == floor(v) && fabs(v) < 1e15)
        snprintf(num, sizeof num, " %.0f\n", v);
    else
        snprintf(num, sizeof num, " %.6g\n", v);
    prom_str(p, num);
}

void prom_pair_counts(struct prom *p, const char *name, const char *label_a, const char *label_b,
                      const jv *counts)
{
    jv c = jv_copy(*counts);
    jv_object_foreach(c, key, n)
    {
        const char *k = jv_string_value(key), *tab = strchr(k, '\t');
        if (tab) {
            char a[256];
            snprintf(a, sizeof a, "%.*s", (int)(tab - k), k);
            prom_str(p, name);
            prom_str(p, "{");
            prom_str(p, label_a);
            prom_str(p, "=\"");
            prom_label(p, a);
            prom_str(p, "\",");
            prom_str(p, label_b);
            prom_str(p, "=\"");
            prom_label(p, tab + 1);
            prom_str(p, "\"}");
            prom_value(p, jv_number_value(n));
        }
        jv_free(key);
        jv_free(n);
    }
    jv_free(c);
}

int prom_write(struct prom *p, const char *path, struct heal_error *err)
{
    int rc;
    if (p->failed)
        rc = heal_error_set(err, "%s: out of memory", path);
    else /* The textfile collector reads it at scrape time: old or new, never half. */
        rc = atomicfile_write_cache(path, p->buf, p->len, 0644, err);
    free(p->buf);
    *p = (struct prom){0};
    return rc;
}
