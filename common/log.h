/*
 * log.h — the only module that writes to stderr.
 *
 * Messages read `prog: context: reason`, or with --log-json one JSON
 * object per line carrying `trace` when one is set.  Secrets in messages
 * and contexts are redacted (redact.h, normal level) and control
 * characters escaped, so text from the outside world can neither leak a
 * token into a log nor drive a terminal.  Settings come from the parsed options; not thread-safe.
 */
#ifndef HEAL_LOG_H
#define HEAL_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_init(const char *progname);
void log_set_json(bool json);
/* -1 quiet (errors only), 0 default (warnings), 1 info, 2+ debug */
void log_set_verbosity(int verbosity);
/* Copies trace (at most 64 bytes); NULL returns to the base trace. */
void log_set_trace(const char *trace);
/* The trace of lines logged outside any record (HEAL_TRACE); NULL: none. */
void log_set_base_trace(const char *trace);

/*
 * Lines another heal program wrote to its stderr, passed on unchanged
 * (they carry its name, or are its JSON lines), controls escaped.
 */
void log_relay(const char *data, size_t len);

/* context may be NULL: then the message reads `prog: reason`. */
void log_msg(enum log_level level, const char *context, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same, with FILE:LINE as the context: `prog: FILE:LINE: reason`. */
void log_msg_at(enum log_level level, const char *file, unsigned long long line, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));

/*
 * For library callbacks that hand over one finished message: ctx is the
 * context (a const char *, may be NULL).  log_note logs a warning;
 * log_note_level a debug message when debug is set, else a warning.
 */
void log_note(void *ctx, const char *message);
void log_note_level(void *ctx, bool debug, const char *message);

#define log_error(ctx, ...) log_msg(LOG_ERROR, ctx, __VA_ARGS__)
#define log_error_at(file, line, ...) log_msg_at(LOG_ERROR, file, line, __VA_ARGS__)
#define log_warn_at(file, line, ...) log_msg_at(LOG_WARN, file, line, __VA_ARGS__)
#define log_warn(ctx, ...) log_msg(LOG_WARN, ctx, __VA_ARGS__)
#define log_info(ctx, ...) log_msg(LOG_INFO, ctx, __VA_ARGS__)
#define log_debug(ctx, ...) log_msg(LOG_DEBUG, ctx, __VA_ARGS__)

#endif
