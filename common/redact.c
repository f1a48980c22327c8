/* redact.c — secrets out of text (see redact.h for what is found and how it is replaced). */
#include "redact.h"
#include "record.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REDACT_PASSES_MAX 8 /* passes until a fixed point; real text needs one or two */
#define KEY_MAX 64            /* bytes of a key name judged; longer keys are not secrets */
#define BEARER_TOKEN_MIN 8    /* "Bearer " needs this much token after it */
#define COLON_VALUE_PLAIN 20  /* after ": " a letters-only value this long is still a secret */
#define AWS_SECRET_LEN 40
#define JWT_HEADER_MIN 10
#define JWT_PAYLOAD_MIN 4
#define EMAIL_LOCAL_MAX 64 /* RFC 5321 */
#define LABEL_MAX 63       /* RFC 1035: a label, and a whole name */
#define NAME_MAX_LEN 253
#define IPV6_TEXT_MAX 39   /* eight groups of four and seven colons */

static const char MARK_VALUE[] = "[REDACTED]";

struct out {
    char *p;
    size_t n, cap;
    bool oom;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->oom)
        return;
    if (o->n + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 64;
        while (o->n + n + 1 > cap)
            cap *= 2;
        char *p = realloc(o->p, cap);
        if (!p) {
            o->oom = true;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->n, s, n);
    o->n += n;
    o->p[o->n] = '\0';
}

/* What a detector found at position i: keep `keep` bytes, then the mark replaces up to i+len. */
struct hit {
    size_t keep, len;
    const char *mark;
};

struct text {
    const char *s;
    size_t n;
    enum redact_level level;
    size_t hit_end; /* where the last replacement ended (0: none yet) */
};

/*
 * The byte before position i as the output will have it: right after a
 * replacement that is the mark's closing ']', so one pass sees what a
 * second pass over its output would (redacting twice is redacting once).
 * 0 at the start.
 */
static unsigned char before(const struct text *t, size_t i)
{
    if (i == 0)
        return 0;
    return t->hit_end == i ? ']' : (unsigned char)t->s[i - 1];
}

static bool is_word(unsigned char c)
{
    return isalnum(c) || c == '_';
}

static bool in_set(unsigned char c, const char *set)
{
    return c && strchr(set, c);
}

static const char ALNUM[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
static const char B64STD[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+";
static const char LABEL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-";
static const char TOKEN68[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~+/=-";

/* How many bytes from i are in set, counting no further than max. */
static size_t span_max(const struct text *t, size_t i, const char *set, size_t max)
{
    size_t j = i;
    while (j < t->n && j - i < max && in_set((unsigned char)t->s[j], set))
        j++;
    return j - i;
}

/* The same without a limit: for tokens that start with a rare prefix. */
static size_t span(const struct text *t, size_t i, const char *set)
{
    return span_max(t, i, set, SIZE_MAX);
}

static bool starts(const struct text *t, size_t i, const char *prefix)
{
    size_t k = strlen(prefix);
    return i <= t->n && t->n - i >= k && memcmp(t->s + i, prefix, k) == 0;
}

static bool starts_ci(const struct text *t, size_t i, const char *prefix)
{
    size_t k = strlen(prefix);
    return i <= t->n && t->n - i >= k && strncasecmp(t->s + i, prefix, k) == 0 && !memchr(t->s + i, 0, k);
}

static bool already_redacted(const struct text *t, size_t i)
{
    return starts(t, i, REDACT_MARK);
}

static size_t line_end(const struct text *t, size_t i)
{
    while (i < t->n && t->s[i] != '\n' && t->s[i] != '\r')
        i++;
    return i;
}

static bool mem_has(const char *s, size_t n, const char *needle)
{
    return memmem(s, n, needle, strlen(needle)) != NULL;
}

/* -----BEGIN RSA PRIVATE KEY----- ... -----END RSA PRIVATE KEY----- */
static bool private_key(const struct text *t, size_t i, struct hit *h)
{
    if (!starts(t, i, "-----BEGIN "))
        return false;
    size_t eol = line_end(t, i);
    if (!mem_has(t->s + i, eol - i, "PRIVATE KEY-----"))
        return false;
    size_t stop = t->n;
    const char *end = memmem(t->s + eol, t->n - eol, "-----END ", 9);
    if (end) {
        size_t at = (size_t)(end - t->s) + 9;
        const char *close = memmem(t->s + at, line_end(t, at) - at, "-----", 5);
        stop = close ? (size_t)(close - t->s) + 5 : line_end(t, at);
    }
    *h = (struct hit){0, stop - i, "[REDACTED:private-key]"};
    return true;
}

/* scheme://user:PASSWORD@host: the password only. */
static bool url_password(const struct text *t, size_t i, struct hit *h)
{
    if (!starts(t, i, "://") || !isalpha(before(t, i)))
        return false;
    size_t j = i + 3, colon = 0;
    for (; j < t->n; j++) {
        unsigned char c = (unsigned char)t->s[j];
        if (c == '@')
            break;
        if (c <= ' ' || c == '/' || c == '?' || c == '#' || c == '"' || c == '\'' || c == '<' ||
            c == '>')
            return false;
        if (c == ':' && !colon)
            colon = j;
    }
    if (j >= t->n || !colon || colon + 1 == j || mem_has(t->s + i, j - i, REDACT_MARK))
        return false;
    *h = (struct hit){colon + 1 - i, j - i, MARK_VALUE};
    return true;
}

/* The value after a separator: quoted (to its quote) or bare (to a delimiter). */
static size_t value_end(const struct text *t, size_t v, bool *quoted)
{
    *quoted = v < t->n && (t->s[v] == '"' || t->s[v] == '\'');
    if (*quoted) {
        char q = t->s[v];
        size_t j = v + 1;
        while (j < t->n && t->s[j] != q && t->s[j] != '\n' && t->s[j] != '\r')
            j += t->s[j] == '\\' && j + 1 < t->n ? 2 : 1;
        return j > t->n ? t->n : j;
    }
    size_t j = v;
    while (j < t->n && !isspace((unsigned char)t->s[j]) && !in_set((unsigned char)t->s[j], "&,;\"'<>)]}") &&
           t->s[j] != '\0')
        j++;
    return j;
}

/* Authorization / Cookie headers: everything after the colon, to the end of the line. */
static bool header(const struct text *t, size_t i, struct hit *h)
{
    static const char *const names[] = {"proxy-authorization", "authorization", "set-cookie",
                                        "cookie", NULL};
    for (int k = 0; names[k]; k++) {
        size_t len = strlen(names[k]);
        if (!starts_ci(t, i, names[k]))
            continue;
        size_t j = i + len;
        if (j < t->n && (t->s[j] == '"' || t->s[j] == '\''))
            j++;
        if (j >= t->n || t->s[j] != ':')
            return false;
        j++;
        while (j < t->n && (t->s[j] == ' ' || t->s[j] == '\t'))
            j++;
        if (j >= t->n || already_redacted(t, j))
            return false;
        size_t end;
        char open = (char)before(t, i);
        if (t->s[j] == '"' || t->s[j] == '\'') {
            bool quoted;
            end = value_end(t, j, &quoted);
            j++;
        } else if (open == '"' || open == '\'') {
            /* 'Authorization: Bearer x' inside quotes ends at the quote. */
            end = j;
            while (end < t->n && t->s[end] != open && t->s[end] != '\n' && t->s[end] != '\r')
                end++;
        } else {
            end = line_end(t, j);
        }
        while (end > j && (t->s[end - 1] == ' ' || t->s[end - 1] == '\t'))
            end--;
        if (end == j)
            return false;
        *h = (struct hit){j - i, end - i, MARK_VALUE};
        return true;
    }
    return false;
}

static bool bearer(const struct text *t, size_t i, struct hit *h)
{
    if (!starts_ci(t, i, "bearer"))
        return false;
    size_t j = i + 6, sp = j;
    while (j < t->n && (t->s[j] == ' ' || t->s[j] == '\t'))
        j++;
    if (j == sp || already_redacted(t, j))
        return false;
    size_t n = span(t, j, TOKEN68);
    if (n < BEARER_TOKEN_MIN)
        return false;
    *h = (struct hit){j - i, j + n - i, MARK_VALUE};
    return true;
}

static bool word_in(const char *w, size_t n, const char *const *list)
{
    for (int k = 0; list[k]; k++)
        if (strlen(list[k]) == n && !memcmp(list[k], w, n))
            return true;
    return false;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && !memcmp(s + n - k, suffix, k);
}

/*
 * Whether a key (any case, words joined by '_', '-' or '.', or camelCase)
 * names a secret: by its last word, by "<kind> key", or by its ending.
 */
static bool secret_key(const char *key, size_t n)
{
    static const char *const last_words[] = {
        "password", "passwd", "pwd", "pass", "passphrase", "secret", "token", "apikey",
        "credential", "credentials", "auth", "sessionid", "session", "sid", "jwt", "cookie",
        "privatekey", "accesskey", "secretkey", "authorization", NULL};
    static const char *const key_kinds[] = {
        "api", "access", "secret", "private", "auth", "encryption", "signing", "master",
        "client", "license", "account", "storage", "subscription", "x-api", NULL};
    if (n == 0 || n > KEY_MAX)
        return false;
    char k[KEY_MAX + 1];
    for (size_t i = 0; i < n; i++)
        k[i] = (char)tolower((unsigned char)key[i]);
    k[n] = '\0';
    /* Last word and the one before it. */
    size_t end = n, start = n;
    while (start > 0 && !in_set((unsigned char)k[start - 1], "_-."))
        start--;
    const char *last = k + start;
    size_t last_n = end - start;
    if (word_in(last, last_n, last_words))
        return true;
    if (last_n == 3 && !memcmp(last, "key", 3) && start > 0) {
        size_t pend = start - 1, pstart = pend;
        while (pstart > 0 && !in_set((unsigned char)k[pstart - 1], "_-."))
            pstart--;
        if (word_in(k + pstart, pend - pstart, key_kinds))
            return true;
    }
    return ends_with(k, n, "password") || ends_with(k, n, "passwd") ||
           ends_with(k, n, "secret") || ends_with(k, n, "token") || ends_with(k, n, "apikey");
}

/* key=value, key: value, "key": "value" where the key names a secret. */
static bool key_value(const struct text *t, size_t i, struct hit *h)
{
    if (!isalpha((unsigned char)t->s[i]) && t->s[i] != '_')
        return false;
    /* Bounded: at every '.' or '-' of a long dotted word this runs again. */
    size_t k = span_max(t, i, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-",
                        KEY_MAX + 1);
    if (!secret_key(t->s + i, k))
        return false;
    size_t j = i + k;
    char open = (char)before(t, i);
    if ((open == '"' || open == '\'') && j < t->n && t->s[j] == open)
        j++;
    while (j < t->n && (t->s[j] == ' ' || t->s[j] == '\t'))
        j++;
    if (j >= t->n || (t->s[j] != '=' && t->s[j] != ':'))
        return false;
    char sep = t->s[j++];
    if (sep == ':' && j < t->n && t->s[j] == '=')
        j++; /* := */
    else if (j < t->n && (t->s[j] == '=' || (sep == ':' && t->s[j] == ':')))
        return false; /* a comparison (==) or a C++ scope (::), not an assignment */
    size_t sp = j;
    while (j < t->n && (t->s[j] == ' ' || t->s[j] == '\t'))
        j++;
    if (j >= t->n || already_redacted(t, j) || already_redacted(t, j + 1))
        return false;
    bool quoted;
    size_t end = value_end(t, j, &quoted);
    size_t v = j + quoted;
    if (end <= v)
        return false;
    if (sep == ':' && j > sp && !quoted) {
        /* Prose reads "invalid token: expired"; a secret has a non-letter or length. */
        bool plain = true;
        for (size_t c = v; c < end && plain; c++)
            plain = isalpha((unsigned char)t->s[c]);
        if (plain && end - v < COLON_VALUE_PLAIN)
            return false;
    }
    *h = (struct hit){v - i, end - i, MARK_VALUE};
    return true;
}

/* A token of `set` that ends at a boundary: the next byte is not in `set`. */
static bool token_ends(const struct text *t, size_t end, const char *set)
{
    return end >= t->n || !in_set((unsigned char)t->s[end], set);
}

static bool jwt(const struct text *t, size_t i, struct hit *h)
{
    if (!starts(t, i, "eyJ"))
        return false;
    size_t a = span(t, i, B64URL);
    if (a < JWT_HEADER_MIN || i + a >= t->n || t->s[i + a] != '.')
        return false;
    size_t b = span(t, i + a + 1, B64URL);
    if (b < JWT_PAYLOAD_MIN || i + a + 1 + b >= t->n || t->s[i + a + 1 + b] != '.')
        return false;
    size_t c = span(t, i + a + 2 + b, B64URL);
    *h = (struct hit){0, a + b + c + 2, "[REDACTED:jwt]"};
    return true;
}

static bool aws_key_id(const struct text *t, size_t i, struct hit *h)
{
    static const char *const prefixes[] = {"AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AIPA",
                                           "ANPA", "ANVA", "AROA", "APKA", "ASCA", NULL};
    if (t->s[i] != 'A' || t->n - i < 20)
        return false;
    for (int k = 0; prefixes[k]; k++) {
        if (memcmp(t->s + i, prefixes[k], 4) != 0)
            continue;
        if (span(t, i + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != 16 ||
            !token_ends(t, i + 20, ALNUM))
            return false;
        *h = (struct hit){0, 20, "[REDACTED:aws-key]"};
        return true;
    }
    return false;
}

/* Exactly 40 base64 characters with upper, lower and digit: git hashes (hex) never qualify. */
static bool aws_secret(const struct text *t, size_t i, struct hit *h)
{
    if (in_set(before(t, i), B64STD))
        return false;
    size_t n = span_max(t, i, B64STD, AWS_SECRET_LEN + 1);
    if (n != AWS_SECRET_LEN)
        return false;
    bool upper = false, lower = false, digit = false;
    for (size_t k = i; k < i + n; k++) {
        unsigned char c = (unsigned char)t->s[k];
        upper |= isupper(c) != 0, lower |= islower(c) != 0, digit |= isdigit(c) != 0;
    }
    if (!(upper && lower && digit) || (i + n < t->n && t->s[i + n] == '_'))
        return false;
    *h = (struct hit){0, n, "[REDACTED:aws-secret]"};
    return true;
}

static bool github_token(const struct text *t, size_t i, struct hit *h)
{
    static const char *const prefixes[] = {"ghp_", "gho_", "ghu_", "ghs_", "ghr_", NULL};
    if (starts(t, i, "github_pat_")) {
        size_t n = span(t, i + 11, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
        if (n >= 22) {
            *h = (struct hit){0, 11 + n, "[REDACTED:github-token]"};
            return true;
        }
        return false;
    }
    for (int k = 0; prefixes[k]; k++) {
        if (!starts(t, i, prefixes[k]))
            continue;
        size_t n = span(t, i + 4, ALNUM);
        if (n < 36 || !token_ends(t, i + 4 + n, "_"))
            return false;
        *h = (struct hit){0, 4 + n, "[REDACTED:github-token]"};
        return true;
    }
    return false;
}

/* OpenAI/Anthropic-style "sk-..." keys and Slack's "xoxb-..." tokens. */
static bool api_key(const struct text *t, size_t i, struct hit *h)
{
    size_t p = 0;
    if (starts(t, i, "sk-"))
        p = 3;
    else if (starts(t, i, "xox") && t->n - i > 4 && in_set((unsigned char)t->s[i + 3], "abposr") &&
             t->s[i + 4] == '-')
        p = 5;
    if (!p)
        return false;
    size_t n = span(t, i + p, B64URL);
    if (n < 20)
        return false;
    *h = (struct hit){0, p + n, "[REDACTED:api-key]"};
    return true;
}

/* Dotted labels from i; returns the length and where the last label starts. */
static size_t dotted_name(const struct text *t, size_t i, size_t *last, int *labels)
{
    size_t j = i;
    *labels = 0;
    for (;;) {
        size_t n = span_max(t, j, LABEL, LABEL_MAX + 1);
        if (n > LABEL_MAX || j + n - i > NAME_MAX_LEN)
            break;
        if (n == 0 || t->s[j] == '-' || t->s[j + n - 1] == '-')
            break;
        *last = j;
        j += n;
        (*labels)++;
        if (j + 1 < t->n && t->s[j] == '.' && isalnum((unsigned char)t->s[j + 1]))
            j++;
        else
            break;
    }
    return *labels ? *last + span(t, *last, LABEL) - i : 0;
}

static bool all_alpha(const char *s, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (!isalpha((unsigned char)s[k]))
            return false;
    return n > 0;
}

static bool email(const struct text *t, size_t i, struct hit *h)
{
    if (!isalnum((unsigned char)t->s[i]))
        return false;
    size_t local = span_max(t, i, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-",
                            EMAIL_LOCAL_MAX + 1);
    size_t at = i + local;
    if (local > EMAIL_LOCAL_MAX)
        return false;
    if (at + 1 >= t->n || t->s[at] != '@')
        return false;
    size_t last;
    int labels;
    size_t dn = dotted_name(t, at + 1, &last, &labels);
    size_t end = at + 1 + dn;
    if (labels < 2 || end - last < 2 || !all_alpha(t->s + last, end - last))
        return false;
    *h = (struct hit){0, end - i, "[REDACTED:email]"};
    return true;
}

static bool ipv4_at(const struct text *t, size_t i, size_t *len)
{
    size_t j = i;
    for (int part = 0; part < 4; part++) {
        size_t d = span(t, j, "0123456789");
        if (d == 0 || d > 3)
            return false;
        int v = 0; /* the text is not NUL-terminated: no atoi */
        for (size_t k = j; k < j + d; k++)
            v = v * 10 + (t->s[k] - '0');
        if (v > 255)
            return false;
        j += d;
        if (part < 3) {
            if (j >= t->n || t->s[j] != '.')
                return false;
            j++;
        }
    }
    if (j < t->n && (isalnum((unsigned char)t->s[j]) ||
                     (t->s[j] == '.' && j + 1 < t->n && isdigit((unsigned char)t->s[j + 1]))))
        return false;
    *len = j - i;
    return true;
}

static bool ipv4(const struct text *t, size_t i, struct hit *h)
{
    size_t len;
    if (!isdigit((unsigned char)t->s[i]) || before(t, i) == '.' || !ipv4_at(t, i, &len))
        return false;
    *h = (struct hit){0, len, "[REDACTED:ip]"};
    return true;
}

/* 2001:db8::1, ::1, fe80::1%eth0 is cut at the '%', ::ffff:192.0.2.1. */
static bool ipv6(const struct text *t, size_t i, struct hit *h)
{
    if (before(t, i) == ':')
        return false;
    size_t n = span_max(t, i, "0123456789abcdefABCDEF:", IPV6_TEXT_MAX + 1);
    if (n > IPV6_TEXT_MAX)
        return false;
    while (n > 0 && t->s[i + n - 1] == ':' && !(n >= 2 && t->s[i + n - 2] == ':'))
        n--; /* "host fe80::1:" ends a sentence, not an address */
    int colons = 0, groups = 0, doubles = 0;
    bool digit = false;
    size_t glen = 0, gstart = i;
    for (size_t k = i; k < i + n; k++) {
        char c = t->s[k];
        if (c == ':') {
            colons++;
            if (k + 1 < i + n && t->s[k + 1] == ':')
                doubles++;
            if (glen)
                groups++;
            glen = 0;
            gstart = k + 1;
            continue;
        }
        digit |= isdigit((unsigned char)c) != 0;
        if (++glen > 4)
            return false;
    }
    size_t end = i + n;
    bool v4 = false;
    size_t v4len;
    if (glen && end < t->n && t->s[end] == '.' && ipv4_at(t, gstart, &v4len)) {
        end = gstart + v4len;
        v4 = true;
        digit = true;
    } else if (glen) {
        groups++;
    }
    if (colons < 2 || doubles > 1 || !digit || mem_has(t->s + i, n, ":::"))
        return false;
    if (!doubles && groups + 2 * v4 != 8)
        return false;
    if (doubles && groups + 2 * v4 > 7)
        return false;
    if (end < t->n && is_word((unsigned char)t->s[end]))
        return false;
    *h = (struct hit){0, end - i, "[REDACTED:ip]"};
    return true;
}

static bool host_name(const struct text *t, size_t i, struct hit *h)
{
    static const char *const tlds[] = {
        "com", "net", "org", "edu", "gov", "mil", "int", "io", "dev", "app", "ai", "co", "cloud",
        "info", "biz", "uk", "de", "fr", "nl", "eu", "jp", "cn", "ru", "au", "ca", "br", "ch",
        "se", "es", "pl", "local", "lan", "internal", "intranet", "corp", "home", "localdomain",
        "arpa", "svc", "cluster", NULL};
    if (!isalnum((unsigned char)t->s[i]) || in_set(before(t, i), ".-@"))
        return false;
    size_t last;
    int labels;
    size_t dn = dotted_name(t, i, &last, &labels);
    size_t end = i + dn;
    if (labels >= 2 && end - last <= 16 && !(end < t->n && in_set((unsigned char)t->s[end], "_-"))) {
        char tld[17];
        for (size_t k = 0; k < end - last; k++)
            tld[k] = (char)tolower((unsigned char)t->s[last + k]);
        if (word_in(tld, end - last, tlds)) {
            *h = (struct hit){0, dn, "[REDACTED:host]"};
            return true;
        }
    }
    /* This host's own name, short or full, as a whole word. */
    const char *self = record_host();
    size_t full = strlen(self), shortn = strcspn(self, ".");
    for (int pass = 0; pass < 2; pass++) {
        size_t k = pass ? shortn : full;
        if (k < 3 || !strncmp(self, "localhost", k) || (pass && shortn == full))
            continue;
        if (t->n - i >= k && !memcmp(t->s + i, self, k) &&
            !(i + k < t->n && (is_word((unsigned char)t->s[i + k]) || t->s[i + k] == '-'))) {
            *h = (struct hit){0, k, "[REDACTED:host]"};
            return true;
        }
    }
    return false;
}

typedef bool detector_fn(const struct text *t, size_t i, struct hit *h);

/* In order: the first that matches wins. */
static detector_fn *const normal_detectors[] = {
    private_key, header, bearer, jwt, github_token, aws_key_id, api_key, key_value, aws_secret,
    email, NULL};
static detector_fn *const strict_detectors[] = {ipv6, ipv4, host_name, NULL};

int redact_level_parse(const char *name, enum redact_level *level)
{
    if (name && !strcmp(name, "normal"))
        *level = REDACT_NORMAL;
    else if (name && !strcmp(name, "strict"))
        *level = REDACT_STRICT;
    else
        return -1;
    return 0;
}

static bool detect(const struct text *t, size_t i, struct hit *h)
{
    unsigned char c = (unsigned char)t->s[i];
    if (c == ':' && url_password(t, i, h))
        return true;
    bool boundary = !is_word(before(t, i));
    if (!boundary || c == '\0')
        return false;
    for (int k = 0; normal_detectors[k]; k++)
        if (normal_detectors[k](t, i, h))
            return true;
    for (int k = 0; t->level == REDACT_STRICT && strict_detectors[k]; k++)
        if (strict_detectors[k](t, i, h))
            return true;
    return false;
}

/* One pass over the text. */
static char *redact_once(const char *text, size_t len, enum redact_level level, size_t *out_len,
                         unsigned *count)
{
    struct text t = {text ? text : "", text ? len : 0, level, 0};
    struct out o = {NULL, 0, 0, false};
    unsigned found = 0;
    size_t plain = 0; /* start of bytes not yet copied */
    put(&o, "", 0);
    for (size_t i = 0; i < t.n;) {
        struct hit h;
        if (!detect(&t, i, &h)) {
            i++;
            continue;
        }
        put(&o, t.s + plain, i - plain + h.keep);
        put(&o, h.mark, strlen(h.mark));
        found++;
        i += h.len;
        plain = t.hit_end = i;
    }
    put(&o, t.s + plain, t.n - plain);
    if (o.oom) {
        free(o.p);
        return NULL;
    }
    *out_len = o.n;
    *count = found;
    return o.p;
}

/*
 * Passes until nothing changes: a replacement can make a neighbour readable
 * that the pass had already looked past ("db8::1le.com" is no address, but
 * "db8::[REDACTED:host]" holds one), and redacting twice must be redacting
 * once.
 */
char *redact_text(const char *text, size_t len, enum redact_level level, size_t *out_len,
                  unsigned *count)
{
    size_t n = 0;
    unsigned found = 0, more = 0;
    char *r = redact_once(text, len, level, &n, &found);
    for (int pass = 1; r && pass < REDACT_PASSES_MAX; pass++) {
        size_t m = 0;
        char *again = redact_once(r, n, level, &m, &more);
        if (!again || more == 0) {
            free(again);
            break;
        }
        free(r);
        r = again;
        n = m;
        found += more;
    }
    if (out_len)
        *out_len = n;
    if (count)
        *count = found;
    return r;
}
