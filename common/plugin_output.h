/*
 * plugin_output.h — turn what a Nagios plugin printed, and how it ended,
 * into the status, summary, long output and perfdata of a check record.
 *
 * The exit status decides the state; words such as "CRITICAL" in the text
 * are never read, because many plugins print none (check_tcp to a closed
 * port prints only the socket error).  The text is split as Nagios Core
 * does: line 1 up to its first `|` is the summary and the rest of it is
 * perfdata; lines 2..N are long output until one of them has a `|`, after
 * which the rest of that line and every following line are perfdata too.
 *
 * What callers must know:
 * - stdout is borrowed; it may hold CR LF line ends, NUL bytes, invalid
 *   UTF-8 and no final newline.  Summary and long output come back as
 *   valid UTF-8, NUL and bad bytes replaced by U+FFFD, each cut at a
 *   configurable cap (a character boundary) with a flag saying so.
 * - Exit codes 0-3 map to OK..UNKNOWN.  Any other code, a signal and a
 *   timeout are abnormal: the state is UNKNOWN (a timeout's is configurable,
 *   CRITICAL by default, as in monitoring-plugins), the summary is an
 *   Icinga-style note saying what happened, and what the plugin printed,
 *   line 1 included, becomes the long output.  The raw termination is kept.
 * - The jv members of struct plugin_output belong to it: take them with
 *   jv_copy(), release them all with plugin_output_free().
 * - Reentrant: no state is kept between calls.
 */
#ifndef HEAL_PLUGIN_OUTPUT_H
#define HEAL_PLUGIN_OUTPUT_H

#include "error.h"
#include "exitcode.h"
#include "perfdata.h"

#include <jv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Nagios Core stores 8 KiB of plugin output. */
#define PLUGIN_OUTPUT_TEXT_MAX_DEFAULT 8192
/* The largest summary or long-output cap a caller may ask for. */
#define PLUGIN_OUTPUT_TEXT_MAX_LIMIT (1024 * 1024)
/* The smallest: one UTF-8 character always fits, so a summary is never cut to nothing. */
#define PLUGIN_OUTPUT_TEXT_MAX_MIN 4
/* Bytes of stdout read; the rest is ignored and input_truncated set. */
#define PLUGIN_OUTPUT_INPUT_MAX (1024 * 1024)
/* The summary Nagios Core records when line 1 is empty. */
#define PLUGIN_OUTPUT_NO_OUTPUT "(No output returned from plugin)"

enum plugin_end {
    PLUGIN_END_EXITED,    /* code is the exit status, 0..255 */
    PLUGIN_END_SIGNALED,  /* code is the signal number */
    PLUGIN_END_TIMED_OUT, /* we killed it; code unused, timeout_ms for the note */
};

struct plugin_termination {
    enum plugin_end end;
    int code;
    int64_t timeout_ms; /* PLUGIN_END_TIMED_OUT only; 0 leaves the time out of the note */
};

struct plugin_output_options {
    size_t summary_max;                /* bytes, PLUGIN_OUTPUT_TEXT_MAX_MIN.._LIMIT */
    size_t output_max;                 /* bytes of long output, same bounds */
    enum nagios_status timeout_status; /* state of a timed-out plugin */
};

struct plugin_output {
    enum nagios_status status;             /* also the record's `code` */
    jv summary;                            /* string, never empty */
    jv output;                             /* long output, string, "" when none */
    jv perfdata;                           /* array, see perfdata.h */
    struct plugin_termination termination; /* as given, for evidence */
    bool abnormal;                         /* exit code outside 0..3, signal or timeout */
    bool summary_truncated;
    bool output_truncated;
    bool input_truncated; /* stdout was longer than PLUGIN_OUTPUT_INPUT_MAX */
    struct perfdata_stats perfdata_stats;
};

/* 8 KiB caps and CRITICAL on timeout. */
struct plugin_output_options plugin_output_options_default(void);

/*
 * Parses len bytes of a plugin's stdout and its termination into *out.
 * opts may be NULL for the defaults.  Returns 0, or -1 with err filled when
 * the termination or the options are out of range; *out then holds no jv
 * and needs no plugin_output_free().
 */
int plugin_output_parse(const char *stdout_bytes, size_t len, struct plugin_termination term,
                        const struct plugin_output_options *opts, struct plugin_output *out,
                        struct heal_error *err);

/* Frees the jv members; safe to call twice. */
void plugin_output_free(struct plugin_output *out);

/* "ok", "warning", "critical" or "unknown" (the record's `status`). */
const char *plugin_output_status_name(enum nagios_status status);

#endif
