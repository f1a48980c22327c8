/*
 * fuzz_mcp_auth.c — libFuzzer harness for heal-mcp's static-token gate:
 * the Authorization header and the tokens file.
 *
 * The input's first line is the header; the rest is the tokens file,
 * written mode 0600 to a scratch path.  A file the gate refuses must say
 * why.  Otherwise the header is judged:
 *   - let in: the header was "Bearer TOKEN", and the caller is
 *     authenticated, named, and holds only known scopes;
 *   - refused: the reason is one of four fixed phrases, never the token.
 * Every verdict's WWW-Authenticate value names the resource metadata.
 * Anything else aborts, so the fuzzer keeps the input.
 */
#include "mcp_auth.h"
#include "scratch.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const refusals[] = {"no token", "not a Bearer authorization", "malformed token",
                                       "unknown token", NULL};

static char dir[SCRATCH_DIR_SIZE], tokens[PATH_MAX];

static void remove_scratch(void)
{
    scratch_remove(dir);
}

static bool is_refusal(const char *reason)
{
    for (int i = 0; refusals[i]; i++)
        if (!strcmp(reason, refusals[i]))
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        scratch_make(dir, "fuzz-auth");
        snprintf(tokens, sizeof tokens, "%s/tokens", dir);
        atexit(remove_scratch);
    }
    const uint8_t *nl = memchr(data, '\n', size);
    size_t header_len = nl ? (size_t)(nl - data) : size;
    char *header = strndup((const char *)data, header_len); /* stops at a NUL, as HTTP would */
    if (!header)
        abort();
    int fd = open(tokens, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        abort();
    if (nl && write(fd, nl + 1, size - header_len - 1) != (ssize_t)(size - header_len - 1))
        abort();
    close(fd);

    struct mcp_auth_config cfg = {.resource = "https://heal.fuzz/mcp", .tokens_file = tokens};
    struct heal_error err = {0};
    struct mcp_auth *a = mcp_auth_new(&cfg, &err);
    if (!a) {
        if (!err.msg[0])
            abort(); /* every refusal of the file says why */
        free(header);
        return 0;
    }
    if (!mcp_auth_required(a))
        abort(); /* a usable tokens file holds a token */
    struct mcp_caller caller;
    char reason[MCP_AUTH_REASON_MAX];
    enum mcp_auth_verdict v = mcp_auth_check(a, header, "127.0.0.1:1", &caller, reason);
    switch (v) {
    case MCP_AUTH_ALLOWED:
        if (strncasecmp(header, "Bearer ", 7) || reason[0] || !caller.authenticated ||
            !caller.sub[0] || !caller.scopes || (caller.scopes & ~(MCP_SCOPE_READ | MCP_SCOPE_APPLY)))
            abort();
        break;
    case MCP_AUTH_MISSING:
    case MCP_AUTH_INVALID:
    case MCP_AUTH_MALFORMED:
        if (!is_refusal(reason) || caller.authenticated || caller.scopes)
            abort();
        break;
    default:
        abort();
    }
    char challenge[MCP_AUTH_HEADER_MAX];
    mcp_auth_challenge(a, v, MCP_SCOPE_APPLY, challenge);
    if (!memchr(challenge, '\0', sizeof challenge) ||
        !strstr(challenge, "resource_metadata=\"https://heal.fuzz/.well-known/"))
        abort();
    mcp_auth_free(a);
    free(header);
    return 0;
}
