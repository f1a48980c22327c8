/*
 * lazylib.h — a shared library loaded when first needed, not at start.
 *
 * Every library a program links is mapped and relocated before main(),
 * costing each process its relocated pages for good, used or not.  A
 * dependency only some runs need (libcurl for an http check, Vectorscan
 * for the first line to match) is opened with dlopen instead, by a table
 * of the functions heal calls (curl_lib.h, hs_lib.h).
 */
#ifndef HEAL_LAZYLIB_H
#define HEAL_LAZYLIB_H

#include "error.h"

/*
 * Opens soname and looks up names[i] (a NULL-terminated list) into
 * syms[i].  Returns the handle, which stays open for the life of the
 * process; NULL (err says why) when the library or a symbol is missing.
 */
void *lazylib_open(const char *soname, const char *const names[], void *syms[],
                   struct heal_error *err);

/* Turns a function's name into its string, for the lists of names. */
#define LAZYLIB_NAME(prefix, name) prefix #name,

#endif
