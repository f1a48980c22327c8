/* loop_status_text.c — the `heal-loop status` report as a table for a terminal. */
#include "clock.h"
#include "duration.h"
#include "excerpt.h"
#include "loop_status.h"
#include "record.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TABLE_COLUMNS 8
#define TABLE_CELL_MAX 160 /* bytes of one cell; longer text is cut */

struct row {
    char cell[TABLE_COLUMNS][TABLE_CELL_MAX];
};

/* ASCII letters only: a header, not a translation. */
static void upper(char *s)
{
    for (; *s; s++)
        if (*s >= 'a' && *s <= 'z')
            *s = (char)(*s - 'a' + 'A');
}

/* Columns on the screen: code points, not bytes. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xc0) != 0x80;
    return w;
}

static void percent(const jv *o, const char *key, char *out, size_t size)
{
    jv v = jv_object_get(jv_copy(*o), jv_string(key));
    if (jv_get_kind(v) == JV_KIND_NUMBER)
        /* Rounded down: 100.00% only when it was never down. */
        snprintf(out, size, "%.2f%%", floor(jv_number_value(v) * 10000.0) / 100.0);
    else
        snprintf(out, size, "-");
    jv_free(v);
}

static void count(const jv *o, const char *key, char *out, size_t size)
{
    jv v = jv_object_get(jv_copy(*o), jv_string(key));
    snprintf(out, size, "%.0f", jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : 0.0);
    jv_free(v);
}

static void mtth(const jv *o, char *out, size_t size)
{
    jv v = jv_object_get(jv_copy(*o), jv_string("mtth_seconds"));
    if (jv_get_kind(v) != JV_KIND_NUMBER ||
        duration_format((int64_t)llround(jv_number_value(v)) * 1000, out, size) != 0)
        snprintf(out, size, "-");
    jv_free(v);
}

static void last_outcome(const jv *o, char *out, size_t size)
{
    jv last = jv_object_get(jv_copy(*o), jv_string("last_outcome"));
    const char *result = record_string_borrow(&last, "result");
    const char *remedy = record_string_borrow(&last, "remedy");
    const char *ts = record_string_borrow(&last, "ts");
    char text[TABLE_CELL_MAX];
    if (jv_get_kind(last) == JV_KIND_OBJECT)
        snprintf(text, sizeof text, "%s %s %.19sZ", result ? result : "?", remedy ? remedy : "?",
                 ts ? ts : "?");
    else
        snprintf(text, sizeof text, "-");
    excerpt_visible(text, out, size);
    jv_free(last);
}

/* The shared columns after the first: status, availability, counts, mean time to heal. */
static void measures(const jv *o, struct row *r, int from)
{
    const char *status = record_string_borrow(o, "status");
    excerpt_visible(status ? status : "unknown", r->cell[from], TABLE_CELL_MAX);
    upper(r->cell[from]);
    percent(o, "availability_24h", r->cell[from + 1], TABLE_CELL_MAX);
    percent(o, "availability_7d", r->cell[from + 2], TABLE_CELL_MAX);
    count(o, "incidents", r->cell[from + 3], TABLE_CELL_MAX);
    count(o, "healed", r->cell[from + 4], TABLE_CELL_MAX);
    mtth(o, r->cell[from + 5], TABLE_CELL_MAX);
}

static const char *status_color(const char *cell)
{
    if (!strcmp(cell, "OK"))
        return "\033[32m";
    if (!strcmp(cell, "WARNING"))
        return "\033[33m";
    if (!strcmp(cell, "CRITICAL"))
        return "\033[31m";
    return "\033[35m";
}

static void print_rows(FILE *f, const struct row *rows, size_t n, int columns, bool color)
{
    size_t w[TABLE_COLUMNS] = {0};
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < columns; k++)
            if (width(rows[i].cell[k]) > w[k])
                w[k] = width(rows[i].cell[k]);
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < columns; k++) {
            const char *cell = rows[i].cell[k];
            /* The status column is the second; the header row stays plain. */
            bool paint = color && k == 1 && i > 0;
            int pad = k + 1 < columns ? (int)(w[k] - width(cell)) : 0;
            fprintf(f, "%s%s%s%*s%s", k ? "  " : "", paint ? status_color(cell) : "", cell, pad, "",
                    paint ? "\033[0m" : "");
        }
        fputc('\n', f);
    }
}

/* Who changed what through heal-mcp: one line per call, newest first. */
static void print_tool_calls(FILE *f, const jv *report)
{
    jv calls = jv_object_get(jv_copy(*report), jv_string("tool_calls"));
    int n = jv_get_kind(calls) == JV_KIND_ARRAY ? jv_array_length(jv_copy(calls)) : 0;
    if (n > 0)
        fprintf(f, "\nlast changes through heal-mcp:\n");
    for (int i = 0; i < n; i++) {
        jv c = jv_array_get(jv_copy(calls), i);
        const char *ts = record_string_borrow(&c, "ts"), *tool = record_string_borrow(&c, "tool"),
                   *sub = record_string_borrow(&c, "sub"),
                   *remote = record_string_borrow(&c, "remote");
        char who[TABLE_CELL_MAX], from[TABLE_CELL_MAX], what[TABLE_CELL_MAX];
        excerpt_visible(sub ? sub : "anonymous", who, sizeof who);
        excerpt_visible(remote ? remote : "-", from, sizeof from);
        excerpt_visible(tool ? tool : "-", what, sizeof what);
        jv changed = record_array_get(&c, "changed");
        jv first = jv_array_get(jv_copy(changed), 0);
        int more = jv_array_length(changed) - 1;
        fprintf(f, "  %s  %s by %s from %s: outcome %s", ts ? ts : "-", what, who, from,
                jv_get_kind(first) == JV_KIND_STRING ? jv_string_value(first) : "?");
        if (more > 0)
            fprintf(f, " and %d more", more);
        fputc('\n', f);
        jv_free(first);
        jv_free(c);
    }
    jv_free(calls);
}

void loop_status_print_text(FILE *f, const jv *report, bool color)
{
    const char *by = record_string_borrow(report, "by");
    jv items = jv_object_get(jv_copy(*report), jv_string(by ? "groups" : "targets"));
    int n = jv_get_kind(items) == JV_KIND_ARRAY ? jv_array_length(jv_copy(items)) : 0;
    struct row *rows = calloc((size_t)n + 1, sizeof *rows);
    if (!rows) {
        jv_free(items);
        fprintf(f, "heal-loop status: out of memory for the table\n");
        return;
    }
    static const char *const head[] = {"TARGET",    "STATUS", "AVAIL-24H", "AVAIL-7D",
                                       "INCIDENTS", "HEALED", "MTTH",      "LAST-OUTCOME"};
    for (int k = 0; k < TABLE_COLUMNS; k++)
        snprintf(rows[0].cell[k], TABLE_CELL_MAX, "%s", head[k]);
    if (by) {
        /* The label's name heads its column; the group's size takes LAST-OUTCOME's place. */
        excerpt_visible(by, rows[0].cell[0], TABLE_CELL_MAX);
        upper(rows[0].cell[0]);
        snprintf(rows[0].cell[7], TABLE_CELL_MAX, "TARGETS");
    }
    for (int i = 0; i < n; i++) {
        jv o = jv_array_get(jv_copy(items), i);
        struct row *r = &rows[i + 1];
        const char *name = record_string_borrow(&o, by ? "value" : "target");
        excerpt_visible(name ? name : "-", r->cell[0], TABLE_CELL_MAX);
        measures(&o, r, 1);
        if (by)
            count(&o, "targets", r->cell[7], TABLE_CELL_MAX);
        else
            last_outcome(&o, r->cell[7], TABLE_CELL_MAX);
        jv_free(o);
    }
    if (n == 0)
        fprintf(f, "no targets recorded yet\n");
    else
        print_rows(f, rows, (size_t)n + 1, TABLE_COLUMNS, color);
    free(rows);
    jv_free(items);
    print_tool_calls(f, report);
}
