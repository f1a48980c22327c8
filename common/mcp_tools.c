#include "mcp_tools.h"
#include "mcp_caller.h"
#include "builtin.h"
#include "jsonbuf.h"
#include "mcp_plan.h"
#include "mcp_schema.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MCP_TOOLS_MAX 64
#define MCP_RESULT_TEXT_MAX 1024

struct mcp_tools {
    jv defs; /* the definitions as listed */
    const struct mcp_behaviour *how[MCP_TOOLS_MAX];
    int n;
    struct mcp_context ctx;
};

static jv field(const jv *o, const char *key)
{
    return jv_object_get(jv_copy(*o), jv_string(key));
}

/* An operator who allows exec checks lets a client run programs: say so. */
static jv honest_annotations(jv def)
{
    jv a = field(&def, "annotations");
    if (jv_get_kind(a) != JV_KIND_OBJECT) {
        jv_free(a);
        a = jv_object();
    }
    a = jv_object_set(a, jv_string("readOnlyHint"), jv_false());
    a = jv_object_set(a, jv_string("destructiveHint"), jv_true());
    a = jv_object_set(a, jv_string("idempotentHint"), jv_false());
    return jv_object_set(def, jv_string("annotations"), a);
}

static int check_def(jv def, int i, struct heal_error *err)
{
    int rc = 0;
    jv name = field(&def, "name"), in = field(&def, "inputSchema"),
       out = field(&def, "outputSchema");
    if (jv_get_kind(name) != JV_KIND_STRING)
        rc = heal_error_set(err, "%s: tool %d: no name", MCP_TOOLS_FILE, i);
    else if (jv_get_kind(in) != JV_KIND_OBJECT || jv_get_kind(out) != JV_KIND_OBJECT)
        rc = heal_error_set(err, "%s: %s: inputSchema and outputSchema must be objects",
                            MCP_TOOLS_FILE, jv_string_value(name));
    else if (!mcp_behaviour_find(jv_string_value(name)))
        rc = heal_error_set(err, "%s: %s: no such tool in heal-mcp", MCP_TOOLS_FILE,
                            jv_string_value(name));
    jv_free(name);
    jv_free(in);
    jv_free(out);
    jv_free(def);
    return rc;
}

struct mcp_tools *mcp_tools_load(const struct mcp_context *ctx, struct heal_error *err)
{
    const struct builtin_file *f = builtin_find(MCP_TOOLS_FILE);
    if (!f) {
        heal_error_set(err, "%s: not built in", MCP_TOOLS_FILE);
        return NULL;
    }
    jv defs = jv_parse_sized(f->data, (int)f->size);
    if (jv_get_kind(defs) != JV_KIND_ARRAY || jv_array_length(jv_copy(defs)) > MCP_TOOLS_MAX) {
        jv_free(defs);
        heal_error_set(err, "%s: not an array of at most %d tools", MCP_TOOLS_FILE, MCP_TOOLS_MAX);
        return NULL;
    }
    struct mcp_tools *t = calloc(1, sizeof *t);
    if (!t) {
        jv_free(defs);
        heal_error_set(err, "out of memory");
        return NULL;
    }
    t->ctx = *ctx;
    t->defs = jv_array();
    int n = jv_array_length(jv_copy(defs));
    for (int i = 0; i < n; i++) {
        jv def = jv_array_get(jv_copy(defs), i);
        if (check_def(jv_copy(def), i, err) != 0) {
            jv_free(def);
            jv_free(defs);
            mcp_tools_free(t);
            return NULL;
        }
        jv name = field(&def, "name");
        t->how[i] = mcp_behaviour_find(jv_string_value(name));
        jv_free(name);
        if (ctx->allow_exec && t->how[i]->runs_commands)
            def = honest_annotations(def);
        t->defs = jv_array_append(t->defs, def);
    }
    t->n = n;
    jv_free(defs);
    for (const struct mcp_behaviour *b = mcp_behaviours; b->name; b++) {
        if (mcp_tools_find(t, b->name) < 0) {
            heal_error_set(err, "%s: tool %s is not described", MCP_TOOLS_FILE, b->name);
            mcp_tools_free(t);
            return NULL;
        }
    }
    return t;
}

void mcp_tools_free(struct mcp_tools *t)
{
    if (!t)
        return;
    jv_free(t->defs);
    free(t);
}

jv mcp_tools_list(const struct mcp_tools *t)
{
    return jv_object_set(jv_object(), jv_string("tools"), jv_copy(t->defs));
}

int mcp_tools_find(const struct mcp_tools *t, const char *name)
{
    for (int i = 0; i < jv_array_length(jv_copy(t->defs)); i++)
        if (!strcmp(mcp_tools_name(t, i), name))
            return i;
    return -1;
}

unsigned mcp_tools_scope(const struct mcp_tools *t, int tool)
{
    /* What a client is told about a tool is what it must hold to call it: a tool that is
     * not read-only (with --allow-exec, exec checks too) changes the system. */
    jv def = jv_array_get(jv_copy(t->defs), tool);
    jv ann = field(&def, "annotations");
    jv ro = jv_get_kind(ann) == JV_KIND_OBJECT ? field(&ann, "readOnlyHint") : jv_null();
    unsigned scope = jv_get_kind(ro) == JV_KIND_TRUE ? MCP_SCOPE_READ : MCP_SCOPE_APPLY;
    jv_free(ro);
    jv_free(ann);
    jv_free(def);
    return scope;
}

const char *mcp_tools_name(const struct mcp_tools *t, int tool)
{
    /* t->defs holds the string, so the pointer outlives the lookup's copies. */
    jv def = jv_array_get(jv_copy(t->defs), tool);
    jv name = field(&def, "name");
    const char *s = jv_string_value(name);
    jv_free(name);
    jv_free(def);
    return s;
}

static void plan_init(struct mcp_plan *p)
{
    memset(p, 0, sizeof *p);
    p->kind = MCP_PLAN_DONE;
    p->args = jv_array();
    p->input = jv_null();
    p->result = jv_null();
}

int mcp_tools_check_args(const struct mcp_tools *t, int tool, const jv *args,
                         struct heal_error *err)
{
    jv def = jv_array_get(jv_copy(t->defs), tool);
    jv schema = field(&def, "inputSchema");
    int rc = mcp_schema_check(&schema, args, "arguments", err);
    jv_free(schema);
    jv_free(def);
    return rc;
}

void mcp_tool_plan(const struct mcp_tools *t, int tool, const jv *args, const char *trace,
                   struct mcp_plan *plan)
{
    plan_init(plan);
    struct heal_error err;
    if (mcp_tools_check_args(t, tool, args, &err) != 0 || mcp_plan_args_nul_free(args, &err) != 0) {
        plan->result = mcp_result_error("Invalid arguments: %s", err.msg);
    } else if (t->how[tool]->plan(args, &t->ctx, trace, plan, &err) != 0) {
        plan->kind = MCP_PLAN_DONE;
        jv_free(plan->result);
        plan->result = mcp_result_error("%s", err.msg);
    }
}

jv mcp_tool_finish(const struct mcp_tools *t, int tool, const struct mcp_plan *plan,
                   const struct spawn_result *res, const char *trace)
{
    return t->how[tool]->finish(plan, res, trace);
}

void mcp_plan_free(struct mcp_plan *plan)
{
    jv_free(plan->args);
    jv_free(plan->input);
    jv_free(plan->result);
    plan->args = plan->input = plan->result = jv_null();
}

static jv text_item(const char *text)
{
    jv item = jv_object_set(jv_object(), jv_string("type"), jv_string("text"));
    return jv_object_set(item, jv_string("text"), jv_string(text));
}

jv mcp_result(jv structured, const char *summary)
{
    struct jsonbuf b = {0};
    struct heal_error err;
    jv content = jv_array_append(jv_array(), text_item(summary));
    if (jsonbuf_append_jv(&b, &structured, &err) == 0 && jsonbuf_append(&b, "", 1, &err) == 0)
        content = jv_array_append(content, text_item(b.data));
    jsonbuf_free(&b);
    jv r = jv_object_set(jv_object(), jv_string("content"), content);
    r = jv_object_set(r, jv_string("structuredContent"), structured);
    return jv_object_set(r, jv_string("isError"), jv_false());
}

jv mcp_result_error(const char *fmt, ...)
{
    char text[MCP_RESULT_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    jv r = jv_object_set(jv_object(), jv_string("content"),
                         jv_array_append(jv_array(), text_item(text)));
    return jv_object_set(r, jv_string("isError"), jv_true());
}
