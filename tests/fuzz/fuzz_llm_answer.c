/*
 * fuzz_llm_answer.c — libFuzzer harness for the model-answer reader.
 *
 * Any text either yields no object or an object that both validators
 * judge without crashing; whatever they accept must hold what heal relies
 * on (a fixed category, a confidence in [0, 1], one-line text, argv
 * elements without control bytes), else the harness aborts and the fuzzer
 * keeps the input.
 */
#include "catalog.h"
#include "llm_answer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void no_controls(jv s)
{
    const char *v = jv_string_value(s);
    int n = jv_string_length_bytes(jv_copy(s));
    for (int i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
            abort();
}

static void judge_diagnosis(jv o)
{
    struct heal_error err;
    jv d = llm_answer_diagnosis(o, &err);
    if (!jv_is_valid(d)) {
        if (!err.msg[0])
            abort(); /* every refusal says why */
        jv_free(d);
        return;
    }
    jv cat = jv_object_get(jv_copy(d), jv_string("category"));
    jv conf = jv_object_get(jv_copy(d), jv_string("confidence"));
    jv sum = jv_object_get(jv_copy(d), jv_string("summary"));
    if (catalog_category_index(jv_string_value(cat)) < 0 || jv_number_value(conf) < 0 ||
        jv_number_value(conf) > 1 || jv_string_length_bytes(jv_copy(sum)) == 0)
        abort();
    no_controls(sum);
    jv_free(cat), jv_free(conf), jv_free(sum), jv_free(d);
}

static void judge_proposal(jv o)
{
    struct heal_error err;
    jv p = llm_answer_proposal(o, &err);
    if (!jv_is_valid(p)) {
        jv_free(p);
        return;
    }
    jv cmd = jv_object_get(jv_copy(p), jv_string("command"));
    int n = jv_array_length(jv_copy(cmd));
    if (n > LLM_ARGV_MAX)
        abort();
    for (int i = 0; i < n; i++) {
        jv a = jv_array_get(jv_copy(cmd), i);
        no_controls(a);
        jv_free(a);
    }
    jv rs = jv_object_get(jv_copy(p), jv_string("remedies"));
    if (jv_array_length(rs) > LLM_REMEDIES_MAX)
        abort();
    jv_free(cmd), jv_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct heal_error err;
    jv o = llm_answer_object((const char *)data, size, &err);
    if (!jv_is_valid(o)) {
        jv_free(o);
        return 0;
    }
    if (jv_get_kind(o) != JV_KIND_OBJECT)
        abort();
    judge_diagnosis(o);
    judge_proposal(o);
    jv_free(o);
    return 0;
}
