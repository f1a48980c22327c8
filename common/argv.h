/*
 * argv.h — split a command line into words without a shell.
 *
 * Whitespace separates words; 'single quotes' keep everything literally,
 * "double quotes" allow \" and \\, a backslash outside quotes escapes
 * the next character.  Nothing is expanded: no $, no globs, no ~, no
 * redirections — those characters are just characters.
 */
#ifndef HEAL_ARGV_H
#define HEAL_ARGV_H

#include "error.h"

#define ARGV_WORDS_MAX 1024
#define ARGV_TEXT_MAX (64 * 1024)

/* Returns a NULL-terminated malloc'd vector (free with argv_free), or NULL with err. */
char **argv_split(const char *line, struct heal_error *err);
void argv_free(char **argv);

#endif
