/*
 * hs_lib.c — loads Vectorscan on first use (see hs_lib.h).
 */
#include "hs_lib.h"
#include "lazylib.h"

#include <stdbool.h>
#include <string.h>

#define HS_LIB_NAME(name) LAZYLIB_NAME("hs_", name)
#define HS_LIB_COUNT(name) +1

/* Written once, by the first load, and only read after (as curl_lib.c). */
static struct hs_lib loaded_lib;
static bool lib_ready;

const struct hs_lib *hs_lib_load(struct heal_error *err)
{
    if (lib_ready)
        return &loaded_lib;
    static const char *const names[] = {HS_LIB_FUNCTIONS(HS_LIB_NAME) NULL};
    void *syms[0 HS_LIB_FUNCTIONS(HS_LIB_COUNT)];
    if (!lazylib_open(HS_LIB_SONAME, names, syms, err))
        return NULL;
    size_t i = 0;
#define HS_LIB_BIND(name) memcpy(&loaded_lib.name, &syms[i++], sizeof loaded_lib.name);
    HS_LIB_FUNCTIONS(HS_LIB_BIND)
#undef HS_LIB_BIND
    lib_ready = true;
    return &loaded_lib;
}
