/*
 * The systemd kind.  With `unit`: is that unit active?  `systemctl
 * is-active` gives the state, `systemctl show` the details (sub-state,
 * result, restarts), and for a unit in trouble the last journal lines
 * become evidence.  Without `unit`: are any units failed?  warn/crit
 * apply to the unit's NRestarts, or to the number of failed units (by
 * default critical above 0).
 *
 * The tools run as children on the runner's poll loop (spawn.h), two at
 * once, then the journal if needed.  On a host where systemd is not PID 1
 * nothing is run: the result is UNKNOWN, or OK with skip_if_absent, so a
 * built-in systemd check costs nothing in a container.
 */
#include "check.h"
#include "clock.h"
#include "spawn.h"
#include "systemd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Journal lines kept as evidence for a unit that is not active. */
#define SYSTEMD_JOURNAL_LINES 20
#define SYSTEMD_JOURNAL_LINES_TEXT "20"
#define SYSTEMD_SHOW_PROPERTIES "LoadState,ActiveState,SubState,Result,NRestarts"
#define SYSTEMD_STDERR_EXCERPT_MAX 200
/* Failed units named in the summary line; the evidence has them all. */
#define SYSTEMD_SUMMARY_UNITS_MAX 8

static const struct config_field systemd_fields[] = {
    {"unit", CONFIG_STRING, false},
    {"skip_if_absent", CONFIG_BOOL, false},
    {NULL, 0, false},
};

struct systemd_settings {
    char *unit; /* NULL: look for failed units */
    bool skip_if_absent;
};

/* The children of one run, by role. */
enum { SD_STATE, SD_SHOW, SD_JOURNAL, SD_CHILDREN };

struct systemd_run {
    struct spawn_child *child[SD_CHILDREN];
    struct spawn_result res[SD_CHILDREN];
    bool ran[SD_CHILDREN];
    int64_t deadline_ms;
    bool journal_started;
};

static int systemd_prepare(struct check_def *def, struct heal_error *err)
{
    struct systemd_settings *s = calloc(1, sizeof *s);
    if (!s)
        return heal_error_set(err, "out of memory");
    def->kind_data = s;
    jv unit = jv_object_get(jv_copy(def->def), jv_string("unit"));
    jv skip = jv_object_get(jv_copy(def->def), jv_string("skip_if_absent"));
    s->skip_if_absent = jv_get_kind(skip) == JV_KIND_TRUE;
    int rc = 0;
    struct heal_error e;
    if (jv_get_kind(unit) == JV_KIND_STRING) {
        if (systemd_unit_name_check(jv_string_value(unit), &e) != 0)
            rc = heal_error_set(err, "field 'unit': %s", e.msg);
        else if (!(s->unit = strdup(jv_string_value(unit))))
            rc = heal_error_set(err, "out of memory");
    } else if (check_default_thresholds(def, NULL, "0", err) != 0) {
        rc = -1;
    }
    jv_free(unit);
    jv_free(skip);
    return rc;
}

static void systemd_release(struct check_def *def)
{
    struct systemd_settings *s = def->kind_data;
    free(s->unit);
    free(s);
    def->kind_data = NULL;
}

static int launch(struct systemd_run *run, int role, const char *const *argv,
                  struct heal_error *err)
{
    int64_t left = run->deadline_ms - clock_mono_ms();
    struct spawn_options opt = {
        .argv = argv,
        .timeout_ms = left > 0 ? left : 1,
        .env = SPAWN_ENV_SCRUB,
    };
    run->child[role] = spawn_start(&opt, err);
    return run->child[role] ? 0 : -1;
}

static void systemd_free_run(struct systemd_run *run)
{
    for (int i = 0; i < SD_CHILDREN; i++) {
        if (run->child[i])
            spawn_child_finish(run->child[i], &run->res[i]);
        spawn_result_free(&run->res[i]);
    }
    free(run);
}

static int systemd_start(struct check_task *task, struct check_result *r)
{
    const struct systemd_settings *s = task->def->kind_data;
    if (!systemd_is_running()) {
        r->evidence = jv_object_set(r->evidence, jv_string("systemd"), jv_string("absent"));
        if (s->skip_if_absent)
            check_result_set(r, NAGIOS_OK, "systemd is not running; skipped");
        else
            check_result_set(r, NAGIOS_UNKNOWN, "systemd is not running on this host");
        return 1;
    }
    struct systemd_run *run = calloc(1, sizeof *run);
    if (!run) {
        check_result_set(r, NAGIOS_UNKNOWN, "out of memory");
        return 1;
    }
    run->deadline_ms = task->started_mono_ms + task->def->timeout_ms;
    struct heal_error err;
    int rc;
    if (s->unit) {
        const char *const state[] = {"systemctl", "is-active", "--", s->unit, NULL};
        const char *const show[] = {"systemctl", "show",  "-p", SYSTEMD_SHOW_PROPERTIES,
                                    "--",        s->unit, NULL};
        rc = launch(run, SD_STATE, state, &err);
        if (rc == 0)
            rc = launch(run, SD_SHOW, show, &err);
    } else {
        const char *const failed[] = {"systemctl",   "--failed",   "--plain",
                                      "--no-legend", "--no-pager", NULL};
        rc = launch(run, SD_STATE, failed, &err);
    }
    if (rc != 0) {
        systemd_free_run(run);
        check_result_set(r, NAGIOS_UNKNOWN, "cannot run systemctl: %s", err.msg);
        return 1;
    }
    task->data = run;
    return 0;
}

static int systemd_pollfds(struct check_task *task, struct pollfd *fds)
{
    struct systemd_run *run = task->data;
    int n = 0;
    /* Two children at once at most: 2 * SPAWN_POLLFD_MAX == CHECK_POLLFD_MAX. */
    for (int i = 0; i < SD_CHILDREN; i++)
        if (run->child[i])
            n += spawn_child_pollfds(run->child[i], fds + n);
    return n;
}

static int systemd_wait_ms(struct check_task *task)
{
    struct systemd_run *run = task->data;
    int wait = -1;
    for (int i = 0; i < SD_CHILDREN; i++) {
        int w = run->child[i] ? spawn_child_wait_ms(run->child[i]) : -1;
        if (w >= 0 && (wait < 0 || w < wait))
            wait = w;
    }
    return wait;
}

static bool state_is_active(const struct systemd_run *run)
{
    return run->ran[SD_STATE] && strncmp(run->res[SD_STATE].out.data, "active\n", 7) == 0;
}

/* Reaps the children that are done; starts the journal once the state says trouble. */
static void progress(struct check_task *task, const struct pollfd *fds, int nfds)
{
    struct systemd_run *run = task->data;
    const struct systemd_settings *s = task->def->kind_data;
    for (int i = 0; i < SD_CHILDREN; i++) {
        if (!run->child[i])
            continue;
        spawn_child_service(run->child[i], fds, nfds);
        if (spawn_child_done(run->child[i])) {
            spawn_child_finish(run->child[i], &run->res[i]);
            run->child[i] = NULL;
            run->ran[i] = true;
        }
    }
    if (s->unit && !run->journal_started && run->ran[SD_STATE] && run->ran[SD_SHOW] &&
        !state_is_active(run)) {
        run->journal_started = true;
        const char *const journal[] = {
            "journalctl", "-u", s->unit, "-n", SYSTEMD_JOURNAL_LINES_TEXT, "--no-pager", NULL};
        struct heal_error err;
        if (launch(run, SD_JOURNAL, journal, &err) != 0)
            run->ran[SD_JOURNAL] = false; /* the journal is evidence, not the verdict */
    }
}

static void systemd_service(struct check_task *task, const struct pollfd *fds, int nfds)
{
    progress(task, fds, nfds);
}

static bool systemd_done(struct check_task *task)
{
    struct systemd_run *run = task->data;
    /* Timers (deadline, reaping) move on even when no fd was ready. */
    progress(task, NULL, 0);
    for (int i = 0; i < SD_CHILDREN; i++)
        if (run->child[i])
            return false;
    return true;
}

static jv stderr_excerpt(const struct spawn_result *res)
{
    size_t n =
        res->err.len < SYSTEMD_STDERR_EXCERPT_MAX ? res->err.len : SYSTEMD_STDERR_EXCERPT_MAX;
    while (n > 0 && (res->err.data[n - 1] == '\n' || res->err.data[n - 1] == '\r'))
        n--;
    return jv_string_sized(res->err.data, (int)n);
}

/* A systemctl that did not answer: UNKNOWN, saying why. */
static bool tool_failed(const struct spawn_result *res, const char *what, struct check_result *r)
{
    if (res->timed_out) {
        check_result_set(r, NAGIOS_UNKNOWN, "%s timed out", what);
        return true;
    }
    if (res->error[0] || !res->exited || (res->out.len == 0 && res->exit_code != 0)) {
        jv e = stderr_excerpt(res);
        check_result_set(r, NAGIOS_UNKNOWN, "%s failed: %s", what,
                         res->error[0] ? res->error : jv_string_value(e));
        r->evidence = jv_object_set(r->evidence, jv_string("stderr"), e);
        return true;
    }
    return false;
}

static enum nagios_status worse(enum nagios_status a, enum nagios_status b)
{
    static const int rank[] = {0, 2, 3, 1}; /* CRITICAL > WARNING > UNKNOWN > OK */
    return rank[b] > rank[a] ? b : a;
}

static const char *const status_words[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

static void finish_failed_units(struct check_task *task, struct systemd_run *run,
                                struct check_result *r)
{
    const struct check_def *def = task->def;
    const struct spawn_result *res = &run->res[SD_STATE];
    if (tool_failed(res, "systemctl --failed", r))
        return;
    jv units = systemd_failed_parse(res->out.data, res->out.len);
    int n = jv_array_length(jv_copy(units));
    enum nagios_status st = check_evaluate(def, n);
    check_result_perf(r, "failed", n, "", def->warn_text, def->crit_text, 0, NAN);
    if (n == 0) {
        check_result_set(r, st, "systemd %s - no failed units", status_words[st]);
    } else {
        char names[1024] = "";
        size_t o = 0;
        for (int i = 0; i < n && i < SYSTEMD_SUMMARY_UNITS_MAX && o < sizeof names; i++) {
            jv u = jv_array_get(jv_copy(units), i);
            o += (size_t)snprintf(names + o, sizeof names - o, "%s%s", i ? ", " : "",
                                  jv_string_value(u));
            jv_free(u);
        }
        check_result_set(r, st, "systemd %s - %d failed unit%s: %s%s", status_words[st], n,
                         n == 1 ? "" : "s", names, n > SYSTEMD_SUMMARY_UNITS_MAX ? ", ..." : "");
    }
    r->evidence = jv_object_set(r->evidence, jv_string("failed_units"), units);
}

static const char *prop(const jv *show, const char *key, char *buf, size_t size)
{
    jv v = jv_object_get(jv_copy(*show), jv_string(key));
    snprintf(buf, size, "%s", jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : "");
    jv_free(v);
    return buf;
}

static void finish_unit(struct check_task *task, struct systemd_run *run, struct check_result *r)
{
    const struct check_def *def = task->def;
    const struct systemd_settings *s = def->kind_data;
    const struct spawn_result *state = &run->res[SD_STATE];
    r->evidence = jv_object_set(r->evidence, jv_string("unit"), jv_string(s->unit));
    if (run->ran[SD_SHOW] && !tool_failed(&run->res[SD_SHOW], "systemctl show", r)) {
        jv show = systemd_show_parse(run->res[SD_SHOW].out.data, run->res[SD_SHOW].out.len);
        r->evidence = jv_object_set(r->evidence, jv_string("properties"), show);
    }
    /* is-active prints the state even when it exits non-zero (3: not active). */
    if (!run->ran[SD_STATE] || state->timed_out || state->error[0] || state->out.len == 0) {
        if (!run->ran[SD_STATE])
            check_result_set(r, NAGIOS_UNKNOWN, "systemctl is-active did not finish");
        else if (!tool_failed(state, "systemctl is-active", r))
            check_result_set(r, NAGIOS_UNKNOWN, "systemctl is-active printed nothing");
        return;
    }
    jv lines = systemd_lines(state->out.data, state->out.len);
    jv first = jv_array_get(lines, 0);
    char active[64];
    snprintf(active, sizeof active, "%s", jv_is_valid(first) ? jv_string_value(first) : "");
    jv_free(first);
    enum nagios_status st = NAGIOS_UNKNOWN;
    if (!strcmp(active, "active"))
        st = NAGIOS_OK;
    else if (!strcmp(active, "activating") || !strcmp(active, "reloading") ||
             !strcmp(active, "deactivating") || !strcmp(active, "refreshing"))
        st = NAGIOS_WARNING;
    else if (!strcmp(active, "failed") || !strcmp(active, "inactive"))
        st = NAGIOS_CRITICAL;
    jv show = jv_object_get(jv_copy(r->evidence), jv_string("properties"));
    if (jv_get_kind(show) != JV_KIND_OBJECT) {
        jv_free(show);
        show = jv_object();
    }
    char sub[64], result[64], restarts[32], load[64];
    prop(&show, "SubState", sub, sizeof sub);
    prop(&show, "Result", result, sizeof result);
    prop(&show, "NRestarts", restarts, sizeof restarts);
    prop(&show, "LoadState", load, sizeof load);
    jv_free(show);
    char detail[512] = "";
    size_t o = 0;
    if (sub[0])
        o += (size_t)snprintf(detail + o, sizeof detail - o, " (%s)", sub);
    if (load[0] && strcmp(load, "loaded") != 0)
        o += (size_t)snprintf(detail + o, sizeof detail - o, ", %s", load);
    if (result[0] && strcmp(result, "success") != 0)
        o += (size_t)snprintf(detail + o, sizeof detail - o, ", result %s", result);
    if (restarts[0]) {
        char *end;
        double n = strtod(restarts, &end);
        if (end != restarts && !*end) {
            check_result_perf(r, "restarts", n, "", def->warn_text, def->crit_text, 0, NAN);
            st = worse(st, check_evaluate(def, n));
            if (n > 0 && o < sizeof detail)
                snprintf(detail + o, sizeof detail - o, ", %s restart%s", restarts,
                         n == 1 ? "" : "s");
        }
    }
    check_result_set(r, st, "systemd %s - %s is %s%s", status_words[st], s->unit, active, detail);
    r->evidence = jv_object_set(r->evidence, jv_string("active_state"), jv_string(active));
    if (run->ran[SD_JOURNAL] && run->res[SD_JOURNAL].out.len > 0) {
        jv journal = systemd_lines(run->res[SD_JOURNAL].out.data, run->res[SD_JOURNAL].out.len);
        int n = jv_array_length(jv_copy(journal));
        if (n > SYSTEMD_JOURNAL_LINES)
            journal = jv_array_slice(journal, n - SYSTEMD_JOURNAL_LINES, n);
        r->evidence = jv_object_set(r->evidence, jv_string("journal"), journal);
    }
}

static void systemd_finish(struct check_task *task, struct check_result *r)
{
    struct systemd_run *run = task->data;
    const struct systemd_settings *s = task->def->kind_data;
    /* An abort (deadline, stop request) kills what still runs; report what we have. */
    for (int i = 0; i < SD_CHILDREN; i++) {
        if (run->child[i]) {
            spawn_child_finish(run->child[i], &run->res[i]);
            run->child[i] = NULL;
            run->ran[i] = i != SD_JOURNAL; /* a killed journalctl is no evidence */
        }
    }
    if (s->unit)
        finish_unit(task, run, r);
    else
        finish_failed_units(task, run, r);
    systemd_free_run(run);
    task->data = NULL;
}

const struct check_kind check_kind_systemd = {
    .name = "systemd",
    .fields = systemd_fields,
    .prepare = systemd_prepare,
    .release = systemd_release,
    .start = systemd_start,
    .pollfds = systemd_pollfds,
    .wait_ms = systemd_wait_ms,
    .service = systemd_service,
    .done = systemd_done,
    .finish = systemd_finish,
};
