/*
 * The http kind: one HTTP(S) request on the runner's libcurl multi handle,
 * judged the way check_curl judges it.  warn/crit apply to the response
 * time in seconds; cert_warn/cert_crit to the days left on an https
 * server's certificate.  Failures outside our control (no connection, a
 * timeout, an unexpected status, a failed body assertion) are CRITICAL.
 *
 * Everything that can be wrong with a definition (URL, regex, jq
 * expression, header syntax) is found once, at prepare; a run only
 * transfers and evaluates.  One definition has at most one run in
 * flight, so its compiled regex and jq program are used by one run at a
 * time.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include "check.h"
#include "check_report.h"
#include "check_runner.h"
#include "clock.h"
#include "curl_lib.h"
#include "jsoncheck.h"
#include "signals.h"
#include "size.h"

#include <errno.h>
#include <jq.h>
#include <math.h>
#include <pcre2.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HTTP_BODY_MAX_DEFAULT (1024u * 1024)    /* body bytes kept for assertions */
#define HTTP_BODY_MAX_LIMIT (64u * 1024 * 1024) /* a larger body_max is refused */
#define HTTP_BODY_CHUNK_MIN 16384               /* first allocation for a body */
#define HTTP_BODY_EXCERPT_MAX 2048              /* body bytes kept as evidence */
#define HTTP_HEADERS_EXCERPT_MAX 4096           /* response header bytes kept */
#define HTTP_REDIRECTS_MAX 10L
#define HTTP_URL_MAX 8192
#define HTTP_METHOD_MAX 32
#define HTTP_HEADERS_MAX 64
#define HTTP_HEADER_LINE_MAX 8192
#define HTTP_EXPECT_MAX 32
#define HTTP_EXPECT_TEXT_MAX 256
#define HTTP_ASSERT_TEXT_MAX 4096 /* body_contains, body_regex, json */
#define HTTP_QUOTE_MAX 60         /* an assertion quoted in a summary */
#define HTTP_JSON_VALUE_MAX 256   /* the jq result kept as evidence */
#define HTTP_EXPECT_DEFAULT "200-399" /* as written in expect_text ... */
#define HTTP_EXPECT_DEFAULT_LOW 200   /* ... and as parsed */
#define HTTP_EXPECT_DEFAULT_HIGH 399
#define HTTP_USER_AGENT "heal-check/" HEAL_VERSION
#define HTTP_MS_PER_DAY 86400000.0

/* Rows of http_fields: prepare() finds each value by its row. */
enum http_field {
    F_URL,
    F_METHOD,
    F_HEADERS,
    F_BODY,
    F_EXPECT_STATUS,
    F_FOLLOW_REDIRECTS,
    F_BODY_CONTAINS,
    F_BODY_REGEX,
    F_JSON,
    F_CERT_WARN,
    F_CERT_CRIT,
    F_INSECURE,
    F_BODY_MAX,
    F_END
};

static const struct config_field http_fields[] = {
    [F_URL] = {"url", CONFIG_STRING, true},
    [F_METHOD] = {"method", CONFIG_STRING, false},
    [F_HEADERS] = {"headers", CONFIG_OBJECT, false},
    [F_BODY] = {"body", CONFIG_STRING, false},
    [F_EXPECT_STATUS] = {"expect_status", CONFIG_ARRAY | CONFIG_NUMBER | CONFIG_STRING, false},
    [F_FOLLOW_REDIRECTS] = {"follow_redirects", CONFIG_BOOL, false},
    [F_BODY_CONTAINS] = {"body_contains", CONFIG_STRING, false},
    [F_BODY_REGEX] = {"body_regex", CONFIG_STRING, false},
    [F_JSON] = {"json", CONFIG_STRING, false},
    [F_CERT_WARN] = {"cert_warn", CONFIG_STRING | CONFIG_NUMBER, false},
    [F_CERT_CRIT] = {"cert_crit", CONFIG_STRING | CONFIG_NUMBER, false},
    [F_INSECURE] = {"insecure", CONFIG_BOOL, false},
    [F_BODY_MAX] = {"body_max", CONFIG_STRING | CONFIG_NUMBER, false},
    [F_END] = {NULL, 0, false},
};

struct http_status_range {
    int low, high;
};

struct http_settings {
    char *url;
    char *url_shown; /* the URL with any password removed, for records */
    bool https;
    char *method;
    bool head; /* HEAD: no body is to be read */
    struct curl_slist *headers;
    char *body;
    size_t body_len;
    struct http_status_range expect[HTTP_EXPECT_MAX];
    int nexpect;
    char expect_text[HTTP_EXPECT_TEXT_MAX];
    bool follow;
    char *contains;
    char *regex_text;
    pcre2_code *regex;
    char *json_text;
    jq_state *jq;
    bool has_cert_warn, has_cert_crit;
    struct range cert_warn, cert_crit;
    char *cert_warn_text, *cert_crit_text;
    bool insecure;
    size_t body_max;
};

/* One run in flight. */
struct http_run {
    CURL *easy;
    const struct http_settings *s;
    char *body;
    size_t body_len, body_cap;
    bool body_truncated, out_of_memory;
    size_t headers_len;
    bool headers_truncated;
    /* Text buffers last: a run zeroes only what comes before them. */
    char headers[HTTP_HEADERS_EXCERPT_MAX];
    char reason[128]; /* reason phrase of the last status line */
    char error[CURL_ERROR_SIZE];
};

/* ---- prepare ---- */

/* The prepare helpers borrow the field values they are given. */

static char *string_copy(jv v)
{
    return jv_get_kind(v) == JV_KIND_STRING ? strdup(jv_string_value(v)) : NULL;
}

static bool bool_or(jv v, bool fallback)
{
    return jv_get_kind(v) == JV_KIND_TRUE    ? true
           : jv_get_kind(v) == JV_KIND_FALSE ? false
                                             : fallback;
}

/* A NUL inside a JSON string would silently cut what libcurl or PCRE2 sees. */
static bool has_nul(jv str)
{
    bool nul = (size_t)jv_string_length_bytes(jv_copy(str)) != strlen(jv_string_value(str));
    jv_free(str);
    return nul;
}

/* RFC 9110 token characters: what a method or a header name may hold. */
static bool is_token(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("!#$%&'*+-.^_`|~", *p)))
            return false;
    return true;
}

static int parse_url(struct http_settings *s, const char *url, struct heal_error *err)
{
    if (strlen(url) > HTTP_URL_MAX)
        return heal_error_set(err, "field 'url': longer than %d bytes", HTTP_URL_MAX);
    /* An http check is what makes heal-check load libcurl (see curl_lib.h). */
    struct heal_error why;
    const struct curl_lib *curl = curl_lib_load(&why);
    if (!curl)
        return heal_error_set(err, "%s", why.msg);
    CURLU *u = curl->url();
    if (!u)
        return heal_error_set(err, "out of memory");
    int rc = 0;
    char *scheme = NULL, *shown = NULL;
    CURLUcode uc = curl->url_set(u, CURLUPART_URL, url, 0);
    /* The common forms need no second look from libcurl (it costs as much
     * as the check itself in a run of 1,000): the scheme by its prefix, and
     * a URL without '@' carries no password to hide. */
    bool http = strncasecmp(url, "http://", 7) == 0, https = strncasecmp(url, "https://", 8) == 0;
    if (uc != CURLUE_OK)
        rc = heal_error_set(err, "field 'url': '%.200s' is not a URL: %s", url,
                            curl->url_strerror(uc));
    else if (!http && !https) {
        /* Another spelling: libcurl says what the scheme is. */
        if (curl->url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK || !scheme)
            rc = heal_error_set(err, "field 'url': '%.200s' has no scheme", url);
        else if (!(http = strcasecmp(scheme, "http") == 0) &&
                 !(https = strcasecmp(scheme, "https") == 0))
            rc = heal_error_set(err,
                                "field 'url': scheme '%s' is not allowed (only http and https)",
                                scheme);
    }
    if (rc == 0 && strchr(url, '@')) {
        /* Records leave the host: a password in the URL must not. */
        curl->url_set(u, CURLUPART_PASSWORD, NULL, 0);
        if (curl->url_get(u, CURLUPART_URL, &shown, 0) != CURLUE_OK || !shown)
            rc = heal_error_set(err, "field 'url': cannot be shown: out of memory");
    }
    if (rc == 0) {
        s->https = https;
        s->url = strdup(url);
        s->url_shown = strdup(shown ? shown : url);
    }
    curl->free(scheme);
    curl->free(shown);
    curl->url_cleanup(u);
    return rc;
}

static int parse_headers(struct http_settings *s, jv h, struct heal_error *err)
{
    int rc = 0;
    if (jv_get_kind(h) == JV_KIND_OBJECT && jv_object_length(jv_copy(h)) > HTTP_HEADERS_MAX)
        rc = heal_error_set(err, "field 'headers': more than %d headers", HTTP_HEADERS_MAX);
    if (jv_get_kind(h) == JV_KIND_OBJECT && rc == 0) {
        /* The macro evaluates its object many times: pass it, never a jv_copy(). */
        jv_object_foreach(h, k, v)
        {
            const char *name = jv_string_value(k);
            char line[HTTP_HEADER_LINE_MAX];
            if (rc != 0) {
                /* keep freeing what the loop hands us */
            } else if (!is_token(name, HTTP_HEADER_LINE_MAX / 2)) {
                rc = heal_error_set(err, "field 'headers': '%.100s' is not a header name", name);
            } else if (jv_get_kind(v) != JV_KIND_STRING) {
                rc = heal_error_set(err, "field 'headers': '%s' must be a string, not %s", name,
                                    config_kind_name(jv_get_kind(v)));
            } else if (has_nul(jv_copy(v)) || strpbrk(jv_string_value(v), "\r\n")) {
                /* A line break would let a value inject headers of its own. */
                rc = heal_error_set(err, "field 'headers': '%s' holds a line break or NUL", name);
            } else if ((size_t)snprintf(line, sizeof line, "%s%s%s", name,
                                        jv_string_value(v)[0] ? ": " : ";",
                                        jv_string_value(v)) >= sizeof line) {
                rc = heal_error_set(err, "field 'headers': '%s' is longer than %d bytes", name,
                                    HTTP_HEADER_LINE_MAX);
            } else {
                /* "Name;" is how libcurl sends a header with an empty value. */
                const struct curl_lib *curl = curl_lib_load(NULL);
                struct curl_slist *n = curl ? curl->slist_append(s->headers, line) : NULL;
                if (!n)
                    rc = heal_error_set(err, "out of memory");
                else
                    s->headers = n;
            }
            jv_free(k);
            jv_free(v);
        }
    }
    return rc;
}

/* One expect_status item: 404, "404", "200-299" or "2xx". */
static int parse_status_item(jv item, struct http_status_range *r, char *text, size_t size,
                             struct heal_error *err)
{
    int rc = 0;
    char buf[32];
    if (jv_get_kind(item) == JV_KIND_NUMBER) {
        double d = jv_number_value(item);
        if (d != floor(d) || d < 100 || d > 599)
            rc = heal_error_set(err, "field 'expect_status': %g is not a status code", d);
        r->low = r->high = (int)d;
        snprintf(buf, sizeof buf, "%d", r->low);
    } else if (jv_get_kind(item) == JV_KIND_STRING) {
        const char *s = jv_string_value(item);
        int a, b, used = 0;
        char c;
        if (strlen(s) == 3 && s[0] >= '1' && s[0] <= '5' && strcasecmp(s + 1, "xx") == 0) {
            r->low = (s[0] - '0') * 100;
            r->high = r->low + 99;
        } else if (sscanf(s, "%3d-%3d%n", &a, &b, &used) == 2 && s[used] == '\0') {
            r->low = a, r->high = b;
        } else if (sscanf(s, "%3d%n%c", &a, &used, &c) == 1 && s[used] == '\0') {
            r->low = r->high = a;
        } else {
            r->low = 0;
        }
        /* sscanf would also take signs and spaces: only digits and '-' may be there. */
        bool digits = strspn(s, "0123456789-") == strlen(s) && s[0] != '-';
        if (r->low < 100 || r->high > 599 || r->low > r->high ||
            (!digits && strcasecmp(s + 1, "xx") != 0))
            rc = heal_error_set(err,
                                "field 'expect_status': '%.40s' is not a status, LOW-HIGH or "
                                "Nxx (100 to 599)",
                                s);
        snprintf(buf, sizeof buf, "%.31s", s);
    } else {
        rc = heal_error_set(err, "field 'expect_status': items must be numbers or strings, not %s",
                            config_kind_name(jv_get_kind(item)));
    }
    jv_free(item);
    if (rc == 0 && strlen(text) + strlen(buf) + 2 < size)
        snprintf(text + strlen(text), size - strlen(text), "%s%s", text[0] ? "," : "", buf);
    return rc;
}

static int parse_expect(struct http_settings *s, jv field, struct heal_error *err)
{
    if (!jv_is_valid(field) || jv_get_kind(field) == JV_KIND_NULL) {
        /* Most checks take the default: no parsing it again for each. */
        s->expect[0] =
            (struct http_status_range){HTTP_EXPECT_DEFAULT_LOW, HTTP_EXPECT_DEFAULT_HIGH};
        s->nexpect = 1;
        memcpy(s->expect_text, HTTP_EXPECT_DEFAULT, sizeof HTTP_EXPECT_DEFAULT);
        return 0;
    }
    int rc = 0;
    s->expect_text[0] = '\0';
    jv e = jv_copy(field);
    if (jv_get_kind(e) != JV_KIND_ARRAY)
        e = jv_array_append(jv_array(), e);
    int n = jv_array_length(jv_copy(e));
    if (n < 1 || n > HTTP_EXPECT_MAX)
        rc = heal_error_set(err, "field 'expect_status': must hold 1 to %d items", HTTP_EXPECT_MAX);
    for (int i = 0; i < n && rc == 0; i++)
        rc = parse_status_item(jv_array_get(jv_copy(e), i), &s->expect[i], s->expect_text,
                               sizeof s->expect_text, err);
    s->nexpect = rc == 0 ? n : 0;
    jv_free(e);
    return rc;
}

static int parse_regex(struct http_settings *s, struct heal_error *err)
{
    int code;
    PCRE2_SIZE offset;
    /* Bodies are often not valid UTF-8; that must not make matching fail. */
    s->regex = pcre2_compile((PCRE2_SPTR)s->regex_text, PCRE2_ZERO_TERMINATED,
                             PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &offset, NULL);
    if (!s->regex) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof msg);
        return heal_error_set(err, "field 'body_regex': %s at offset %zu", (char *)msg,
                              (size_t)offset);
    }
    /* Without JIT (some platforms, or W^X kernels) the interpreter still works. */
    (void)pcre2_jit_compile(s->regex, PCRE2_JIT_COMPLETE);
    return 0;
}

/* Keeps the first line of jq's first compile error, which names the problem. */
static void jq_compile_error(void *data, jv msg)
{
    char *out = data;
    if (!out[0]) {
        msg = jq_format_error(msg);
        const char *m = jv_string_value(msg);
        if (strncmp(m, "jq: error: ", 11) == 0)
            m += 11;
        size_t n = strcspn(m, "\n");
        if (n > 0 && m[n - 1] == ':')
            n--; /* "...line 1:" introduces the program text, which we drop */
        snprintf(out, HEAL_ERROR_SIZE / 2, "%.*s", (int)n, m);
    }
    jv_free(msg);
}

static int parse_json(struct http_settings *s, struct heal_error *err)
{
    char msg[HEAL_ERROR_SIZE / 2] = "";
    s->jq = jq_init();
    if (!s->jq)
        return heal_error_set(err, "out of memory");
    jq_set_error_cb(s->jq, jq_compile_error, msg);
    int ok = jq_compile(s->jq, s->json_text);
    /* Runtime errors come back from jq_next; none may go to our stderr. */
    jq_set_error_cb(s->jq, NULL, NULL);
    if (!ok)
        return heal_error_set(err, "field 'json': %s", msg[0] ? msg : "does not compile");
    return 0;
}

static int parse_cert_range(jv v, const char *key, bool *has, struct range *r, char **text,
                            struct heal_error *err)
{
    char buf[64];
    const char *t = NULL;
    if (jv_get_kind(v) == JV_KIND_STRING)
        t = jv_string_value(v);
    else if (jv_get_kind(v) == JV_KIND_NUMBER)
        snprintf(buf, sizeof buf, "%.17g", jv_number_value(v)), t = buf;
    int rc = 0;
    struct heal_error e;
    if (t && range_parse(t, r, &e) != 0) {
        rc = heal_error_set(err, "field '%s': %s", key, e.msg);
    } else if (t) {
        *has = true;
        *text = strdup(t);
    }
    return rc;
}

static int parse_body_max(struct http_settings *s, jv v, struct heal_error *err)
{
    uint64_t bytes = HTTP_BODY_MAX_DEFAULT;
    int rc = 0;
    struct heal_error e;
    if (jv_get_kind(v) == JV_KIND_NUMBER) {
        double d = jv_number_value(v);
        bytes = d >= 0 && d == floor(d) && d <= (double)HTTP_BODY_MAX_LIMIT ? (uint64_t)d : 0;
    } else if (jv_get_kind(v) == JV_KIND_STRING && size_parse(jv_string_value(v), &bytes, &e)) {
        rc = heal_error_set(err, "field 'body_max': %s", e.msg);
    }
    if (rc == 0 && (bytes < 1 || bytes > HTTP_BODY_MAX_LIMIT))
        rc = heal_error_set(err, "field 'body_max': must be 1 byte to %u MiB",
                            HTTP_BODY_MAX_LIMIT / (1024 * 1024));
    s->body_max = (size_t)bytes;
    return rc;
}

static void http_release(struct check_def *def)
{
    struct http_settings *s = def->kind_data;
    free(s->url);
    free(s->url_shown);
    free(s->method);
    if (s->headers) /* made by libcurl, so it is loaded */
        curl_lib()->slist_free_all(s->headers);
    free(s->body);
    free(s->contains);
    free(s->regex_text);
    pcre2_code_free(s->regex);
    free(s->json_text);
    if (s->jq)
        jq_teardown(&s->jq);
    free(s->cert_warn_text);
    free(s->cert_crit_text);
    free(s);
    def->kind_data = NULL;
}

static int check_text_field(jv v, const char *key, char **out, struct heal_error *err)
{
    int rc = 0;
    if (jv_get_kind(v) == JV_KIND_STRING) {
        size_t n = (size_t)jv_string_length_bytes(jv_copy(v));
        if (n == 0 || n > HTTP_ASSERT_TEXT_MAX)
            rc =
                heal_error_set(err, "field '%s': must be 1 to %d bytes", key, HTTP_ASSERT_TEXT_MAX);
        else if (has_nul(jv_copy(v)))
            rc = heal_error_set(err, "field '%s': holds a NUL byte", key);
        else
            *out = strdup(jv_string_value(v));
    }
    return rc;
}

static int http_prepare(struct check_def *def, struct heal_error *err)
{
    struct http_settings *s = calloc(1, sizeof *s);
    if (!s)
        return heal_error_set(err, "out of memory");
    def->kind_data = s;
    const jv *f = def->kind_fields;
    if (parse_url(s, jv_string_value(f[F_URL]), err) != 0)
        return -1;
    s->method = string_copy(f[F_METHOD]);
    if (!s->method)
        s->method = strdup("GET");
    if (!is_token(s->method, HTTP_METHOD_MAX))
        return heal_error_set(err, "field 'method': '%.40s' is not an HTTP method", s->method);
    s->head = strcmp(s->method, "HEAD") == 0;
    jv body = f[F_BODY];
    if (jv_get_kind(body) == JV_KIND_STRING) {
        s->body_len = (size_t)jv_string_length_bytes(jv_copy(body));
        s->body = malloc(s->body_len + 1);
        if (s->body)
            memcpy(s->body, jv_string_value(body), s->body_len + 1);
    }
    if (jv_get_kind(body) == JV_KIND_STRING && !s->body)
        return heal_error_set(err, "out of memory for field 'body'");
    s->follow = bool_or(f[F_FOLLOW_REDIRECTS], true);
    s->insecure = bool_or(f[F_INSECURE], false);
    if (parse_headers(s, f[F_HEADERS], err) != 0 || parse_expect(s, f[F_EXPECT_STATUS], err) != 0 ||
        check_text_field(f[F_BODY_CONTAINS], "body_contains", &s->contains, err) != 0 ||
        check_text_field(f[F_BODY_REGEX], "body_regex", &s->regex_text, err) != 0 ||
        check_text_field(f[F_JSON], "json", &s->json_text, err) != 0 ||
        (s->regex_text && parse_regex(s, err) != 0) || (s->json_text && parse_json(s, err) != 0) ||
        parse_cert_range(f[F_CERT_WARN], "cert_warn", &s->has_cert_warn, &s->cert_warn,
                         &s->cert_warn_text, err) != 0 ||
        parse_cert_range(f[F_CERT_CRIT], "cert_crit", &s->has_cert_crit, &s->cert_crit,
                         &s->cert_crit_text, err) != 0 ||
        parse_body_max(s, f[F_BODY_MAX], err) != 0)
        return -1;
    if ((s->has_cert_warn || s->has_cert_crit) && !s->https)
        return heal_error_set(err, "field '%s': needs an https url",
                              s->has_cert_warn ? "cert_warn" : "cert_crit");
    if (s->head && (s->contains || s->regex_text || s->json_text))
        return heal_error_set(err, "method HEAD reads no body to assert on");
    return 0;
}

/* ---- a run ---- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    struct http_run *r = userp;
    size_t n = size * nmemb;
    size_t room = r->s->body_max - r->body_len;
    size_t take = n < room ? n : room;
    if (take < n)
        r->body_truncated = true; /* the rest is read and dropped: size still counts it */
    if (take > 0 && r->body_len + take > r->body_cap) {
        size_t cap = r->body_cap ? r->body_cap : HTTP_BODY_CHUNK_MIN;
        while (cap < r->body_len + take)
            cap *= 2;
        if (cap > r->s->body_max)
            cap = r->s->body_max;
        char *p = realloc(r->body, cap);
        if (!p) {
            r->out_of_memory = true;
            return 0; /* libcurl ends the transfer with CURLE_WRITE_ERROR */
        }
        r->body = p;
        r->body_cap = cap;
    }
    if (take > 0)
        memcpy(r->body + r->body_len, data, take);
    r->body_len += take;
    return n;
}

/* Header names whose values are secrets: kept out of evidence. */
static bool secret_header(const char *line, size_t len)
{
    static const char *const names[] = {
        "set-cookie:", "cookie:", "authorization:", "proxy-authorization:", "x-api-key:", NULL};
    for (const char *const *n = names; *n; n++) {
        size_t k = strlen(*n);
        if (len >= k && strncasecmp(line, *n, k) == 0)
            return true;
    }
    return false;
}

static void headers_append(struct http_run *r, const char *p, size_t n)
{
    if (r->headers_len + n + 1 > sizeof r->headers) {
        r->headers_truncated = true;
        return;
    }
    memcpy(r->headers + r->headers_len, p, n);
    r->headers_len += n;
    r->headers[r->headers_len++] = '\n';
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    struct http_run *r = userp;
    size_t n = size * nmemb, len = n;
    while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        len--;
    if (len == 0)
        return n;
    if (len > 5 && strncmp(data, "HTTP/", 5) == 0) {
        /* A new response (redirect, 100 Continue): keep only the last one's. */
        r->headers_len = 0;
        r->headers_truncated = false;
        r->reason[0] = '\0';
        const char *sp = memchr(data, ' ', len);
        const char *sp2 = sp ? memchr(sp + 1, ' ', len - (size_t)(sp + 1 - data)) : NULL;
        if (sp2) {
            size_t k = len - (size_t)(sp2 + 1 - data);
            snprintf(r->reason, sizeof r->reason, "%.*s", (int)k, sp2 + 1);
        }
        headers_append(r, data, len);
    } else if (secret_header(data, len)) {
        const char *colon = memchr(data, ':', len);
        char line[64];
        int k = snprintf(line, sizeof line, "%.*s: [redacted]", (int)(colon - data), data);
        headers_append(r, line, k > 0 && (size_t)k < sizeof line ? (size_t)k : 0);
    } else {
        headers_append(r, data, len);
    }
    return n;
}

static int http_start(struct check_task *task, struct check_result *result)
{
    const struct curl_lib *curl = curl_lib();
    const struct http_settings *s = task->def->kind_data;
    struct http_run *r = malloc(sizeof *r);
    CURL *e = r ? check_runner_easy(task->runner) : NULL;
    if (!e) {
        free(r);
        check_result_set(result, NAGIOS_UNKNOWN, "cannot start an HTTP transfer: out of memory");
        return 1;
    }
    memset(r, 0, offsetof(struct http_run, headers));
    r->reason[0] = r->error[0] = '\0';
    r->easy = e;
    r->s = s;
    CURLcode c = CURLE_OK;
/* The first failing option is reported; the rest are not tried. */
#define SET(option, value)                                                                         \
    do {                                                                                           \
        if (c == CURLE_OK)                                                                         \
            c = curl->easy_setopt(e, option, value);                                               \
    } while (0)
    SET(CURLOPT_PRIVATE, (void *)task); /* the runner finds the task by it */
    SET(CURLOPT_URL, s->url);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_TIMEOUT_MS, (long)task->def->timeout_ms);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, s->follow ? 1L : 0L);
    SET(CURLOPT_MAXREDIRS, HTTP_REDIRECTS_MAX);
    SET(CURLOPT_USERAGENT, HTTP_USER_AGENT);
    SET(CURLOPT_ERRORBUFFER, r->error);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, r);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, r);
    if (s->headers)
        SET(CURLOPT_HTTPHEADER, s->headers);
    if (s->body) {
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)s->body_len);
        SET(CURLOPT_POSTFIELDS, s->body); /* owned by the definition, which outlives the run */
    }
    if (s->head)
        SET(CURLOPT_NOBODY, 1L);
    else if (strcmp(s->method, "GET") != 0 || s->body)
        if (strcmp(s->method, "POST") != 0)
            SET(CURLOPT_CUSTOMREQUEST, s->method);
    if (s->https) {
        /*
         * A reused connection or TLS session shows no certificate, and a
         * check must see the server as a new client would: handshake anew.
         */
        SET(CURLOPT_CERTINFO, 1L);
        SET(CURLOPT_FRESH_CONNECT, 1L);
        SET(CURLOPT_SSL_SESSIONID_CACHE, 0L);
    }
    if (s->insecure) {
        SET(CURLOPT_SSL_VERIFYPEER, 0L);
        SET(CURLOPT_SSL_VERIFYHOST, 0L);
    }
#undef SET
    if (c != CURLE_OK) {
        check_result_set(result, NAGIOS_UNKNOWN, "cannot set up the HTTP transfer: %s",
                         curl->easy_strerror(c));
        check_runner_easy_done(task->runner, e);
        free(r);
        return 1;
    }
    CURLMcode mc = curl->multi_add_handle(check_runner_multi(task->runner), e);
    if (mc != CURLM_OK) {
        check_result_set(result, NAGIOS_UNKNOWN, "cannot start the HTTP transfer: %s",
                         curl->multi_strerror(mc));
        check_runner_easy_done(task->runner, e);
        free(r);
        return 1;
    }
    task->data = r;
    return 0;
}

static bool http_done(struct check_task *task)
{
    return task->finished_early;
}

/* ---- evaluation ---- */

/* Where HTTP/2 and HTTP/3 send no reason phrase, the usual one is shown. */
static const char *standard_reason(long code)
{
    static const struct {
        long code;
        const char *text;
    } reasons[] = {
        {200, "OK"},
        {201, "Created"},
        {202, "Accepted"},
        {204, "No Content"},
        {206, "Partial Content"},
        {301, "Moved Permanently"},
        {302, "Found"},
        {303, "See Other"},
        {304, "Not Modified"},
        {307, "Temporary Redirect"},
        {308, "Permanent Redirect"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {408, "Request Timeout"},
        {409, "Conflict"},
        {410, "Gone"},
        {429, "Too Many Requests"},
        {500, "Internal Server Error"},
        {501, "Not Implemented"},
        {502, "Bad Gateway"},
        {503, "Service Unavailable"},
        {504, "Gateway Timeout"},
    };
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (reasons[i].code == code)
            return reasons[i].text;
    return "";
}

/* s[0..len) cut to at most max bytes without splitting a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* Evidence text cut at a character, any invalid UTF-8 replaced. */
static void excerpt(struct check_result *result, const char *key, const char *s, size_t len,
                    size_t max)
{
    check_result_evidence_text(result, key, s ? s : "", utf8_cut(s ? s : "", len, max));
}

/* An assertion's text quoted in a summary, shortened. */
static void quote(const char *s, char *out, size_t size)
{
    size_t n = utf8_cut(s, strlen(s), HTTP_QUOTE_MAX);
    snprintf(out, size, "%.*s%s", (int)n, s, n < strlen(s) ? "..." : "");
}

static void format_seconds(int64_t ms, char *out, size_t size)
{
    snprintf(out, size, "%g", (double)ms / 1000.0);
}

/* "Jan  5 12:00:00 2026 GMT", as libcurl's OpenSSL backend prints it. */
static int parse_cert_time(const char *s, int64_t *ms)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char mon[4];
    int d, h, mi, se, y;
    if (sscanf(s, "%3s %d %d:%d:%d %d", mon, &d, &h, &mi, &se, &y) != 6)
        return -1;
    const char *m = strstr(months, mon);
    if (strlen(mon) != 3 || !m || (m - months) % 3 != 0)
        return -1;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = (int)(m - months) / 3,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = se};
    *ms = (int64_t)timegm(&tm) * 1000;
    return 0;
}

struct http_cert {
    bool seen;
    int64_t not_after_ms;
    double days;
    char subject[256], issuer[256];
};

static void read_cert(CURL *e, struct http_cert *c)
{
    const struct curl_lib *curl = curl_lib();
    struct curl_certinfo *ci = NULL;
    memset(c, 0, sizeof *c);
    if (curl->easy_getinfo(e, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci || ci->num_of_certs < 1)
        return;
    /* The first certificate of the chain is the server's own. */
    for (struct curl_slist *l = ci->certinfo[0]; l; l = l->next) {
        if (strncmp(l->data, "Expire date:", 12) == 0 &&
            parse_cert_time(l->data + 12, &c->not_after_ms) == 0)
            c->seen = true;
        else if (strncmp(l->data, "Subject:", 8) == 0)
            snprintf(c->subject, sizeof c->subject, "%s", l->data + 8);
        else if (strncmp(l->data, "Issuer:", 7) == 0)
            snprintf(c->issuer, sizeof c->issuer, "%s", l->data + 7);
    }
    if (c->seen)
        c->days = floor((double)(c->not_after_ms - clock_now_ms()) / HTTP_MS_PER_DAY);
}

static bool status_expected(const struct http_settings *s, long code)
{
    for (int i = 0; i < s->nexpect; i++)
        if (code >= s->expect[i].low && code <= s->expect[i].high)
            return true;
    return false;
}

/* Runs the jq expression on the body; 1 pass, 0 fail, with why in failure. */
static int json_assert(const struct http_settings *s, const struct http_run *r,
                       struct check_result *result, char *failure, size_t size)
{
    const char *body = r->body ? r->body : "";
    struct heal_error syntax;
    /* jq 1.6 leaks on some malformed JSON: a server's body reaches it only well-formed. */
    if (jsoncheck(body, r->body_len, NULL, &syntax) != 0) {
        check_result_evidence_text(result, "json_error", syntax.msg, strlen(syntax.msg));
        snprintf(failure, size, "body is not JSON%s",
                 r->body_truncated ? " (cut at body_max)" : "");
        return 0;
    }
    jv doc = jv_parse_sized(body, (int)r->body_len);
    if (!jv_is_valid(doc)) {
        jv msg = jv_invalid_get_msg(doc);
        if (jv_get_kind(msg) == JV_KIND_STRING)
            check_result_evidence_text(result, "json_error", jv_string_value(msg),
                                       (size_t)jv_string_length_bytes(jv_copy(msg)));
        jv_free(msg);
        snprintf(failure, size, "body is not JSON%s",
                 r->body_truncated ? " (cut at body_max)" : "");
        return 0;
    }
    jq_start(s->jq, doc, 0);
    jv out = jq_next(s->jq);
    char q[HTTP_QUOTE_MAX * 4 + 8];
    quote(s->json_text, q, sizeof q);
    int pass = 0;
    if (jv_is_valid(out)) {
        jv shown = jv_dump_string(jv_copy(out), 0);
        excerpt(result, "json_value", jv_string_value(shown),
                (size_t)jv_string_length_bytes(jv_copy(shown)), HTTP_JSON_VALUE_MAX);
        pass = jv_get_kind(out) != JV_KIND_FALSE && jv_get_kind(out) != JV_KIND_NULL;
        if (!pass)
            snprintf(failure, size, "json %s is %s", q, jv_string_value(shown));
        jv_free(shown);
        jv_free(out);
    } else if (jv_invalid_has_msg(jv_copy(out))) {
        jv msg = jv_invalid_get_msg(out);
        jv text =
            jv_get_kind(msg) == JV_KIND_STRING ? jv_copy(msg) : jv_dump_string(jv_copy(msg), 0);
        check_result_evidence_text(result, "json_error", jv_string_value(text),
                                   (size_t)jv_string_length_bytes(jv_copy(text)));
        snprintf(failure, size, "json %s failed: %.200s", q, jv_string_value(text));
        jv_free(text);
        jv_free(msg);
    } else {
        jv_free(out);
        snprintf(failure, size, "json %s gave no output", q);
    }
    /* Drop the parsed body now rather than hold it until the next run. */
    jq_start(s->jq, jv_null(), 0);
    return pass;
}

static int body_asserts(const struct http_settings *s, const struct http_run *r,
                        struct check_result *result, char *failure, size_t size)
{
    char q[HTTP_QUOTE_MAX * 4 + 8];
    const char *body = r->body ? r->body : "";
    if (s->contains && !memmem(body, r->body_len, s->contains, strlen(s->contains))) {
        quote(s->contains, q, sizeof q);
        snprintf(failure, size, "body does not contain '%s'", q);
        return 0;
    }
    if (s->regex) {
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(s->regex, NULL);
        int rc = md ? pcre2_match(s->regex, (PCRE2_SPTR)body, r->body_len, 0, 0, md, NULL)
                    : PCRE2_ERROR_NOMEMORY;
        pcre2_match_data_free(md);
        quote(s->regex_text, q, sizeof q);
        if (rc == PCRE2_ERROR_NOMATCH) {
            snprintf(failure, size, "body does not match /%s/", q);
            return 0;
        }
        if (rc < 0) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(rc, msg, sizeof msg);
            snprintf(failure, size, "body_regex /%s/ failed: %s", q, (char *)msg);
            return 0;
        }
    }
    if (s->jq && !json_assert(s, r, result, failure, size))
        return 0;
    return 1;
}

/* "connect to HOST port N failed: strerror", as check_curl words it. */
static void connect_failure(CURL *e, char *out, size_t size, const char *fallback)
{
    const struct curl_lib *curl = curl_lib();
    char *url = NULL, *host = NULL, *port = NULL;
    long os_errno = 0;
    curl->easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &url);
    curl->easy_getinfo(e, CURLINFO_OS_ERRNO, &os_errno);
    CURLU *u = curl->url();
    if (u && url && curl->url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl->url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl->url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK && os_errno)
        snprintf(out, size, "connect to %s port %s failed: %s", host, port,
                 strerror((int)os_errno));
    else
        snprintf(out, size, "%s", fallback);
    curl->free(host);
    curl->free(port);
    curl->url_cleanup(u);
}

/* The phases of the transfer in seconds, as a JSON object. */
static void timings(CURL *e, struct check_result *result)
{
    const struct curl_lib *curl = curl_lib();
    static const struct {
        const char *name;
        CURLINFO info;
    } phases[] = {
        {"dns", CURLINFO_NAMELOOKUP_TIME_T},    {"connect", CURLINFO_CONNECT_TIME_T},
        {"tls", CURLINFO_APPCONNECT_TIME_T},    {"ttfb", CURLINFO_STARTTRANSFER_TIME_T},
        {"redirect", CURLINFO_REDIRECT_TIME_T}, {"total", CURLINFO_TOTAL_TIME_T},
    };
    const char *names[sizeof phases / sizeof phases[0]];
    double seconds[sizeof phases / sizeof phases[0]];
    size_t n = 0;
    for (size_t i = 0; i < sizeof phases / sizeof phases[0]; i++) {
        curl_off_t us = 0;
        if (curl->easy_getinfo(e, phases[i].info, &us) == CURLE_OK) {
            names[n] = phases[i].name;
            seconds[n++] = (double)us / 1e6;
        }
    }
    check_result_evidence_numbers(result, "timings", names, seconds, n);
}

static void evaluate(struct check_task *task, struct http_run *r, struct check_result *result)
{
    const struct curl_lib *curl = curl_lib();
    const struct http_settings *s = r->s;
    const struct check_def *def = task->def;
    CURL *e = r->easy;
    CURLcode code = (CURLcode)task->curl_result;
    long status = 0, redirects = 0;
    curl_off_t total_us = 0, size = 0;
    curl->easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl->easy_getinfo(e, CURLINFO_REDIRECT_COUNT, &redirects);
    curl->easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &total_us);
    curl->easy_getinfo(e, CURLINFO_SIZE_DOWNLOAD_T, &size);
    double seconds = (double)total_us / 1e6;
    if (status > 0)
        check_result_evidence_number(result, "status_code", (double)status);
    check_result_evidence_number(result, "redirects", (double)redirects);
    char *effective = NULL;
    if (redirects > 0 && curl->easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK &&
        effective)
        excerpt(result, "effective_url", effective, strlen(effective), HTTP_URL_MAX);
    timings(e, result);

    if (code != CURLE_OK) {
        const char *why = r->error[0] ? r->error : curl->easy_strerror(code);
        check_result_evidence_text(result, "error", why, strlen(why));
        char t[32];
        format_seconds(def->timeout_ms, t, sizeof t);
        if (code == CURLE_OPERATION_TIMEDOUT) {
            check_result_set(result, NAGIOS_CRITICAL, "timed out after %s s", t);
        } else if (code == CURLE_COULDNT_CONNECT) {
            char msg[512];
            connect_failure(e, msg, sizeof msg, why);
            check_result_set(result, NAGIOS_CRITICAL, "%s", msg);
        } else if (r->out_of_memory) {
            check_result_set(result, NAGIOS_UNKNOWN, "out of memory for the response body");
        } else {
            check_result_set(result, NAGIOS_CRITICAL, "%s", why);
        }
        if (r->headers_len > 0)
            excerpt(result, "headers", r->headers, r->headers_len, HTTP_HEADERS_EXCERPT_MAX);
        return;
    }

    struct http_cert cert = {.seen = false};
    if (s->https)
        read_cert(e, &cert);
    check_result_perf(result, "time", seconds, "s", def->warn_text, def->crit_text, 0, NAN);
    check_result_perf(result, "size", (double)size, "B", NULL, NULL, 0, NAN);
    if (cert.seen) {
        check_result_perf(result, "cert_days", cert.days, "", s->cert_warn_text, s->cert_crit_text,
                          NAN, NAN);
        char when[CLOCK_RFC3339_SIZE];
        clock_format_rfc3339(cert.not_after_ms, when);
        check_result_evidence_text(result, "cert_not_after", when, strlen(when));
        check_result_evidence_number(result, "cert_days", cert.days);
        if (cert.subject[0])
            check_result_evidence_text(result, "cert_subject", cert.subject, strlen(cert.subject));
        if (cert.issuer[0])
            check_result_evidence_text(result, "cert_issuer", cert.issuer, strlen(cert.issuer));
    }

    const char *reason = r->reason[0] ? r->reason : standard_reason(status);
    char head[256];
    snprintf(head, sizeof head, "HTTP %ld%s%.100s", status, reason[0] ? " " : "", reason);
    char failure[1024] = "";
    enum nagios_status st = NAGIOS_OK;
    if (!status_expected(s, status)) {
        snprintf(failure, sizeof failure, "expected %s", s->expect_text);
        check_result_set(result, NAGIOS_CRITICAL, "%s (%s)", head, failure);
        st = NAGIOS_CRITICAL;
    } else if (!body_asserts(s, r, result, failure, sizeof failure)) {
        check_result_set(result, NAGIOS_CRITICAL, "%s in %.3f s: %s", head, seconds, failure);
        st = NAGIOS_CRITICAL;
    } else {
        st = check_evaluate(def, seconds);
        char certnote[128] = "";
        if (cert.seen || s->has_cert_warn || s->has_cert_crit) {
            enum nagios_status cs =
                cert.seen ? range_evaluate(cert.days, s->has_cert_warn ? &s->cert_warn : NULL,
                                           s->has_cert_crit ? &s->cert_crit : NULL)
                          : NAGIOS_UNKNOWN;
            st = check_status_worse(st, cs);
            if (!cert.seen)
                snprintf(certnote, sizeof certnote, "; no certificate seen");
            else if (cert.days >= 0)
                snprintf(certnote, sizeof certnote, "; certificate expires in %.0f days",
                         cert.days);
            else /* whole days since, as a person counts them */
                snprintf(certnote, sizeof certnote, "; certificate expired %.0f days ago",
                         floor((double)(clock_now_ms() - cert.not_after_ms) / HTTP_MS_PER_DAY));
        }
        check_result_set(result, st, "%s in %.3f s%s", head, seconds, certnote);
    }
    if (st != NAGIOS_OK) {
        /* What an analyzer reads to see why: the answer itself. */
        excerpt(result, "body", r->body, r->body_len, HTTP_BODY_EXCERPT_MAX);
        excerpt(result, "headers", r->headers, r->headers_len, HTTP_HEADERS_EXCERPT_MAX);
        if (r->headers_truncated)
            check_result_evidence_json(result, "headers_truncated", "true", 4);
    }
    if (r->body_truncated) {
        check_result_evidence_json(result, "body_truncated", "true", 4);
        check_result_evidence_number(result, "body_max", (double)s->body_max);
    }
}

static void http_finish(struct check_task *task, struct check_result *result)
{
    const struct curl_lib *curl = curl_lib();
    struct http_run *r = task->data;
    const struct http_settings *s = r->s;
    curl->multi_remove_handle(check_runner_multi(task->runner), r->easy);
    check_result_evidence_text(result, "url", s->url_shown, strlen(s->url_shown));
    if (task->finished_early) {
        evaluate(task, r, result);
    } else {
        /* The runner gave up first: its deadline passed, or heal-check is stopping. */
        char t[32];
        int64_t ran = clock_mono_ms() - task->started_mono_ms;
        bool stopped = ran < task->def->timeout_ms && signals_stop_requested();
        format_seconds(stopped ? ran : task->def->timeout_ms, t, sizeof t);
        check_result_set(result, NAGIOS_CRITICAL,
                         stopped ? "stopped after %s s without an answer" : "timed out after %s s",
                         t);
        check_result_evidence_json(result, stopped ? "stopped" : "timed_out", "true", 4);
    }
    check_runner_easy_done(task->runner, r->easy);
    free(r->body);
    free(r);
    task->data = NULL;
}

const struct check_kind check_kind_http = {
    .name = "http",
    .fields = http_fields,
    .prepare = http_prepare,
    .release = http_release,
    .start = http_start,
    .done = http_done,
    .finish = http_finish,
};
