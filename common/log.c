#include "log.h"
#include "clock.h"
#include "redact.h"

#include <jv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOG_MESSAGE_MAX 4096
#define LOG_TRACE_MAX 64
#define LOG_CONTEXT_MAX 4200 /* a path and a line number */

/* Options-derived settings, written once at start-up. */
static struct {
    char prog[64];
    bool json;
    int verbosity;
    char trace[LOG_TRACE_MAX + 1];
    char base_trace[LOG_TRACE_MAX + 1]; /* what log_set_trace(NULL) returns to */
} log_conf = {"heal", false, 0, "", ""};

void log_init(const char *progname)
{
    const char *slash = strrchr(progname, '/');
    snprintf(log_conf.prog, sizeof log_conf.prog, "%s", slash ? slash + 1 : progname);
}

void log_set_json(bool json)
{
    log_conf.json = json;
}

void log_set_verbosity(int verbosity)
{
    log_conf.verbosity = verbosity;
}

void log_set_trace(const char *trace)
{
    snprintf(log_conf.trace, sizeof log_conf.trace, "%s", trace ? trace : log_conf.base_trace);
}

void log_set_base_trace(const char *trace)
{
    snprintf(log_conf.base_trace, sizeof log_conf.base_trace, "%s", trace ? trace : "");
    log_set_trace(NULL);
}

static bool level_enabled(enum log_level level)
{
    switch (level) {
    case LOG_ERROR:
        return true;
    case LOG_WARN:
        return log_conf.verbosity >= 0;
    case LOG_INFO:
        return log_conf.verbosity >= 1;
    case LOG_DEBUG:
        return log_conf.verbosity >= 2;
    }
    return true;
}

static const char *level_name(enum log_level level)
{
    static const char *names[] = {"error", "warning", "info", "debug"};
    return names[level];
}

/* Escapes C0 controls and DEL so log text cannot move a terminal cursor. */
static void escape_controls(const char *in, char *out, size_t size)
{
    size_t o = 0;
    for (; *in && o + 5 < size; in++) {
        unsigned char c = (unsigned char)*in;
        if (c < 0x20 || c == 0x7f) {
            o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
}

static void write_all(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, buf, len);
        if (n < 0)
            return; /* nowhere left to report it */
        buf += n;
        len -= (size_t)n;
    }
}

static void log_vmsg(enum log_level level, const char *context, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

void log_msg(enum log_level level, const char *context, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, context, fmt, ap);
    va_end(ap);
}

void log_msg_at(enum log_level level, const char *file, unsigned long long line, const char *fmt,
                ...)
{
    if (!level_enabled(level))
        return;
    char where[LOG_CONTEXT_MAX];
    snprintf(where, sizeof where, "%s:%llu", file, line);
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, where, fmt, ap);
    va_end(ap);
}

void log_note(void *ctx, const char *message)
{
    log_msg(LOG_WARN, ctx, "%s", message);
}

void log_note_level(void *ctx, bool debug, const char *message)
{
    log_msg(debug ? LOG_DEBUG : LOG_WARN, ctx, "%s", message);
}

/* Copies text into out with its secrets redacted (cut to size if it grows). */
static void redacted(const char *text, char *out, size_t size)
{
    char *r = redact_text(text, strlen(text), REDACT_NORMAL, NULL, NULL);
    snprintf(out, size, "%s", r ? r : "(message withheld: out of memory while redacting it)");
    free(r);
}

static void log_vmsg(enum log_level level, const char *context, const char *fmt, va_list ap)
{
    if (!level_enabled(level))
        return;
    char formatted[LOG_MESSAGE_MAX], raw[LOG_MESSAGE_MAX], where[LOG_CONTEXT_MAX];
    vsnprintf(formatted, sizeof formatted, fmt, ap);
    redacted(formatted, raw, sizeof raw);
    if (context) {
        redacted(context, where, sizeof where);
        context = where;
    }

    if (log_conf.json) {
        char ts[CLOCK_RFC3339_SIZE];
        clock_format_rfc3339(clock_now_ms(), ts);
        jv o = jv_object();
        o = jv_object_set(o, jv_string("ts"), jv_string(ts));
        o = jv_object_set(o, jv_string("prog"), jv_string(log_conf.prog));
        o = jv_object_set(o, jv_string("level"), jv_string(level_name(level)));
        if (context)
            o = jv_object_set(o, jv_string("context"), jv_string(context));
        o = jv_object_set(o, jv_string("msg"), jv_string(raw));
        if (log_conf.trace[0])
            o = jv_object_set(o, jv_string("trace"), jv_string(log_conf.trace));
        jv line = jv_dump_string(o, JV_PRINT_ASCII);
        const char *s = jv_string_value(line);
        char buf[LOG_MESSAGE_MAX * 2];
        int n = snprintf(buf, sizeof buf, "%s\n", s);
        write_all(buf, n < (int)sizeof buf ? (size_t)n : sizeof buf - 1);
        jv_free(line);
        return;
    }

    char msg[LOG_MESSAGE_MAX], ctx[512];
    escape_controls(raw, msg, sizeof msg);
    char buf[LOG_MESSAGE_MAX + 1024];
    int n;
    const char *prefix = level == LOG_WARN ? "warning: " : "";
    if (context) {
        escape_controls(context, ctx, sizeof ctx);
        n = snprintf(buf, sizeof buf, "%s: %s: %s%s\n", log_conf.prog, ctx, prefix, msg);
    } else {
        n = snprintf(buf, sizeof buf, "%s: %s%s\n", log_conf.prog, prefix, msg);
    }
    write_all(buf, n < (int)sizeof buf ? (size_t)n : sizeof buf - 1);
}

void log_relay(const char *data, size_t len)
{
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        size_t n = nl ? (size_t)(nl - data) : len;
        char line[LOG_MESSAGE_MAX], shown[LOG_MESSAGE_MAX * 2];
        snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1), data);
        escape_controls(line, shown, sizeof shown - 1);
        strcat(shown, "\n");
        write_all(shown, strlen(shown));
        data += n + (nl != NULL);
        len -= n + (nl != NULL);
    }
}
