#include "policy.h"
#include "duration.h"

#include <math.h>
#include <string.h>

#define POLICY_CYCLE_DEFAULT_MS 10000
#define POLICY_CONCURRENT_DEFAULT 4
#define POLICY_MAX_ATTEMPTS 100 /* as a check definition allows */

void policy_defaults(struct policy *p)
{
    *p = (struct policy){
        .heal_soft = false,
        .max_concurrent_heals = POLICY_CONCURRENT_DEFAULT,
        .max_risk = PLAYBOOK_RISK_LOW,
        .apply = false,
        .cycle_ms = POLICY_CYCLE_DEFAULT_MS,
        .check_defaults = jv_object(),
    };
}

void policy_free(struct policy *p)
{
    jv_free(p->check_defaults);
    p->check_defaults = jv_null();
}

int policy_risk_parse(const char *text, enum playbook_risk *risk)
{
    static const char *const names[] = {"low", "medium", "high"};
    for (int i = 0; i < 3; i++) {
        if (text && !strcmp(text, names[i])) {
            *risk = (enum playbook_risk)i;
            return 0;
        }
    }
    return -1;
}

struct policy_load {
    struct policy *p;
    struct config_sink *sink;
    int entries;
};

static void read_field(struct policy_load *l, const char *source, const char *key, jv value)
{
    struct policy *p = l->p;
    jv_kind kind = jv_get_kind(value);
    const char *s = kind == JV_KIND_STRING ? jv_string_value(value) : NULL;
    struct heal_error e;
    if (!strcmp(key, "heal_on")) {
        if (s && (!strcmp(s, "hard") || !strcmp(s, "soft")))
            p->heal_soft = s[0] == 's';
        else
            config_sink_report(l->sink, "%s: 'heal_on' must be \"hard\" or \"soft\"", source);
    } else if (!strcmp(key, "max_concurrent_heals")) {
        double n = kind == JV_KIND_NUMBER ? jv_number_value(value) : 0;
        if (n >= 1 && n <= POLICY_MAX_CONCURRENT_HEALS && n == floor(n))
            p->max_concurrent_heals = (int)n;
        else
            config_sink_report(l->sink, "%s: 'max_concurrent_heals' must be 1 to %d", source,
                               POLICY_MAX_CONCURRENT_HEALS);
    } else if (!strcmp(key, "max_risk")) {
        if (policy_risk_parse(s, &p->max_risk) != 0)
            config_sink_report(l->sink, "%s: 'max_risk' must be \"low\", \"medium\" or \"high\"",
                               source);
    } else if (!strcmp(key, "apply")) {
        if (kind == JV_KIND_TRUE || kind == JV_KIND_FALSE)
            p->apply = kind == JV_KIND_TRUE;
        else
            config_sink_report(l->sink, "%s: 'apply' must be true or false", source);
    } else if (!strcmp(key, "cycle")) {
        int64_t ms;
        if (s && duration_parse(s, &ms, &e) == 0 && ms >= 1000)
            p->cycle_ms = ms;
        else
            config_sink_report(l->sink, "%s: 'cycle' must be a duration of at least 1s", source);
    } else if (!strcmp(key, "max_attempts")) {
        double n = kind == JV_KIND_NUMBER ? jv_number_value(value) : 0;
        if (n >= 1 && n <= POLICY_MAX_ATTEMPTS && n == floor(n))
            p->check_defaults = jv_object_set(p->check_defaults, jv_string(key), jv_copy(value));
        else
            config_sink_report(l->sink, "%s: 'max_attempts' must be 1 to %d", source,
                               POLICY_MAX_ATTEMPTS);
    } else if (!strcmp(key, "interval") || !strcmp(key, "retry_interval") ||
               !strcmp(key, "timeout")) {
        int64_t ms;
        if (s && duration_parse(s, &ms, &e) == 0 && ms > 0)
            p->check_defaults = jv_object_set(p->check_defaults, jv_string(key), jv_copy(value));
        else
            config_sink_report(l->sink, "%s: '%s' must be a duration such as \"30s\"", source,
                               key);
    }
    /* Other members belong to other modules (the language model's "llm"). */
}

static void take_entry(void *ctx, jv entry, const char *source)
{
    struct policy_load *l = ctx;
    if (l->entries++ > 0) {
        config_sink_report(l->sink, "%s: heal.json holds one object; this one is ignored",
                           source);
    } else {
        jv_object_foreach(entry, key, value)
        {
            read_field(l, source, jv_string_value(key), value);
            jv_free(key);
            jv_free(value);
        }
    }
    jv_free(entry);
}

/* The loader's own problems (unreadable file, bad JSON) reach the caller too. */
static void pass_problem(void *ctx, const char *message)
{
    struct policy_load *l = ctx;
    if (l->sink->error)
        l->sink->error(l->sink->ctx, message);
}

unsigned policy_load(struct policy *p, const char *config_dir, config_error_fn *report,
                     void *ctx)
{
    policy_defaults(p);
    if (!config_dir)
        return 0;
    /* Field problems go straight to the caller's sink; the loader's through pass_problem. */
    struct config_sink caller = {.error = report, .ctx = ctx};
    struct policy_load l = {.p = p, .sink = &caller};
    struct config_sink sink = {.entry = take_entry, .error = pass_problem, .ctx = &l};
    config_load_file(config_dir, POLICY_FILE, &sink);
    return sink.problems + caller.problems;
}
