#include "check_report.h"
#include "clock.h"
#include "record.h"

#include <stdio.h>
#include <string.h>

enum nagios_status check_status_worse(enum nagios_status a, enum nagios_status b)
{
    static const int rank[] = {0, 2, 3, 1};
    return rank[b & 3] > rank[a & 3] ? b : a;
}

static int key(struct jsonbuf *b, const char *k, struct heal_error *err)
{
    return jsonbuf_append(b, ",", 1, err) || jsonbuf_append_key(b, k, err) ? -1 : 0;
}

static int str(struct jsonbuf *b, const char *k, const char *v, struct heal_error *err)
{
    return key(b, k, err) || jsonbuf_append_string(b, v, strlen(v), err) ? -1 : 0;
}

static int num(struct jsonbuf *b, const char *k, double v, struct heal_error *err)
{
    return key(b, k, err) || jsonbuf_append_number(b, v, err) ? -1 : 0;
}

static int val(struct jsonbuf *b, const char *k, const jv *v, struct heal_error *err)
{
    return key(b, k, err) || jsonbuf_append_jv(b, v, err) ? -1 : 0;
}

/*
 * A list (perfdata, evidence) whose first items were written as JSON text
 * (written, without brackets) and whose others are in v: "[" written ","
 * v's items "]", by overwriting v's own opening bracket.
 */
static int merged(struct jsonbuf *b, const char *k, const struct jsonbuf *written, const jv *v,
                  const char *open, struct heal_error *err)
{
    if (written->len == 0)
        return val(b, k, v, err);
    if (key(b, k, err) || jsonbuf_append(b, open, 1, err) ||
        jsonbuf_append(b, written->data, written->len, err))
        return -1;
    size_t at = b->len;
    if (jsonbuf_append_jv(b, v, err) != 0)
        return -1;
    if (b->len - at == 2) { /* v is empty: keep its closing bracket only */
        b->data[at] = b->data[at + 1];
        b->len--;
    } else {
        b->data[at] = ',';
    }
    return 0;
}

static int flag(struct jsonbuf *b, const char *k, bool v, struct heal_error *err)
{
    return key(b, k, err) || jsonbuf_append(b, v ? "true" : "false", v ? 4 : 5, err) ? -1 : 0;
}

int check_record_write(struct jsonbuf *b, const struct check_def *def,
                       const struct check_result *result, const struct check_state *state,
                       const char *trace, struct heal_error *err)
{
    char id[RECORD_ID_SIZE], ts[CLOCK_RFC3339_SIZE];
    record_id_new(id);
    clock_format_rfc3339(clock_now_ms(), ts);
    if (result->json_lost)
        return heal_error_set(err, "check '%s': out of memory for its result", def->name);
    size_t mark = b->len;
    /* The keys are ours and need no escaping; values go through jsonbuf. */
    static const char head[] = "{\"type\":\"check\",\"v\":1";
    int rc = jsonbuf_append(b, head, sizeof head - 1, err) ||
             str(b, "id", id, err) || str(b, "ts", ts, err) ||
             str(b, "host", record_host(), err) || str(b, "trace", trace ? trace : id, err) ||
             str(b, "target", def->target, err) || val(b, "labels", &def->labels, err) ||
             str(b, "name", def->name, err) || str(b, "kind", def->kind, err) ||
             str(b, "status", check_status_name(result->status), err) ||
             num(b, "code", result->status, err) || val(b, "summary", &result->summary, err) ||
             val(b, "output", &result->output, err) ||
             merged(b, "perfdata", &result->perf_json, &result->perfdata, "[", err) ||
             num(b, "duration_ms", (double)result->duration_ms, err) ||
             str(b, "state_type", state->hard ? "hard" : "soft", err) ||
             num(b, "attempt", state->attempt, err) ||
             num(b, "max_attempts", def->max_attempts, err) ||
             flag(b, "flapping", state->flapping, err) ||
             flag(b, "changed", state->changed, err) ||
             merged(b, "evidence", &result->evidence_json, &result->evidence, "{", err) ||
             jsonbuf_append(b, "}", 1, err);
    if (rc != 0)
        b->len = mark; /* never half a record */
    return rc ? -1 : 0;
}

/* Copies s, showing control characters as '?', so outside text cannot drive the terminal. */
static void visible(const char *s, char *out, size_t size)
{
    size_t o = 0;
    for (; s && *s && o + 1 < size; s++)
        out[o++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
    out[o] = '\0';
}

void check_text_line(const struct check_def *def, const struct check_result *result,
                     const struct check_state *state, bool color, char *buf, size_t size)
{
    static const char *const colors[] = {"\033[32m", "\033[33m", "\033[31m", "\033[35m"};
    static const char *const names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
    int code = (int)result->status & 3;
    char name[96], summary[1024];
    visible(def->name, name, sizeof name);
    visible(jv_get_kind(result->summary) == JV_KIND_STRING ? jv_string_value(result->summary)
                                                            : "",
            summary, sizeof summary);
    char st[64] = "";
    if (code != 0 && !state->hard)
        snprintf(st, sizeof st, " (soft %d/%d)", state->attempt, def->max_attempts);
    if (state->flapping)
        snprintf(st + strlen(st), sizeof st - strlen(st), " (flapping)");
    snprintf(buf, size, "%s%-8s%s  %-24s  %s%s\n", color ? colors[code] : "", names[code],
             color ? "\033[0m" : "", name, summary, st);
}
