/* jwks_http.c — a capped, redirect-free GET with libcurl; see jwks_http.h. */
#include "jwks_http.h"

#include "jwt_verify.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define JWKS_HTTP_CONNECT_MS 2000

struct download {
    char *data;
    size_t len, max;
    bool too_big;
    int64_t max_age_s;
};

/* Whether the authority of an http:// URL is a loopback address (no userinfo, which could
 * hide another host behind a loopback-looking prefix). */
static bool loopback_authority(const char *a)
{
    size_t len = strcspn(a, "/?#");
    if (memchr(a, '@', len))
        return false;
    if (strncmp(a, "[::1]", 5) == 0)
        return len == 5 || a[5] == ':';
    size_t host = strcspn(a, ":/?#");
    if (host == 9 && strncasecmp(a, "localhost", 9) == 0)
        return true;
    if (host < 4 || strncmp(a, "127.", 4) != 0)
        return false;
    for (size_t i = 4; i < host; i++)
        if (!isdigit((unsigned char)a[i]) && a[i] != '.')
            return false;
    return true;
}

bool jwks_http_url(const char *s)
{
    if (strncmp(s, "https://", 8) == 0)
        return s[8] != '\0';
    return strncmp(s, "http://", 7) == 0 && loopback_authority(s + 7);
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    struct download *d = ctx;
    size_t add = size * n;
    if (add > d->max - d->len) {
        d->too_big = true;
        return 0; /* stops the transfer: CURLE_WRITE_ERROR */
    }
    char *grown = realloc(d->data, d->len + add + 1);
    if (!grown)
        return 0;
    memcpy(grown + d->len, p, add);
    d->data = grown;
    d->len += add;
    d->data[d->len] = '\0';
    return add;
}

void jwks_http_cache_control(const char *line, size_t len, int64_t *max_age_s)
{
    static const char name[] = "cache-control:";
    if (len < sizeof name - 1 || strncasecmp(line, name, sizeof name - 1) != 0)
        return;
    size_t i = sizeof name - 1;
    while (i < len) {
        while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == ','))
            i++;
        size_t start = i;
        while (i < len && line[i] != ',' && line[i] != '\r' && line[i] != '\n')
            i++;
        if (i == start)
            return; /* the line's end */
        const char *d = line + start;
        size_t dlen = i - start;
        if ((dlen == 8 && strncasecmp(d, "no-store", 8) == 0) ||
            (dlen == 8 && strncasecmp(d, "no-cache", 8) == 0)) {
            *max_age_s = 0;
            return;
        }
        if (dlen > 8 && strncasecmp(d, "max-age=", 8) == 0) {
            int64_t v = 0;
            size_t j = 8;
            for (; j < dlen && isdigit((unsigned char)d[j]) && v < 100000000; j++)
                v = v * 10 + (d[j] - '0');
            if (j > 8)
                *max_age_s = v;
        }
    }
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
    struct download *d = ctx;
    jwks_http_cache_control(p, size * n, &d->max_age_s);
    return size * n;
}

int jwks_http_get(const char *url, size_t max, char **body, size_t *len, int64_t *max_age_s,
                  struct heal_error *err)
{
    struct download d = {NULL, 0, max, false, -1};
    char curl_error[CURL_ERROR_SIZE] = "";
    *body = NULL;
    CURL *e = curl_easy_init();
    if (!e)
        return heal_error_set(err, "out of memory");
    struct curl_slist *h =
        curl_slist_append(NULL, "Accept: application/json, application/jwk-set+json");
    CURLcode rc = h ? CURLE_OK : CURLE_OUT_OF_MEMORY;
#define SET(opt, val)                                                                              \
    if (rc == CURLE_OK)                                                                            \
    rc = curl_easy_setopt(e, opt, val)
    SET(CURLOPT_URL, url);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, 0L); /* keys come from where the configuration says, only */
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_CONNECTTIMEOUT_MS, (long)JWKS_HTTP_CONNECT_MS);
    SET(CURLOPT_TIMEOUT_MS, (long)JWT_FETCH_TIMEOUT_MS);
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
    SET(CURLOPT_USERAGENT, "heal/" HEAL_VERSION);
    SET(CURLOPT_HTTPHEADER, h);
    SET(CURLOPT_ERRORBUFFER, curl_error);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, &d);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, &d);
#undef SET
    if (rc == CURLE_OK)
        rc = curl_easy_perform(e);
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(e);
    curl_slist_free_all(h);
    int out = -1;
    if (d.too_big || rc == CURLE_FILESIZE_EXCEEDED)
        heal_error_set(err, "larger than %zu bytes", max);
    else if (rc != CURLE_OK)
        heal_error_set(err, "%s", curl_error[0] ? curl_error : curl_easy_strerror(rc));
    else if (status != 200)
        heal_error_set(err, "HTTP %ld", status);
    else if (!d.data)
        heal_error_set(err, "empty answer");
    else
        out = 0;
    if (out < 0) {
        free(d.data);
        return -1;
    }
    *body = d.data;
    *len = d.len;
    *max_age_s = d.max_age_s;
    return 0;
}
