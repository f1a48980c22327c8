/*
 * prom.h — Prometheus text exposition format, built in memory and written
 * atomically for node_exporter's textfile collector (heal-loop's and
 * heal-mcp's --metrics).  Out of memory is remembered and reported once,
 * at prom_write(), so callers need not check every line.
 */
#ifndef HEAL_PROM_H
#define HEAL_PROM_H

#include "error.h"

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
/* Writes what was built to path (0644, atomically) and empties p; -1 with err. */
int prom_write(struct prom *p, const char *path, struct heal_error *err);

#endif
