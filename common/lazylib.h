/*
 * lazylib.h — a shared library loaded when first needed, not at start.
 *
 * Every library a program links is mapped and relocated before main(),
 * costing each process its relocated pages for good, used or not.  A
 * dependency only some runs need (libcurl for an http check, Vectorscan
 * for the first line to match) is opened with dlopen instead, into a
 * table of the functions heal calls (curl_lib.h, hs_lib.h).
 */
#ifndef HEAL_LAZYLIB_H
#define HEAL_LAZYLIB_H

#include "error.h"

#include <stddef.h>

/*
 * Opens soname and fills table, a struct of size bytes made only of
 * function pointers, with the symbols names[] (NULL-terminated) in the
 * order of its fields.  The library stays open for the life of the
 * process.  Returns 0, or -1 (err says why) when the library or a
 * symbol is missing; table is then untouched.
 */
int lazylib_open(const char *soname, const char *const names[], void *table, size_t size,
                 struct heal_error *err);

/* Turns a function's name into its string, for the lists of names. */
#define LAZYLIB_NAME(prefix, name) prefix #name,

#endif
