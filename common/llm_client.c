/* llm_client.c — one bounded question to a model, both wire protocols (see llm_client.h). */
#include "llm_client.h"
#include "clock.h"
#include "curl_lib.h"
#include "jsoncheck.h"
#include "redact.h"
#include "signals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LLM_ERROR_TEXT_MAX 200 /* bytes of a server's error message quoted */

struct body {
    char *data;
    size_t len;
    bool too_big;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct body *b = userdata;
    size_t n = size * nmemb;
    if (b->len + n > LLM_BODY_MAX) {
        b->too_big = true;
        return CURL_WRITEFUNC_ERROR;
    }
    char *grown = realloc(b->data, b->len + n + 1);
    if (!grown)
        return CURL_WRITEFUNC_ERROR;
    b->data = grown;
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

static jv request_body(const struct llm_config *c, const struct llm_request *r, bool schema)
{
    jv user = jv_object_set(jv_object(), jv_string("role"), jv_string("user"));
    user = jv_object_set(user, jv_string("content"), jv_string(r->user));
    jv b = jv_object_set(jv_object(), jv_string("model"), jv_string(c->model));
    b = jv_object_set(b, jv_string("max_tokens"), jv_number(c->max_tokens));
    b = jv_object_set(b, jv_string("temperature"), jv_number(0));
    if (c->provider == LLM_PROVIDER_ANTHROPIC) {
        b = jv_object_set(b, jv_string("system"), jv_string(r->system));
        return jv_object_set(b, jv_string("messages"), jv_array_append(jv_array(), user));
    }
    jv sys = jv_object_set(jv_object(), jv_string("role"), jv_string("system"));
    sys = jv_object_set(sys, jv_string("content"), jv_string(r->system));
    b = jv_object_set(b, jv_string("messages"),
                      jv_array_append(jv_array_append(jv_array(), sys), user));
    if (schema && jv_get_kind(r->schema) == JV_KIND_OBJECT) {
        jv js = jv_object_set(jv_object(), jv_string("name"), jv_string(r->schema_name));
        js = jv_object_set(js, jv_string("strict"), jv_true());
        js = jv_object_set(js, jv_string("schema"), jv_copy(r->schema));
        jv rf = jv_object_set(jv_object(), jv_string("type"), jv_string("json_schema"));
        b = jv_object_set(b, jv_string("response_format"),
                          jv_object_set(rf, jv_string("json_schema"), js));
    }
    return b;
}

/* "Name: value" for the key; the caller wipes and frees it. */
static char *key_header(const struct llm_config *c)
{
    if (!c->api_key)
        return NULL;
    const char *name = c->provider == LLM_PROVIDER_ANTHROPIC ? "x-api-key: " : "Authorization: Bearer ";
    char *h = NULL;
    return asprintf(&h, "%s%s", name, c->api_key) < 0 ? NULL : h;
}

static struct curl_slist *headers(const struct curl_lib *curl, const struct llm_config *c,
                                  char *key)
{
    struct curl_slist *h = NULL, *n;
    const char *fixed[] = {"Content-Type: application/json", "Accept: application/json",
                           c->provider == LLM_PROVIDER_ANTHROPIC
                               ? "anthropic-version: " LLM_ANTHROPIC_VERSION
                               : NULL,
                           NULL};
    for (int i = 0; fixed[i]; i++) {
        if (!(n = curl->slist_append(h, fixed[i])))
            goto oom;
        h = n;
    }
    if (key) {
        if (!(n = curl->slist_append(h, key)))
            goto oom;
        h = n;
    }
    return h;
oom:
    curl->slist_free_all(h);
    return NULL;
}

/* The server's own error message, redacted and cut, for our one-line reason. */
static void server_error(const struct body *b, char *out, size_t size)
{
    out[0] = '\0';
    if (!b->data || jsoncheck(b->data, b->len, NULL, NULL) != 0)
        return;
    jv o = jv_parse_sized(b->data, (int)b->len);
    jv e = jv_get_kind(o) == JV_KIND_OBJECT ? jv_object_get(jv_copy(o), jv_string("error"))
                                            : jv_invalid();
    jv m = jv_get_kind(e) == JV_KIND_OBJECT ? jv_object_get(jv_copy(e), jv_string("message"))
           : jv_get_kind(e) == JV_KIND_STRING ? jv_copy(e)
                                              : jv_invalid();
    if (jv_get_kind(m) == JV_KIND_STRING) {
        char *r = redact_text(jv_string_value(m), (size_t)jv_string_length_bytes(jv_copy(m)),
                              REDACT_NORMAL, NULL, NULL);
        if (r) {
            size_t n = 0;
            for (; r[n] && n < LLM_ERROR_TEXT_MAX && n + 3 < size; n++)
                out[n] = (unsigned char)r[n] < 0x20 ? ' ' : r[n];
            out[n] = '\0';
            free(r);
        }
    }
    jv_free(m), jv_free(e), jv_free(o);
}

/* The answer's text: OpenAI's choices[0].message.content, Anthropic's text blocks. */
static char *answer_text(const struct llm_config *c, const struct body *b, struct heal_error *err)
{
    size_t off = 0;
    struct heal_error e;
    if (!b->data || jsoncheck(b->data, b->len, &off, &e) != 0) {
        heal_error_set(err, "malformed JSON from the server at byte %zu: %s", off,
                       b->data ? e.msg : "empty body");
        return NULL;
    }
    jv o = jv_parse_sized(b->data, (int)b->len);
    jv text = jv_invalid();
    if (c->provider == LLM_PROVIDER_ANTHROPIC) {
        jv content = jv_get_kind(o) == JV_KIND_OBJECT
                         ? jv_object_get(jv_copy(o), jv_string("content"))
                         : jv_invalid();
        int n = jv_get_kind(content) == JV_KIND_ARRAY ? jv_array_length(jv_copy(content)) : 0;
        for (int i = 0; i < n; i++) {
            jv block = jv_array_get(jv_copy(content), i);
            jv t = jv_get_kind(block) == JV_KIND_OBJECT
                       ? jv_object_get(jv_copy(block), jv_string("text"))
                       : jv_invalid();
            if (jv_get_kind(t) == JV_KIND_STRING)
                text = jv_is_valid(text) ? jv_string_concat(text, t) : t;
            else
                jv_free(t);
            jv_free(block);
        }
        jv_free(content);
    } else {
        jv choices = jv_get_kind(o) == JV_KIND_OBJECT
                         ? jv_object_get(jv_copy(o), jv_string("choices"))
                         : jv_invalid();
        jv first = jv_get_kind(choices) == JV_KIND_ARRAY && jv_array_length(jv_copy(choices)) > 0
                       ? jv_array_get(jv_copy(choices), 0)
                       : jv_invalid();
        jv msg = jv_get_kind(first) == JV_KIND_OBJECT
                     ? jv_object_get(jv_copy(first), jv_string("message"))
                     : jv_invalid();
        jv t = jv_get_kind(msg) == JV_KIND_OBJECT ? jv_object_get(jv_copy(msg), jv_string("content"))
                                                  : jv_invalid();
        if (jv_get_kind(t) == JV_KIND_STRING)
            text = t;
        else
            jv_free(t);
        jv_free(msg), jv_free(first), jv_free(choices);
    }
    jv_free(o);
    if (jv_get_kind(text) != JV_KIND_STRING) {
        jv_free(text);
        heal_error_set(err, "the server's answer has no text (%s)",
                       c->provider == LLM_PROVIDER_ANTHROPIC ? "content[].text"
                                                             : "choices[0].message.content");
        return NULL;
    }
    char *s = strndup(jv_string_value(text), (size_t)jv_string_length_bytes(jv_copy(text)));
    jv_free(text);
    if (!s)
        heal_error_set(err, "out of memory");
    return s;
}


/* One HTTP exchange.  Returns the curl code; *status and the body are filled. */
static CURLcode post(const struct curl_lib *curl, const struct llm_config *c, const char *json,
                     struct curl_slist *h, int64_t left_ms, struct body *b, long *status,
                     int64_t *retry_after_ms)
{
    CURL *e = curl->easy_init();
    if (!e)
        return CURLE_OUT_OF_MEMORY;
    int64_t connect = c->connect_timeout_ms < left_ms ? c->connect_timeout_ms : left_ms;
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                              \
    if (rc == CURLE_OK)                                                                            \
    rc = curl->easy_setopt(e, opt, val)
    SET(CURLOPT_URL, c->url);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, 0L); /* a redirect must not carry the key elsewhere */
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_HTTPHEADER, h);
    SET(CURLOPT_POSTFIELDS, json);
    SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(json));
    SET(CURLOPT_CONNECTTIMEOUT_MS, (long)(connect > 0 ? connect : 1));
    SET(CURLOPT_TIMEOUT_MS, (long)(left_ms > 0 ? left_ms : 1));
    SET(CURLOPT_USERAGENT, "heal/" HEAL_VERSION);
    SET(CURLOPT_WRITEFUNCTION, on_data);
    SET(CURLOPT_WRITEDATA, b);
#undef SET
    if (rc == CURLE_OK)
        rc = curl->easy_perform(e);
    *status = 0;
    curl->easy_getinfo(e, CURLINFO_RESPONSE_CODE, status);
    curl_off_t after = 0;
    *retry_after_ms = -1;
    if (curl->easy_getinfo(e, CURLINFO_RETRY_AFTER, &after) == CURLE_OK && after > 0)
        *retry_after_ms = (int64_t)after * 1000;
    curl->easy_cleanup(e);
    return rc;
}

static bool retryable(CURLcode rc, long status)
{
    if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_GOT_NOTHING || rc == CURLE_RECV_ERROR ||
        rc == CURLE_SEND_ERROR || rc == CURLE_COULDNT_RESOLVE_HOST)
        return true;
    return rc == CURLE_OK && (status == 429 || (status >= 500 && status <= 599));
}

char *llm_client_ask(const struct llm_config *c, const struct llm_request *r,
                     struct llm_call *call, struct heal_error *err)
{
    struct llm_call local = {0, 0, 0};
    struct heal_error unused;
    if (!err)
        err = &unused;
    if (!call)
        call = &local;
    *call = local;
    /* The first question loads libcurl (see curl_lib.h). */
    const struct curl_lib *curl = curl_lib_load(err);
    if (!curl)
        return NULL;
    int64_t start = clock_mono_ms(), deadline = start + c->timeout_ms;
    bool schema = c->json_schema && c->provider == LLM_PROVIDER_OPENAI;
    char *key = key_header(c);
    struct curl_slist *h = headers(curl, c, key);
    if (key) {
        explicit_bzero(key, strlen(key));
        free(key);
    }
    char *answer = NULL;
    if (!h) {
        heal_error_set(err, "out of memory");
        goto out;
    }
    int retries = c->retries;
    int64_t backoff = LLM_BACKOFF_MIN_MS;
    for (;;) {
        jv body = request_body(c, r, schema);
        jv dumped = jv_dump_string(body, 0);
        struct body b = {NULL, 0, false};
        long status = 0;
        int64_t retry_after = -1;
        call->attempts++;
        CURLcode rc = post(curl, c, jv_string_value(dumped), h, deadline - clock_mono_ms(), &b,
                           &status, &retry_after);
        jv_free(dumped);
        call->status = status;
        char detail[LLM_ERROR_TEXT_MAX + 4];
        server_error(&b, detail, sizeof detail);
        if (rc == CURLE_OK && status >= 200 && status <= 299) {
            answer = answer_text(c, &b, err);
            free(b.data);
            break;
        }
        free(b.data);
        if (b.too_big) {
            heal_error_set(err, "the server's answer is larger than %d bytes", LLM_BODY_MAX);
            break;
        }
        if (rc == CURLE_OK && status == 400 && schema) {
            schema = false; /* the server does not take response_format: ask plainly */
            continue;
        }
        if (rc == CURLE_OK)
            heal_error_set(err, "HTTP %ld from %s%s%s", status, llm_provider_name(c->provider),
                           detail[0] ? ": " : "", detail);
        else if (rc == CURLE_OPERATION_TIMEDOUT)
            heal_error_set(err, "no answer within %llds", (long long)(c->timeout_ms / 1000));
        else
            heal_error_set(err, "%s", curl->easy_strerror(rc));
        if (!retryable(rc, status) || retries-- <= 0)
            break;
        int64_t wait = retry_after >= 0 ? retry_after : backoff;
        if (wait > LLM_RETRY_AFTER_MAX_MS)
            wait = LLM_RETRY_AFTER_MAX_MS;
        backoff = backoff * 2 > LLM_BACKOFF_MAX_MS ? LLM_BACKOFF_MAX_MS : backoff * 2;
        if (clock_mono_ms() + wait >= deadline) {
            size_t n = strlen(err->msg);
            snprintf(err->msg + n, sizeof err->msg - n, " (a retry after %lldms would pass the %llds deadline)",
                     (long long)wait, (long long)(c->timeout_ms / 1000));
            break;
        }
        if (!signals_pause(wait)) {
            heal_error_set(err, "stopped by a signal while waiting to retry");
            break;
        }
    }
out:
    curl->slist_free_all(h);
    call->ms = clock_mono_ms() - start;
    return answer;
}
