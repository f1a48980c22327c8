/*
 * jwt_claims.h — the registered claims of a JWT access token judged at a
 * given time (RFC 7519 §4.1, RFC 9068 §4): iss equal to the issuer, aud
 * (a string or an array) holding the audience, exp required and not past,
 * nbf and iat, when present, not ahead; each with leeway_s of clock skew.
 *
 * jv ownership: borrows claims.
 */
#ifndef HEAL_JWT_CLAIMS_H
#define HEAL_JWT_CLAIMS_H

#include <jv.h>
#include <stdint.h>

/* NULL when the claims hold, else the reason (static text, as jwt_verify.h lists). */
const char *jwt_claims_check(jv claims, const char *issuer, const char *audience, int64_t now_s,
                             int64_t leeway_s);

#endif
