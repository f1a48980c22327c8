/*
 * lazylib.c — dlopen on first need (see lazylib.h).
 */
#include "lazylib.h"

#include <dlfcn.h>
#include <string.h>

#define LAZYLIB_SYMBOLS_MAX 64

int lazylib_open(const char *soname, const char *const names[], void *table, size_t size,
                 struct heal_error *err)
{
    /* POSIX makes dlsym's void * and a function pointer interchangeable. */
    void *syms[LAZYLIB_SYMBOLS_MAX];
    size_t n = 0;
    while (names[n])
        n++;
    if (n > LAZYLIB_SYMBOLS_MAX || n * sizeof *syms != size)
        return heal_error_set(err, "cannot load %s: %zu names for a table of %zu bytes", soname, n,
                              size);
    void *handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!handle)
        return heal_error_set(err, "cannot load %s: %s", soname, dlerror());
    for (size_t i = 0; i < n; i++) {
        if (!(syms[i] = dlsym(handle, names[i]))) {
            dlclose(handle);
            return heal_error_set(err, "cannot load %s: it has no %s", soname, names[i]);
        }
    }
    memcpy(table, syms, size);
    return 0;
}
