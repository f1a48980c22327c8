#include "mcp_schema.h"
#include "ndjson.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Deepest schema nesting followed; ours are far shallower. */
#define MCP_SCHEMA_DEPTH_MAX 32
#define MCP_SCHEMA_PATH_MAX 200

static const char *const annotations[] = {"title",    "description", "default",
                                          "examples", "$schema",     NULL};
static const char *const keywords[] = {
    "type",    "enum",     "const",    "properties", "required",  "additionalProperties",
    "items",   "minItems", "maxItems", "minLength",  "maxLength", "minimum",
    "maximum", NULL};

static bool listed(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (!strcmp(*list, s))
            return true;
    return false;
}

static bool type_matches(const char *type, const jv *v)
{
    jv_kind k = jv_get_kind(*v);
    if (!strcmp(type, "object"))
        return k == JV_KIND_OBJECT;
    if (!strcmp(type, "array"))
        return k == JV_KIND_ARRAY;
    if (!strcmp(type, "string"))
        return k == JV_KIND_STRING;
    if (!strcmp(type, "number"))
        return k == JV_KIND_NUMBER;
    if (!strcmp(type, "integer"))
        return k == JV_KIND_NUMBER && jv_number_value(*v) == floor(jv_number_value(*v));
    if (!strcmp(type, "boolean"))
        return k == JV_KIND_TRUE || k == JV_KIND_FALSE;
    if (!strcmp(type, "null"))
        return k == JV_KIND_NULL;
    return false;
}

/* The keyword's value in schema (borrowed view through a copy the caller frees). */
static jv kw(const jv *schema, const char *name)
{
    return jv_object_get(jv_copy(*schema), jv_string(name));
}

static int check(const jv *schema, const jv *v, const char *path, int depth,
                 struct heal_error *err);

static int check_type(const jv *schema, const jv *v, const char *path, struct heal_error *err)
{
    jv t = kw(schema, "type");
    int rc = 0;
    if (jv_get_kind(t) == JV_KIND_STRING) {
        if (!type_matches(jv_string_value(t), v))
            rc = heal_error_set(err, "%s: must be %s %s, not %s", path,
                                strchr("aeiou", jv_string_value(t)[0]) ? "an" : "a",
                                jv_string_value(t), ndjson_kind_name(jv_get_kind(*v)));
    } else if (jv_get_kind(t) == JV_KIND_ARRAY) {
        bool any = false;
        jv_array_foreach(t, i, name)
        {
            if (jv_get_kind(name) == JV_KIND_STRING && type_matches(jv_string_value(name), v))
                any = true;
            jv_free(name);
        }
        if (!any)
            rc = heal_error_set(err, "%s: %s is not an allowed type", path, ndjson_kind_name(jv_get_kind(*v)));
    } else if (jv_is_valid(t)) {
        rc = heal_error_set(err, "%s: schema: bad type", path);
    }
    jv_free(t);
    return rc;
}

static int check_enum(const jv *schema, const jv *v, const char *path, struct heal_error *err)
{
    jv options = kw(schema, "enum");
    jv constant = kw(schema, "const");
    int rc = 0;
    if (jv_get_kind(options) == JV_KIND_ARRAY) {
        bool found = false;
        char list[256] = "";
        jv_array_foreach(options, i, o)
        {
            if (jv_equal(jv_copy(o), jv_copy(*v)))
                found = true;
            if (jv_get_kind(o) == JV_KIND_STRING && strlen(list) + 64 < sizeof list)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                         jv_string_value(o));
            jv_free(o);
        }
        if (!found)
            rc = heal_error_set(err, "%s: must be one of %s", path, list);
    }
    if (rc == 0 && jv_is_valid(constant) && !jv_equal(jv_copy(constant), jv_copy(*v)))
        rc = heal_error_set(err, "%s: has not the one value allowed", path);
    jv_free(options);
    jv_free(constant);
    return rc;
}

/* minimum, maximum; minLength, maxLength; minItems, maxItems. */
static int check_bounds(const jv *schema, const jv *v, const char *path, struct heal_error *err)
{
    static const struct {
        const char *name;
        jv_kind kind;
        bool is_max;
    } bounds[] = {
        {"minimum", JV_KIND_NUMBER, false},   {"maximum", JV_KIND_NUMBER, true},
        {"minLength", JV_KIND_STRING, false}, {"maxLength", JV_KIND_STRING, true},
        {"minItems", JV_KIND_ARRAY, false},   {"maxItems", JV_KIND_ARRAY, true},
    };
    for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++) {
        if (jv_get_kind(*v) != bounds[i].kind)
            continue;
        jv b = kw(schema, bounds[i].name);
        if (jv_get_kind(b) != JV_KIND_NUMBER) {
            jv_free(b);
            continue;
        }
        double limit = jv_number_value(b);
        jv_free(b);
        double have = bounds[i].kind == JV_KIND_NUMBER ? jv_number_value(*v)
                      : bounds[i].kind == JV_KIND_STRING
                          ? (double)jv_string_length_bytes(jv_copy(*v))
                          : (double)jv_array_length(jv_copy(*v));
        if (bounds[i].is_max ? have > limit : have < limit)
            return heal_error_set(err, "%s: %s is %g", path, bounds[i].name, limit);
    }
    return 0;
}

static int check_object(const jv *schema, const jv *v, const char *path, int depth,
                        struct heal_error *err)
{
    if (jv_get_kind(*v) != JV_KIND_OBJECT)
        return 0;
    jv required = kw(schema, "required");
    int rc = 0;
    if (jv_get_kind(required) == JV_KIND_ARRAY) {
        jv_array_foreach(required, i, name)
        {
            if (rc == 0 && jv_get_kind(name) == JV_KIND_STRING &&
                !jv_object_has(jv_copy(*v), jv_copy(name)))
                rc = heal_error_set(err, "%s: %s is required", path, jv_string_value(name));
            jv_free(name);
        }
    }
    jv_free(required);
    if (rc != 0)
        return rc;
    jv props = kw(schema, "properties");
    jv extra = kw(schema, "additionalProperties");
    jv_object_foreach(*v, key, val)
    {
        char sub[MCP_SCHEMA_PATH_MAX];
        snprintf(sub, sizeof sub, "%s.%s", path, jv_string_value(key));
        jv p = jv_get_kind(props) == JV_KIND_OBJECT ? jv_object_get(jv_copy(props), jv_copy(key))
                                                    : jv_invalid();
        if (rc == 0 && jv_is_valid(p))
            rc = check(&p, &val, sub, depth + 1, err);
        else if (rc == 0 && jv_get_kind(extra) == JV_KIND_FALSE)
            rc = heal_error_set(err, "%s: not a known argument", sub);
        else if (rc == 0 && jv_get_kind(extra) == JV_KIND_OBJECT)
            rc = check(&extra, &val, sub, depth + 1, err);
        jv_free(p);
        jv_free(key);
        jv_free(val);
    }
    jv_free(props);
    jv_free(extra);
    return rc;
}

static int check_items(const jv *schema, const jv *v, const char *path, int depth,
                       struct heal_error *err)
{
    if (jv_get_kind(*v) != JV_KIND_ARRAY)
        return 0;
    jv items = kw(schema, "items");
    int rc = 0;
    if (jv_get_kind(items) == JV_KIND_OBJECT) {
        jv_array_foreach(*v, i, item)
        {
            char sub[MCP_SCHEMA_PATH_MAX];
            snprintf(sub, sizeof sub, "%s[%d]", path, i);
            if (rc == 0)
                rc = check(&items, &item, sub, depth + 1, err);
            jv_free(item);
        }
    }
    jv_free(items);
    return rc;
}

static int check(const jv *schema, const jv *v, const char *path, int depth, struct heal_error *err)
{
    if (depth > MCP_SCHEMA_DEPTH_MAX)
        return heal_error_set(err, "%s: nested too deep", path);
    if (jv_get_kind(*schema) != JV_KIND_OBJECT)
        return heal_error_set(err, "%s: schema: not an object", path);
    int rc = 0;
    jv_object_foreach(*schema, key, val)
    {
        const char *k = jv_string_value(key);
        if (rc == 0 && !listed(keywords, k) && !listed(annotations, k))
            rc = heal_error_set(err, "%s: schema: keyword %s is not understood", path, k);
        jv_free(key);
        jv_free(val);
    }
    if (rc == 0)
        rc = check_type(schema, v, path, err);
    if (rc == 0)
        rc = check_enum(schema, v, path, err);
    if (rc == 0)
        rc = check_bounds(schema, v, path, err);
    if (rc == 0)
        rc = check_object(schema, v, path, depth, err);
    if (rc == 0)
        rc = check_items(schema, v, path, depth, err);
    return rc;
}

int mcp_schema_check(const jv *schema, const jv *value, const char *path, struct heal_error *err)
{
    return check(schema, value, path, 0, err);
}
