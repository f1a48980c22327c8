/*
 * hs_lib.h — Vectorscan (libhs), loaded when the catalog is first compiled.
 *
 * libhs is C++: mapping it brings libstdc++ and libgcc_s, whose symbol
 * tables and relocations cost a process about 1.4 MiB before main(),
 * though only the prefilter of a line to match ever calls it.  A
 * heal-analyze that sees only healthy check records never loads it
 * (lazylib.h).  The table holds the functions heal calls, with
 * Vectorscan's own prototypes.
 */
#ifndef HEAL_HS_LIB_H
#define HEAL_HS_LIB_H

#include "error.h"

#include <hs/hs.h>

/* The ABI heal was built against: libhs.so.5 is Vectorscan 5.x. */
#if HS_MAJOR != 5
#error "hs_lib.h names libhs.so.5: update HS_LIB_SONAME for this Vectorscan"
#endif
#define HS_LIB_SONAME "libhs.so.5"

#define HS_LIB_FUNCTIONS(X)                                                                        \
    X(compile_lit_multi)                                                                           \
    X(free_compile_error)                                                                          \
    X(alloc_scratch)                                                                               \
    X(free_scratch)                                                                                \
    X(free_database)                                                                               \
    X(scan)

/* hs_NAME is reached as lib->NAME. */
struct hs_lib {
#define HS_LIB_FIELD(name) __typeof__(&hs_##name) name;
    HS_LIB_FUNCTIONS(HS_LIB_FIELD)
#undef HS_LIB_FIELD
};

/* Loads libhs on the first call; later calls return the same table.  NULL (err says why). */
const struct hs_lib *hs_lib_load(struct heal_error *err);

#endif
