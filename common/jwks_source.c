/* jwks_source.c — the key set loaded lazily, cached and refreshed; see jwks_source.h. */
#include "jwks_source.h"

#include "atomicfile.h"
#include "jwks_discover.h"
#include "jwks_http.h"
#include "jwt_verify.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JWKS_REASON_MAX 200

struct jwks_source {
    pthread_mutex_t lock;
    char *issuer;
    char *location;  /* NULL until discovered */
    bool url;        /* location is fetched, not read */
    struct jwks set; /* valid when loaded */
    bool loaded, tried;
    int64_t expires_s; /* the set's time is up at this second */
    int64_t tried_s;   /* the last load attempt, successful or not */
    char last_error[JWKS_REASON_MAX];
};

struct jwks_source *jwks_source_new(const char *issuer, const char *location,
                                    struct heal_error *err)
{
    if (!location && !jwks_http_url(issuer)) {
        heal_error_set(err, "no JWKS given, and the issuer is not an https URL (http only on "
                            "loopback) to discover it from");
        return NULL;
    }
    if (location && strstr(location, "://") && !jwks_http_url(location)) {
        heal_error_set(err, "the JWKS URL is not https (http only on loopback)");
        return NULL;
    }
    struct jwks_source *s = calloc(1, sizeof *s);
    if (!s || !(s->issuer = strdup(issuer)) || (location && !(s->location = strdup(location)))) {
        if (s)
            free(s->issuer);
        free(s);
        heal_error_set(err, "out of memory");
        return NULL;
    }
    s->url = !location || jwks_http_url(location);
    pthread_mutex_init(&s->lock, NULL);
    return s;
}

void jwks_source_free(struct jwks_source *s)
{
    if (!s)
        return;
    if (s->loaded)
        jwks_clear(&s->set);
    pthread_mutex_destroy(&s->lock);
    free(s->issuer);
    free(s->location);
    free(s);
}

static int64_t bounded_age(int64_t max_age_s)
{
    if (max_age_s < 0)
        return JWKS_CACHE_DEFAULT_S;
    if (max_age_s < JWKS_CACHE_MIN_S)
        return JWKS_CACHE_MIN_S;
    return max_age_s > JWKS_CACHE_MAX_S ? JWKS_CACHE_MAX_S : max_age_s;
}

/* The set's text from wherever it lives; -1 with err. */
static int read_text(struct jwks_source *s, char **text, size_t *len, int64_t *max_age_s,
                     struct heal_error *err)
{
    *max_age_s = -1;
    if (!s->location) {
        if (!(s->location = jwks_discover(s->issuer, err)))
            return -1;
    }
    if (s->url)
        return jwks_http_get(s->location, JWT_JWKS_MAX, text, len, max_age_s, err);
    int rc = atomicfile_read(s->location, JWT_JWKS_MAX, text, len, err);
    if (rc == 1)
        heal_error_set(err, "%s: no such file", s->location);
    return rc == 0 ? 0 : -1;
}

static void load(struct jwks_source *s, int64_t now_s)
{
    char *text = NULL;
    size_t len;
    int64_t max_age;
    struct heal_error why;
    struct jwks fresh;
    s->tried = true;
    s->tried_s = now_s;
    if (read_text(s, &text, &len, &max_age, &why) < 0 || jwks_parse(text, len, &fresh, &why) < 0) {
        snprintf(s->last_error, sizeof s->last_error, "%.199s", why.msg);
        free(text);
        return;
    }
    free(text);
    if (s->loaded)
        jwks_clear(&s->set);
    s->set = fresh;
    s->loaded = true;
    s->expires_s = now_s + bounded_age(max_age);
}

static bool may_try(const struct jwks_source *s, int64_t now_s)
{
    return !s->tried || now_s < s->tried_s || now_s - s->tried_s >= JWT_REFETCH_MIN_S;
}

int jwks_source_choose(struct jwks_source *s, int64_t now_s, const char *kid, enum jwk_alg alg,
                       struct jwks_key keys[JWKS_CANDIDATES_MAX], size_t *count,
                       struct heal_error *err)
{
    const struct jwk *found[JWKS_CANDIDATES_MAX];
    *count = 0;
    pthread_mutex_lock(&s->lock);
    bool stale = !s->loaded || now_s >= s->expires_s || now_s < s->expires_s - JWKS_CACHE_MAX_S;
    if (stale && may_try(s, now_s))
        load(s, now_s);
    if (!s->loaded) {
        heal_error_set(err, "keys unavailable: %s", s->last_error);
        pthread_mutex_unlock(&s->lock);
        return -1;
    }
    size_t n;
    enum jwks_choice c = jwks_choose(&s->set, kid, alg, found, &n);
    if (c == JWKS_UNKNOWN_KID && may_try(s, now_s)) {
        load(s, now_s);
        c = jwks_choose(&s->set, kid, alg, found, &n);
    }
    for (size_t i = 0; c == JWKS_FOUND && i < n; i++) {
        EVP_PKEY_up_ref(found[i]->pkey);
        keys[i].pkey = found[i]->pkey;
        keys[i].fits = found[i]->fits;
    }
    *count = c == JWKS_FOUND ? n : 0;
    pthread_mutex_unlock(&s->lock);
    return (int)c;
}

void jwks_keys_release(struct jwks_key *keys, size_t count)
{
    for (size_t i = 0; i < count; i++)
        EVP_PKEY_free(keys[i].pkey);
}
