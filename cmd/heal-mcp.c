/*
 * heal-mcp — heal for AI agents: an MCP server on standard input and
 * output, or over Streamable HTTP (--http).  Each tool runs one of the
 * other heal programs (common/mcp_*.c); this file only reads the options
 * and wires the loop.
 */
#include "duration.h"
#include "exitcode.h"
#include "log.h"
#include "mcp_audit.h"
#include "mcp_http.h"
#include "mcp_run.h"
#include "mcp_tools.h"
#include "options.h"
#include "signals.h"
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROG "heal-mcp"
#define CHILD_OPTIONS_MAX 16
#define VERBOSE_PASSED_MAX 4
#define ALGORITHMS_MAX 8

static struct {
    int allow_exec, read_only, list_tools, require_at_jwt;
    char *http, *resource, *issuer, *jwks, *tokens, *session_idle, *metrics, *port_file;
    char *algorithms;
    char **allow_origins, **allow_hosts; /* repeatable */
    double rate, burst;
} opt = {.rate = MCP_HTTP_DEFAULT_RATE, .burst = MCP_HTTP_DEFAULT_BURST};

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

static int serve_stdio(const struct mcp_tools *tools, const char *const *children,
                       struct mcp_audit *audit)
{
    struct heal_error err;
    struct mcp_run_config cfg = {.tools = tools,
                                 .child_options = children,
                                 .audit = audit,
                                 .in_fd = STDIN_FILENO,
                                 .out_fd = STDOUT_FILENO};
    log_info(NULL, "serving MCP on standard input and output");
    if (mcp_run(&cfg, &err) != 0) {
        log_error(NULL, "%s", err.msg);
        return HEAL_EXIT_INTERNAL;
    }
    return HEAL_EXIT_OK;
}

static int serve_http(const struct mcp_tools *tools, const char *const *children,
                      struct mcp_audit *audit)
{
    struct heal_error err;
    /* --jwt-algorithms=RS256,ES256: jwt_verifier_new refuses a name it does not verify. */
    char list[256];
    const char *algorithms[ALGORITHMS_MAX + 1] = {NULL};
    if (opt.algorithms) {
        snprintf(list, sizeof list, "%s", opt.algorithms);
        size_t n = 0;
        char *save = NULL;
        for (char *a = strtok_r(list, ", ", &save); a; a = strtok_r(NULL, ", ", &save)) {
            if (n == ALGORITHMS_MAX) {
                log_error(NULL, "--jwt-algorithms: more than %d names", ALGORITHMS_MAX);
                return HEAL_EXIT_USAGE;
            }
            algorithms[n++] = a;
        }
        if (n == 0) {
            log_error(NULL, "--jwt-algorithms: no algorithm named");
            return HEAL_EXIT_USAGE;
        }
    }
    struct mcp_http_config cfg = {
        .tools = tools,
        .child_options = children,
        .audit = audit,
        .auth = {.resource = opt.resource,
                 .issuer = opt.issuer,
                 .jwks = opt.jwks,
                 .algorithms = opt.algorithms ? algorithms : NULL,
                 .leeway_s = 60,
                 .require_at_jwt = opt.require_at_jwt,
                 .tokens_file = opt.tokens},
        .listen = opt.http,
        .allow_origins = (const char *const *)opt.allow_origins,
        .allow_hosts = (const char *const *)opt.allow_hosts,
        .session_idle_ms = MCP_HTTP_DEFAULT_IDLE_MS,
        .rate = opt.rate,
        .burst = opt.burst,
        .port_file = opt.port_file,
    };
    if (opt.session_idle && duration_parse(opt.session_idle, &cfg.session_idle_ms, &err) != 0) {
        log_error(NULL, "--session-idle: %s", err.msg);
        return HEAL_EXIT_USAGE;
    }
    if (opt.rate < 0 || opt.burst < 1) {
        log_error(NULL, "--rate must be 0 or more and --burst 1 or more");
        return HEAL_EXIT_USAGE;
    }
    switch (mcp_http_run(&cfg, &err)) {
    case MCP_HTTP_DONE:
        return HEAL_EXIT_OK;
    case MCP_HTTP_REFUSED:
        log_error(NULL, "%s", err.msg);
        return HEAL_EXIT_USAGE;
    default:
        log_error(NULL, "%s", err.msg);
        return HEAL_EXIT_INTERNAL;
    }
}

/* The first option given that means something only with --http, or NULL. */
static const char *http_only_option(void)
{
    const struct {
        const void *given;
        const char *name;
    } options[] = {
        {opt.tokens, "--tokens"},
        {opt.issuer, "--issuer"},
        {opt.jwks, "--jwks"},
        {opt.algorithms, "--jwt-algorithms"},
        {opt.require_at_jwt ? "" : NULL, "--require-at-jwt"},
        {opt.resource, "--resource"},
        {opt.port_file, "--port-file"},
        {opt.allow_hosts, "--allow-host"},
        {opt.allow_origins, "--allow-origin"},
        {opt.session_idle, "--session-idle"},
    };
    for (size_t i = 0; i < sizeof options / sizeof *options; i++)
        if (options[i].given)
            return options[i].name;
    return NULL;
}

static void free_strings(char **v)
{
    for (char **s = v; s && *s; s++)
        free(*s);
    free(v);
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
        {"http", '\0', POPT_ARG_STRING, &opt.http, 0,
         "serve MCP over Streamable HTTP at http://ADDR:PORT/mcp (ADDR 127.0.0.1 by default)",
         "[ADDR:]PORT"},
        {"resource", '\0', POPT_ARG_STRING, &opt.resource, 0,
         "this server's public URL, the audience tokens must name (default http://ADDR:PORT/mcp)",
         "URL"},
        {"issuer", '\0', POPT_ARG_STRING, &opt.issuer, 0,
         "accept JWT access tokens from this OAuth/OpenID Connect issuer", "URL"},
        {"jwks", '\0', POPT_ARG_STRING, &opt.jwks, 0,
         "the issuer's keys: a JWKS file or URL (default: its jwks_uri)", "FILE|URL"},
        {"jwt-algorithms", '\0', POPT_ARG_STRING, &opt.algorithms, 0,
         "the signature algorithms a token may use (default RS256,ES256,EdDSA)", "LIST"},
        {"require-at-jwt", '\0', POPT_ARG_NONE, &opt.require_at_jwt, 0,
         "refuse a JWT whose typ is not at+jwt (RFC 9068); some providers issue JWT", NULL},
        {"tokens", '\0', POPT_ARG_STRING, &opt.tokens, 0,
         "accept the static tokens whose hashes this 0600 file lists", "FILE"},
        {"allow-origin", '\0', POPT_ARG_ARGV, &opt.allow_origins, 0,
         "also accept requests from this Origin (repeatable)", "ORIGIN"},
        {"allow-host", '\0', POPT_ARG_ARGV, &opt.allow_hosts, 0,
         "also accept requests naming this Host (repeatable)", "HOST[:PORT]"},
        {"session-idle", '\0', POPT_ARG_STRING, &opt.session_idle, 0,
         "end a session unused this long (default 30m)", "DURATION"},
        {"rate", '\0', POPT_ARG_DOUBLE, &opt.rate, 0,
         "requests a second each caller may make on average (default 20; 0: no limit)", "N"},
        {"burst", '\0', POPT_ARG_DOUBLE, &opt.burst, 0,
         "requests a caller may make at once (default 40)", "N"},
        {"port-file", '\0', POPT_ARG_STRING, &opt.port_file, 0,
         "write the port --http listens on to FILE (for port 0)", "FILE"},
        {"metrics", '\0', POPT_ARG_STRING, &opt.metrics, 0,
         "keep Prometheus metrics of the tool calls in FILE", "FILE"},
        HEAL_COMMON_OPTIONS,
        POPT_TABLEEND,
    };
    signals_install();
    log_init(PROG);
    poptContext pc = poptGetContext(PROG, argc, argv, table, 0);
    poptSetOtherOptionHelp(pc, "[OPTION...]");
    int status = HEAL_EXIT_USAGE;
    struct heal_error err;
    struct mcp_tools *tools = NULL;
    struct mcp_audit *audit = NULL;
    if (!options_parse(pc, PROG, NULL, &status))
        goto out;
    if (poptPeekArg(pc)) {
        log_error(NULL, "unexpected argument '%s' (try --help)", poptPeekArg(pc));
        goto out;
    }
    const char *http_only = http_only_option();
    if (http_only && !opt.http) {
        log_error(NULL, "%s needs --http (try --help)", http_only);
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
    audit = mcp_audit_open(state, opt.metrics, &err);
    if (!audit) {
        log_error("audit", "%s", err.msg);
        goto out;
    }
    status = opt.http ? serve_http(tools, children, audit) : serve_stdio(tools, children, audit);
out:
    mcp_audit_close(audit);
    mcp_tools_free(tools);
    free_strings(opt.allow_origins);
    free_strings(opt.allow_hosts);
    char *strings[] = {opt.http,   opt.resource,     opt.issuer,  opt.jwks,     opt.algorithms,
                       opt.tokens, opt.session_idle, opt.metrics, opt.port_file};
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
        free(strings[i]);
    poptFreeContext(pc);
    options_free();
    return status;
}
