/* mcp_auth.c — who may call heal-mcp over HTTP, and what they may do (see mcp_auth.h). */
#include "mcp_auth.h"
#include "clock.h"
#include "jwt_verify.h"
#include "log.h"
#include "secretfile.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TOKENS_FILE_MAX (256 * 1024)
#define TOKENS_MAX 1024
#define TOKEN_MAX (16 * 1024)
#define HASH_SIZE 32
#define WELL_KNOWN "/.well-known/oauth-protected-resource"

struct static_token {
    unsigned char hash[HASH_SIZE];
    char name[MCP_CALLER_FIELD_MAX];
    unsigned scopes;
};

struct mcp_auth {
    char *resource, *metadata_url, *issuer;
    struct jwt_verifier *jwt;
    struct static_token *tokens;
    size_t n_tokens;
};

static const struct {
    const char *name;
    unsigned bit;
} scope_table[] = {
    {MCP_SCOPE_READ_NAME, MCP_SCOPE_READ},
    {MCP_SCOPE_APPLY_NAME, MCP_SCOPE_APPLY},
};

static unsigned scope_bit(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof scope_table / sizeof *scope_table; i++)
        if (strlen(scope_table[i].name) == len && !memcmp(scope_table[i].name, name, len))
            return scope_table[i].bit;
    return 0;
}

void mcp_scope_names(unsigned scopes, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof scope_table / sizeof *scope_table; i++) {
        if (!(scopes & scope_table[i].bit))
            continue;
        int n = snprintf(out + used, size - used, "%s%s", used ? " " : "", scope_table[i].name);
        if (n < 0 || (size_t)n >= size - used)
            return;
        used += (size_t)n;
    }
}

/* RFC 9728 §3.1: the well-known path goes between the host and the resource's path. */
static char *metadata_url_for(const char *resource)
{
    const char *authority = strstr(resource, "://");
    authority = authority ? authority + 3 : resource;
    const char *path = strchr(authority, '/');
    if (!path)
        path = authority + strlen(authority);
    size_t head = (size_t)(path - resource);
    size_t tail = strcmp(path, "/") ? strlen(path) : 0;
    char *url = malloc(head + strlen(WELL_KNOWN) + tail + 1);
    if (url)
        sprintf(url, "%.*s%s%.*s", (int)head, resource, WELL_KNOWN, (int)tail, path);
    return url;
}

static int hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int sha256(const char *data, size_t len, unsigned char out[HASH_SIZE])
{
    unsigned int n = 0;
    return EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) == 1 && n == HASH_SIZE ? 0 : -1;
}

/* One line of the tokens file: "SHA256-HEX NAME SCOPE...". */
static int parse_token_line(char *line, struct static_token *t, struct heal_error *err)
{
    char *save = NULL, *hex = strtok_r(line, " \t", &save), *name = strtok_r(NULL, " \t", &save);
    if (!hex || strlen(hex) != 2 * HASH_SIZE)
        return heal_error_set(err, "expected the SHA-256 of a token as 64 hex digits first");
    for (int i = 0; i < HASH_SIZE; i++) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return heal_error_set(err, "'%.64s' is not hexadecimal", hex);
        t->hash[i] = (unsigned char)(hi << 4 | lo);
    }
    if (!name || strlen(name) >= sizeof t->name)
        return heal_error_set(err, "expected a caller name after the hash");
    snprintf(t->name, sizeof t->name, "%s", name);
    t->scopes = 0;
    for (char *s; (s = strtok_r(NULL, " \t", &save));) {
        unsigned bit = scope_bit(s, strlen(s));
        if (!bit)
            return heal_error_set(err, "unknown scope '%.60s' (heal:read or heal:apply)", s);
        t->scopes |= bit;
    }
    if (!t->scopes)
        return heal_error_set(err, "no scope for %s (heal:read, heal:apply)", t->name);
    return 0;
}

static int load_tokens(struct mcp_auth *a, const char *path, struct heal_error *err)
{
    char *text = malloc(TOKENS_FILE_MAX + 1);
    size_t len;
    if (!text)
        return heal_error_set(err, "out of memory");
    int rc = secretfile_read(path, "tokens file", text, TOKENS_FILE_MAX + 1, &len, err);
    long line_no = 0;
    for (char *line = text, *next; rc == 0 && line < text + len; line = next) {
        char *nl = memchr(line, '\n', (size_t)(text + len - line));
        next = nl ? nl + 1 : text + len;
        if (nl)
            *nl = '\0';
        line_no++;
        line += strspn(line, " \t");
        if (*line == '\0' || *line == '#' || *line == '\r')
            continue;
        line[strcspn(line, "\r")] = '\0';
        if (a->n_tokens == TOKENS_MAX) {
            rc = heal_error_set(err, "tokens file %s: more than %d tokens", path, TOKENS_MAX);
            break;
        }
        struct heal_error why;
        if (parse_token_line(line, &a->tokens[a->n_tokens], &why) != 0)
            rc = heal_error_set(err, "tokens file %s:%ld: %s", path, line_no, why.msg);
        else
            a->n_tokens++;
    }
    explicit_bzero(text, TOKENS_FILE_MAX + 1);
    free(text);
    if (rc == 0 && a->n_tokens == 0)
        rc = heal_error_set(err, "tokens file %s: holds no token", path);
    return rc;
}

struct mcp_auth *mcp_auth_new(const struct mcp_auth_config *cfg, struct heal_error *err)
{
    if (!cfg->resource ||
        (strncmp(cfg->resource, "http://", 7) && strncmp(cfg->resource, "https://", 8))) {
        heal_error_set(err, "the resource URL must start with http:// or https://");
        return NULL;
    }
    struct mcp_auth *a = calloc(1, sizeof *a);
    if (!a || !(a->resource = strdup(cfg->resource)) ||
        !(a->metadata_url = metadata_url_for(cfg->resource)) ||
        (cfg->tokens_file && !(a->tokens = calloc(TOKENS_MAX, sizeof *a->tokens)))) {
        mcp_auth_free(a);
        heal_error_set(err, "out of memory");
        return NULL;
    }
    if (cfg->tokens_file && load_tokens(a, cfg->tokens_file, err) != 0) {
        mcp_auth_free(a);
        return NULL;
    }
    if (cfg->issuer) {
        /* The audience is this server: a token issued for another resource is refused. */
        struct jwt_verifier_config jc = {.issuer = cfg->issuer,
                                         .audience = cfg->resource,
                                         .jwks = cfg->jwks,
                                         .algorithms = cfg->algorithms,
                                         .leeway_s = cfg->leeway_s > 0 ? cfg->leeway_s : 60,
                                         .require_at_jwt = cfg->require_at_jwt};
        if (!(a->issuer = strdup(cfg->issuer)) || !(a->jwt = jwt_verifier_new(&jc, err))) {
            if (!a->issuer)
                heal_error_set(err, "out of memory");
            mcp_auth_free(a);
            return NULL;
        }
    }
    return a;
}

void mcp_auth_free(struct mcp_auth *a)
{
    if (!a)
        return;
    if (a->tokens)
        explicit_bzero(a->tokens, TOKENS_MAX * sizeof *a->tokens);
    free(a->tokens);
    free(a->resource);
    free(a->metadata_url);
    free(a->issuer);
    jwt_verifier_free(a->jwt);
    free(a);
}

bool mcp_auth_required(const struct mcp_auth *a)
{
    return a->n_tokens > 0 || a->issuer;
}

static void caller_set(struct mcp_caller *c, const char *sub, const char *client_id,
                       const char *remote, unsigned scopes, bool authenticated)
{
    snprintf(c->sub, sizeof c->sub, "%s", sub);
    snprintf(c->client_id, sizeof c->client_id, "%s", client_id);
    snprintf(c->remote, sizeof c->remote, "%s", remote ? remote : "");
    c->scopes = scopes;
    c->authenticated = authenticated;
}

/* RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
static bool b64token(const char *t, size_t len)
{
    size_t i = 0;
    while (i < len && (isalnum((unsigned char)t[i]) || strchr("-._~+/", t[i])))
        i++;
    if (i == 0)
        return false;
    while (i < len && t[i] == '=')
        i++;
    return i == len;
}

/* Compares against every token, match or not, so the time says nothing of which. */
static const struct static_token *static_token_find(const struct mcp_auth *a, const char *token,
                                                    size_t len)
{
    unsigned char hash[HASH_SIZE];
    if (sha256(token, len, hash) != 0)
        return NULL;
    const struct static_token *found = NULL;
    for (size_t i = 0; i < a->n_tokens; i++)
        if (CRYPTO_memcmp(hash, a->tokens[i].hash, HASH_SIZE) == 0)
            found = &a->tokens[i];
    return found;
}

/* Three base64url parts: header.payload.signature (the signature may be empty). */
static bool looks_like_jwt(const char *token)
{
    const char *dot = strchr(token, '.');
    return dot && strchr(dot + 1, '.') && !strchr(strchr(dot + 1, '.') + 1, '.');
}

/* A claim's string value copied into out, or "" when absent or not a string. */
static void claim(const jv *claims, const char *key, char *out, size_t size)
{
    jv v = jv_object_get(jv_copy(*claims), jv_string(key));
    snprintf(out, size, "%s", jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : "");
    jv_free(v);
}

/* RFC 9068 §2.2.3: scopes are the space-separated `scope` claim; unknown ones are ignored. */
static unsigned claimed_scopes(const jv *claims)
{
    jv v = jv_object_get(jv_copy(*claims), jv_string("scope"));
    unsigned bits = 0;
    if (jv_get_kind(v) == JV_KIND_STRING) {
        const char *s = jv_string_value(v);
        while (*s) {
            size_t n = strcspn(s, " ");
            bits |= scope_bit(s, n);
            s += n + strspn(s + n, " ");
        }
    }
    jv_free(v);
    return bits;
}

/*
 * The refusal as one of a few fixed words: it becomes an audit field and a metrics label,
 * and two of jwt_verify's reasons carry what the caller or the network chose (the alg
 * name, a fetch error); those details go to the log instead.
 */
static const char *jwt_reason_word(const char *why)
{
    static const char *const fixed[] = {"malformed",
                                        "algorithm none refused",
                                        "crit header refused",
                                        "wrong type",
                                        "unknown kid",
                                        "unusable key",
                                        "bad signature",
                                        "wrong issuer",
                                        "wrong audience",
                                        "expired",
                                        "not yet valid",
                                        "issued in the future",
                                        "no expiry"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        if (!strcmp(why, fixed[i]))
            return fixed[i];
    if (!strncmp(why, "algorithm ", 10))
        return "algorithm not allowed";
    if (!strncmp(why, "keys unavailable", 16))
        return "keys unavailable";
    return "invalid token";
}

static enum mcp_auth_verdict check_jwt(struct mcp_auth *a, const char *token, const char *remote,
                                       struct mcp_caller *caller, char reason[MCP_AUTH_REASON_MAX])
{
    jv claims;
    struct heal_error why;
    if (jwt_verify(a->jwt, token, clock_now_ms() / 1000, &claims, &why) != 0) {
        jv_free(claims);
        snprintf(reason, MCP_AUTH_REASON_MAX, "%s", jwt_reason_word(why.msg));
        if (strcmp(reason, why.msg))
            log_info("auth", "token from %s refused: %s", remote ? remote : "?", why.msg);
        return MCP_AUTH_INVALID;
    }
    char sub[MCP_CALLER_FIELD_MAX], client[MCP_CALLER_FIELD_MAX];
    claim(&claims, "sub", sub, sizeof sub);
    claim(&claims, "client_id", client, sizeof client);
    if (!client[0]) /* OpenID Connect's authorised party, where client_id is not issued */
        claim(&claims, "azp", client, sizeof client);
    caller_set(caller, sub, client, remote, claimed_scopes(&claims), true);
    jv_free(claims);
    return MCP_AUTH_ALLOWED;
}

enum mcp_auth_verdict mcp_auth_check(struct mcp_auth *a, const char *authorization,
                                     const char *remote, struct mcp_caller *caller,
                                     char reason[MCP_AUTH_REASON_MAX])
{
    reason[0] = '\0';
    memset(caller, 0, sizeof *caller);
    caller_set(caller, "", "", remote, 0, false);
    if (!mcp_auth_required(a)) {
        caller_set(caller, "anonymous", "", remote, MCP_SCOPE_READ | MCP_SCOPE_APPLY, false);
        return MCP_AUTH_ALLOWED;
    }
    if (!authorization || !*authorization) {
        snprintf(reason, MCP_AUTH_REASON_MAX, "no token");
        return MCP_AUTH_MISSING;
    }
    if (strncasecmp(authorization, "Bearer ", 7) != 0) {
        snprintf(reason, MCP_AUTH_REASON_MAX, "not a Bearer authorization");
        return MCP_AUTH_MALFORMED;
    }
    const char *token = authorization + 7;
    token += strspn(token, " ");
    size_t len = strlen(token);
    if (len > TOKEN_MAX || !b64token(token, len)) {
        snprintf(reason, MCP_AUTH_REASON_MAX, "malformed token");
        return MCP_AUTH_MALFORMED;
    }
    if (a->jwt && looks_like_jwt(token))
        return check_jwt(a, token, remote, caller, reason);
    const struct static_token *t = a->n_tokens ? static_token_find(a, token, len) : NULL;
    if (t) {
        caller_set(caller, t->name, "", remote, t->scopes, true);
        return MCP_AUTH_ALLOWED;
    }
    snprintf(reason, MCP_AUTH_REASON_MAX, "unknown token");
    return MCP_AUTH_INVALID;
}

bool mcp_auth_allows(const struct mcp_caller *caller, unsigned needed)
{
    return (caller->scopes & needed) == needed;
}

void mcp_auth_challenge(const struct mcp_auth *a, enum mcp_auth_verdict verdict, unsigned needed,
                        char out[MCP_AUTH_HEADER_MAX])
{
    const char *error = verdict == MCP_AUTH_INVALID     ? "invalid_token"
                        : verdict == MCP_AUTH_MALFORMED ? "invalid_request"
                        : verdict == MCP_AUTH_ALLOWED   ? "insufficient_scope"
                                                        : NULL;
    /* Reading comes with any use of heal-mcp: ask for it along with what is missing. */
    char scope[64];
    mcp_scope_names(MCP_SCOPE_READ | (verdict == MCP_AUTH_ALLOWED ? needed : 0), scope,
                    sizeof scope);
    if (error)
        snprintf(out, MCP_AUTH_HEADER_MAX,
                 "Bearer error=\"%s\", scope=\"%s\", resource_metadata=\"%s\"", error, scope,
                 a->metadata_url);
    else
        snprintf(out, MCP_AUTH_HEADER_MAX, "Bearer scope=\"%s\", resource_metadata=\"%s\"", scope,
                 a->metadata_url);
}

jv mcp_auth_metadata(const struct mcp_auth *a)
{
    jv doc = jv_object_set(jv_object(), jv_string("resource"), jv_string(a->resource));
    if (a->issuer)
        doc = jv_object_set(doc, jv_string("authorization_servers"),
                            jv_array_append(jv_array(), jv_string(a->issuer)));
    jv scopes = jv_array();
    for (size_t i = 0; i < sizeof scope_table / sizeof *scope_table; i++)
        scopes = jv_array_append(scopes, jv_string(scope_table[i].name));
    doc = jv_object_set(doc, jv_string("scopes_supported"), scopes);
    doc = jv_object_set(doc, jv_string("bearer_methods_supported"),
                        jv_array_append(jv_array(), jv_string("header")));
    return jv_object_set(doc, jv_string("resource_name"), jv_string("heal-mcp"));
}
