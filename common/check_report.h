/*
 * check_report.h — a check result as a record, or as a line of a table.
 *
 * check_record_write() writes the `check` record of the contract
 * (DESIGN.md, heal-records(5)) as one line of JSON: the record is its own
 * trace unless a trace is given (HEAL_TRACE: a chain someone else started).  It serialises the fields itself rather than building a jq object
 * first: on a run of 1,000 checks, building and walking that object cost
 * more than libcurl.  check_text_line() formats one aligned, optionally
 * coloured line for a terminal, with control characters in outside text
 * made visible.
 */
#ifndef HEAL_CHECK_REPORT_H
#define HEAL_CHECK_REPORT_H

#include "check.h"
#include "check_state.h"
#include "jsonbuf.h"

#include <stdbool.h>
#include <stddef.h>

/* Appends the record, without a newline.  trace NULL: the record's own id.
 * Borrows everything; -1 with err on failure. */
int check_record_write(struct jsonbuf *b, const struct check_def *def,
                       const struct check_result *result, const struct check_state *state,
                       const char *trace, struct heal_error *err);

/* Formats one table line ending in "\n". */
void check_text_line(const struct check_def *def, const struct check_result *result,
                     const struct check_state *state, bool color, char *buf, size_t size);

/* The worse of two statuses: CRITICAL > WARNING > UNKNOWN > OK (max_state_alt). */
enum nagios_status check_status_worse(enum nagios_status a, enum nagios_status b);

#endif
