/*
 * heal-loop — the self-healing loop.  This file carries only the `status`
 * subcommand (the health of each target, or of each value of a label, from
 * heal-loop's history and heal-apply's journal); the pipeline modes are
 * merged in beside it.
 */
#include "clock.h"
#include "exitcode.h"
#include "log.h"
#include "loop_status.h"
#include "options.h"
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "heal-loop"

static struct {
    char *by;
} opt;

/* 1 when some target (or group) is not ok. */
static bool unhealthy(const jv *report)
{
    jv items = jv_object_get(jv_copy(*report), jv_string("targets"));
    if (jv_get_kind(items) != JV_KIND_ARRAY) {
        jv_free(items);
        items = jv_object_get(jv_copy(*report), jv_string("groups"));
    }
    bool bad = false;
    jv_array_foreach(items, i, item)
    {
        jv status = jv_object_get(item, jv_string("status"));
        bad = bad || jv_get_kind(status) != JV_KIND_STRING || strcmp(jv_string_value(status), "ok");
        jv_free(status);
    }
    jv_free(items);
    return bad;
}

static void warn_unreadable(const jv *report)
{
    jv counts = jv_object_get(jv_copy(*report), jv_string("unreadable"));
    static const char *const files[] = {"history", "journal"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        jv n = jv_object_get(jv_copy(counts), jv_string(files[i]));
        if (jv_get_kind(n) == JV_KIND_NUMBER && jv_number_value(n) > 0)
            log_warn(files[i], "%.0f unreadable lines skipped", jv_number_value(n));
        jv_free(n);
    }
    jv_free(counts);
}

static int status_command(void)
{
    char state[STATE_PATH_MAX];
    struct heal_error err;
    jv report;
    if (state_dir_resolve(heal_opts.state_dir, state, &err) != 0 ||
        loop_status_collect(state, opt.by, clock_now_ms(), &report, &err) != 0) {
        log_error("status", "%s", err.msg);
        return HEAL_EXIT_INTERNAL;
    }
    warn_unreadable(&report);
    int status = unhealthy(&report) ? HEAL_EXIT_UNHEALTHY : HEAL_EXIT_OK;
    if (output_is_text()) {
        loop_status_print_text(stdout, &report, output_use_color());
        jv_free(report);
    } else {
        jv line = jv_dump_string(report, 0);
        printf("%s\n", jv_string_value(line));
        jv_free(line);
    }
    if (fflush(stdout) != 0) {
        log_error("stdout", "write failed");
        status = HEAL_EXIT_INTERNAL;
    }
    return status;
}

int main(int argc, const char **argv)
{
    struct poptOption table[] = {
        {"by", '\0', POPT_ARG_STRING, &opt.by, 0,
         "status: roll targets up by the value of LABEL", "LABEL"},
        HEAL_COMMON_OPTIONS,
        POPT_TABLEEND,
    };
    log_init(PROG);
    poptContext pc = poptGetContext(PROG, argc, argv, table, 0);
    poptSetOtherOptionHelp(pc, "[OPTION...] status");
    int rc = poptGetNextOpt(pc), status = HEAL_EXIT_USAGE;
    struct heal_error err;
    switch (options_settle(pc, rc, PROG, &err)) {
    case OPTIONS_USAGE:
        log_error(NULL, "%s", err.msg);
        goto out;
    case OPTIONS_DONE:
        status = HEAL_EXIT_OK;
        goto out;
    case OPTIONS_RUN:
        break;
    }
    const char *command = poptGetArg(pc);
    if (!command || strcmp(command, "status") != 0 || poptPeekArg(pc)) {
        log_error(NULL, "usage: " PROG " [--by LABEL] status");
        goto out;
    }
    if (opt.by && !*opt.by) {
        log_error(NULL, "--by: an empty label name");
        goto out;
    }
    status = status_command();
out:
    poptFreeContext(pc);
    free(opt.by);
    options_free();
    return status;
}
