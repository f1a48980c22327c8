/*
 * check_set.h — the checks one heal-check run will execute.
 *
 * Definitions come from the configuration directory (checks.d, merged by
 * name over the built-in set of data/checks.json when asked for, or the
 * built-ins alone when nothing is configured), from a --checks file or
 * stdin, or from one-off objects built from flags.  A bad definition is
 * reported through the sink as "SOURCE: check 'NAME': reason" and
 * skipped; the rest still run.
 */
#ifndef HEAL_CHECK_SET_H
#define HEAL_CHECK_SET_H

#include "check.h"
#include "config.h"

#include <stddef.h>

#define CHECK_SET_MAX 100000

struct check_set {
    struct check_def *defs;
    size_t n, cap;
    unsigned problems; /* bad definitions reported */
    jv names;          /* name -> index in defs: duplicates found in O(1), not O(n) */
    jv defaults;       /* fields a definition gets unless it sets them (heal.json) */
};

void check_set_init(struct check_set *set);
void check_set_free(struct check_set *set);
/* Fields (an object, consumed) that every definition added from now on gets
 * unless it sets them itself: heal.json's max_attempts, interval, ... */
void check_set_defaults(struct check_set *set, jv defaults);

/* Validates object (consumed) and adds it; a problem is reported through report. */
void check_set_add(struct check_set *set, jv object, const char *source, config_error_fn *report,
                   void *ctx);

/*
 * Loads checks.d from config_dir; with include_builtin, or when checks.d
 * yields nothing, the built-in set comes first and checks.d overrides it by
 * name.
 */
void check_set_load_config(struct check_set *set, const char *config_dir, bool include_builtin,
                           config_error_fn *report, void *ctx);

/* Loads a file given on the command line ("-" for stdin). */
void check_set_load_file(struct check_set *set, const char *path, config_error_fn *report,
                         void *ctx);

/* Keeps only the check called name; returns how many remain. */
size_t check_set_select(struct check_set *set, const char *name);

#endif
