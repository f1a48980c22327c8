#include "ci_pipeline.h"
#include "exitcode.h"
#include "log.h"
#include "signals.h"
#include "spawn.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

/* A stage's argv: the program, --format=json, our --config-dir and
 * --state-dir when given, one option of its own, and the NULL. */
#define STAGE_ARGS_MAX 6

struct stage {
    const char *name;
    char path[PATH_MAX];
    char config_dir[PATH_MAX + 16];
    char state_dir[PATH_MAX + 16];
    const char *argv[STAGE_ARGS_MAX];
};

static void stage_init(struct stage *s, const struct ci_run_config *c, const char *name,
                       const char *own_option)
{
    int n = 0;
    s->name = name;
    if (c->bin_dir && snprintf(s->path, sizeof s->path, "%s/%s", c->bin_dir, name) < PATH_MAX)
        s->argv[n++] = s->path;
    else
        s->argv[n++] = name; /* found on PATH by spawn.c */
    s->argv[n++] = "--format=json";
    if (c->config_dir) {
        snprintf(s->config_dir, sizeof s->config_dir, "--config-dir=%s", c->config_dir);
        s->argv[n++] = s->config_dir;
    }
    if (c->state_dir) {
        snprintf(s->state_dir, sizeof s->state_dir, "--state-dir=%s", c->state_dir);
        s->argv[n++] = s->state_dir;
    }
    if (own_option)
        s->argv[n++] = own_option;
    s->argv[n] = NULL;
}

/* Says why a stage's output may be missing or short; quiet on its normal statuses. */
static void stage_report(const struct stage *s, const struct spawn_result *r)
{
    const char *err = r->err.data, *nl = memchr(err, '\n', r->err.len);
    int err_len = (int)(nl ? nl - err : (ptrdiff_t)r->err.len);
    if (r->error[0])
        log_warn(s->name, "%s", r->error);
    else if (r->timed_out)
        log_warn(s->name, "timed out; its output is not used");
    else if (!r->exited)
        log_warn(s->name, "killed by signal %d; %.*s", r->signal, err_len, err);
    else if (r->exit_code != HEAL_EXIT_OK && r->exit_code != HEAL_EXIT_UNHEALTHY)
        log_warn(s->name, "exited %d: %.*s", r->exit_code, err_len, err);
    if (r->out.truncated)
        log_warn(s->name, "more than %d bytes of records; the rest is not used",
                 CI_RUN_STAGE_OUTPUT_MAX);
}

/* Runs one stage on in[0..len); 0 with res filled, or -1 when it did not start. */
static int stage_run(const struct stage *s, const char *in, size_t len, struct spawn_result *res)
{
    struct spawn_options opt = {
        .argv = s->argv,
        .stdin_data = in,
        .stdin_len = len,
        .timeout_ms = CI_RUN_STAGE_TIMEOUT_MS,
        .output_max = CI_RUN_STAGE_OUTPUT_MAX,
        .env = SPAWN_ENV_INHERIT,
    };
    struct heal_error err;
    struct spawn_child *child = spawn_start(&opt, &err);
    if (!child) {
        log_warn(s->name, "%s", err.msg);
        return -1;
    }
    while (!spawn_child_done(child) && !signals_stop_requested()) {
        struct pollfd fds[SPAWN_POLLFD_MAX];
        int n = spawn_child_pollfds(child, fds);
        int ready = poll(fds, (nfds_t)n, spawn_child_wait_ms(child));
        if (ready < 0 && errno != EINTR)
            break;
        spawn_child_service(child, ready > 0 ? fds : NULL, ready > 0 ? n : 0);
    }
    /* Abandoned early on a stop: finishing kills its group. */
    spawn_child_finish(child, res);
    stage_report(s, res);
    return 0;
}

/* How much of out the next stage may take: whole lines within its stdin cap. */
static size_t feedable(const struct stage *s, const struct spawn_output *out)
{
    if (out->len <= SPAWN_STDIN_MAX)
        return out->len;
    size_t len = SPAWN_STDIN_MAX;
    while (len > 0 && out->data[len - 1] != '\n')
        len--;
    log_warn(s->name, "more than %d bytes of records for the next stage; the rest is not used",
             SPAWN_STDIN_MAX);
    return len;
}

static void take_records(const struct spawn_output *out, struct ndjson_writer *records,
                         struct ci_verdict *v)
{
    bool write_failed = false;
    for (const char *p = out->data, *end = out->data + out->len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        struct heal_error err;
        jv rec = len ? ndjson_parse_line(p, len, &err) : jv_invalid();
        if (jv_is_valid(rec)) {
            ci_verdict_add(v, &rec);
            if (records && !write_failed &&
                ndjson_writer_put_line(records, p, len, &err) != 0) {
                log_error("--records", "%s", err.msg);
                write_failed = true;
            }
        }
        jv_free(rec);
        p += len + 1;
    }
}

void ci_pipeline_run(const struct ci_run_config *cfg, const char *text, size_t len,
                     struct ndjson_writer *records, struct ci_verdict *v)
{
    struct stage stages[3];
    stage_init(&stages[0], cfg, "heal-analyze", "--text");
    stage_init(&stages[1], cfg, "heal-propose", NULL);
    stage_init(&stages[2], cfg, "heal-apply", cfg->apply ? "--apply" : NULL);
    struct spawn_result prev = {0};
    const char *in = text;
    size_t in_len = len;
    for (int i = 0; i < 3 && !signals_stop_requested(); i++) {
        struct spawn_result res;
        int rc = stage_run(&stages[i], in, in_len, &res);
        spawn_result_free(&prev);
        if (rc != 0)
            return;
        prev = res;
        in = prev.out.data;
        in_len = i < 2 ? feedable(&stages[i], &prev.out) : prev.out.len;
    }
    if (!signals_stop_requested())
        take_records(&prev.out, records, v);
    spawn_result_free(&prev);
}
