#include "playbook.h"
#include "builtin.h"
#include "duration.h"

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Characters a shell would give meaning to; refused in any value. */
static const char playbook_metachars[] = ";|&$`<>(){}[]*?!~'\"\\";

/* Shown of an untrusted value in a message: enough to recognise it. */
#define PLAYBOOK_SHOWN_MAX 64

static const struct config_field remedy_fields[] = {
    {"id", CONFIG_STRING, true},
    {"title", CONFIG_STRING, true},
    {"description", CONFIG_STRING, false},
    {"action", CONFIG_STRING, false},
    {"argv", CONFIG_ARRAY, false},
    {"params", CONFIG_OBJECT, false},
    {"risk", CONFIG_STRING, true},
    {"complexity", CONFIG_NUMBER, false},
    {"timeout", CONFIG_STRING, false},
    {"verify", CONFIG_OBJECT, false},
    {"rollback", CONFIG_ARRAY | CONFIG_NULL, false},
    {"precondition", CONFIG_OBJECT | CONFIG_NULL, false},
    {"applies_to", CONFIG_ARRAY, false},
    {"cooldown", CONFIG_STRING, false},
    {"max_attempts", CONFIG_NUMBER, false},
    {"window", CONFIG_STRING, false},
    {"auto", CONFIG_BOOL, false},
    {"disabled", CONFIG_BOOL, false},
    {NULL, 0, false},
};

static const struct config_field param_fields[] = {
    {"source", CONFIG_STRING, true},
    {"pattern", CONFIG_STRING, true},
    {"default", CONFIG_STRING, false},
    {"description", CONFIG_STRING, false},
    {NULL, 0, false},
};

static const struct config_field verify_fields[] = {
    {"recheck", CONFIG_BOOL, false},     {"attempts", CONFIG_NUMBER, false},
    {"delay", CONFIG_STRING, false},     {"backoff", CONFIG_NUMBER, false},
    {"max_delay", CONFIG_STRING, false}, {NULL, 0, false},
};

static const struct config_field precondition_fields[] = {
    {"argv", CONFIG_ARRAY, true},
    {"exit", CONFIG_NUMBER, false},
    {"description", CONFIG_STRING, false},
    {NULL, 0, false},
};

struct playbook {
    struct remedy *remedies;
    size_t n;
};

/* ---- small helpers ---- */

static void strv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

/* The field as a jv (borrowing o); jv_invalid() when absent. */
static jv field(jv o, const char *key)
{
    return jv_object_get(jv_copy(o), jv_string(key));
}

static char *str_field(jv o, const char *key)
{
    jv v = field(o, key);
    char *s = jv_get_kind(v) == JV_KIND_STRING ? strdup(jv_string_value(v)) : NULL;
    jv_free(v);
    return s;
}

/* A whole number field in [lo, hi], or def when absent. */
static int int_field(jv o, const char *key, int lo, int hi, int def, int *out,
                     struct heal_error *err)
{
    jv v = field(o, key);
    if (jv_get_kind(v) != JV_KIND_NUMBER) {
        jv_free(v);
        *out = def;
        return 0;
    }
    double d = jv_number_value(v);
    jv_free(v);
    if (d != floor(d) || d < lo || d > hi)
        return heal_error_set(err, "'%s' must be a whole number from %d to %d", key, lo, hi);
    *out = (int)d;
    return 0;
}

static int duration_field(jv o, const char *key, int64_t def, bool positive, int64_t *out,
                          struct heal_error *err)
{
    jv v = field(o, key);
    *out = def;
    int rc = 0;
    if (jv_get_kind(v) == JV_KIND_STRING) {
        struct heal_error e;
        if (duration_parse(jv_string_value(v), out, &e) != 0)
            rc = heal_error_set(err, "'%s': %s", key, e.msg);
        else if (positive && *out <= 0)
            rc = heal_error_set(err, "'%s' must be longer than 0", key);
    }
    jv_free(v);
    return rc;
}

/* Copies a value into buf for a message: control bytes as '?', long ones cut. */
static void shown(const char *value, size_t len, char buf[PLAYBOOK_SHOWN_MAX + 4])
{
    size_t n = len < PLAYBOOK_SHOWN_MAX ? len : PLAYBOOK_SHOWN_MAX;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)value[i];
        buf[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    strcpy(buf + n, len > n ? "..." : "");
}

const char *playbook_risk_name(enum playbook_risk risk)
{
    return risk == PLAYBOOK_RISK_LOW ? "low" : risk == PLAYBOOK_RISK_MEDIUM ? "medium" : "high";
}

static bool valid_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > PLAYBOOK_ID_MAX || !strchr("abcdefghijklmnopqrstuvwxyz0123456789", s[0]))
        return false;
    return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

static bool valid_param_name(const char *s, size_t n)
{
    if (n == 0 || n > PLAYBOOK_PARAM_NAME_MAX || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", s[i]) ||
            !s[i])
            return false;
    return true;
}

/* "{name}" exactly: returns 1 with the name's span, else 0. */
static int placeholder(const char *s, const char **name, size_t *len)
{
    size_t n = strlen(s);
    if (n < 3 || s[0] != '{' || s[n - 1] != '}' || !valid_param_name(s + 1, n - 2))
        return 0;
    *name = s + 1;
    *len = n - 2;
    return 1;
}

/* A "{name}" somewhere inside a longer element: a substitution we never do. */
static bool embedded_placeholder(const char *s)
{
    for (const char *o = strchr(s, '{'); o; o = strchr(o + 1, '{')) {
        const char *c = strchr(o, '}');
        if (c && valid_param_name(o + 1, (size_t)(c - o - 1)))
            return true;
    }
    return false;
}

/* ---- values ---- */

int playbook_value_check(const struct playbook_param *p, const char *value, size_t len,
                         struct heal_error *err)
{
    if (len == 0)
        return heal_error_set(err, "is empty");
    if (len > PLAYBOOK_VALUE_MAX)
        return heal_error_set(err, "is longer than %d bytes", PLAYBOOK_VALUE_MAX);
    /* Belt and braces: whatever the pattern allows, these never reach an argv. */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c == '\0')
            return heal_error_set(err, "contains a NUL byte");
        if (c == '\n' || c == '\r')
            return heal_error_set(err, "contains a newline");
        if (c == ' ' || c == '\t' || c == '\v' || c == '\f')
            return heal_error_set(err, "contains whitespace");
        if (c < 0x20 || c == 0x7f)
            return heal_error_set(err, "contains a control character");
        if (strchr(playbook_metachars, c))
            return heal_error_set(err, "contains the shell metacharacter '%c'", c);
    }
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && value[j] != '/')
            j++;
        if (j - i == 2 && value[i] == '.' && value[i + 1] == '.')
            return heal_error_set(err, "has a '..' path component");
        i = j + 1;
    }
    if (value[0] == '-' && !p->allow_dash)
        return heal_error_set(err, "starts with '-' (an option, not a value)");
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(p->re, NULL);
    if (!md)
        return heal_error_set(err, "out of memory");
    int rc = pcre2_match(p->re, (PCRE2_SPTR)value, len, 0, 0, md, NULL);
    pcre2_match_data_free(md);
    if (rc < 0)
        return heal_error_set(err, "does not match %s", p->pattern);
    return 0;
}

/* ---- loading one entry ---- */

static void param_free(struct playbook_param *p)
{
    free(p->name), free(p->key), free(p->pattern), free(p->default_value);
    pcre2_code_free(p->re);
    memset(p, 0, sizeof *p);
}

static void remedy_free(struct remedy *r)
{
    free(r->id), free(r->title), free(r->description), free(r->source);
    strv_free(r->argv), strv_free(r->rollback), strv_free(r->precondition);
    strv_free(r->applies_to);
    for (size_t i = 0; i < r->nparams; i++)
        param_free(&r->params[i]);
    free(r->params);
    jv_free(r->verify_json);
    jv_free(r->entry);
    memset(r, 0, sizeof *r);
}

static int param_build(const char *name, jv o, struct playbook_param *p, struct heal_error *err)
{
    struct heal_error e;
    p->name = strdup(name);
    if (!valid_param_name(name, strlen(name)))
        return heal_error_set(err, "parameter '%s': the name must be letters, digits and '_'",
                              name);
    if (config_check_fields(o, param_fields, &e) != 0)
        return heal_error_set(err, "parameter '%s': %s", name, e.msg);
    char *src = str_field(o, "source");
    const char *colon = strchr(src, ':');
    int rc = 0;
    if (colon && !strncmp(src, "label:", 6))
        p->source = PLAYBOOK_SOURCE_LABEL;
    else if (colon && !strncmp(src, "fact:", 5))
        p->source = PLAYBOOK_SOURCE_FACT;
    else
        rc = heal_error_set(err, "parameter '%s': source must be \"label:KEY\" or \"fact:KEY\"",
                            name);
    if (rc == 0 && (!colon[1] || strlen(colon + 1) > PLAYBOOK_PARAM_NAME_MAX))
        rc = heal_error_set(err, "parameter '%s': source names no key", name);
    if (rc == 0)
        p->key = strdup(colon + 1);
    free(src);
    if (rc != 0)
        return rc;
    p->pattern = str_field(o, "pattern");
    int code;
    PCRE2_SIZE off;
    p->re = pcre2_compile((PCRE2_SPTR)p->pattern, PCRE2_ZERO_TERMINATED,
                          PCRE2_UTF | PCRE2_ANCHORED | PCRE2_ENDANCHORED, &code, &off, NULL);
    if (!p->re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof msg);
        return heal_error_set(err, "parameter '%s': pattern: %s at offset %zu", name, (char *)msg,
                              (size_t)off);
    }
    p->allow_dash = p->pattern[0] == '-' || !strncmp(p->pattern, "^-", 2);
    p->default_value = str_field(o, "default");
    if (p->default_value &&
        playbook_value_check(p, p->default_value, strlen(p->default_value), &e) != 0)
        return heal_error_set(err, "parameter '%s': default '%s' %s", name, p->default_value,
                              e.msg);
    return 0;
}

static const struct playbook_param *param_named(const struct remedy *r, const char *name,
                                                size_t len)
{
    for (size_t i = 0; i < r->nparams; i++)
        if (strlen(r->params[i].name) == len && !strncmp(r->params[i].name, name, len))
            return &r->params[i];
    return NULL;
}

/* Checks and copies an argv template named what ("argv", "rollback", ...). */
static int template_build(const struct remedy *r, jv arr, const char *what, char ***out, bool *used,
                          struct heal_error *err)
{
    int n = jv_array_length(jv_copy(arr));
    if (n < 1 || n > PLAYBOOK_ARGV_MAX)
        return heal_error_set(err, "'%s' must hold 1 to %d strings", what, PLAYBOOK_ARGV_MAX);
    char **v = calloc((size_t)n + 1, sizeof *v);
    if (!v)
        return heal_error_set(err, "out of memory");
    *out = v;
    for (int i = 0; i < n; i++) {
        jv e = jv_array_get(jv_copy(arr), i);
        if (jv_get_kind(e) != JV_KIND_STRING) {
            jv_free(e);
            return heal_error_set(err, "%s[%d] must be a string", what, i);
        }
        if (jv_string_length_bytes(jv_copy(e)) > PLAYBOOK_ELEMENT_MAX ||
            strlen(jv_string_value(e)) != (size_t)jv_string_length_bytes(jv_copy(e))) {
            jv_free(e);
            return heal_error_set(err, "%s[%d] is too long or holds a NUL", what, i);
        }
        v[i] = strdup(jv_string_value(e));
        jv_free(e);
        const char *name;
        size_t len;
        if (placeholder(v[i], &name, &len)) {
            const struct playbook_param *p = param_named(r, name, len);
            if (!p)
                return heal_error_set(err, "%s[%d]: placeholder '%s' names no declared parameter",
                                      what, i, v[i]);
            if (i == 0 && p->source != PLAYBOOK_SOURCE_LABEL)
                return heal_error_set(err,
                                      "%s[0]: placeholder '%s' takes a fact; the program "
                                      "may come only from a label",
                                      what, v[i]);
            used[p - r->params] = true;
        } else if (embedded_placeholder(v[i])) {
            return heal_error_set(err,
                                  "%s[%d]: '%s' has a placeholder inside a larger string; "
                                  "a parameter fills a whole element",
                                  what, i, v[i]);
        }
    }
    return 0;
}

static int verify_build(jv v, struct remedy *r, struct heal_error *err)
{
    struct heal_error e;
    r->verify = (struct playbook_verify){.recheck = true, .attempts = 1, .backoff = 1};
    if (!jv_is_valid(v) || jv_get_kind(v) != JV_KIND_OBJECT)
        return 0;
    if (config_check_fields(v, verify_fields, &e) != 0)
        return heal_error_set(err, "verify: %s", e.msg);
    jv rc = field(v, "recheck");
    if (jv_is_valid(rc))
        r->verify.recheck = jv_get_kind(rc) == JV_KIND_TRUE;
    jv_free(rc);
    if (int_field(v, "attempts", 1, PLAYBOOK_ATTEMPTS_MAX, 1, &r->verify.attempts, &e) != 0 ||
        duration_field(v, "delay", 0, false, &r->verify.delay_ms, &e) != 0 ||
        duration_field(v, "max_delay", 0, false, &r->verify.max_delay_ms, &e) != 0)
        return heal_error_set(err, "verify: %s", e.msg);
    jv b = field(v, "backoff");
    if (jv_get_kind(b) == JV_KIND_NUMBER) {
        r->verify.backoff = jv_number_value(b);
        if (!(r->verify.backoff >= 1 && r->verify.backoff <= 100)) {
            jv_free(b);
            return heal_error_set(err, "verify: 'backoff' must be from 1 to 100");
        }
    }
    jv_free(b);
    return 0;
}

static int params_build(jv params, struct remedy *r, struct heal_error *err)
{
    if (jv_get_kind(params) != JV_KIND_OBJECT)
        return 0;
    int n = jv_object_length(jv_copy(params));
    if (n > PLAYBOOK_PARAMS_MAX)
        return heal_error_set(err, "more than %d parameters", PLAYBOOK_PARAMS_MAX);
    r->params = calloc((size_t)(n ? n : 1), sizeof *r->params);
    if (!r->params)
        return heal_error_set(err, "out of memory");
    int rc = 0;
    jv_object_foreach(params, k, v)
    {
        if (rc == 0) {
            struct playbook_param *p = &r->params[r->nparams++];
            if (jv_get_kind(v) != JV_KIND_OBJECT) {
                p->name = strdup(jv_string_value(k));
                rc = heal_error_set(err, "parameter '%s' must be an object", jv_string_value(k));
            } else {
                rc = param_build(jv_string_value(k), v, p, err);
            }
        }
        jv_free(k);
        jv_free(v);
    }
    return rc;
}

static int applies_build(jv a, struct remedy *r, struct heal_error *err)
{
    int n = jv_get_kind(a) == JV_KIND_ARRAY ? jv_array_length(jv_copy(a)) : 0;
    if (n > PLAYBOOK_APPLIES_MAX)
        return heal_error_set(err, "more than %d globs in applies_to", PLAYBOOK_APPLIES_MAX);
    r->applies_to = calloc((size_t)n + 1, sizeof *r->applies_to);
    if (!r->applies_to)
        return heal_error_set(err, "out of memory");
    for (int i = 0; i < n; i++) {
        jv g = jv_array_get(jv_copy(a), i);
        if (jv_get_kind(g) != JV_KIND_STRING || !*jv_string_value(g)) {
            jv_free(g);
            return heal_error_set(err, "applies_to[%d] must be a non-empty string", i);
        }
        r->applies_to[i] = strdup(jv_string_value(g));
        jv_free(g);
    }
    return 0;
}

/* Validates one entry (borrowed) into r.  Returns 0, or -1 with err. */
static int remedy_build(jv o, const char *source, struct remedy *r, struct heal_error *err)
{
    memset(r, 0, sizeof *r);
    r->verify_json = jv_object();
    r->entry = jv_copy(o);
    struct heal_error e;
    if (config_check_fields(o, remedy_fields, &e) != 0)
        return heal_error_set(err, "%s", e.msg);
    r->id = str_field(o, "id");
    r->title = str_field(o, "title");
    r->description = str_field(o, "description");
    r->source = strdup(source);
    if (!valid_id(r->id))
        return heal_error_set(err, "id must be lower-case letters, digits, '.', '_' and '-'");
    if (strchr(r->title, '\n') || strchr(r->title, '\r'))
        return heal_error_set(err, "title must be one line");
    char *s = str_field(o, "action");
    int rc = 0;
    if (!s || !strcmp(s, "run"))
        r->action = PLAYBOOK_ACTION_RUN;
    else if (!strcmp(s, "wait"))
        r->action = PLAYBOOK_ACTION_WAIT;
    else
        rc = heal_error_set(err, "action must be run or wait, not '%s'", s);
    free(s);
    if (rc != 0)
        return rc;
    s = str_field(o, "risk");
    if (!strcmp(s, "low"))
        r->risk = PLAYBOOK_RISK_LOW;
    else if (!strcmp(s, "medium"))
        r->risk = PLAYBOOK_RISK_MEDIUM;
    else if (!strcmp(s, "high"))
        r->risk = PLAYBOOK_RISK_HIGH;
    else
        rc = heal_error_set(err, "risk must be low, medium or high, not '%s'", s);
    free(s);
    if (rc != 0)
        return rc;
    if (int_field(o, "complexity", 1, 5, 1, &r->complexity, err) != 0 ||
        int_field(o, "max_attempts", 1, PLAYBOOK_ATTEMPTS_MAX, 3, &r->max_attempts, err) != 0 ||
        duration_field(o, "timeout", 60000, true, &r->timeout_ms, err) != 0 ||
        duration_field(o, "cooldown", 0, false, &r->cooldown_ms, err) != 0 ||
        duration_field(o, "window", 3600000, true, &r->window_ms, err) != 0)
        return -1;
    jv a = field(o, "auto");
    r->auto_run = jv_get_kind(a) == JV_KIND_TRUE;
    jv_free(a);
    jv v = field(o, "verify");
    if (jv_get_kind(v) == JV_KIND_OBJECT) {
        jv_free(r->verify_json);
        r->verify_json = jv_copy(v);
    }
    rc = verify_build(v, r, err);
    jv_free(v);
    if (rc != 0)
        return rc;
    jv params = field(o, "params");
    rc = params_build(params, r, err);
    jv_free(params);
    if (rc != 0)
        return rc;
    jv globs = field(o, "applies_to");
    rc = applies_build(globs, r, err);
    jv_free(globs);
    if (rc != 0)
        return rc;

    bool used[PLAYBOOK_PARAMS_MAX] = {false};
    jv argv = field(o, "argv"), rb = field(o, "rollback"), pre = field(o, "precondition");
    bool has_argv = jv_get_kind(argv) == JV_KIND_ARRAY;
    bool has_rb = jv_get_kind(rb) == JV_KIND_ARRAY;
    bool has_pre = jv_get_kind(pre) == JV_KIND_OBJECT;
    if (r->action == PLAYBOOK_ACTION_RUN && !has_argv)
        rc = heal_error_set(err, "missing required field 'argv' (the action is run)");
    else if (r->action == PLAYBOOK_ACTION_WAIT && (has_argv || has_rb || has_pre))
        rc = heal_error_set(err, "a wait remedy runs nothing: no argv, rollback or precondition");
    if (rc == 0 && has_argv)
        rc = template_build(r, argv, "argv", &r->argv, used, err);
    if (rc == 0 && has_rb)
        rc = template_build(r, rb, "rollback", &r->rollback, used, err);
    if (rc == 0 && has_pre) {
        if (config_check_fields(pre, precondition_fields, &e) != 0) {
            rc = heal_error_set(err, "precondition: %s", e.msg);
        } else {
            jv pa = field(pre, "argv");
            rc = template_build(r, pa, "precondition.argv", &r->precondition, used, err);
            jv_free(pa);
            if (rc == 0 && int_field(pre, "exit", 0, 255, 0, &r->precondition_exit, &e) != 0)
                rc = heal_error_set(err, "precondition: %s", e.msg);
        }
    }
    jv_free(argv), jv_free(rb), jv_free(pre);
    for (size_t i = 0; rc == 0 && i < r->nparams; i++)
        if (!used[i])
            rc = heal_error_set(err, "parameter '%s' is declared but no template uses it",
                                r->params[i].name);
    return rc;
}

/* ---- loading the playbook ---- */

/* A remedy is validated as it loads by building it once. */
static int remedy_validate(jv entry, const char *source, struct heal_error *err)
{
    struct remedy probe;
    int rc = remedy_build(entry, source, &probe, err);
    remedy_free(&probe);
    return rc;
}

static struct playbook *load_end(struct config_catalog *l, unsigned *problems)
{
    jv sources;
    jv all = config_catalog_finish(l, &sources);
    int n = jv_array_length(jv_copy(all));
    struct playbook *pb = calloc(1, sizeof *pb);
    if (pb)
        pb->remedies = calloc((size_t)(n ? n : 1), sizeof *pb->remedies);
    for (int i = 0; pb && pb->remedies && i < n && pb->n < PLAYBOOK_REMEDIES_MAX; i++) {
        jv e = jv_array_get(jv_copy(all), i);
        jv src = jv_array_get(jv_copy(sources), i);
        struct heal_error err;
        struct remedy *r = &pb->remedies[pb->n];
        /* Validated as it loaded; a failure here is out of memory. */
        if (remedy_build(e, jv_get_kind(src) == JV_KIND_STRING ? jv_string_value(src) : "?", r,
                         &err) == 0)
            pb->n++;
        else
            remedy_free(r);
        jv_free(e), jv_free(src);
    }
    if (pb && n > PLAYBOOK_REMEDIES_MAX)
        config_catalog_problem(l, "playbook: more than %d remedies; the rest are ignored",
                               PLAYBOOK_REMEDIES_MAX);
    jv_free(all), jv_free(sources);
    if (pb && !pb->remedies) {
        free(pb);
        pb = NULL;
    }
    if (problems)
        *problems = l->problems;
    return pb;
}

struct playbook *playbook_load(const char *config_dir, bool builtin, const char *const *files,
                               config_error_fn *report, void *ctx, unsigned *problems)
{
    struct config_catalog l;
    config_catalog_init(&l, "remedy", remedy_validate, report, ctx);
    if (builtin)
        config_load_builtin(PLAYBOOK_BUILTIN, &l.sink);
    config_catalog_drop_ins(&l);
    if (config_dir)
        config_load_dir(config_dir, PLAYBOOK_DIR, &l.sink);
    for (size_t i = 0; files && files[i]; i++)
        config_load_path(files[i], &l.sink);
    return load_end(&l, problems);
}

struct playbook *playbook_load_buffer(const char *buf, size_t len, const char *name, bool builtin,
                                      config_error_fn *report, void *ctx, unsigned *problems)
{
    struct config_catalog l;
    config_catalog_init(&l, "remedy", remedy_validate, report, ctx);
    if (builtin)
        config_load_builtin(PLAYBOOK_BUILTIN, &l.sink);
    config_catalog_drop_ins(&l);
    config_parse_buffer(buf, len, name, &l.sink);
    return load_end(&l, problems);
}

void playbook_free(struct playbook *pb)
{
    if (!pb)
        return;
    for (size_t i = 0; i < pb->n; i++)
        remedy_free(&pb->remedies[i]);
    free(pb->remedies);
    free(pb);
}

size_t playbook_size(const struct playbook *pb)
{
    return pb->n;
}

const struct remedy *playbook_get(const struct playbook *pb, size_t i)
{
    return i < pb->n ? &pb->remedies[i] : NULL;
}

const struct remedy *playbook_find(const struct playbook *pb, const char *id)
{
    for (size_t i = 0; i < pb->n; i++)
        if (!strcmp(pb->remedies[i].id, id))
            return &pb->remedies[i];
    return NULL;
}

bool playbook_applies(const struct remedy *r, const char *signature)
{
    for (char **g = r->applies_to; g && *g; g++)
        if (fnmatch(*g, signature, 0) == 0)
            return true;
    return false;
}

/* ---- filling ---- */

/* One parameter's value from labels or facts (borrowed), else its default. */
static int param_value(const struct playbook_param *p, jv labels, jv facts, jv *out,
                       struct heal_error *err)
{
    const char *from = p->source == PLAYBOOK_SOURCE_LABEL ? "label" : "fact";
    jv src = p->source == PLAYBOOK_SOURCE_LABEL ? labels : facts;
    jv v = jv_get_kind(src) == JV_KIND_OBJECT ? field(src, p->key) : jv_invalid();
    if (!jv_is_valid(v) || jv_get_kind(v) == JV_KIND_NULL) {
        jv_free(v);
        if (!p->default_value)
            return heal_error_set(err,
                                  "parameter '%s': %s '%s' is not set and there is no "
                                  "default",
                                  p->name, from, p->key);
        *out = jv_string(p->default_value);
        return 0;
    }
    if (jv_get_kind(v) != JV_KIND_STRING) {
        jv_free(v);
        return heal_error_set(err, "parameter '%s': %s '%s' is not a string", p->name, from,
                              p->key);
    }
    struct heal_error e;
    const char *s = jv_string_value(v);
    size_t len = (size_t)jv_string_length_bytes(jv_copy(v));
    if (playbook_value_check(p, s, len, &e) != 0) {
        char buf[PLAYBOOK_SHOWN_MAX + 4];
        shown(s, len, buf);
        jv_free(v);
        return heal_error_set(err, "parameter '%s' (%s '%s'): value '%s' %s", p->name, from, p->key,
                              buf, e.msg);
    }
    *out = v;
    return 0;
}

static char **expand(const struct remedy *r, char *const *tmpl, jv params)
{
    if (!tmpl)
        return NULL;
    size_t n = 0;
    while (tmpl[n])
        n++;
    char **v = calloc(n + 1, sizeof *v);
    for (size_t i = 0; v && i < n; i++) {
        const char *name;
        size_t len;
        jv val = jv_invalid();
        if (placeholder(tmpl[i], &name, &len)) {
            const struct playbook_param *p = param_named(r, name, len);
            val = p ? field(params, p->name) : jv_invalid();
        }
        /* Every placeholder names a filled parameter: checked at load. */
        v[i] = strdup(jv_get_kind(val) == JV_KIND_STRING ? jv_string_value(val) : tmpl[i]);
        jv_free(val);
        if (!v[i]) {
            strv_free(v);
            return NULL;
        }
    }
    return v;
}

int playbook_fill(const struct remedy *r, jv labels, jv facts, struct playbook_filled *out,
                  struct heal_error *err)
{
    memset(out, 0, sizeof *out);
    jv params = jv_object();
    for (size_t i = 0; i < r->nparams; i++) {
        jv v;
        if (param_value(&r->params[i], labels, facts, &v, err) != 0) {
            jv_free(params);
            out->params = jv_null();
            return -1;
        }
        params = jv_object_set(params, jv_string(r->params[i].name), v);
    }
    out->argv = expand(r, r->argv, params);
    out->rollback = expand(r, r->rollback, params);
    out->precondition = expand(r, r->precondition, params);
    out->params = params;
    if ((r->argv && !out->argv) || (r->rollback && !out->rollback) ||
        (r->precondition && !out->precondition)) {
        playbook_filled_free(out);
        return heal_error_set(err, "out of memory");
    }
    return 0;
}

void playbook_filled_free(struct playbook_filled *f)
{
    jv_free(f->params);
    strv_free(f->argv), strv_free(f->rollback), strv_free(f->precondition);
    memset(f, 0, sizeof *f);
    f->params = jv_null();
}

jv playbook_argv_json(char *const *argv)
{
    if (!argv)
        return jv_null();
    jv a = jv_array();
    for (; *argv; argv++)
        a = jv_array_append(a, jv_string(*argv));
    return a;
}
