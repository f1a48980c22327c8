/*
 * systemd.h — what the systemd check kind needs to know about systemd,
 * apart from running its tools: whether it runs at all, which unit names
 * are safe to pass to systemctl, and how to read what systemctl prints.
 *
 * The parsers take text a child printed (borrowed, not NUL-terminated),
 * never fail and return new jv values (owned by the caller); lines they
 * cannot read are skipped.  No global state.
 */
#ifndef HEAL_SYSTEMD_H
#define HEAL_SYSTEMD_H

#include "error.h"

#include <jv.h>
#include <stdbool.h>
#include <stddef.h>

/* sd_booted(3)'s test: this directory exists only while systemd is PID 1. */
#define SYSTEMD_RUN_DIR "/run/systemd/system"
/* systemd's own limit on a unit name (UNIT_NAME_MAX, less the NUL). */
#define SYSTEMD_UNIT_NAME_MAX 255
/* Lines, and unit names, a parser keeps from one output. */
#define SYSTEMD_LINES_MAX 1024

/* True when systemd manages this host (SYSTEMD_RUN_DIR is a directory). */
bool systemd_is_running(void);

/*
 * Accepts a unit name systemctl will read as a name and nothing else:
 * 1 to SYSTEMD_UNIT_NAME_MAX bytes of letters, digits and ":-_.@\",
 * not starting with '-' (an option).  Returns 0, or -1 with err.
 */
int systemd_unit_name_check(const char *name, struct heal_error *err);

/* `systemctl show -p A,B UNIT`: KEY=VALUE lines -> {"A": "...", "B": "..."}. */
jv systemd_show_parse(const char *text, size_t len);

/*
 * `systemctl --failed --plain --no-legend`: one unit per line, its name
 * first -> ["a.service", ...].  A leading status bullet is tolerated.
 */
jv systemd_failed_parse(const char *text, size_t len);

/* Text -> array of its lines (CR/LF stripped), at most SYSTEMD_LINES_MAX, the last ones. */
jv systemd_lines(const char *text, size_t len);

#endif
