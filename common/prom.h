/*
 * prom.h — Prometheus text exposition format, built in memory and written
 * atomically for node_exporter's textfile collector (heal-loop's and
 * heal-mcp's --metrics).  Out of memory is remembered and reported once,
 * at prom_write(), so callers need not check every line.
 */
#ifndef HEAL_PROM_H
#define HEAL_PROM_H

#include "error.h"

#include <jv.h>
#include <stdbool.h>
#include <stddef.h>

struct prom {
    char *buf;
    size_t len, cap;
    bool failed;
};

void prom_put(struct prom *p, const char *s, size_t n);
void prom_str(struct prom *p, const char *s);
/* A label value: backslash, double quote and newline escaped. */
void prom_label(struct prom *p, const char *s);
/* The # HELP and # TYPE lines of a metric family. */
void prom_family(struct prom *p, const char *name, const char *type, const char *help);
/* " VALUE\n": integers without a fraction, NaN spelt as Prometheus wants. */
void prom_value(struct prom *p, double v);
/*
 * One sample per entry of counts, an object whose keys are "A\tB" and whose
 * values are numbers: NAME{label_a="A",label_b="B"} VALUE.  heal-loop's
 * outcomes and heal-mcp's calls are tallied so.  counts is borrowed.
 */
void prom_pair_counts(struct prom *p, const char *name, const char *label_a, const char *label_b,
                      const jv *counts);
/* Writes what was built to path (0644, atomically) and empties p; -1 with err. */
int prom_write(struct prom *p, const char *path, struct heal_error *err);

#endif
