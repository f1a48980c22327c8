#include "clock.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int parse_override(const char *s, int64_t *ms)
{
    char *end;
    double secs = strtod(s, &end);
    if (end != s && *end == '\0') {
        *ms = (int64_t)(secs * 1000.0 + (secs >= 0 ? 0.5 : -0.5));
        return 0;
    }
    return clock_parse_rfc3339(s, ms);
}

int64_t clock_now_ms(void)
{
    const char *fixed = getenv("HEAL_NOW");
    int64_t ms;
    if (fixed && *fixed && parse_override(fixed, &ms) == 0)
        return ms;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void clock_format_rfc3339(int64_t ms, char out[CLOCK_RFC3339_SIZE])
{
    int64_t secs = ms / 1000;
    int milli = (int)(ms % 1000);
    if (milli < 0) {
        milli += 1000;
        secs -= 1;
    }
    time_t t = (time_t)secs;
    struct tm tm;
    gmtime_r(&t, &tm);
    if (tm.tm_year + 1900 < 0) {
        /* A wider scratch buffer keeps -Wformat-truncation quiet; the
         * result always fits, as every field is clamped to its width. */
        char buf[64];
        snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                 (tm.tm_year + 1900) % 10000, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                 tm.tm_sec, milli);
        memcpy(out, buf, CLOCK_RFC3339_SIZE - 1);
        out[CLOCK_RFC3339_SIZE - 1] = '\0';
        return;
    }
    /* Digit by digit otherwise: every record has a timestamp, and snprintf
     * cost more than the rest of writing a check record. */
    const struct {
        int value, width;
    } fields[] = {{(tm.tm_year + 1900) % 10000, 4},
                  {tm.tm_mon + 1, 2},
                  {tm.tm_mday, 2},
                  {tm.tm_hour, 2},
                  {tm.tm_min, 2},
                  {tm.tm_sec, 2},
                  {milli, 3}};
    static const char after[] = "--T::.Z";
    char *o = out;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        int v = fields[i].value;
        for (int d = fields[i].width - 1; d >= 0; d--, v /= 10)
            o[d] = (char)('0' + v % 10);
        o += fields[i].width;
        *o++ = after[i];
    }
    *o = '\0';
}

static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int clock_parse_rfc3339(const char *s, int64_t *ms)
{
    int year, mon, day, hour, min, sec;
    const char *p = s;
    if (digits(&p, 4, &year) || *p++ != '-' || digits(&p, 2, &mon) || *p++ != '-' ||
        digits(&p, 2, &day))
        return -1;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    if (digits(&p, 2, &hour) || *p++ != ':' || digits(&p, 2, &min) || *p++ != ':' ||
        digits(&p, 2, &sec))
        return -1;
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
        return -1;
    int frac_ms = 0;
    if (*p == '.' || *p == ',') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        int scale = 100;
        while (isdigit((unsigned char)*p)) {
            frac_ms += (*p - '0') * scale;
            scale /= 10;
            p++;
        }
    }
    int offset_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om;
        p++;
        if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om))
            return -1;
        offset_min = sign * (oh * 60 + om);
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;
    struct tm tm = {0};
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    *ms = ((int64_t)t - (int64_t)offset_min * 60) * 1000 + frac_ms;
    return 0;
}
