/*
 * options.h — the options every heal program shares, and output mode.
 *
 * Each program's popt table includes HEAL_COMMON_OPTIONS, so --help,
 * --usage, --version, -v, -q, --config-dir, --state-dir, --format and
 * --log-json mean the same everywhere.  After popt has parsed argv, the
 * program calls options_finish() to check them and set up logging.
 * heal_opts is the one piece of global state: the parsed options.
 */
#ifndef HEAL_OPTIONS_H
#define HEAL_OPTIONS_H

#include "error.h"

#include <popt.h>
#include <stdbool.h>
#include <stdint.h>

enum output_format { OUTPUT_AUTO, OUTPUT_JSON, OUTPUT_TEXT };

struct heal_options {
    int verbose; /* -v given this many times */
    int quiet;
    int version;
    int log_json;
    char *config_dir;
    char *state_dir;
    char *format; /* auto|json|text */
    enum output_format output;
    /* HEAL_TRACE when it holds a record id: the trace this run works for
     * (heal-mcp gives each tool call one).  NULL when unset or empty. */
    const char *trace;
};

extern struct heal_options heal_opts;
extern struct poptOption heal_common_options[];

/* popt's own POPT_AUTOHELP ends in a comma; this one composes like an entry. */
#define HEAL_COMMON_OPTIONS                                                                        \
    {NULL, '\0', POPT_ARG_INCLUDE_TABLE, heal_common_options, 0, "Common options:", NULL},       \
    {                                                                                              \
        NULL, '\0', POPT_ARG_INCLUDE_TABLE, poptHelpOptions, 0, "Help options:", NULL             \
    }

/* What a program does once popt has parsed its command line. */
enum options_next {
    OPTIONS_RUN,   /* go on */
    OPTIONS_DONE,  /* --version was printed: exit 0 */
    OPTIONS_USAGE, /* err says what was wrong: report it, exit with the usage status */
};

/*
 * The epilogue every program shares: rc is poptGetNextOpt's last value.
 * Reports a bad option or a bad common option in err, prints the version
 * for --version, and otherwise validates the common options and sets up
 * logging (options_finish).
 */
enum options_next options_settle(poptContext pc, int rc, const char *progname,
                                 struct heal_error *err);

/*
 * poptGetNextOpt and options_settle in one, for tables without options that
 * return a value (popt then returns -1 or an error).  True: go on.  False:
 * *status is the exit status, HEAL_EXIT_USAGE with the reason logged under
 * log_ctx, or HEAL_EXIT_OK after --version.
 */
bool options_parse(poptContext pc, const char *progname, const char *log_ctx, int *status);

/* A duration option: "" or NULL keeps *ms; 0 or less, or bad text, is refused. */
int options_duration(const char *flag, const char *text, int64_t *ms, struct heal_error *err);

/* Validates the common options, reads HEAL_TRACE and applies logging settings. */
int options_finish(const char *progname, struct heal_error *err);

/* Prints "PROG VERSION" on stdout (for --version). */
void options_print_version(const char *progname);

/* Frees what popt allocated for the common options. */
void options_free(void);

/* Records when stdout is a pipe or --format=json; a table when a terminal. */
bool output_is_text(void);
/* Colour: text output on a terminal, and NO_COLOR unset or empty. */
bool output_use_color(void);

#endif
