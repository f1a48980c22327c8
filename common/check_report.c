#include "check_report.h"
#include "record.h"

#include <stdio.h>
#include <string.h>

enum nagios_status check_status_worse(enum nagios_status a, enum nagios_status b)
{
    static const int rank[] = {0, 2, 3, 1};
    return rank[b & 3] > rank[a & 3] ? b : a;
}

jv check_record(const struct check_def *def, const struct check_result *result,
                const struct check_state *state)
{
    jv r = record_new("check");
    const char *id = record_string_borrow(&r, "id");
    r = jv_object_set(r, jv_string("trace"), jv_string(id));
    r = jv_object_set(r, jv_string("target"), jv_string(def->target));
    r = jv_object_set(r, jv_string("labels"), jv_copy(def->labels));
    r = jv_object_set(r, jv_string("name"), jv_string(def->name));
    r = jv_object_set(r, jv_string("kind"), jv_string(def->kind));
    r = jv_object_set(r, jv_string("status"), jv_string(check_status_name(result->status)));
    r = jv_object_set(r, jv_string("code"), jv_number(result->status));
    r = jv_object_set(r, jv_string("summary"), jv_copy(result->summary));
    r = jv_object_set(r, jv_string("output"), jv_copy(result->output));
    r = jv_object_set(r, jv_string("perfdata"), jv_copy(result->perfdata));
    r = jv_object_set(r, jv_string("duration_ms"), jv_number((double)result->duration_ms));
    r = jv_object_set(r, jv_string("state_type"), jv_string(state->hard ? "hard" : "soft"));
    r = jv_object_set(r, jv_string("attempt"), jv_number(state->attempt));
    r = jv_object_set(r, jv_string("max_attempts"), jv_number(def->max_attempts));
    r = jv_object_set(r, jv_string("flapping"), jv_bool(state->flapping));
    r = jv_object_set(r, jv_string("changed"), jv_bool(state->changed));
    r = jv_object_set(r, jv_string("evidence"), jv_copy(result->evidence));
    return r;
}

/* Copies s, showing control characters as '?', so outside text cannot drive the terminal. */
static void visible(const char *s, char *out, size_t size)
{
    size_t o = 0;
    for (; s && *s && o + 1 < size; s++)
        out[o++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
    out[o] = '\0';
}

void check_text_line(const jv *record, bool color, char *buf, size_t size)
{
    static const char *const colors[] = {"\033[32m", "\033[33m", "\033[31m", "\033[35m"};
    jv codev = jv_object_get(jv_copy(*record), jv_string("code"));
    int code = jv_get_kind(codev) == JV_KIND_NUMBER ? (int)jv_number_value(codev) : 3;
    jv_free(codev);
    if (code < 0 || code > 3)
        code = 3;
    static const char *const names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
    char name[96], summary[1024];
    visible(record_string_borrow(record, "name"), name, sizeof name);
    visible(record_string_borrow(record, "summary"), summary, sizeof summary);
    const char *st = record_string_borrow(record, "state_type");
    jv a = jv_object_get(jv_copy(*record), jv_string("attempt"));
    jv m = jv_object_get(jv_copy(*record), jv_string("max_attempts"));
    jv fl = jv_object_get(jv_copy(*record), jv_string("flapping"));
    char state[64] = "";
    if (code != 0 && st && strcmp(st, "soft") == 0)
        snprintf(state, sizeof state, " (soft %d/%d)", (int)jv_number_value(a),
                 (int)jv_number_value(m));
    if (jv_get_kind(fl) == JV_KIND_TRUE)
        snprintf(state + strlen(state), sizeof state - strlen(state), " (flapping)");
    jv_free(a);
    jv_free(m);
    jv_free(fl);
    snprintf(buf, size, "%s%-8s%s  %-24s  %s%s\n", color ? colors[code] : "", names[code],
             color ? "\033[0m" : "", name, summary, state);
}
