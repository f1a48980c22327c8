/*
 * curl_lib.c — loads libcurl on first use (see curl_lib.h).
 */
#include "curl_lib.h"
#include "lazylib.h"

#include <stdbool.h>

#define CURL_LIB_NAME(name) LAZYLIB_NAME("curl_", name)

/*
 * Written once, by the first load, and only read after: the process's own
 * binding of libcurl's symbols, as the dynamic linker would have kept it.
 */
static struct curl_lib loaded_lib;
static bool lib_ready;

const struct curl_lib *curl_lib_load(struct heal_error *err)
{
    if (lib_ready)
        return &loaded_lib;
    static const char *const names[] = {CURL_LIB_FUNCTIONS(CURL_LIB_NAME) NULL};
    struct curl_lib lib;
    if (lazylib_open(CURL_LIB_SONAME, names, &lib, sizeof lib, err) != 0)
        return NULL;
    if (lib.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        heal_error_set(err, "libcurl failed to initialise");
        return NULL;
    }
    loaded_lib = lib;
    lib_ready = true;
    return &loaded_lib;
}

const struct curl_lib *curl_lib(void)
{
    return lib_ready ? &loaded_lib : NULL;
}
