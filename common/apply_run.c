/* apply_run.c — running remedies and re-checks for heal-apply (see apply.h). */
#include "apply.h"
#include "redact.h"
#include "clock.h"
#include "excerpt.h"
#include "ndjson.h"
#include "progpath.h"
#include "record.h"
#include "signals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int apply_run_argv(char *const *argv, int64_t timeout_ms, struct spawn_result *res,
                   struct heal_error *err)
{
    struct spawn_options o = {
        .argv = (const char *const *)argv,
        /* A remedy must not depend on where cron happened to start us. */
        .cwd = "/",
        .timeout_ms = timeout_ms,
        .output_max = APPLY_OUTPUT_MAX,
        .env = SPAWN_ENV_SCRUB,
    };
    return spawn_run(&o, res, err);
}

jv apply_excerpt(const struct spawn_output *o)
{
    char buf[APPLY_EXCERPT_MAX + 4];
    /* Redacted first, while lines are still lines (key=value ends at a newline). */
    size_t len = 0;
    char *clean = redact_text(o->data, o->len, REDACT_NORMAL, &len, NULL);
    if (!clean)
        return jv_string("(output withheld: out of memory while redacting it)");
    bool whole = excerpt_printable(clean, len, buf, APPLY_EXCERPT_MAX + 1);
    free(clean);
    if (!whole || o->truncated)
        strcat(buf, "...");
    return jv_string(buf);
}

jv apply_exit_json(const struct spawn_result *res)
{
    return res->exited && !res->timed_out ? jv_number(res->exit_code) : jv_null();
}

bool apply_sleep(int64_t ms)
{
    return signals_pause(ms);
}

int apply_find_heal_check(char out[PATH_MAX])
{
    return progpath_find(APPLY_HEAL_CHECK, out);
}

/* The status and summary of check `name` in heal-check's output. */
static void read_check_record(const struct spawn_result *res, const char *name,
                              struct apply_verify *v)
{
    const char *p = res->out.data, *end = res->out.data + res->out.len;
    bool found = false;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        struct heal_error e;
        jv rec = ndjson_parse_line(p, len, &e);
        const char *n = jv_is_valid(rec) ? record_string_borrow(&rec, "name") : NULL;
        if (jv_is_valid(rec) && record_is_type(&rec, "check") && n && !strcmp(n, name)) {
            jv code = jv_object_get(jv_copy(rec), jv_string("code"));
            v->status = jv_get_kind(code) == JV_KIND_NUMBER ? (int)jv_number_value(code) & 3 : 3;
            jv_free(code);
            const char *s = record_string_borrow(&rec, "summary");
            snprintf(v->summary, sizeof v->summary, "%s", s ? s : "");
            found = true;
        }
        jv_free(rec);
        p += len + 1;
    }
    if (!found) {
        char ex[256];
        excerpt_printable(res->err.data, res->err.len, ex, sizeof ex);
        v->status = 3;
        snprintf(v->summary, sizeof v->summary, "heal-check gave no result for '%s' (%s%d): %s",
                 name, res->exited ? "exit " : "signal ",
                 res->exited ? res->exit_code : res->signal, ex);
    }
}

static void recheck(const struct apply_config *c, const struct check_def *def,
                    struct apply_verify *v)
{
    const char *argv[12];
    size_t n = 0;
    argv[n++] = c->heal_check;
    argv[n++] = "--name";
    argv[n++] = def->name;
    argv[n++] = "--format=json";
    argv[n++] = "--quiet";
    if (c->config_dir) {
        argv[n++] = "--config-dir";
        argv[n++] = c->config_dir;
    }
    argv[n++] = "--state-dir";
    argv[n++] = c->state_dir;
    argv[n] = NULL;
    /* HEAL_NOW keeps a frozen clock frozen for the check too (tests). */
    static const char *const keep[] = {"HEAL_NOW", NULL};
    struct spawn_options o = {
        .argv = argv,
        .cwd = "/",
        .timeout_ms = 2 * def->timeout_ms + APPLY_CHECK_MARGIN_MS,
        .env = SPAWN_ENV_SCRUB,
        .env_keep = keep,
    };
    struct spawn_result res;
    struct heal_error err;
    v->attempts++;
    if (spawn_run(&o, &res, &err) != 0) {
        v->status = 3;
        snprintf(v->summary, sizeof v->summary, "heal-check did not start: %s", err.msg);
        return;
    }
    read_check_record(&res, def->name, v);
    spawn_result_free(&res);
}

void apply_verify_check(const struct apply_config *c, const struct check_def *def,
                        const struct remedy *r, struct apply_verify *v)
{
    v->status = 3;
    v->summary[0] = '\0';
    v->attempts = 0;
    v->stopped = false;
    double delay = (double)r->verify.delay_ms;
    for (int i = 0; i < r->verify.attempts; i++) {
        if (!apply_sleep((int64_t)delay)) {
            v->stopped = true;
            return;
        }
        recheck(c, def, v);
        if (v->status == 0)
            return;
        delay *= r->verify.backoff;
        if (r->verify.max_delay_ms > 0 && delay > (double)r->verify.max_delay_ms)
            delay = (double)r->verify.max_delay_ms;
    }
}
