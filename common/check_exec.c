/*
 * The exec kind: any program, speaking the Nagios plugin protocol.  The
 * exit code is the status, line 1 the summary, text after '|' perfdata
 * (plugin_output.c).  No shell unless the definition says shell: true.
 */
#include "argv.h"
#include "check.h"
#include "plugin_output.h"
#include "spawn.h"

#include <stdlib.h>
#include <string.h>

static const struct config_field exec_fields[] = {
    {"command", CONFIG_STRING | CONFIG_ARRAY, true},
    {"shell", CONFIG_BOOL, false},
    {NULL, 0, false},
};

/* Plugins commonly read these; everything else is scrubbed. */
static const char *const exec_env_keep[] = {"HOME", "TZ", "TMPDIR", "USER", "LOGNAME", NULL};

#define EXEC_STDERR_EVIDENCE_MAX 4096

static int exec_prepare(struct check_def *def, struct heal_error *err)
{
    jv cmd = jv_object_get(jv_copy(def->def), jv_string("command"));
    jv shell = jv_object_get(jv_copy(def->def), jv_string("shell"));
    char **argv = NULL;
    if (jv_get_kind(cmd) == JV_KIND_ARRAY) {
        int n = jv_array_length(jv_copy(cmd));
        if (n < 1 || n > ARGV_WORDS_MAX) {
            heal_error_set(err, "field 'command' must hold 1 to %d words", ARGV_WORDS_MAX);
        } else if ((argv = calloc((size_t)n + 1, sizeof *argv))) {
            for (int i = 0; i < n && argv; i++) {
                jv w = jv_array_get(jv_copy(cmd), i);
                if (jv_get_kind(w) != JV_KIND_STRING) {
                    heal_error_set(err, "field 'command': word %d is not a string", i + 1);
                    argv_free(argv);
                    argv = NULL;
                } else {
                    argv[i] = strdup(jv_string_value(w));
                }
                jv_free(w);
            }
        }
    } else if (jv_get_kind(shell) == JV_KIND_TRUE) {
        argv = calloc(4, sizeof *argv);
        argv[0] = strdup("/bin/sh");
        argv[1] = strdup("-c");
        argv[2] = strdup(jv_string_value(cmd));
    } else {
        struct heal_error e;
        argv = argv_split(jv_string_value(cmd), &e);
        if (!argv)
            heal_error_set(err, "field 'command': %s", e.msg);
    }
    jv_free(cmd);
    jv_free(shell);
    def->kind_data = argv;
    return argv ? 0 : -1;
}

static void exec_release(struct check_def *def)
{
    argv_free(def->kind_data);
    def->kind_data = NULL;
}

static int exec_start(struct check_task *task, struct check_result *result)
{
    struct spawn_options opt = {
        .argv = (const char *const *)task->def->kind_data,
        .timeout_ms = task->def->timeout_ms,
        .output_max = PLUGIN_OUTPUT_INPUT_MAX,
        .env = SPAWN_ENV_SCRUB,
        .env_keep = exec_env_keep,
    };
    struct heal_error err;
    task->data = spawn_start(&opt, &err);
    if (!task->data) {
        check_result_set(result, NAGIOS_UNKNOWN, "cannot run %s: %s",
                         ((char **)task->def->kind_data)[0], err.msg);
        return 1;
    }
    return 0;
}

static int exec_pollfds(struct check_task *task, struct pollfd *fds)
{
    return spawn_child_pollfds(task->data, fds);
}

static int exec_wait_ms(struct check_task *task)
{
    return spawn_child_wait_ms(task->data);
}

static void exec_service(struct check_task *task, const struct pollfd *fds, int nfds)
{
    spawn_child_service(task->data, fds, nfds);
}

static bool exec_done(struct check_task *task)
{
    return spawn_child_done(task->data);
}

static void exec_finish(struct check_task *task, struct check_result *result)
{
    struct spawn_result sr;
    spawn_child_finish(task->data, &sr);
    task->data = NULL;
    struct plugin_termination term = {.end = PLUGIN_END_EXITED, .code = sr.exit_code};
    if (sr.timed_out) {
        term.end = PLUGIN_END_TIMED_OUT;
        term.timeout_ms = task->def->timeout_ms;
    } else if (!sr.exited) {
        term.end = PLUGIN_END_SIGNALED;
        term.code = sr.signal;
    }
    struct plugin_output_options popt = plugin_output_options_default();
    struct plugin_output po;
    struct heal_error err;
    bool output_truncated = sr.out.truncated;
    if (plugin_output_parse(sr.out.data, sr.out.len, term, &popt, &po, &err) != 0) {
        check_result_set(result, NAGIOS_UNKNOWN, "plugin output: %s", err.msg);
    } else {
        output_truncated =
            output_truncated || po.input_truncated || po.summary_truncated || po.output_truncated;
        result->status = po.status;
        jv_free(result->summary);
        jv_free(result->output);
        jv_free(result->perfdata);
        result->summary = jv_copy(po.summary);
        result->output = jv_copy(po.output);
        result->perfdata = jv_copy(po.perfdata);
        plugin_output_free(&po);
    }
    jv ev = result->evidence;
    if (sr.exited)
        ev = jv_object_set(ev, jv_string("exit_code"), jv_number(sr.exit_code));
    else
        ev = jv_object_set(ev, jv_string("signal"), jv_number(sr.signal));
    if (sr.timed_out)
        ev = jv_object_set(ev, jv_string("timed_out"), jv_true());
    /* A cap is a reported condition: say that the text shown is not all there was. */
    if (output_truncated)
        ev = jv_object_set(ev, jv_string("output_truncated"), jv_true());
    if (sr.orphans_killed)
        ev = jv_object_set(ev, jv_string("orphans_killed"), jv_true());
    if (sr.error[0])
        ev = jv_object_set(ev, jv_string("error"), jv_string(sr.error));
    if (sr.err.len > 0) {
        size_t n = sr.err.len < EXEC_STDERR_EVIDENCE_MAX ? sr.err.len : EXEC_STDERR_EVIDENCE_MAX;
        /* jv_string_sized repairs invalid UTF-8, which stderr may well be. */
        ev = jv_object_set(ev, jv_string("stderr"), jv_string_sized(sr.err.data, (int)n));
    }
    result->evidence = ev;
    spawn_result_free(&sr);
}

const struct check_kind check_kind_exec = {
    .name = "exec",
    .fields = exec_fields,
    .prepare = exec_prepare,
    .release = exec_release,
    .start = exec_start,
    .pollfds = exec_pollfds,
    .wait_ms = exec_wait_ms,
    .service = exec_service,
    .done = exec_done,
    .finish = exec_finish,
};
