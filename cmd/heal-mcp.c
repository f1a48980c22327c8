/*
 * heal-mcp — heal for AI agents: an MCP server on standard input and
 * output.  Each tool runs one of the other heal programs (common/mcp_*.c);
 * this file only reads the options and wires the loop.
 */
#include "exitcode.h"
#include "log.h"
#include "mcp_run.h"
#include "mcp_tools.h"
#include "options.h"
#include "signals.h"
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define PROG "heal-mcp"
#define CHILD_OPTIONS_MAX 16
#define VERBOSE_PASSED_MAX 4

static struct {
    int allow_exec, read_only, list_tools;
} opt;

/* The options every program run for a call shares with us. */
static void child_options(const char *state_dir, char *state_flag, size_t size, char *config_flag,
                          const char **out)
{
    size_t n = 0;
    snprintf(state_flag, size, "--state-dir=%s", state_dir);
    out[n++] = state_flag;
    if (heal_opts.config_dir) {
        snprintf(config_flag, size, "--config-dir=%s", heal_opts.config_dir);
        out[n++] = config_flag;
    }
    if (heal_opts.log_json)
        out[n++] = "--log-json";
    if (heal_opts.quiet)
        out[n++] = "--quiet";
    for (int v = 0; v < heal_opts.verbose && v < VERBOSE_PASSED_MAX; v++)
        out[n++] = "--verbose";
    out[n] = NULL;
}

int main(int argc, const char **argv)
{
    struct poptOption table[] = {
        {"allow-exec", '\0', POPT_ARG_NONE, &opt.allow_exec, 0,
         "let perform_health_check run a command the client names (exec checks)", NULL},
        {"read-only", '\0', POPT_ARG_NONE, &opt.read_only, 0,
         "refuse to run remedies: apply_fix and healing sessions stay dry runs", NULL},
        {"list-tools", '\0', POPT_ARG_NONE, &opt.list_tools, 0,
         "print the tools (as tools/list answers) and exit", NULL},
        HEAL_COMMON_OPTIONS,
        POPT_TABLEEND,
    };
    signals_install();
    log_init(PROG);
    poptContext pc = poptGetContext(PROG, argc, argv, table, 0);
    poptSetOtherOptionHelp(pc, "[OPTION...]");
    int rc = poptGetNextOpt(pc), status = HEAL_EXIT_USAGE;
    struct heal_error err;
    struct mcp_tools *tools = NULL;
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
    if (poptPeekArg(pc)) {
        log_error(NULL, "unexpected argument '%s' (try --help)", poptPeekArg(pc));
        goto out;
    }
    status = HEAL_EXIT_INTERNAL;
    char state[STATE_PATH_MAX];
    if (state_dir_open(heal_opts.state_dir, state, &err) != 0) {
        log_error("state", "%s", err.msg);
        goto out;
    }
    struct mcp_context ctx = {
        .state_dir = state, .allow_exec = opt.allow_exec, .read_only = opt.read_only};
    tools = mcp_tools_load(&ctx, &err);
    if (!tools) {
        log_error("tools", "%s", err.msg);
        goto out;
    }
    if (opt.list_tools) {
        jv list = mcp_tools_list(tools);
        jv s = jv_dump_string(list, 0);
        printf("%s\n", jv_string_value(s));
        jv_free(s);
        status = HEAL_EXIT_OK;
        goto out;
    }
    char state_flag[STATE_PATH_MAX + 32], config_flag[STATE_PATH_MAX + 32];
    const char *children[CHILD_OPTIONS_MAX];
    child_options(state, state_flag, sizeof state_flag, config_flag, children);
    struct mcp_run_config cfg = {
        .tools = tools, .child_options = children, .in_fd = STDIN_FILENO, .out_fd = STDOUT_FILENO};
    log_info(NULL, "serving MCP on standard input and output");
    if (mcp_run(&cfg, &err) != 0) {
        log_error(NULL, "%s", err.msg);
        goto out;
    }
    status = HEAL_EXIT_OK;
out:
    mcp_tools_free(tools);
    poptFreeContext(pc);
    options_free();
    return status;
}
