/*
 * builtin.h — the JSON files of data/, embedded at build time.
 *
 * The Makefile assembles the JSON files of data/ into the library unchanged, so the
 * built-in checks, signatures and playbook are read by the same loader
 * as a user's drop-in files.  Data is NUL-terminated and read-only.
 */
#ifndef HEAL_BUILTIN_H
#define HEAL_BUILTIN_H

#include <stdint.h>

struct builtin_file {
    const char *name; /* basename, e.g. "checks.json" */
    const char *data;
    uint64_t size;
};

/* Ends with a row whose name is NULL. */
extern const struct builtin_file heal_builtin_files[];

/* Returns the embedded file with this basename, or NULL. */
const struct builtin_file *builtin_find(const char *name);

#endif
