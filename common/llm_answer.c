/* llm_answer.c — find the JSON in a model's text and judge its fields (see llm_answer.h). */
#include "llm_answer.h"
#include "catalog.h"
#include "jsoncheck.h"
#include "playbook.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#define FENCES_MAX 16 /* fenced blocks looked into */
#define BRACES_MAX 64 /* '{' tried as the start of the object */

static bool try_object(const char *s, size_t n, jv *out)
{
    while (n > 0 && isspace((unsigned char)*s))
        s++, n--;
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n == 0 || *s != '{' || jsoncheck(s, n, NULL, NULL) != 0)
        return false;
    jv v = jv_parse_sized(s, (int)n);
    if (jv_get_kind(v) != JV_KIND_OBJECT) {
        jv_free(v);
        return false;
    }
    *out = v;
    return true;
}

/* Length of the balanced {...} starting at s, strings respected; 0 if unbalanced. */
static size_t balanced(const char *s, size_t n)
{
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{') {
            if (++depth > JSONCHECK_DEPTH_MAX)
                return 0;
        } else if (c == '}' && --depth == 0) {
            return i + 1;
        }
    }
    return 0;
}

jv llm_answer_object(const char *text, size_t len, struct heal_error *err)
{
    if (len > LLM_ANSWER_TEXT_MAX) {
        heal_error_set(err, "the model's answer is longer than %d bytes", LLM_ANSWER_TEXT_MAX);
        return jv_invalid();
    }
    jv out;
    if (try_object(text, len, &out))
        return out;
    const char *end = text + len, *p = text, *f;
    for (int k = 0; k < FENCES_MAX && p < end && (f = memmem(p, (size_t)(end - p), "```", 3)); k++) {
        const char *nl = memchr(f + 3, '\n', (size_t)(end - f - 3));
        if (!nl)
            break;
        const char *close = memmem(nl + 1, (size_t)(end - nl - 1), "```", 3);
        if (!close)
            break;
        if (try_object(nl + 1, (size_t)(close - nl - 1), &out))
            return out;
        p = close + 3;
    }
    const char *b = memchr(text, '{', len);
    for (int k = 0; b && k < BRACES_MAX; k++) {
        size_t n = balanced(b, (size_t)(end - b));
        if (n && try_object(b, n, &out))
            return out;
        b = b + 1 < end ? memchr(b + 1, '{', (size_t)(end - b - 1)) : NULL;
    }
    heal_error_set(err, "no JSON object in the model's answer");
    return jv_invalid();
}

/* The field, or an invalid jv when absent (the caller frees either). */
static jv get(jv o, const char *key)
{
    return jv_object_get(jv_copy(o), jv_string(key));
}

static bool present(jv v)
{
    return jv_is_valid(v) && jv_get_kind(v) != JV_KIND_NULL;
}

/* One line of text: tabs and newlines become spaces, any other control byte refuses it. */
static jv one_line(jv s, const char *what, size_t max, bool required, struct heal_error *err)
{
    if (!present(s) && !required) {
        jv_free(s);
        return jv_string("");
    }
    if (jv_get_kind(s) != JV_KIND_STRING) {
        heal_error_set(err, "'%s' must be a string", what);
        jv_free(s);
        return jv_invalid();
    }
    size_t n = (size_t)jv_string_length_bytes(jv_copy(s));
    const char *v = jv_string_value(s);
    while (n > 0 && isspace((unsigned char)*v))
        v++, n--;
    while (n > 0 && isspace((unsigned char)v[n - 1]))
        n--;
    if ((required && n == 0) || n > max) {
        heal_error_set(err, "'%s' must be 1 to %zu bytes, not %zu", what, max, n);
        jv_free(s);
        return jv_invalid();
    }
    char buf[LLM_WHY_MAX + 1];
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == '\n' || c == '\r' || c == '\t') {
            c = ' ';
        } else if (c < 0x20 || c == 0x7f) {
            heal_error_set(err, "'%s' holds the control byte 0x%02x", what, c);
            jv_free(s);
            return jv_invalid();
        }
        buf[i] = (char)c;
    }
    jv out = jv_string_sized(buf, (int)n);
    jv_free(s);
    return out;
}

static bool in_list(const char *s, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (!strcmp(list[i], s))
            return true;
    return false;
}

jv llm_answer_diagnosis(jv a, struct heal_error *err)
{
    static const char *const severities[] = {"info", "warning", "critical", NULL};
    if (jv_get_kind(a) != JV_KIND_OBJECT) {
        heal_error_set(err, "the answer must be an object");
        return jv_invalid();
    }
    jv out = jv_object();
    jv cat = get(a, "category");
    if (jv_get_kind(cat) != JV_KIND_STRING || catalog_category_index(jv_string_value(cat)) < 0) {
        heal_error_set(err, "'category' must be one of the fixed categories (disk, memory, ...)");
        goto bad;
    }
    out = jv_object_set(out, jv_string("category"), cat);
    cat = jv_invalid();
    jv sev = get(a, "severity");
    if (present(sev) &&
        (jv_get_kind(sev) != JV_KIND_STRING || !in_list(jv_string_value(sev), severities))) {
        jv_free(sev);
        heal_error_set(err, "'severity' must be info, warning or critical");
        goto bad;
    }
    out = jv_object_set(out, jv_string("severity"), present(sev) ? sev : (jv_free(sev), jv_string("warning")));
    jv name = get(a, "name");
    char slug[LLM_NAME_MAX + 1] = "unclassified";
    if (present(name)) {
        const char *s = jv_get_kind(name) == JV_KIND_STRING ? jv_string_value(name) : NULL;
        size_t n = s ? strlen(s) : 0;
        bool ok = s && n >= 1 && n <= LLM_NAME_MAX &&
                  (size_t)jv_string_length_bytes(jv_copy(name)) == n;
        for (size_t i = 0; ok && i < n; i++) {
            char c = (char)tolower((unsigned char)s[i]);
            c = c == ' ' ? '-' : c;
            ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
            slug[i] = c;
        }
        if (!ok) {
            jv_free(name);
            heal_error_set(err, "'name' must be 1 to %d of a-z, 0-9, '_' and '-'", LLM_NAME_MAX);
            goto bad;
        }
        slug[n] = '\0';
    }
    jv_free(name);
    out = jv_object_set(out, jv_string("name"), jv_string(slug));
    jv summary = one_line(get(a, "summary"), "summary", LLM_SUMMARY_MAX, true, err);
    if (!jv_is_valid(summary))
        goto bad;
    out = jv_object_set(out, jv_string("summary"), summary);
    jv conf = get(a, "confidence");
    double c = jv_get_kind(conf) == JV_KIND_NUMBER ? jv_number_value(conf) : -1;
    jv_free(conf);
    if (!(c >= 0 && c <= 1)) {
        heal_error_set(err, "'confidence' must be a number from 0 to 1");
        goto bad;
    }
    return jv_object_set(out, jv_string("confidence"), jv_number(c));
bad:
    jv_free(cat);
    jv_free(out);
    return jv_invalid();
}

static bool name_ok(const char *s, size_t n, size_t max, const char *extra)
{
    if (n == 0 || n > max || strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || strchr(extra, s[i])))
            return false;
    return true;
}

/* Adds one parameter (name and value borrowed) to *params after judging both. */
static int add_param(jv *params, jv name, jv value, struct heal_error *err)
{
    if (jv_get_kind(name) != JV_KIND_STRING || jv_get_kind(value) != JV_KIND_STRING)
        return heal_error_set(err, "a parameter's name and value must be strings");
    const char *n = jv_string_value(name);
    if (!name_ok(n, (size_t)jv_string_length_bytes(jv_copy(name)), PLAYBOOK_PARAM_NAME_MAX, "_"))
        return heal_error_set(err, "parameter name '%.64s' is not a-z, 0-9 and '_'", n);
    size_t vn = (size_t)jv_string_length_bytes(jv_copy(value));
    if (vn > LLM_VALUE_MAX || strlen(jv_string_value(value)) != vn)
        return heal_error_set(err, "parameter '%s': value longer than %d bytes or with a NUL", n,
                              LLM_VALUE_MAX);
    if (jv_object_length(jv_copy(*params)) >= LLM_PARAMS_MAX)
        return heal_error_set(err, "more than %d parameters", LLM_PARAMS_MAX);
    *params = jv_object_set(*params, jv_copy(name), jv_copy(value));
    return 0;
}

static jv params_of(jv p, struct heal_error *err)
{
    jv params = jv_object();
    int rc = 0;
    if (jv_get_kind(p) == JV_KIND_OBJECT) {
        jv all = jv_copy(p);
        jv_object_foreach(all, k, v)
        {
            if (rc == 0)
                rc = add_param(&params, k, v, err);
            jv_free(k), jv_free(v);
        }
        jv_free(all);
    } else if (jv_get_kind(p) == JV_KIND_ARRAY) {
        for (int i = 0; rc == 0 && i < jv_array_length(jv_copy(p)); i++) {
            jv e = jv_array_get(jv_copy(p), i);
            jv k = jv_get_kind(e) == JV_KIND_OBJECT ? get(e, "name") : jv_invalid();
            jv v = jv_get_kind(e) == JV_KIND_OBJECT ? get(e, "value") : jv_invalid();
            rc = add_param(&params, k, v, err);
            jv_free(k), jv_free(v), jv_free(e);
        }
    } else if (present(p)) {
        rc = heal_error_set(err, "'params' must be an object or an array of {name, value}");
    }
    jv_free(p);
    if (rc != 0) {
        jv_free(params);
        return jv_invalid();
    }
    return params;
}

static jv remedy_of(jv r, struct heal_error *err)
{
    if (jv_get_kind(r) != JV_KIND_OBJECT) {
        jv_free(r);
        heal_error_set(err, "each remedy must be an object");
        return jv_invalid();
    }
    jv id = get(r, "id");
    if (jv_get_kind(id) != JV_KIND_STRING ||
        !name_ok(jv_string_value(id), (size_t)jv_string_length_bytes(jv_copy(id)), PLAYBOOK_ID_MAX,
                 "._-")) {
        jv_free(id), jv_free(r);
        heal_error_set(err, "a remedy 'id' must be a playbook id (a-z, 0-9, '.', '_', '-')");
        return jv_invalid();
    }
    jv params = params_of(get(r, "params"), err);
    jv why = jv_is_valid(params) ? one_line(get(r, "why"), "why", LLM_WHY_MAX, false, err)
                                 : jv_invalid();
    jv_free(r);
    if (!jv_is_valid(params) || !jv_is_valid(why)) {
        jv_free(id), jv_free(params), jv_free(why);
        return jv_invalid();
    }
    jv o = jv_object_set(jv_object(), jv_string("id"), id);
    o = jv_object_set(o, jv_string("params"), params);
    return jv_object_set(o, jv_string("why"), why);
}

static jv command_of(jv c, struct heal_error *err)
{
    if (!present(c)) {
        jv_free(c);
        return jv_array();
    }
    int n = jv_get_kind(c) == JV_KIND_ARRAY ? jv_array_length(jv_copy(c)) : -1;
    if (n < 0 || n > LLM_ARGV_MAX) {
        jv_free(c);
        heal_error_set(err, "'command' must be an array of at most %d strings", LLM_ARGV_MAX);
        return jv_invalid();
    }
    for (int i = 0; i < n; i++) {
        jv a = jv_array_get(jv_copy(c), i);
        bool ok = jv_get_kind(a) == JV_KIND_STRING;
        size_t len = ok ? (size_t)jv_string_length_bytes(jv_copy(a)) : 0;
        for (size_t k = 0; ok && k < len; k++) {
            unsigned char ch = (unsigned char)jv_string_value(a)[k];
            ok = ch >= 0x20 && ch != 0x7f;
        }
        ok = ok && len <= LLM_ARG_MAX && (i > 0 || len > 0);
        jv_free(a);
        if (!ok) {
            jv_free(c);
            heal_error_set(err, "'command' element %d must be a string of up to %d printable bytes",
                           i, LLM_ARG_MAX);
            return jv_invalid();
        }
    }
    return c;
}

jv llm_answer_proposal(jv a, struct heal_error *err)
{
    if (jv_get_kind(a) != JV_KIND_OBJECT) {
        heal_error_set(err, "the answer must be an object");
        return jv_invalid();
    }
    jv rs = get(a, "remedies");
    int n = !present(rs) ? 0 : jv_get_kind(rs) == JV_KIND_ARRAY ? jv_array_length(jv_copy(rs)) : -1;
    if (n < 0 || n > LLM_REMEDIES_MAX) {
        jv_free(rs);
        heal_error_set(err, "'remedies' must be an array of at most %d", LLM_REMEDIES_MAX);
        return jv_invalid();
    }
    jv remedies = jv_array();
    for (int i = 0; i < n; i++) {
        jv r = remedy_of(jv_array_get(jv_copy(rs), i), err);
        if (!jv_is_valid(r)) {
            jv_free(rs), jv_free(remedies);
            return r;
        }
        remedies = jv_array_append(remedies, r);
    }
    jv_free(rs);
    jv command = command_of(get(a, "command"), err);
    jv why = jv_is_valid(command) ? one_line(get(a, "why"), "why", LLM_WHY_MAX, false, err)
                                  : jv_invalid();
    if (!jv_is_valid(command) || !jv_is_valid(why)) {
        jv_free(remedies), jv_free(command), jv_free(why);
        return jv_invalid();
    }
    jv o = jv_object_set(jv_object(), jv_string("remedies"), remedies);
    o = jv_object_set(o, jv_string("command"), command);
    return jv_object_set(o, jv_string("why"), why);
}

jv llm_answer_diagnosis_schema(void)
{
    jv cats = jv_array();
    for (int i = 0; catalog_categories[i]; i++)
        cats = jv_array_append(cats, jv_string(catalog_categories[i]));
    jv s = jv_parse("{\"type\":\"object\",\"additionalProperties\":false,"
                    "\"required\":[\"category\",\"severity\",\"name\",\"summary\",\"confidence\"],"
                    "\"properties\":{\"category\":{\"type\":\"string\"},"
                    "\"severity\":{\"type\":\"string\",\"enum\":[\"info\",\"warning\",\"critical\"]},"
                    "\"name\":{\"type\":\"string\"},\"summary\":{\"type\":\"string\"},"
                    "\"confidence\":{\"type\":\"number\"}}}");
    jv props = jv_object_get(jv_copy(s), jv_string("properties"));
    jv cat = jv_object_set(jv_object_get(jv_copy(props), jv_string("category")), jv_string("enum"),
                           cats);
    props = jv_object_set(props, jv_string("category"), cat);
    return jv_object_set(s, jv_string("properties"), props);
}

jv llm_answer_proposal_schema(void)
{
    return jv_parse(
        "{\"type\":\"object\",\"additionalProperties\":false,"
        "\"required\":[\"remedies\",\"command\",\"why\"],\"properties\":{"
        "\"remedies\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
        "\"additionalProperties\":false,\"required\":[\"id\",\"params\",\"why\"],\"properties\":{"
        "\"id\":{\"type\":\"string\"},\"params\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
        "\"additionalProperties\":false,\"required\":[\"name\",\"value\"],\"properties\":{"
        "\"name\":{\"type\":\"string\"},\"value\":{\"type\":\"string\"}}}},"
        "\"why\":{\"type\":\"string\"}}}},"
        "\"command\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
        "\"why\":{\"type\":\"string\"}}}");
}
