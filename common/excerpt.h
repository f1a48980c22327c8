/*
 * excerpt.h — a short, printable, one-line excerpt of bytes from outside
 * (a socket banner, a child's output), for a summary line.
 *
 * Printable ASCII is kept; a backslash, tab, CR and LF become \\ \t \r \n
 * and every other byte \xNN, so the excerpt is one line of plain ASCII
 * that cannot drive a terminal and shows exactly what was received.  An
 * escape is never split: the excerpt stops before one that would not fit.
 */
#ifndef HEAL_EXCERPT_H
#define HEAL_EXCERPT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Writes the excerpt of data[0..len) into out (size bytes, NUL-terminated,
 * size >= 1).  Returns true if all of data fitted, false if it was cut
 * short; the caller says so ("...").
 */
bool excerpt_printable(const char *data, size_t len, char *out, size_t size);

/*
 * Copies the string s (NULL reads as "") into out (size >= 1) for a table
 * cell: control characters become '?', UTF-8 stays, and a cut never ends
 * inside a UTF-8 sequence.  Lighter than an excerpt: for names, not data.
 */
void excerpt_visible(const char *s, char *out, size_t size);

#endif
