/*
 * test_mcp_auth.c — mcp_auth.c: the static-token file, the open mode,
 * scopes, and what a refusal says (WWW-Authenticate, RFC 9728 metadata).
 */
#include "mcp_auth.h"
#include "scratch.h"
#include "unit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static void write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || close(fd) != 0) {
        perror(path);
        exit(1);
    }
    chmod(path, mode);
}

static struct mcp_auth *with_tokens(const char *path, const char *text, mode_t mode,
                                    struct heal_error *err)
{
    write_file(path, text, mode);
    struct mcp_auth_config cfg = {.resource = "http://127.0.0.1:8080/mcp", .tokens_file = path};
    return mcp_auth_new(&cfg, err);
}

/* The hex SHA-256 of s, through sha256sum: the way the manual tells operators to make one. */
static void sha256_hex(const char *s, char out[65])
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "printf %%s '%s' | sha256sum", s);
    FILE *p = popen(cmd, "r");
    if (!p || fscanf(p, "%64s", out) != 1) {
        perror("sha256sum");
        exit(1);
    }
    pclose(p);
}

static void test_open_mode(void)
{
    struct heal_error err;
    struct mcp_auth_config cfg = {.resource = "http://127.0.0.1:8080/mcp"};
    struct mcp_auth *a = mcp_auth_new(&cfg, &err);
    CHECK(a && !mcp_auth_required(a), "no issuer and no tokens: open");
    struct mcp_caller c;
    char reason[MCP_AUTH_REASON_MAX];
    CHECK(mcp_auth_check(a, NULL, "127.0.0.1:5", &c, reason) == MCP_AUTH_ALLOWED &&
              mcp_auth_allows(&c, MCP_SCOPE_READ | MCP_SCOPE_APPLY) && !c.authenticated,
          "open: anyone, every scope, not authenticated");
    CHECK_STR(c.remote, "127.0.0.1:5", "the peer is recorded");
    mcp_auth_free(a);
    cfg.resource = "ftp://x/mcp";
    CHECK(!mcp_auth_new(&cfg, &err) && strstr(err.msg, "http"), "a resource must be an http URL");
}

static void test_tokens(const char *dir)
{
    char path[PATH_MAX], read_hex[65], apply_hex[65], text[512];
    snprintf(path, sizeof path, "%s/tokens", dir);
    sha256_hex("read-token-1", read_hex);
    sha256_hex("apply-token-2", apply_hex);
    snprintf(text, sizeof text,
             "# name scopes\n%s reader heal:read\n\n  %s ops heal:read heal:apply\r\n", read_hex,
             apply_hex);
    struct heal_error err;
    struct mcp_auth *a = with_tokens(path, text, 0600, &err);
    CHECK(a && mcp_auth_required(a), "a tokens file: authentication required (%s)",
          a ? "" : err.msg);
    if (!a)
        return;
    struct mcp_caller c;
    char reason[MCP_AUTH_REASON_MAX];
    CHECK(mcp_auth_check(a, NULL, "r", &c, reason) == MCP_AUTH_MISSING, "no header: missing");
    CHECK(mcp_auth_check(a, "Basic dXNlcjpwYXNz", "r", &c, reason) == MCP_AUTH_MALFORMED,
          "another scheme: malformed");
    CHECK(mcp_auth_check(a, "Bearer bad token", "r", &c, reason) == MCP_AUTH_MALFORMED,
          "a space in the token: malformed");
    CHECK(mcp_auth_check(a, "Bearer read-token-X", "r", &c, reason) == MCP_AUTH_INVALID &&
              !strcmp(reason, "unknown token") && !c.scopes,
          "an unknown token: invalid, no scope");
    CHECK(mcp_auth_check(a, "bearer read-token-1", "r", &c, reason) == MCP_AUTH_ALLOWED &&
              !strcmp(c.sub, "reader") && mcp_auth_allows(&c, MCP_SCOPE_READ) &&
              !mcp_auth_allows(&c, MCP_SCOPE_APPLY) && c.authenticated,
          "the read token: reader, heal:read only (scheme case-insensitive)");
    CHECK(mcp_auth_check(a, "Bearer apply-token-2", "r", &c, reason) == MCP_AUTH_ALLOWED &&
              !strcmp(c.sub, "ops") && mcp_auth_allows(&c, MCP_SCOPE_READ | MCP_SCOPE_APPLY),
          "the apply token: ops, both scopes");
    char h[MCP_AUTH_HEADER_MAX];
    mcp_auth_challenge(a, MCP_AUTH_MISSING, 0, h);
    CHECK_STR(h,
              "Bearer scope=\"heal:read\", resource_metadata=\"http://127.0.0.1:8080/"
              ".well-known/oauth-protected-resource/mcp\"",
              "401 without a token: scope and resource_metadata, no error");
    mcp_auth_challenge(a, MCP_AUTH_INVALID, 0, h);
    CHECK(strstr(h, "error=\"invalid_token\"") && strstr(h, "resource_metadata="),
          "401 with a bad token: invalid_token");
    mcp_auth_challenge(a, MCP_AUTH_ALLOWED, MCP_SCOPE_APPLY, h);
    CHECK(strstr(h, "error=\"insufficient_scope\"") && strstr(h, "scope=\"heal:read heal:apply\""),
          "403: insufficient_scope naming heal:apply");
    jv doc = mcp_auth_metadata(a);
    jv s = jv_dump_string(doc, JV_PRINT_SORTED);
    CHECK_STR(jv_string_value(s),
              "{\"bearer_methods_supported\":[\"header\"],\"resource\":\"http://127.0.0.1:8080/"
              "mcp\",\"resource_name\":\"heal-mcp\",\"scopes_supported\":[\"heal:read\",\"heal:"
              "apply\"]}",
              "the metadata document");
    jv_free(s);
    mcp_auth_free(a);

    CHECK(!with_tokens(path, text, 0640, &err) && strstr(err.msg, "mode 640"),
          "a tokens file others may read is refused: %s", err.msg);
    CHECK(!with_tokens(path, "abc reader heal:read\n", 0600, &err) && strstr(err.msg, ":1:"),
          "a short hash is refused with its line: %s", err.msg);
    snprintf(text, sizeof text, "# one\n%s reader heal:write\n", read_hex);
    CHECK(!with_tokens(path, text, 0600, &err) && strstr(err.msg, ":2: unknown scope"),
          "an unknown scope is refused with its line: %s", err.msg);
    snprintf(text, sizeof text, "%s reader\n", read_hex);
    CHECK(!with_tokens(path, text, 0600, &err) && strstr(err.msg, "no scope"),
          "a token without scope is refused: %s", err.msg);
    CHECK(!with_tokens(path, "# nothing\n", 0600, &err) && strstr(err.msg, "no token"),
          "an empty tokens file is refused: %s", err.msg);
}

static void test_scope_names(void)
{
    char s[64];
    mcp_scope_names(MCP_SCOPE_APPLY, s, sizeof s);
    CHECK_STR(s, "heal:apply", "one scope");
    mcp_scope_names(0, s, sizeof s);
    CHECK_STR(s, "", "no scope");
}

int main(void)
{
    char dir[SCRATCH_DIR_SIZE];
    scratch_make(dir, "mcp-auth");
    test_open_mode();
    test_tokens(dir);
    test_scope_names();
    scratch_remove(dir);
    return unit_done();
}
