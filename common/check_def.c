#include "check.h"
#include "duration.h"
#include "utf8.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_FIELDS_MAX 64
#define FLAP_LOW_DEFAULT 5.0   /* what Nagios' sample nagios.cfg ships */
#define FLAP_HIGH_DEFAULT 20.0

/* Rows of common_fields, so a field's value is found by its row. */
enum common_field {
    F_NAME,
    F_KIND,
    F_TARGET,
    F_DESCRIPTION,
    F_LABELS,
    F_WARN,
    F_CRIT,
    F_TIMEOUT,
    F_INTERVAL,
    F_RETRY_INTERVAL,
    F_MAX_ATTEMPTS,
    F_FLAP_LOW,
    F_FLAP_HIGH,
    F_DISABLED,
    F_COMMON /* the number of common fields */
};

static const struct config_field common_fields[] = {
    [F_NAME] = {"name", CONFIG_STRING, true},
    [F_KIND] = {"kind", CONFIG_STRING, true},
    [F_TARGET] = {"target", CONFIG_STRING, false},
    [F_DESCRIPTION] = {"description", CONFIG_STRING, false},
    [F_LABELS] = {"labels", CONFIG_OBJECT, false},
    [F_WARN] = {"warn", CONFIG_STRING | CONFIG_NUMBER | CONFIG_NULL, false},
    [F_CRIT] = {"crit", CONFIG_STRING | CONFIG_NUMBER | CONFIG_NULL, false},
    [F_TIMEOUT] = {"timeout", CONFIG_STRING | CONFIG_NUMBER, false},
    [F_INTERVAL] = {"interval", CONFIG_STRING | CONFIG_NUMBER, false},
    [F_RETRY_INTERVAL] = {"retry_interval", CONFIG_STRING | CONFIG_NUMBER, false},
    [F_MAX_ATTEMPTS] = {"max_attempts", CONFIG_NUMBER, false},
    [F_FLAP_LOW] = {"flap_low", CONFIG_NUMBER, false},
    [F_FLAP_HIGH] = {"flap_high", CONFIG_NUMBER, false},
    [F_DISABLED] = {"disabled", CONFIG_BOOL, false},
    [F_COMMON] = {NULL, 0, false},
};

/* A copy of v's text if it is a string, else NULL; borrows v. */
static char *string_copy(jv v)
{
    return jv_get_kind(v) == JV_KIND_STRING ? strdup(jv_string_value(v)) : NULL;
}

/* A number means seconds; a string is a duration ("250ms", "1m").  Borrows v. */
static int get_duration(jv v, const char *key, int64_t fallback, int64_t *out,
                        struct heal_error *err)
{
    int rc = 0;
    *out = fallback;
    if (jv_get_kind(v) == JV_KIND_NUMBER) {
        double s = jv_number_value(v);
        if (!(s > 0) || s > 1e9)
            rc = heal_error_set(err, "field '%s': %g is not a positive number of seconds", key, s);
        else
            *out = (int64_t)(s * 1000.0);
    } else if (jv_get_kind(v) == JV_KIND_STRING) {
        struct heal_error e;
        if (duration_parse(jv_string_value(v), out, &e) != 0)
            rc = heal_error_set(err, "field '%s': %s", key, e.msg);
        else if (*out <= 0)
            rc = heal_error_set(err, "field '%s': must be longer than 0", key);
    }
    return rc;
}

/* Borrows v. */
static int get_range(jv v, const char *key, bool *has, struct range *r, char **text,
                     struct heal_error *err)
{
    char buf[64];
    const char *s = NULL;
    if (jv_get_kind(v) == JV_KIND_STRING) {
        s = jv_string_value(v);
    } else if (jv_get_kind(v) == JV_KIND_NUMBER) {
        snprintf(buf, sizeof buf, "%.17g", jv_number_value(v));
        s = buf;
    }
    int rc = 0;
    *has = false;
    if (s) {
        struct heal_error e;
        if (range_parse(s, r, &e) != 0) {
            rc = heal_error_set(err, "field '%s': %s", key, e.msg);
        } else {
            *has = true;
            *text = strdup(s);
        }
    }
    return rc;
}

/* Labels go into every record: strings only, and few enough bytes that a
 * record stays far below the record cap. */
static int labels_check(const jv *labels, struct heal_error *err)
{
    int rc = 0;
    size_t bytes = 0;
    /* The macro evaluates its object at every step and never frees it: borrow,
     * do not copy, or each step leaks a reference. */
    jv_object_foreach(*labels, k, v)
    {
        if (rc == 0 && jv_get_kind(v) != JV_KIND_STRING)
            rc = heal_error_set(err, "label '%s' must be a string, not %s", jv_string_value(k),
                                config_kind_name(jv_get_kind(v)));
        else if (rc == 0)
            bytes += (size_t)jv_string_length_bytes(jv_copy(k)) +
                     (size_t)jv_string_length_bytes(jv_copy(v));
        jv_free(k);
        jv_free(v);
    }
    if (rc == 0 && bytes > CHECK_LABELS_MAX)
        rc = heal_error_set(err, "labels hold %zu bytes, over the cap of %d", bytes,
                            CHECK_LABELS_MAX);
    return rc;
}

/* The number in v (borrowed), or fallback when there is none. */
static double number_or(jv v, double fallback)
{
    return jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : fallback;
}

/* Everything after the spec check: v holds the values, by row of spec. */
static int settle(struct check_def *def, const jv *v, struct heal_error *err)
{
    struct heal_error e;
    char *target = string_copy(v[F_TARGET]);
    def->target = target ? target : strdup(def->name);
    if (!def->target || !def->target[0] || strlen(def->target) > CHECK_NAME_MAX)
        return heal_error_set(err, "check '%s': field 'target' must be 1 to %d bytes", def->name,
                              CHECK_NAME_MAX);
    if (jv_get_kind(v[F_LABELS]) == JV_KIND_OBJECT) {
        def->labels = jv_copy(v[F_LABELS]);
        if (labels_check(&def->labels, &e) != 0)
            return heal_error_set(err, "check '%s': %s", def->name, e.msg);
    } else {
        def->labels = jv_object();
    }
    if (get_range(v[F_WARN], "warn", &def->has_warn, &def->warn, &def->warn_text, &e) ||
        get_range(v[F_CRIT], "crit", &def->has_crit, &def->crit, &def->crit_text, &e) ||
        get_duration(v[F_TIMEOUT], "timeout", CHECK_TIMEOUT_DEFAULT_MS, &def->timeout_ms, &e) ||
        get_duration(v[F_INTERVAL], "interval", CHECK_INTERVAL_DEFAULT_MS, &def->interval_ms, &e))
        return heal_error_set(err, "check '%s': %s", def->name, e.msg);
    /* A SOFT problem is confirmed three times as fast (10 s by default). */
    int64_t retry_default = def->interval_ms / 3 > 0 ? def->interval_ms / 3 : 1;
    if (get_duration(v[F_RETRY_INTERVAL], "retry_interval", retry_default, &def->retry_interval_ms,
                     &e))
        return heal_error_set(err, "check '%s': %s", def->name, e.msg);
    double m = number_or(v[F_MAX_ATTEMPTS], CHECK_MAX_ATTEMPTS_DEFAULT);
    int rc = 0;
    if (m < 1 || m > 100 || m != floor(m))
        rc = heal_error_set(err, "check '%s': field 'max_attempts' must be 1 to 100", def->name);
    def->max_attempts = (int)m;
    def->flap_low = number_or(v[F_FLAP_LOW], FLAP_LOW_DEFAULT);
    def->flap_high = number_or(v[F_FLAP_HIGH], FLAP_HIGH_DEFAULT);
    if (rc == 0 &&
        !(def->flap_low >= 0 && def->flap_low <= def->flap_high && def->flap_high <= 100))
        rc = heal_error_set(err, "check '%s': need 0 <= flap_low <= flap_high <= 100", def->name);
    if (rc == 0 && def->impl->prepare) {
        def->kind_fields = v + F_COMMON;
        rc = def->impl->prepare(def, &e);
        def->kind_fields = NULL;
        if (rc != 0)
            rc = heal_error_set(err, "check '%s': %s", def->name, e.msg);
    }
    return rc;
}

int check_def_init(struct check_def *def, jv object, const char *source, struct heal_error *err)
{
    memset(def, 0, sizeof *def);
    def->watch_fd = -1;
    def->def = jv_null();
    def->labels = jv_null();
    if (jv_get_kind(object) != JV_KIND_OBJECT) {
        jv_free(object);
        return heal_error_set(err, "a check must be a JSON object");
    }
    def->def = object;
    def->source = strdup(source ? source : "");
    /* The kind says which fields are allowed: name and kind come first. */
    jv name = config_field_peek(object, "name"), kind = config_field_peek(object, "kind");
    def->name = string_copy(name);
    def->kind = string_copy(kind);
    jv_free(name);
    jv_free(kind);
    if (!def->name || !def->kind) {
        int rc = heal_error_set(err, "missing required field '%s'", def->name ? "kind" : "name");
        check_def_free(def);
        return rc;
    }
    if (!def->name[0] || strlen(def->name) > CHECK_NAME_MAX) {
        check_def_free(def);
        return heal_error_set(err, "field 'name' must be 1 to %d bytes", CHECK_NAME_MAX);
    }
    def->impl = check_kind_find(def->kind);
    if (!def->impl) {
        char names[512] = "";
        for (const struct check_kind *const *k = check_kinds; *k; k++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
                     names[0] ? ", " : "", (*k)->name);
        int rc = heal_error_set(err, "check '%s': unknown kind '%s' (known: %s)", def->name,
                                def->kind, names);
        check_def_free(def);
        return rc;
    }

    struct config_field spec[CHECK_FIELDS_MAX];
    size_t n = 0;
    for (const struct config_field *f = common_fields; f->name && n < CHECK_FIELDS_MAX - 1; f++)
        spec[n++] = *f;
    for (const struct config_field *f = def->impl->fields; f && f->name && n < CHECK_FIELDS_MAX - 1;
         f++)
        spec[n++] = *f;
    spec[n] = (struct config_field){NULL, 0, false};

    jv values[CHECK_FIELDS_MAX];
    struct heal_error e;
    int rc = 0;
    if (config_fields_read(object, spec, values, &e) != 0)
        rc = heal_error_set(err, "check '%s': %s", def->name, e.msg);
    else
        rc = settle(def, values, err);
    config_fields_free(values, spec);
    if (rc != 0)
        check_def_free(def);
    return rc;
}

void check_def_free(struct check_def *def)
{
    if (def->impl && def->impl->release && def->kind_data)
        def->impl->release(def);
    if (def->impl && def->impl->watch_close && def->watch_fd >= 0)
        def->impl->watch_close(def);
    free(def->name);
    free(def->target);
    free(def->kind);
    free(def->source);
    free(def->warn_text);
    free(def->crit_text);
    jv_free(def->def);
    jv_free(def->labels);
    memset(def, 0, sizeof *def);
    def->def = jv_null();
    def->labels = jv_null();
    def->watch_fd = -1;
}

const struct check_kind *check_kind_find(const char *name)
{
    for (const struct check_kind *const *k = check_kinds; *k; k++)
        if (strcmp((*k)->name, name) == 0)
            return *k;
    return NULL;
}

void check_result_init(struct check_result *r)
{
    r->status = NAGIOS_UNKNOWN;
    r->summary = jv_string("");
    r->output = jv_string("");
    r->perfdata = jv_array();
    r->evidence = jv_object();
    r->perf_json = r->evidence_json = (struct jsonbuf){NULL, 0, 0};
    r->json_lost = false;
    r->duration_ms = 0;
}

void check_result_free(struct check_result *r)
{
    jv_free(r->summary);
    jv_free(r->output);
    jv_free(r->perfdata);
    jv_free(r->evidence);
    r->summary = r->output = r->perfdata = r->evidence = jv_null();
    jsonbuf_free(&r->perf_json);
    jsonbuf_free(&r->evidence_json);
}

void check_result_set(struct check_result *r, enum nagios_status status, const char *fmt, ...)
{
    char buf[CHECK_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    r->status = status;
    jv_free(r->summary);
    r->summary = jv_string(buf);
}

/* Starts the next item of a list in b: a comma unless it is the first. */
static int next_item(struct jsonbuf *b, size_t room, struct heal_error *err)
{
    return jsonbuf_reserve(b, room, err) || (b->len > 0 && jsonbuf_append(b, ",", 1, err)) ? -1 : 0;
}

/* An evidence member, whole or not at all; a failure makes the record fail. */
static void evidence_done(struct check_result *r, size_t mark, int rc)
{
    if (rc != 0) {
        r->evidence_json.len = mark;
        r->json_lost = true;
    }
}

/* Outside text (a mount point, a body) as a JSON string, invalid UTF-8 repaired as jq does. */
static int text(struct jsonbuf *b, const char *s, size_t len, struct heal_error *err)
{
    if (utf8_valid(s, len, NULL))
        return jsonbuf_append_string(b, s, len, err);
    jv repaired = jv_string_sized(s, (int)len); /* bad bytes become U+FFFD */
    int rc = jsonbuf_append_jv(b, &repaired, err);
    jv_free(repaired);
    return rc;
}

static int text_or_null(struct jsonbuf *b, const char *s, struct heal_error *err)
{
    return s ? text(b, s, strlen(s), err) : jsonbuf_append(b, "null", 4, err);
}

/* A literal piece of JSON. */
#define LITERAL(b, text, err) jsonbuf_append(b, text, sizeof text - 1, err)

void check_result_perf(struct check_result *r, const char *label, double value, const char *uom,
                       const char *warn, const char *crit, double min, double max)
{
    struct jsonbuf *b = &r->perf_json;
    size_t mark = b->len;
    struct heal_error e;
    /* jsonbuf writes NaN as null, as jq does. */
    int rc = next_item(b, 160, &e) || LITERAL(b, "{\"label\":", &e) || text_or_null(b, label, &e) ||
             LITERAL(b, ",\"value\":", &e) || jsonbuf_append_number(b, value, &e) ||
             LITERAL(b, ",\"uom\":", &e) || text_or_null(b, uom ? uom : "", &e) ||
             LITERAL(b, ",\"warn\":", &e) || text_or_null(b, warn, &e) ||
             LITERAL(b, ",\"crit\":", &e) || text_or_null(b, crit, &e) ||
             LITERAL(b, ",\"min\":", &e) || jsonbuf_append_number(b, min, &e) ||
             LITERAL(b, ",\"max\":", &e) || jsonbuf_append_number(b, max, &e) ||
             LITERAL(b, "}", &e);
    if (rc != 0) {
        b->len = mark;
        r->json_lost = true;
    }
}

/* Starts an evidence member, its comma and key; *mark is where it began. */
static int member_start(struct check_result *r, const char *key, size_t room, size_t *mark,
                        struct heal_error *err)
{
    *mark = r->evidence_json.len;
    return next_item(&r->evidence_json, room, err) || jsonbuf_append_key(&r->evidence_json, key, err)
               ? -1
               : 0;
}

void check_result_evidence_text(struct check_result *r, const char *key, const char *s, size_t len)
{
    size_t mark;
    struct heal_error e;
    int rc = member_start(r, key, len + 32, &mark, &e) || text(&r->evidence_json, s, len, &e);
    evidence_done(r, mark, rc);
}

void check_result_evidence_number(struct check_result *r, const char *key, double value)
{
    size_t mark;
    struct heal_error e;
    int rc = member_start(r, key, 64, &mark, &e) ||
             jsonbuf_append_number(&r->evidence_json, value, &e);
    evidence_done(r, mark, rc);
}

void check_result_evidence_numbers(struct check_result *r, const char *key,
                                   const char *const *names, const double *values, size_t n)
{
    struct jsonbuf *b = &r->evidence_json;
    size_t mark;
    struct heal_error e;
    int rc = member_start(r, key, 32 + n * 40, &mark, &e) || jsonbuf_append(b, "{", 1, &e);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = (i > 0 && jsonbuf_append(b, ",", 1, &e)) || jsonbuf_append_key(b, names[i], &e) ||
             jsonbuf_append_number(b, values[i], &e);
    evidence_done(r, mark, rc || jsonbuf_append(b, "}", 1, &e));
}

void check_result_evidence_json(struct check_result *r, const char *key, const char *json,
                                size_t len)
{
    size_t mark;
    struct heal_error e;
    int rc = member_start(r, key, len + 32, &mark, &e) ||
             jsonbuf_append(&r->evidence_json, json, len, &e);
    evidence_done(r, mark, rc);
}

enum nagios_status check_evaluate(const struct check_def *def, double value)
{
    return range_evaluate(value, def->has_warn ? &def->warn : NULL,
                          def->has_crit ? &def->crit : NULL);
}

const char *check_status_name(enum nagios_status s)
{
    static const char *names[] = {"ok", "warning", "critical", "unknown"};
    return (unsigned)s < 4 ? names[s] : "unknown";
}

int check_default_thresholds(struct check_def *def, const char *warn, const char *crit,
                             struct heal_error *err)
{
    if (!def->has_warn && warn) {
        if (range_parse(warn, &def->warn, err) != 0)
            return -1;
        def->has_warn = true;
        def->warn_text = strdup(warn);
    }
    if (!def->has_crit && crit) {
        if (range_parse(crit, &def->crit, err) != 0)
            return -1;
        def->has_crit = true;
        def->crit_text = strdup(crit);
    }
    return 0;
}
