/*
 * plugin_output.c — split a plugin's stdout the way Nagios Core does and map
 * its termination to a state.
 *
 * One pass over the lines sorts each byte into summary, long output or
 * perfdata; trimming, UTF-8 repair and caps come after, so a cap counts
 * the bytes the record will really hold.
 */
#include "plugin_output.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for the longest note below with a 64-bit number in it. */
#define PLUGIN_OUTPUT_NOTE_SIZE 160

/* A growing piece of text; its capacity is fixed up front from the input length. */
struct plugin_output_text {
    char *buf;
    size_t len;
};

static void plugin_output_append(struct plugin_output_text *t, const char *s, size_t n)
{
    memcpy(t->buf + t->len, s, n);
    t->len += n;
}

static bool plugin_output_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Length of the valid UTF-8 sequence at s (RFC 3629), or 0 if it is not one. */
static size_t plugin_output_utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t want;
    unsigned char lo = 0x80, hi = 0xbf; /* bounds of the second byte */
    if (c >= 0x01 && c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        want = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        want = 3;
        if (c == 0xe0)
            lo = 0xa0; /* overlong */
        if (c == 0xed)
            hi = 0x9f; /* surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        want = 4;
        if (c == 0xf0)
            lo = 0x90; /* overlong */
        if (c == 0xf4)
            hi = 0x8f; /* past U+10FFFF */
    } else {
        return 0; /* NUL, a stray continuation byte, or never valid */
    }
    if (n < want || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < want; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return want;
}

/*
 * Returns s as a valid UTF-8 jv string of at most max bytes: NUL and bad
 * bytes become U+FFFD, and the cut falls between characters.
 */
static jv plugin_output_clean(const char *s, size_t n, size_t max, bool *truncated)
{
    static const char replacement[] = "\xef\xbf\xbd";
    size_t room = n > max / 3 ? max : n * 3;
    char *buf = malloc(room + 1);
    if (!buf)
        return jv_invalid_with_msg(jv_string("out of memory"));
    const unsigned char *u = (const unsigned char *)s;
    size_t r = 0, w = 0;
    *truncated = false;
    while (r < n) {
        size_t in = plugin_output_utf8_len(u + r, n - r);
        const char *piece = in ? s + r : replacement;
        size_t out = in ? in : sizeof replacement - 1;
        if (w + out > max) {
            *truncated = true;
            break;
        }
        memcpy(buf + w, piece, out);
        w += out;
        r += in ? in : 1;
    }
    jv str = jv_string_sized(buf, (int)w);
    free(buf);
    return str;
}

/* Leading whitespace-only lines and all trailing whitespace go; leading tabs of text stay. */
static void plugin_output_trim_block(const char **s, size_t *n)
{
    size_t start = 0;
    for (size_t i = 0; i < *n && plugin_output_is_space((*s)[i]); i++)
        if ((*s)[i] == '\n')
            start = i + 1;
    size_t end = *n;
    while (end > start && plugin_output_is_space((*s)[end - 1]))
        end--;
    if (end == start || start >= *n)
        start = end = 0;
    *s += start;
    *n = end - start;
}

static void plugin_output_trim_line(const char **s, size_t *n)
{
    while (*n > 0 && plugin_output_is_space((*s)[0])) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && plugin_output_is_space((*s)[*n - 1]))
        (*n)--;
}

/* Icinga-style words for an end that is not a plain 0..3 exit. */
static void plugin_output_note(struct plugin_termination term, char *note, size_t size)
{
    switch (term.end) {
    case PLUGIN_END_EXITED:
        if (term.code == 126)
            snprintf(note, size,
                     "Return code of 126 is out of bounds. "
                     "Make sure the plugin you're trying to run is executable");
        else if (term.code == 127)
            snprintf(note, size,
                     "Return code of 127 is out of bounds. "
                     "Make sure the plugin you're trying to run actually exists");
        else
            snprintf(note, size, "Return code of %d is out of bounds", term.code);
        break;
    case PLUGIN_END_SIGNALED:
        snprintf(note, size, "Plugin killed by signal %d", term.code);
        break;
    case PLUGIN_END_TIMED_OUT:
        if (term.timeout_ms <= 0)
            snprintf(note, size, "Plugin timed out");
        else if (term.timeout_ms % 1000 == 0)
            snprintf(note, size, "Plugin timed out after %" PRId64 " seconds",
                     term.timeout_ms / 1000);
        else
            snprintf(note, size, "Plugin timed out after %" PRId64 " ms", term.timeout_ms);
        break;
    }
}

static int plugin_output_check_args(struct plugin_termination term,
                                    const struct plugin_output_options *opts,
                                    struct heal_error *err)
{
    switch (term.end) {
    case PLUGIN_END_EXITED:
        if (term.code < 0 || term.code > 255)
            return heal_error_set(err, "exit status %d is not in 0..255", term.code);
        break;
    case PLUGIN_END_SIGNALED:
        if (term.code < 1 || term.code > 127)
            return heal_error_set(err, "signal %d is not in 1..127", term.code);
        break;
    case PLUGIN_END_TIMED_OUT:
        if (term.timeout_ms < 0)
            return heal_error_set(err, "timeout of %" PRId64 " ms is negative", term.timeout_ms);
        break;
    default:
        return heal_error_set(err, "unknown plugin end %d", (int)term.end);
    }
    if (opts->summary_max < PLUGIN_OUTPUT_TEXT_MAX_MIN ||
        opts->summary_max > PLUGIN_OUTPUT_TEXT_MAX_LIMIT)
        return heal_error_set(err, "summary cap %zu is not in %d..%d", opts->summary_max,
                              PLUGIN_OUTPUT_TEXT_MAX_MIN, PLUGIN_OUTPUT_TEXT_MAX_LIMIT);
    if (opts->output_max < PLUGIN_OUTPUT_TEXT_MAX_MIN ||
        opts->output_max > PLUGIN_OUTPUT_TEXT_MAX_LIMIT)
        return heal_error_set(err, "long output cap %zu is not in %d..%d", opts->output_max,
                              PLUGIN_OUTPUT_TEXT_MAX_MIN, PLUGIN_OUTPUT_TEXT_MAX_LIMIT);
    if ((int)opts->timeout_status < NAGIOS_OK || (int)opts->timeout_status > NAGIOS_UNKNOWN)
        return heal_error_set(err, "timeout state %d is not in 0..3", (int)opts->timeout_status);
    return 0;
}

struct plugin_output_options plugin_output_options_default(void)
{
    struct plugin_output_options opts = {
        .summary_max = PLUGIN_OUTPUT_TEXT_MAX_DEFAULT,
        .output_max = PLUGIN_OUTPUT_TEXT_MAX_DEFAULT,
        .timeout_status = NAGIOS_CRITICAL,
    };
    return opts;
}

/*
 * Sorts the lines of s into line 1 (before its `|`), long output and
 * perfdata.  long_text and perf have room for n + 1 bytes: every byte
 * added is one of s, or a separator standing in for a '\n' of s.
 */
static void plugin_output_split(const char *s, size_t n, const char **line1, size_t *line1_len,
                                struct plugin_output_text *long_text,
                                struct plugin_output_text *perf)
{
    bool first_line = true, first_long = true, in_perf = false;
    size_t pos = 0;
    *line1 = s;
    *line1_len = 0;
    while (pos < n) {
        const char *nl = memchr(s + pos, '\n', n - pos);
        size_t end = nl ? (size_t)(nl - s) : n;
        size_t next = nl ? end + 1 : n;
        if (end > pos && s[end - 1] == '\r')
            end--;
        const char *line = s + pos;
        size_t line_len = end - pos;
        pos = next;

        if (in_perf) {
            /* Joined with a space: items on separate lines must not run together. */
            plugin_output_append(perf, " ", 1);
            plugin_output_append(perf, line, line_len);
            continue;
        }
        const char *pipe = memchr(line, '|', line_len);
        size_t text_len = pipe ? (size_t)(pipe - line) : line_len;
        if (first_line) {
            *line1 = line;
            *line1_len = text_len;
            first_line = false;
        } else {
            if (!first_long)
                plugin_output_append(long_text, "\n", 1);
            plugin_output_append(long_text, line, text_len);
            first_long = false;
            /* Only a `|` in long output turns the lines after it into perfdata. */
            in_perf = pipe != NULL;
        }
        if (pipe) {
            if (perf->len > 0)
                plugin_output_append(perf, " ", 1);
            plugin_output_append(perf, pipe + 1, line_len - text_len - 1);
        }
    }
}

int plugin_output_parse(const char *stdout_bytes, size_t len, struct plugin_termination term,
                        const struct plugin_output_options *opts, struct plugin_output *out,
                        struct heal_error *err)
{
    struct plugin_output_options defaults = plugin_output_options_default();
    if (!opts)
        opts = &defaults;
    if (plugin_output_check_args(term, opts, err) < 0)
        return -1;

    memset(out, 0, sizeof *out);
    out->termination = term;
    if (len > PLUGIN_OUTPUT_INPUT_MAX) {
        len = PLUGIN_OUTPUT_INPUT_MAX;
        out->input_truncated = true;
    }
    if (!stdout_bytes)
        len = 0;

    /* +2: the abnormal case puts line 1 and a '\n' in front of the long output. */
    struct plugin_output_text long_text = {malloc(len + 2), 0};
    struct plugin_output_text perf = {malloc(len + 1), 0};
    if (!long_text.buf || !perf.buf) {
        free(long_text.buf);
        free(perf.buf);
        return heal_error_set(err, "out of memory");
    }
    const char *line1;
    size_t line1_len;
    plugin_output_split(stdout_bytes, len, &line1, &line1_len, &long_text, &perf);
    plugin_output_trim_line(&line1, &line1_len);

    const char *long_s = long_text.buf;
    size_t long_n = long_text.len;
    plugin_output_trim_block(&long_s, &long_n);

    char note[PLUGIN_OUTPUT_NOTE_SIZE];
    out->abnormal = !(term.end == PLUGIN_END_EXITED && term.code <= NAGIOS_UNKNOWN);
    if (!out->abnormal) {
        out->status = (enum nagios_status)term.code;
    } else {
        out->status = term.end == PLUGIN_END_TIMED_OUT ? opts->timeout_status : NAGIOS_UNKNOWN;
        plugin_output_note(term, note, sizeof note);
        /* Line 1 still matters to whoever reads the record: it leads the long output. */
        if (line1_len > 0) {
            size_t rest = long_n;
            memmove(long_text.buf + line1_len + (rest ? 1 : 0), long_s, rest);
            memcpy(long_text.buf, line1, line1_len);
            if (rest)
                long_text.buf[line1_len] = '\n';
            long_s = long_text.buf;
            long_n = line1_len + (rest ? 1 + rest : 0);
        }
        line1 = note;
        line1_len = strlen(note);
    }
    if (line1_len == 0) {
        line1 = PLUGIN_OUTPUT_NO_OUTPUT;
        line1_len = strlen(PLUGIN_OUTPUT_NO_OUTPUT);
    }

    out->summary =
        plugin_output_clean(line1, line1_len, opts->summary_max, &out->summary_truncated);
    out->output = plugin_output_clean(long_s, long_n, opts->output_max, &out->output_truncated);
    out->perfdata = perfdata_parse(perf.buf, perf.len, &out->perfdata_stats);
    free(long_text.buf);
    free(perf.buf);
    if (!jv_is_valid(out->summary) || !jv_is_valid(out->output)) {
        plugin_output_free(out);
        return heal_error_set(err, "out of memory");
    }
    return 0;
}

void plugin_output_free(struct plugin_output *out)
{
    jv_free(out->summary);
    jv_free(out->output);
    jv_free(out->perfdata);
    out->summary = jv_null();
    out->output = jv_null();
    out->perfdata = jv_null();
}

const char *plugin_output_status_name(enum nagios_status status)
{
    switch (status) {
    case NAGIOS_OK:
        return "ok";
    case NAGIOS_WARNING:
        return "warning";
    case NAGIOS_CRITICAL:
        return "critical";
    case NAGIOS_UNKNOWN:
        return "unknown";
    }
    return "unknown";
}
