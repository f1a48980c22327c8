/*
 * secretfile.h — read a file that holds a secret (an API key, token
 * hashes), refusing it unless it is a regular file owned by root or by
 * us and nobody else may read it: the rule ssh applies to a private key.
 * The refusal names the file and says what is wrong with it.
 */
#ifndef HEAL_SECRETFILE_H
#define HEAL_SECRETFILE_H

#include "error.h"

#include <stddef.h>

/*
 * Reads at most size - 1 bytes of path into buf, NUL-terminated, and sets
 * *len.  what names the file in messages ("API key file").  -1 with err
 * when refused, unreadable, or longer than size - 1 bytes.  The caller
 * wipes buf (explicit_bzero) when done.
 */
int secretfile_read(const char *path, const char *what, char *buf, size_t size, size_t *len,
                    struct heal_error *err);

#endif
