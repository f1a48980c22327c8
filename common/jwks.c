/* jwks.c — a JWK Set parsed into keys, and the candidates for a token; see jwks.h. */
#include "jwks.h"

#include "jsoncheck.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int jwks_parse(const char *text, size_t len, struct jwks *set, struct heal_error *err)
{
    struct heal_error why;
    size_t at;
    set->keys = NULL;
    set->count = 0;
    if (jsoncheck(text, len, &at, &why) < 0)
        return heal_error_set(err, "not JSON (byte %zu: %s)", at, why.msg);
    jv doc = jv_parse_sized(text, (int)len);
    jv keys = jv_get_kind(doc) == JV_KIND_OBJECT ? jv_object_get(jv_copy(doc), jv_string("keys"))
                                                 : jv_invalid();
    jv_free(doc);
    if (jv_get_kind(keys) != JV_KIND_ARRAY) {
        jv_free(keys);
        return heal_error_set(err, "not a key set (an object with a \"keys\" array)");
    }
    int n = jv_array_length(jv_copy(keys));
    if (n > JWKS_KEYS_MAX) {
        jv_free(keys);
        return heal_error_set(err, "%d keys, more than %d", n, JWKS_KEYS_MAX);
    }
    set->keys = calloc((size_t)(n > 0 ? n : 1), sizeof *set->keys);
    if (!set->keys) {
        jv_free(keys);
        return heal_error_set(err, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        jv key = jv_array_get(jv_copy(keys), i);
        jwk_from_json(key, &set->keys[set->count++]); /* kept even when unusable */
        jv_free(key);
    }
    jv_free(keys);
    return 0;
}

void jwks_clear(struct jwks *set)
{
    for (size_t i = 0; i < set->count; i++)
        jwk_clear(&set->keys[i]);
    free(set->keys);
    set->keys = NULL;
    set->count = 0;
}

/* A key's own alg, when it has one, pins it to that algorithm (RFC 7517 §4.4). */
static bool fits(const struct jwk *k, enum jwk_alg alg)
{
    return k->pkey && k->fits == alg && (!k->alg || strcmp(k->alg, jwk_alg_name(alg)) == 0);
}

enum jwks_choice jwks_choose(const struct jwks *set, const char *kid, enum jwk_alg alg,
                             const struct jwk *candidates[JWKS_CANDIDATES_MAX], size_t *count)
{
    bool named = false, usable = false;
    *count = 0;
    for (size_t i = 0; i < set->count && *count < JWKS_CANDIDATES_MAX; i++) {
        const struct jwk *k = &set->keys[i];
        if (kid && (!k->kid || strcmp(k->kid, kid) != 0))
            continue;
        named = true;
        usable = usable || k->pkey;
        if (fits(k, alg))
            candidates[(*count)++] = k;
    }
    if (*count > 0)
        return JWKS_FOUND;
    if (!kid || !named)
        return JWKS_UNKNOWN_KID;
    return usable ? JWKS_MISFIT : JWKS_UNUSABLE;
}
