/*
 * scratch.h — a private scratch directory for one unit-test program.
 *
 * scratch_make() creates a fresh mkdtemp directory under $TMPDIR (or /tmp)
 * and scratch_remove() deletes it with everything in it, without following
 * symbolic links.  Both exit on failure: a test without its fixture
 * directory cannot say anything useful.
 */
#ifndef HEAL_SCRATCH_H
#define HEAL_SCRATCH_H

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Small enough that paths built under it fit in PATH_MAX without a check. */
#define SCRATCH_DIR_SIZE 256

static inline void scratch_make(char dir[SCRATCH_DIR_SIZE], const char *what)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    int n = snprintf(dir, SCRATCH_DIR_SIZE, "%s/heal-%s-XXXXXX", tmp, what);
    if (n < 0 || n >= SCRATCH_DIR_SIZE || !mkdtemp(dir)) {
        perror("mkdtemp");
        exit(1);
    }
}

static inline int scratch_remove_one(const char *path, const struct stat *st, int flag,
                                     struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) < 0 ? -1 : 0;
}

static inline void scratch_remove(const char *dir)
{
    if (nftw(dir, scratch_remove_one, 16, FTW_DEPTH | FTW_PHYS) < 0) {
        perror(dir);
        exit(1);
    }
}

#endif
