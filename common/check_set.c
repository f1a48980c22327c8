#include "check_set.h"
#include "atomicfile.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK_SET_FILE_MAX CONFIG_FILE_MAX

void check_set_init(struct check_set *set)
{
    memset(set, 0, sizeof *set);
    set->names = jv_object();
    set->defaults = jv_object();
}

void check_set_defaults(struct check_set *set, jv defaults)
{
    jv_free(set->defaults);
    set->defaults = defaults;
}

void check_set_free(struct check_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        check_def_free(&set->defs[i]);
    free(set->defs);
    jv_free(set->names);
    jv_free(set->defaults);
    memset(set, 0, sizeof *set);
    set->names = set->defaults = jv_null(); /* hold nothing: init to reuse */
}

static void report_problem(config_error_fn *report, void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void report_problem(config_error_fn *report, void *ctx, const char *fmt, ...)
{
    char msg[CONFIG_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (report)
        report(ctx, msg);
}

void check_set_add(struct check_set *set, jv object, const char *source, config_error_fn *report,
                   void *ctx)
{
    if (set->n == CHECK_SET_MAX) {
        jv_free(object);
        set->problems++;
        report_problem(report, ctx, "%s: more than %d checks; the rest are ignored", source,
                       CHECK_SET_MAX);
        return;
    }
    jv disabled = config_field_peek(object, "disabled");
    bool off = jv_get_kind(disabled) == JV_KIND_TRUE;
    jv_free(disabled);
    if (off) {
        jv_free(object);
        return;
    }
    /* heal.json's defaults fill what the definition leaves out. */
    if (jv_get_kind(set->defaults) == JV_KIND_OBJECT && jv_object_length(jv_copy(set->defaults)))
        object = jv_object_merge(jv_copy(set->defaults), object);
    struct check_def def;
    struct heal_error err;
    if (check_def_init(&def, object, source, &err) != 0) {
        set->problems++;
        report_problem(report, ctx, "%s: %s", source, err.msg);
        return;
    }
    jv seen = jv_object_get(jv_copy(set->names), jv_string(def.name));
    if (jv_get_kind(seen) == JV_KIND_NUMBER) {
        size_t first = (size_t)jv_number_value(seen);
        set->problems++;
        report_problem(report, ctx, "%s: check '%s' is already defined at %s; ignored", source,
                       def.name, set->defs[first].source);
        check_def_free(&def);
        return;
    }
    jv_free(seen);
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 16;
        struct check_def *d = realloc(set->defs, cap * sizeof *d);
        if (!d) {
            check_def_free(&def);
            set->problems++;
            report_problem(report, ctx, "%s: out of memory", source);
            return;
        }
        set->defs = d;
        set->cap = cap;
    }
    set->names = jv_object_set(set->names, jv_string(def.name), jv_number((double)set->n));
    set->defs[set->n++] = def;
}

struct sink_ctx {
    config_error_fn *report;
    void *ctx;
    unsigned problems;
};

static void sink_error(void *p, const char *message)
{
    struct sink_ctx *c = p;
    c->problems++;
    if (c->report)
        c->report(c->ctx, message);
}

/* Finishes (and so frees) merged, adding each entry. */
static void add_merged(struct check_set *set, struct config_set *merged, struct sink_ctx *sc)
{
    jv sources;
    jv all = config_set_finish(merged, &sources);
    int n = jv_array_length(jv_copy(all));
    for (int i = 0; i < n; i++) {
        jv src = jv_array_get(jv_copy(sources), i);
        check_set_add(set, jv_array_get(jv_copy(all), i),
                      jv_get_kind(src) == JV_KIND_STRING ? jv_string_value(src) : "?", sc->report,
                      sc->ctx);
        jv_free(src);
    }
    jv_free(all);
    jv_free(sources);
}

static void count_entry(void *ctx, jv entry, const char *source)
{
    (void)source;
    jv_free(entry);
    (*(int *)ctx)++;
}

void check_set_load_config(struct check_set *set, const char *config_dir, bool include_builtin,
                           config_error_fn *report, void *ctx)
{
    /* Is anything configured?  A silent pass: problems are reported below. */
    int configured = 0;
    struct config_sink count = {.entry = count_entry, .ctx = &configured};
    if (config_dir && !include_builtin)
        config_load_dir(config_dir, "checks.d", &count);

    /* Built-ins first, then checks.d over them by name (or disabling them). */
    struct sink_ctx sc = {report, ctx, 0};
    struct config_set merged;
    config_set_init(&merged, "name");
    struct config_sink sink = {.error = sink_error, .ctx = &sc, .set = &merged};
    if (include_builtin || configured == 0)
        config_load_builtin("checks.json", &sink);
    if (config_dir)
        config_load_dir(config_dir, "checks.d", &sink);
    set->problems += sc.problems;
    sc.problems = 0;
    add_merged(set, &merged, &sc);
}

static int read_stdin(char **data, size_t *len)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf)
            return -1;
        if (n == cap) {
            if (cap >= CHECK_SET_FILE_MAX) {
                free(buf);
                return -1;
            }
            cap *= 2;
            char *b = realloc(buf, cap);
            if (!b) {
                free(buf);
                return -1;
            }
            buf = b;
        }
        ssize_t r = read(STDIN_FILENO, buf + n, cap - n);
        if (r < 0) {
            free(buf);
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *data = buf;
    *len = n;
    return 0;
}

void check_set_load_file(struct check_set *set, const char *path, config_error_fn *report,
                         void *ctx)
{
    /* A file named on the command line is trusted as the invoker's own
     * choice, like a script given to sh; only the configuration directory
     * is subject to the ownership rules. */
    char *data = NULL;
    size_t len = 0;
    struct heal_error err;
    int rc;
    if (strcmp(path, "-") == 0) {
        rc = read_stdin(&data, &len);
        if (rc != 0)
            heal_error_set(&err, "cannot read (or over %u bytes)", CHECK_SET_FILE_MAX);
    } else {
        rc = atomicfile_read(path, CHECK_SET_FILE_MAX, &data, &len, &err);
        if (rc == 1)
            heal_error_set(&err, "no such file");
    }
    if (rc != 0) {
        set->problems++;
        report_problem(report, ctx, "%s: %s", path, err.msg);
        return;
    }
    struct sink_ctx sc = {report, ctx, 0};
    struct config_set merged;
    config_set_init(&merged, "name");
    struct config_sink sink = {.error = sink_error, .ctx = &sc, .set = &merged};
    config_parse_buffer(data, len, strcmp(path, "-") == 0 ? "<stdin>" : path, &sink);
    free(data);
    set->problems += sc.problems;
    sc.problems = 0;
    add_merged(set, &merged, &sc);
}

size_t check_set_select(struct check_set *set, const char *name)
{
    size_t kept = 0;
    for (size_t i = 0; i < set->n; i++) {
        if (strcmp(set->defs[i].name, name) == 0)
            set->defs[kept++] = set->defs[i];
        else
            check_def_free(&set->defs[i]);
    }
    set->n = kept;
    jv_free(set->names); /* positions moved: index them again */
    set->names = jv_object();
    for (size_t i = 0; i < kept; i++)
        set->names = jv_object_set(set->names, jv_string(set->defs[i].name), jv_number((double)i));
    return kept;
}
