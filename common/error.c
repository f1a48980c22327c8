#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int heal_error_set(struct heal_error *err, const char *fmt, ...)
{
    if (!err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int heal_error_errno(struct heal_error *err, const char *fmt, ...)
{
    int saved = errno;
    if (!err)
        return -1;
    char what[HEAL_ERROR_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    /* Truncation is fine here: the message is for a human. */
    size_t n = strlen(what);
    if (n > sizeof err->msg - 64)
        n = sizeof err->msg - 64;
    memcpy(err->msg, what, n);
    snprintf(err->msg + n, sizeof err->msg - n, ": %s", strerror(saved));
    errno = saved;
    return -1;
}
