/*
 * fuzz_jwt.c — libFuzzer harness for jwt_verify(): any bytes as a token,
 * checked against a fixed JWK Set (RS256, ES256 and Ed25519 keys whose
 * tokens seed the corpus) at a fixed time.  An accepted token must carry
 * the issuer, the audience and a live exp; a refused one must say why
 * with one of the reasons jwt_verify.h lists, never with the input.
 */
#include "jwt_verify.h"
#include "scratch.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NOW 1800000000
#define FUZZ_ISS "https://idp.fuzz/"
#define FUZZ_AUD "https://heal.fuzz/mcp"

static const char jwks[] =
    "{\"keys\":[{\"kid\":\"r1\",\"alg\":\"RS256\",\"use\":\"sig\",\"kty\":\"RSA\",\"n\":\"z3nm5"
    "4xIeg8rHZmp0q9JE7ir4oMPgj6iUSP5-yB3WrnYU6QodkDw6_-4uR8K8gDDxJCt0qkyfO3lkl7uJZIeTaBqkzHp2iR"
    "Zv73HgM1H0r__CvxaykLvWhPqjBi4MXNp85kf8Ybs7tqSYHgh3KmgzLOYvOsVhau6SkvhzrB9FoFISDWHfnjqYZA8f"
    "P6c7qwnmAZ76oK1aU4-AK1dAAywmO7iqsIUvw85WAATlAdxVaseUnadaCxH-zvgFz44M2XZN421nbRX8RfQcxFAFGK"
    "uV5ebIAI5awQICOnbcFHnK8mLIVOma4XRW_g2b9szx68WaBUh1jrEVlKyyxj0mjFStw\",\"e\":\"AQAB\"},{\"k"
    "id\":\"e1\",\"alg\":\"ES256\",\"use\":\"sig\",\"kty\":\"EC\",\"x\":\"bXYcUuCibeKC2kj3dziuN"
    "WLFkIP48XITZi2Jv2hUm80\",\"y\":\"COsNY10lrZFv6QB_UDjptqk6xLvCq0bVvnYg1_0HzX4\",\"crv\":\"P"
    "-256\"},{\"kid\":\"d1\",\"alg\":\"EdDSA\",\"use\":\"sig\",\"crv\":\"Ed25519\",\"x\":\"KpPN"
    "WmvMSH3PS8MCP8LVf_0GgkSYKKNe16F-25rKnaU\",\"kty\":\"OKP\"}]}";

static const char *const reasons[] = {
    "malformed",   "algorithm none refused", "algorithm not allowed",
    "unknown kid", "unusable key",           "bad signature",
    "expired",     "not yet valid",          "issued in the future",
    "no expiry",   "wrong issuer",           "wrong audience",
    "wrong type",  "crit header refused",    NULL,
};

static int known_reason(const char *r)
{
    for (int i = 0; reasons[i]; i++)
        if (strcmp(r, reasons[i]) == 0)
            return 1;
    if (!strcmp(r, "algorithm RS256 does not fit the key") ||
        !strcmp(r, "algorithm ES256 does not fit the key") ||
        !strcmp(r, "algorithm EdDSA does not fit the key"))
        return 1;
    size_t n = strlen(r);
    const char *tail = " not allowed";
    if (strncmp(r, "algorithm ", 10) != 0 || n < 10 + strlen(tail) + 1 || n > 10 + 16 + 12 ||
        strcmp(r + n - strlen(tail), tail) != 0)
        return 0;
    for (size_t i = 10; i < n - strlen(tail); i++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-_.", r[i]))
            return 0;
    return 1;
}

static char dir[SCRATCH_DIR_SIZE], path[PATH_MAX];

static void remove_scratch(void)
{
    scratch_remove(dir);
}

static struct jwt_verifier *make(bool at_jwt)
{
    if (!dir[0]) {
        scratch_make(dir, "fuzz-jwt");
        atexit(remove_scratch);
        snprintf(path, sizeof path, "%s/jwks.json", dir);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, jwks, sizeof jwks - 1) != (ssize_t)(sizeof jwks - 1))
            abort();
        close(fd);
    }
    struct jwt_verifier_config c = {FUZZ_ISS, FUZZ_AUD, path, NULL, 60, at_jwt};
    struct heal_error err;
    struct jwt_verifier *v = jwt_verifier_new(&c, &err);
    if (!v)
        abort();
    return v;
}

static void judge(struct jwt_verifier *v, const char *token)
{
    struct heal_error err = {{0}};
    jv claims;
    if (jwt_verify(v, token, FUZZ_NOW, &claims, &err) == 0) {
        jv iss = jv_object_get(jv_copy(claims), jv_string("iss"));
        jv exp = jv_object_get(jv_copy(claims), jv_string("exp"));
        if (jv_get_kind(iss) != JV_KIND_STRING || strcmp(jv_string_value(iss), FUZZ_ISS) != 0 ||
            jv_get_kind(exp) != JV_KIND_NUMBER || !(jv_number_value(exp) + 60 > FUZZ_NOW))
            abort();
        jv_free(iss), jv_free(exp), jv_free(claims);
        return;
    }
    if (jv_is_valid(claims) || !known_reason(err.msg))
        abort();
    jv_free(claims);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct jwt_verifier *plain, *at_jwt;
    if (!plain) {
        plain = make(false);
        at_jwt = make(true);
    }
    char *token = malloc(size + 1);
    if (!token)
        return 0;
    memcpy(token, data, size);
    token[size] = '\0';
    judge(plain, token);
    judge(at_jwt, token);
    free(token);
    return 0;
}
