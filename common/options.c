#include "options.h"
#include "duration.h"
#include "exitcode.h"
#include "log.h"
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct heal_options heal_opts;

static void count_verbose(poptContext con, enum poptCallbackReason reason,
                          const struct poptOption *opt, const char *arg, void *data)
{
    (void)con, (void)reason, (void)arg, (void)data;
    if (opt->shortName == 'v')
        heal_opts.verbose++;
}

struct poptOption heal_common_options[] = {
    {NULL, '\0', POPT_ARG_CALLBACK, (void *)count_verbose, 0, NULL, NULL},
    {"verbose", 'v', POPT_ARG_NONE, NULL, 0, "say more on stderr (repeat for more)", NULL},
    {"quiet", 'q', POPT_ARG_NONE, &heal_opts.quiet, 0, "report only errors on stderr", NULL},
    {"config-dir", '\0', POPT_ARG_STRING, &heal_opts.config_dir, 0,
     "configuration directory (default: $HEAL_CONFIG_DIR, /etc/heal)", "DIR"},
    {"state-dir", '\0', POPT_ARG_STRING, &heal_opts.state_dir, 0,
     "state directory (default: $HEAL_STATE_DIR, /var/lib/heal)", "DIR"},
    {"format", '\0', POPT_ARG_STRING, &heal_opts.format, 0,
     "output: auto (records on a pipe, a table on a terminal), json, or text", "FORMAT"},
    {"log-json", '\0', POPT_ARG_NONE, &heal_opts.log_json, 0, "log to stderr as JSON lines",
     NULL},
    {"version", '\0', POPT_ARG_NONE, &heal_opts.version, 0, "print the version and exit", NULL},
    POPT_TABLEEND,
};

int options_finish(const char *progname, struct heal_error *err)
{
    log_init(progname);
    log_set_json(heal_opts.log_json);
    log_set_verbosity(heal_opts.quiet ? -1 : heal_opts.verbose);
    /* Read here, once, so every program honours it the same way. */
    const char *trace = getenv("HEAL_TRACE");
    heal_opts.trace = NULL;
    if (trace && *trace && !record_id_valid(trace))
        log_warn("HEAL_TRACE", "'%.64s' is not a record id; ignored", trace);
    else if (trace && *trace)
        heal_opts.trace = trace;
    log_set_base_trace(heal_opts.trace);
    const char *f = heal_opts.format ? heal_opts.format : "auto";
    if (strcmp(f, "auto") == 0)
        heal_opts.output = OUTPUT_AUTO;
    else if (strcmp(f, "json") == 0)
        heal_opts.output = OUTPUT_JSON;
    else if (strcmp(f, "text") == 0)
        heal_opts.output = OUTPUT_TEXT;
    else
        return heal_error_set(err, "--format: '%s' is not one of auto, json, text", f);
    return 0;
}

void options_print_version(const char *progname)
{
    printf("%s %s\n", progname, HEAL_VERSION);
}

void options_free(void)
{
    free(heal_opts.config_dir);
    free(heal_opts.state_dir);
    free(heal_opts.format);
    heal_opts.config_dir = heal_opts.state_dir = heal_opts.format = NULL;
}

bool output_is_text(void)
{
    switch (heal_opts.output) {
    case OUTPUT_JSON:
        return false;
    case OUTPUT_TEXT:
        return true;
    case OUTPUT_AUTO:
        break;
    }
    return isatty(STDOUT_FILENO);
}

bool output_use_color(void)
{
    const char *no = getenv("NO_COLOR");
    return output_is_text() && isatty(STDOUT_FILENO) && !(no && *no);
}

enum options_next options_settle(poptContext pc, int rc, const char *progname,
                                 struct heal_error *err)
{
    if (rc < -1) {
        heal_error_set(err, "%s: %s (try --help)", poptBadOption(pc, POPT_BADOPTION_NOALIAS),
                       poptStrerror(rc));
        return OPTIONS_USAGE;
    }
    if (options_finish(progname, err) != 0)
        return OPTIONS_USAGE;
    if (heal_opts.version) {
        options_print_version(progname);
        return OPTIONS_DONE;
    }
    return OPTIONS_RUN;
}

bool options_parse(poptContext pc, const char *progname, const char *log_ctx, int *status)
{
    struct heal_error err;
    switch (options_settle(pc, poptGetNextOpt(pc), progname, &err)) {
    case OPTIONS_USAGE:
        log_error(log_ctx, "%s", err.msg);
        *status = HEAL_EXIT_USAGE;
        return false;
    case OPTIONS_DONE:
        *status = HEAL_EXIT_OK;
        return false;
    case OPTIONS_RUN:
        break;
    }
    return true;
}

int options_duration(const char *flag, const char *text, int64_t *ms, struct heal_error *err)
{
    if (!text)
        return 0;
    int64_t v;
    struct heal_error e;
    if (duration_parse(text, &v, &e) != 0)
        return heal_error_set(err, "%s: %s", flag, e.msg);
    if (v <= 0)
        return heal_error_set(err, "%s: must be longer than 0", flag);
    *ms = v;
    return 0;
}
