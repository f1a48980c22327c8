/*
 * hs_lib.c — loads Vectorscan on first use (see hs_lib.h).
 */
#include "hs_lib.h"
#include "lazylib.h"

#include <stdbool.h>

#define HS_LIB_NAME(name) LAZYLIB_NAME("hs_", name)

/* Written once, by the first load, and only read after (as curl_lib.c). */
static struct hs_lib loaded_lib;
static bool lib_ready;

const struct hs_lib *hs_lib_load(struct heal_error *err)
{
    static const char *const names[] = {HS_LIB_FUNCTIONS(HS_LIB_NAME) NULL};
    if (!lib_ready && lazylib_open(HS_LIB_SONAME, names, &loaded_lib, sizeof loaded_lib, err) == 0)
        lib_ready = true;
    return lib_ready ? &loaded_lib : NULL;
}
