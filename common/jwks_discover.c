/* jwks_discover.c — an issuer's jwks_uri from its metadata; see jwks_discover.h. */
#include "jwks_discover.h"

#include "jsoncheck.h"
#include "jwks_http.h"
#include "jwt_verify.h"

#include <jv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int jwks_discover_urls(const char *issuer, char **oidc, char **oauth)
{
    *oidc = *oauth = NULL;
    if (!jwks_http_url(issuer))
        return -1;
    size_t len = strlen(issuer);
    while (len > 0 && issuer[len - 1] == '/')
        len--;
    const char *host = strstr(issuer, "://") + 3;
    const char *path = host + strcspn(host, "/");
    size_t path_len = (size_t)(issuer + len > path ? issuer + len - path : 0);
    if (asprintf(oidc, "%.*s/.well-known/openid-configuration", (int)len, issuer) < 0)
        *oidc = NULL;
    if (asprintf(oauth, "%.*s/.well-known/oauth-authorization-server%.*s", (int)(path - issuer),
                 issuer, (int)path_len, path) < 0)
        *oauth = NULL;
    if (!*oidc || !*oauth) {
        free(*oidc), free(*oauth);
        *oidc = *oauth = NULL;
        return -1;
    }
    return 0;
}

/* The jwks_uri of one metadata document, or NULL with why. */
static char *jwks_uri_of(const char *url, const char *issuer, struct heal_error *why)
{
    char *body;
    size_t len;
    int64_t max_age;
    if (jwks_http_get(url, JWT_JWKS_MAX, &body, &len, &max_age, why) < 0)
        return NULL;
    char *uri = NULL;
    if (jsoncheck(body, len, NULL, NULL) < 0) {
        heal_error_set(why, "not JSON");
        free(body);
        return NULL;
    }
    jv doc = jv_parse_sized(body, (int)len);
    free(body);
    jv iss = jv_get_kind(doc) == JV_KIND_OBJECT ? jv_object_get(jv_copy(doc), jv_string("issuer"))
                                                : jv_invalid();
    jv jwks = jv_get_kind(doc) == JV_KIND_OBJECT
                  ? jv_object_get(jv_copy(doc), jv_string("jwks_uri"))
                  : jv_invalid();
    if (jv_get_kind(iss) != JV_KIND_STRING || strcmp(jv_string_value(iss), issuer) != 0)
        heal_error_set(why, "the document is for another issuer");
    else if (jv_get_kind(jwks) != JV_KIND_STRING || !jwks_http_url(jv_string_value(jwks)))
        heal_error_set(why, "no https jwks_uri (http only on loopback)");
    else if (!(uri = strdup(jv_string_value(jwks))))
        heal_error_set(why, "out of memory");
    jv_free(iss), jv_free(jwks), jv_free(doc);
    return uri;
}

char *jwks_discover(const char *issuer, struct heal_error *err)
{
    char *oidc, *oauth;
    if (jwks_discover_urls(issuer, &oidc, &oauth) < 0) {
        heal_error_set(err, "the issuer is not an https URL (http only on loopback)");
        return NULL;
    }
    struct heal_error first, second;
    char *uri = jwks_uri_of(oidc, issuer, &first);
    if (!uri && !(uri = jwks_uri_of(oauth, issuer, &second)))
        heal_error_set(err, "openid-configuration: %.200s; oauth-authorization-server: %.200s",
                       first.msg, second.msg);
    free(oidc), free(oauth);
    return uri;
}
