/*
 * check_report.h — a check result as a record, or as a line of a table.
 *
 * check_record() builds the `check` record of the contract (DESIGN.md,
 * heal-records(5)); the record is its own trace.  check_text_line()
 * formats one aligned, optionally coloured line for a terminal, with
 * control characters in outside text made visible.
 */
#ifndef HEAL_CHECK_REPORT_H
#define HEAL_CHECK_REPORT_H

#include "check.h"
#include "check_state.h"

#include <stdbool.h>
#include <stddef.h>

/* Borrows its arguments; returns a new record. */
jv check_record(const struct check_def *def, const struct check_result *result,
                const struct check_state *state);

/* Formats a record (borrowed) as one table line ending in "\n". */
void check_text_line(const jv *record, bool color, char *buf, size_t size);

/* The worse of two statuses: CRITICAL > WARNING > UNKNOWN > OK (max_state_alt). */
enum nagios_status check_status_worse(enum nagios_status a, enum nagios_status b);

#endif
