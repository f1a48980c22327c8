/*
 * fuzz_jwks.c — libFuzzer harness for the JWK Set parser: any bytes as a
 * key set, then the keys chosen for each algorithm with and without a
 * kid.  A chosen key must be usable and of the algorithm's type, at most
 * JWKS_CANDIDATES_MAX of them; every refusal says why; nothing leaks.
 */
#include "jwks.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jwks set;
    struct heal_error err = {{0}};
    if (jwks_parse((const char *)data, size, &set, &err) < 0) {
        if (!err.msg[0])
            abort();
        return 0;
    }
    static const char *const kids[] = {NULL, "r1", "e1", ""};
    for (int a = 0; a < JWK_ALG_COUNT; a++)
        for (size_t k = 0; k < sizeof kids / sizeof *kids; k++) {
            const struct jwk *c[JWKS_CANDIDATES_MAX];
            size_t n;
            enum jwks_choice got = jwks_choose(&set, kids[k], (enum jwk_alg)a, c, &n);
            if ((got == JWKS_FOUND) != (n > 0) || n > JWKS_CANDIDATES_MAX)
                abort();
            for (size_t i = 0; i < n; i++)
                if (!c[i]->pkey || c[i]->fits != (enum jwk_alg)a)
                    abort();
        }
    for (size_t i = 0; i < set.count; i++)
        if (!set.keys[i].pkey && !set.keys[i].unusable)
            abort();
    jwks_clear(&set);
    return 0;
}
