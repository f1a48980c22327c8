/*
 * progpath.h — where another heal program lives.
 *
 * heal programs run each other (heal-apply runs heal-check, heal-mcp runs
 * them all).  The one installed beside the running executable wins, so a
 * build tree or a package always runs its own siblings; PATH is the
 * fallback.  Empty and relative PATH entries are skipped: the answer must
 * not depend on the working directory.
 */
#ifndef HEAL_PROGPATH_H
#define HEAL_PROGPATH_H

#include <limits.h>

/* Fills out with the path of program name; -1 if it is nowhere executable. */
int progpath_find(const char *name, char out[PATH_MAX]);

#endif
