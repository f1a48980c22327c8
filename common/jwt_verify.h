/*
 * jwt_verify.h — JWT access tokens (RFC 7519, RFC 9068) verified against
 * an issuer's JSON Web Key Set, with OpenSSL 3 directly.
 *
 * Why OpenSSL and not libjwt or libcjose: OpenSSL 3 is already here
 * (libcurl is built on it), it does RS256, ES256 and Ed25519, and
 * verifying by hand keeps the algorithm decision ours: the key's type
 * (kty/crv) and the token's alg must agree and be on the allow-list, so
 * `none` and HS256-signed-with-the-public-key cannot be accepted by
 * construction, since no HMAC or unsigned path exists at all.
 *
 * Keys come from a JWKS file or URL (fetched with libcurl, no redirects,
 * size and time capped, cached; fetched again when a token names an
 * unknown kid, at most once per JWT_REFETCH_MIN_S), or are discovered
 * from the issuer's metadata (ISSUER/.well-known/openid-configuration,
 * then /.well-known/oauth-authorization-server): its jwks_uri.
 *
 * jv ownership: jwt_verify() gives the caller the claims on success.
 */
#ifndef HEAL_JWT_VERIFY_H
#define HEAL_JWT_VERIFY_H

#include "error.h"

#include <jv.h>
#include <stdbool.h>
#include <stdint.h>

#define JWT_TOKEN_MAX (16 * 1024)
#define JWT_JWKS_MAX (256 * 1024)
#define JWT_REFETCH_MIN_S 10
#define JWT_FETCH_TIMEOUT_MS 5000

struct jwt_verifier_config {
    const char *issuer;            /* iss must equal it exactly */
    const char *audience;          /* aud (string or array) must contain it */
    const char *jwks;              /* file path or http(s) URL; NULL: discover from issuer */
    const char *const *algorithms; /* NULL-terminated; NULL: RS256, ES256, EdDSA */
    int64_t leeway_s;              /* allowed clock skew on exp, nbf, iat */
    bool require_at_jwt;           /* header typ must be at+jwt or application/at+jwt */
};

struct jwt_verifier;

/* Keys are loaded lazily at the first token, so a slow issuer does not stop start-up. */
struct jwt_verifier *jwt_verifier_new(const struct jwt_verifier_config *cfg,
                                      struct heal_error *err);
void jwt_verifier_free(struct jwt_verifier *v);

/*
 * 0 with *claims (caller's) when the token is well-formed, signed by a
 * key of the issuer with an allowed algorithm, and its iss, aud, exp,
 * nbf, iat (and typ when required) hold at now_s.  Else -1 with *claims
 * invalid (jv_free harmless) and err holding a short reason fit for a log
 * line, a metrics label and a WWW-Authenticate error description; it never
 * holds the token.  The reasons, exactly:
 *   "malformed"                     not three base64url parts, header or payload not a
 *                                   JSON object, no alg, a kid or a date of the wrong type,
 *                                   longer than JWT_TOKEN_MAX
 *   "algorithm none refused"        alg none, in any case
 *   "algorithm HS256 not allowed"   any alg not verified or not on the allow-list (the name
 *                                   is shown when it is one: [A-Za-z0-9+-_.]{1,16}; else
 *                                   "algorithm not allowed")
 *   "algorithm ES256 does not fit the key"  the kid's key is of another type, or its own
 *                                   alg member names another algorithm
 *   "crit header refused"           a crit header (no extension is understood)
 *   "wrong type"                    typ not at+jwt when require_at_jwt
 *   "unknown kid"                   no key with that kid, even after fetching the set again
 *                                   (no kid: no key of the algorithm's type)
 *   "unusable key"                  the kid's key cannot be used (RSA < 2048 bits, another
 *                                   curve, use other than sig, ...)
 *   "bad signature"                 (an ES256 signature must be 64 bytes)
 *   "wrong issuer", "wrong audience", "expired", "not yet valid",
 *   "issued in the future"          iat after now + leeway
 *   "no expiry"                     no exp claim
 *   "keys unavailable: REASON"      no key set could be loaded (REASON from the file or fetch)
 * A verifier may be shared by threads: its key cache has a lock of its own.
 */
int jwt_verify(struct jwt_verifier *v, const char *token, int64_t now_s, jv *claims,
               struct heal_error *err);

#endif
