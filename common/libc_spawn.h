/*
 * libc_spawn.h — the C library's <spawn.h> (posix_spawn), which our own
 * common/spawn.h hides on the -Icommon include path: #include_next goes
 * on searching after this directory.  Include it as <libc_spawn.h>: found
 * through -Icommon, not beside the includer, so the search goes on from
 * the next directory.
 */
#ifndef HEAL_LIBC_SPAWN_H
#define HEAL_LIBC_SPAWN_H
#include_next <spawn.h>
#endif
