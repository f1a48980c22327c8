/*
 * config.h — the one loader for every kind of configuration.
 *
 * checks.d, signatures.d, playbook.d, heal.json and the built-in catalogs
 * of data/ are all read here, in one format: a file holds one JSON object,
 * a JSON array of objects, or NDJSON (one object per line); a line whose
 * first non-blank character is '#' is a comment.  Each entry reaches the
 * caller through a struct config_sink with its source, "FILE:LINE" of the
 * line where the entry starts ("builtin:checks.json:LINE" for built-ins).
 *
 * A file is read as NDJSON when its first entry is an object on a line of
 * its own; then every line must hold a whole entry.
 *
 * Bad content never stops loading: each problem is reported once through
 * the sink as "FILE:LINE: reason" or "FILE: reason", counted, and loading
 * goes on with what can still be read.  A bad NDJSON line is skipped; a
 * broken object or array skips the rest of its file.
 *
 * Trust is judged like sshd's StrictModes: the config dir, the directory
 * holding a file, and the file (a symlink by its target) must be owned by
 * root or the effective user and not be writable by group or others;
 * anything else is refused, reported with its name, and skipped.
 *
 * Ownership: the jv of an entry is owned by the entry callback, which must
 * free it (or keep it).  Functions documented as *borrowing* a jv leave it
 * to the caller.  A source string lives only during the callback: copy it
 * to keep it.  Not thread-safe; no global state.
 */
#ifndef HEAL_CONFIG_H
#define HEAL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <jv.h>

#include "error.h"

/* A bigger file is refused: configuration is written by people. */
#define CONFIG_FILE_MAX (16u * 1024 * 1024)
/* A drop-in directory with more *.json files than this is refused whole. */
#define CONFIG_DIR_FILES_MAX 4096
/* Paths built here (config dir, drop-in dir, file) and sources "FILE:LINE". */
#define CONFIG_PATH_MAX 4096
#define CONFIG_SOURCE_MAX (CONFIG_PATH_MAX + 32)
/* One reported problem, "FILE:LINE: reason"; longer ones are truncated. */
#define CONFIG_MESSAGE_MAX (CONFIG_SOURCE_MAX + 512)

struct config_set;

/* Receives one entry (an object, consumed) and where it starts. */
typedef void config_entry_fn(void *ctx, jv entry, const char *source);
/* Receives one problem, already formatted as "FILE:LINE: reason". */
typedef void config_error_fn(void *ctx, const char *message);

/*
 * Where loaded entries and problems go.  Entries go to `entry` if set,
 * else into `set` (a config_set_add failure is then reported as a
 * problem with the entry's source), else are freed.  `error` may be NULL.
 * Every loader adds the number of problems it reported to `problems`.
 */
struct config_sink {
    config_entry_fn *entry;
    config_error_fn *error;
    void *ctx;
    struct config_set *set;
    unsigned problems;
};

/*
 * Picks the configuration directory: explicit_dir (--config-dir) if not
 * NULL or empty, else $HEAL_CONFIG_DIR, else /etc/heal when euid is 0,
 * else $XDG_CONFIG_HOME/heal (if absolute, as the XDG spec requires),
 * else $HOME/.config/heal.  Pass geteuid() as euid.  Returns 0, or -1 if
 * none applies (no HOME) or the path is longer than CONFIG_PATH_MAX - 1.
 */
int config_dir_resolve(const char *explicit_dir, uid_t euid, char out[CONFIG_PATH_MAX],
                       struct heal_error *err);

/*
 * Parses one buffer (need not be NUL-terminated) named `name` in sources
 * and messages, e.g. "/etc/heal/checks.d/x.json" or "builtin:x.json".
 * Returns the number of problems reported by this call.
 */
unsigned config_parse_buffer(const char *buf, size_t len, const char *name,
                             struct config_sink *sink);

/*
 * Loads the embedded data/NAME (see builtin.h), sources
 * "builtin:NAME:LINE".  A name not embedded is reported as a problem.
 * Returns the number of problems reported.
 */
unsigned config_load_builtin(const char *name, struct config_sink *sink);

/*
 * Loads config_dir/NAME, NAME a plain file name (e.g. "heal.json").  A
 * missing config dir or file loads nothing and is not a problem.  Returns
 * the number of problems reported.
 */
unsigned config_load_file(const char *config_dir, const char *name, struct config_sink *sink);

/*
 * Loads one file named on a command line; the directory holding it must
 * be trusted too.  A missing file is a problem.  Returns the number of
 * problems reported.
 */
unsigned config_load_path(const char *path, struct config_sink *sink);

/*
 * Loads every config_dir/SUBDIR/[!.]*.json regular file in strcmp order,
 * skipping editor and package-manager leftovers (*~, *.swp, *.dpkg-*).
 * A missing config dir or SUBDIR loads nothing and is not a problem.
 * Returns the number of problems reported.
 */
unsigned config_load_dir(const char *config_dir, const char *subdir, struct config_sink *sink);

/*
 * Judges the fstat of an open file or directory as the loaders do.
 * Returns 0, or -1 with "refused: REASON" (the caller prefixes the name).
 */
int config_trust_check(const struct stat *st, uid_t euid, struct heal_error *err);

/*
 * Reports one problem through the sink (printf-style, no trailing
 * newline), as the loaders do, and counts it; for callers that validate
 * entries, so every loader's messages read alike.
 */
void config_sink_report(struct config_sink *sink, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Entries merged by a key field ("id", or e.g. "name" for checks), in load
 * order: built-ins first, then drop-ins.  A later entry with the same key
 * replaces the earlier one in the earlier one's position.  An entry
 * {"KEY": "x", "disabled": true} removes x (a later entry brings it back);
 * "disabled" is a directive to the merge and is removed from kept entries.
 * Disabling a key never defined is not an error.
 */
struct config_set {
    const char *key; /* borrowed; must outlive the set */
    jv entries;      /* one slot per key: the entry, or null once disabled */
    jv sources;      /* the source of each slot's latest entry */
    jv index;        /* key value -> slot number */
};

void config_set_init(struct config_set *set, const char *key);

/*
 * Adds one entry (consumed).  Returns 0, or -1 if it is not an object, its
 * key field is missing, not a string or empty, or "disabled" is not a
 * boolean; the entry is then dropped.
 */
int config_set_add(struct config_set *set, jv entry, const char *source, struct heal_error *err);

/*
 * Returns the kept entries as an array in merged order and, if sources is
 * not NULL, the parallel array of their sources.  Frees the set.
 */
jv config_set_finish(struct config_set *set, jv *sources);

/* Frees a set that will not be finished. */
void config_set_free(struct config_set *set);

/*
 * Entries by id, validated one by one as they load, built-ins first and then
 * drop-ins: what the signature catalog and the playbook share.  A drop-in
 * overrides a built-in by id, or turns it off with {"id": ..., "disabled":
 * true}; the same id twice among the built-ins, or twice among the drop-ins,
 * is reported and the second ignored; an entry validate refuses is reported
 * as "SOURCE: WHAT 'ID': reason" and skipped.  Hand &catalog->sink to the
 * config_load_* functions; the struct must not move while it is in use.
 */
typedef int config_validate_fn(jv entry /* borrowed */, const char *source,
                               struct heal_error *err);

struct config_catalog {
    const char *what; /* "signature", "remedy": names entries in messages */
    config_validate_fn *validate;
    struct config_set merged;
    jv seen_builtin, seen_user; /* id -> first source, per origin */
    bool drop_ins;
    config_error_fn *report;
    void *ctx;
    unsigned problems; /* every problem reported, still readable after finish */
    struct config_sink sink;
};

void config_catalog_init(struct config_catalog *c, const char *what, config_validate_fn *validate,
                         config_error_fn *report, void *ctx);
/* What loads from now on is a drop-in (it may override a built-in). */
void config_catalog_drop_ins(struct config_catalog *c);
/* Reports one more problem through the catalog's report function. */
void config_catalog_problem(struct config_catalog *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The kept entries in merged order (and their sources); frees the merge state. */
jv config_catalog_finish(struct config_catalog *c, jv *sources);

/* Bits for config_field.kinds: which JSON types a field may hold. */
#define CONFIG_NULL (1u << JV_KIND_NULL)
#define CONFIG_BOOL ((1u << JV_KIND_TRUE) | (1u << JV_KIND_FALSE))
#define CONFIG_NUMBER (1u << JV_KIND_NUMBER)
#define CONFIG_STRING (1u << JV_KIND_STRING)
#define CONFIG_ARRAY (1u << JV_KIND_ARRAY)
#define CONFIG_OBJECT (1u << JV_KIND_OBJECT)

/* One row of a field spec; a table ends with a row whose name is NULL. */
struct config_field {
    const char *name;
    unsigned kinds; /* CONFIG_* bits, or-ed */
    bool required;
};

/*
 * Checks an entry (borrowed) against a field spec.  Returns 0, or -1 with
 * the first problem: "entry must be an object, not a string"; else
 * "unknown field 'x'" (keys in sorted order, so a misspelt field is named
 * before the field it was meant to be); else, row by row of the spec,
 * "missing required field 'kind'" or "field 'url' must be a string, not a
 * number".  The caller prefixes the entry's source.
 */
int config_check_fields(jv entry, const struct config_field *spec, struct heal_error *err);

/*
 * config_check_fields that also hands over the values, in the same pass
 * over the entry's keys: values[i] (room for one per spec row) gets a
 * copy of the value of spec row i, or jv_invalid() where the entry has
 * none.  Release them with config_fields_free(), on failure too.  Looking
 * fields up one by one allocates a key each time; this allocates nothing.
 */
int config_fields_read(jv entry, const struct config_field *spec, jv *values,
                       struct heal_error *err);
void config_fields_free(jv *values, const struct config_field *spec);

/*
 * The value of field name in entry (borrowed), or jv_invalid() if entry
 * has none or is not an object; owned by the caller.  jv_object_get()
 * without allocating a key: cheaper for the few fields of an entry.
 */
jv config_field_peek(jv entry, const char *name);

/* "a string", "an object", "null": the kind as a message names it. */
const char *config_kind_name(jv_kind kind);

#endif
