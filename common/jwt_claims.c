/* jwt_claims.c — iss, aud, exp, nbf and iat at a given time; see jwt_claims.h. */
#include "jwt_claims.h"

#include <stdbool.h>
#include <string.h>

static bool string_is(jv s, const char *want)
{
    return jv_get_kind(s) == JV_KIND_STRING && strcmp(jv_string_value(s), want) == 0;
}

static bool audience_holds(jv aud, const char *audience)
{
    if (jv_get_kind(aud) != JV_KIND_ARRAY)
        return string_is(aud, audience);
    bool found = false;
    jv_array_foreach(aud, i, one)
    {
        found = found || string_is(one, audience);
        jv_free(one);
    }
    return found;
}

/* A NumericDate (RFC 7519 §2) member: 1 present and a number, 0 absent, -1 anything else. */
static int date_of(jv claims, const char *name, double *t)
{
    jv v = jv_object_get(jv_copy(claims), jv_string(name));
    int rc = !jv_is_valid(v) ? 0 : jv_get_kind(v) == JV_KIND_NUMBER ? 1 : -1;
    if (rc == 1)
        *t = jv_number_value(v);
    jv_free(v);
    return rc;
}

const char *jwt_claims_check(jv claims, const char *issuer, const char *audience, int64_t now_s,
                             int64_t leeway_s)
{
    jv iss = jv_object_get(jv_copy(claims), jv_string("iss"));
    bool iss_ok = string_is(iss, issuer);
    jv_free(iss);
    if (!iss_ok)
        return "wrong issuer";
    jv aud = jv_object_get(jv_copy(claims), jv_string("aud"));
    bool aud_ok = audience_holds(aud, audience);
    jv_free(aud);
    if (!aud_ok)
        return "wrong audience";
    double exp, nbf, iat, now = (double)now_s, leeway = (double)leeway_s;
    int has_exp = date_of(claims, "exp", &exp), has_nbf = date_of(claims, "nbf", &nbf),
        has_iat = date_of(claims, "iat", &iat);
    if (has_exp < 0 || has_nbf < 0 || has_iat < 0)
        return "malformed";
    if (has_exp == 0)
        return "no expiry";
    if (!(now < exp + leeway))
        return "expired";
    if (has_nbf && nbf > now + leeway)
        return "not yet valid";
    if (has_iat && iat > now + leeway)
        return "issued in the future";
    return NULL;
}
