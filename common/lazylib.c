/*
 * lazylib.c — dlopen on first need (see lazylib.h).
 */
#include "lazylib.h"

#include <dlfcn.h>
#include <stddef.h>

void *lazylib_open(const char *soname, const char *const names[], void *syms[],
                   struct heal_error *err)
{
    void *handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        heal_error_set(err, "cannot load %s: %s", soname, dlerror());
        return NULL;
    }
    for (size_t i = 0; names[i]; i++) {
        if (!(syms[i] = dlsym(handle, names[i]))) {
            heal_error_set(err, "cannot load %s: it has no %s", soname, names[i]);
            dlclose(handle);
            return NULL;
        }
    }
    return handle;
}
