/*
 * error.h — how common/ reports failure without printing.
 *
 * A function that can fail returns -1 (or NULL) and, when given a
 * struct heal_error, fills in one sentence saying why ("open: No such
 * file or directory").  The caller adds its own context and logs it as
 * `prog: context: reason`.  A NULL struct heal_error is allowed.
 */
#ifndef HEAL_ERROR_H
#define HEAL_ERROR_H

#define HEAL_ERROR_SIZE 512

struct heal_error {
    char msg[HEAL_ERROR_SIZE];
};

/* Sets the message (printf-style).  Always returns -1, for `return heal_error_set(...)`. */
int heal_error_set(struct heal_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* As heal_error_set, then appends ": strerror(errno)" for the errno at the call. */
int heal_error_errno(struct heal_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
