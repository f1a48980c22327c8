/*
 * curl_lib.h — libcurl, loaded the first time something needs it.
 *
 * libcurl brings some thirty shared libraries (OpenSSL, GnuTLS, Kerberos,
 * LDAP, ...) whose load-time relocations cost every process about 2 MiB
 * of private memory, and OpenSSL's initialisation more.  Only an http
 * check and the LLM client need it, so a program that has neither (the
 * usual heal-loop pipeline) never maps it: the first user loads it with
 * dlopen (lazylib.h) and initialises it once for the process.  The table
 * holds the functions heal calls, with libcurl's own prototypes.
 */
#ifndef HEAL_CURL_LIB_H
#define HEAL_CURL_LIB_H

#include "error.h"

#include <curl/curl.h>

/* The libcurl ABI heal was built against (curl's SONAME). */
#define CURL_LIB_SONAME "libcurl.so.4"

#define CURL_LIB_FUNCTIONS(X)                                                                      \
    X(global_init)                                                                                 \
    X(easy_init)                                                                                   \
    X(easy_cleanup)                                                                                \
    X(easy_reset)                                                                                  \
    X(easy_setopt)                                                                                 \
    X(easy_getinfo)                                                                                \
    X(easy_perform)                                                                                \
    X(easy_strerror)                                                                               \
    X(multi_init)                                                                                  \
    X(multi_cleanup)                                                                               \
    X(multi_setopt)                                                                                \
    X(multi_add_handle)                                                                            \
    X(multi_remove_handle)                                                                         \
    X(multi_socket_action)                                                                         \
    X(multi_info_read)                                                                             \
    X(multi_strerror)                                                                              \
    X(slist_append)                                                                                \
    X(slist_free_all)                                                                              \
    X(url)                                                                                         \
    X(url_set)                                                                                     \
    X(url_get)                                                                                     \
    X(url_cleanup)                                                                                 \
    X(url_strerror)                                                                                \
    X(free)

/* curl_NAME is reached as lib->NAME. */
struct curl_lib {
#define CURL_LIB_FIELD(name) __typeof__(&curl_##name) name;
    CURL_LIB_FUNCTIONS(CURL_LIB_FIELD)
#undef CURL_LIB_FIELD
};

/*
 * Loads and initialises libcurl on the first call; later calls return the
 * same table.  NULL (err says why) when it cannot be loaded.
 */
const struct curl_lib *curl_lib_load(struct heal_error *err);

/* The table of a libcurl already loaded by curl_lib_load (NULL before). */
const struct curl_lib *curl_lib(void);

#endif
