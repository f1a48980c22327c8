/*
 * test_llm_answer.c — llm_answer.c: finding the JSON in a model's text and
 * judging its fields.
 */
#include "llm_answer.h"
#include "unit.h"

#include <string.h>

static jv object_of(const char *text)
{
    struct heal_error err;
    return llm_answer_object(text, strlen(text), &err);
}

/* The answer text judged by validate, dumped; or "refused: REASON". */
static char *judged(const char *text, jv (*validate)(jv, struct heal_error *))
{
    struct heal_error err;
    jv o = llm_answer_object(text, strlen(text), &err);
    jv v = jv_is_valid(o) ? validate(o, &err) : jv_invalid();
    jv_free(o);
    char *out;
    if (jv_is_valid(v)) {
        jv s = jv_dump_string(v, JV_PRINT_SORTED);
        out = strdup(jv_string_value(s));
        jv_free(s);
    } else {
        jv_free(v);
        size_t n = strlen(err.msg) + 10;
        out = malloc(n);
        snprintf(out, n, "refused: %s", err.msg);
    }
    return out;
}

static void expect_diagnosis(const char *text, const char *want)
{
    char *got = judged(text, llm_answer_diagnosis);
    CHECK_STR(got, want, "diagnosis of: %.60s", text);
    free(got);
}

static void expect_proposal(const char *text, const char *want)
{
    char *got = judged(text, llm_answer_proposal);
    CHECK_STR(got, want, "proposal of: %.60s", text);
    free(got);
}

#define GOOD "{\"category\":\"disk\",\"severity\":\"critical\",\"name\":\"var-full\"," \
             "\"summary\":\"/var is full\",\"confidence\":0.8}"
#define GOOD_NORMAL "{\"category\":\"disk\",\"confidence\":0.8,\"name\":\"var-full\"," \
                    "\"severity\":\"critical\",\"summary\":\"/var is full\"}"

int main(void)
{
    /* Finding the object. */
    expect_diagnosis(GOOD, GOOD_NORMAL);
    expect_diagnosis("  \n" GOOD "\n ", GOOD_NORMAL);
    expect_diagnosis("Sure! Here is the diagnosis:\n```json\n" GOOD "\n```\nHope it helps.",
                     GOOD_NORMAL);
    expect_diagnosis("```\n" GOOD "\n```", GOOD_NORMAL);
    expect_diagnosis("The answer is " GOOD " as requested.", GOOD_NORMAL);
    expect_diagnosis("{not json} then " GOOD, GOOD_NORMAL);
    expect_diagnosis("```json\n{broken\n```\nretry: " GOOD, GOOD_NORMAL);
    expect_diagnosis("text with a } brace and a { \"summary\": \"a } in a string\" } first",
                     "refused: 'category' must be one of the fixed categories (disk, memory, ...)");
    expect_diagnosis("no JSON here at all", "refused: no JSON object in the model's answer");
    expect_diagnosis("[1, 2, 3]", "refused: no JSON object in the model's answer");
    expect_diagnosis("", "refused: no JSON object in the model's answer");
    jv o = object_of("{\"a\": {\"b\": \"}\"}} trailing");
    CHECK(jv_get_kind(o) == JV_KIND_OBJECT, "a brace inside a string does not end the object");
    jv_free(o);

    /* Judging a diagnosis. */
    expect_diagnosis("{\"category\":\"cosmic\",\"summary\":\"x\",\"confidence\":0.5}",
                     "refused: 'category' must be one of the fixed categories (disk, memory, ...)");
    expect_diagnosis("{\"category\":\"disk\",\"summary\":\"x\",\"confidence\":1.5}",
                     "refused: 'confidence' must be a number from 0 to 1");
    expect_diagnosis("{\"category\":\"disk\",\"summary\":\"x\",\"confidence\":\"0.5\"}",
                     "refused: 'confidence' must be a number from 0 to 1");
    expect_diagnosis("{\"category\":\"disk\",\"summary\":\"\",\"confidence\":0.5}",
                     "refused: 'summary' must be 1 to 400 bytes, not 0");
    expect_diagnosis("{\"category\":\"disk\",\"summary\":\"a\\u0007b\",\"confidence\":0.5}",
                     "refused: 'summary' holds the control byte 0x07");
    expect_diagnosis("{\"category\":\"disk\",\"severity\":\"doom\",\"summary\":\"x\","
                     "\"confidence\":0.5}",
                     "refused: 'severity' must be info, warning or critical");
    expect_diagnosis("{\"category\":\"disk\",\"name\":\"rm -rf /\",\"summary\":\"x\","
                     "\"confidence\":0.5}",
                     "refused: 'name' must be 1 to 48 of a-z, 0-9, '_' and '-'");
    /* Defaults, normalising, and fields nobody asked for are dropped. */
    expect_diagnosis("{\"category\":\"dns\",\"summary\":\"line one\\nline two\",\"confidence\":0,"
                     "\"name\":\"Resolver Down\",\"command\":[\"rm\",\"-rf\",\"/\"]}",
                     "{\"category\":\"dns\",\"confidence\":0,\"name\":\"resolver-down\","
                     "\"severity\":\"warning\",\"summary\":\"line one line two\"}");

    /* Judging a proposal. */
    expect_proposal("{\"remedies\":[{\"id\":\"service.restart\",\"params\":[{\"name\":\"unit\","
                    "\"value\":\"nginx\"}],\"why\":\"down\"}],\"command\":[\"systemctl\",\"status\"],"
                    "\"why\":\"w\"}",
                    "{\"command\":[\"systemctl\",\"status\"],\"remedies\":[{\"id\":\"service.restart\","
                    "\"params\":{\"unit\":\"nginx\"},\"why\":\"down\"}],\"why\":\"w\"}");
    expect_proposal("{\"remedies\":[{\"id\":\"a\",\"params\":{\"unit\":\"x; rm\"}}]}",
                    "{\"command\":[],\"remedies\":[{\"id\":\"a\",\"params\":{\"unit\":\"x; rm\"},"
                    "\"why\":\"\"}],\"why\":\"\"}");
    expect_proposal("{\"remedies\":[{\"id\":\"Bad Id\"}]}",
                    "refused: a remedy 'id' must be a playbook id (a-z, 0-9, '.', '_', '-')");
    expect_proposal("{\"remedies\":[{\"id\":\"a\",\"params\":{\"Unit\":\"x\"}}]}",
                    "refused: parameter name 'Unit' is not a-z, 0-9 and '_'");
    expect_proposal("{\"remedies\":[{\"id\":\"a\",\"params\":{\"unit\":7}}]}",
                    "refused: a parameter's name and value must be strings");
    expect_proposal("{\"command\":\"rm -rf /\"}",
                    "refused: 'command' must be an array of at most 32 strings");
    expect_proposal("{\"command\":[\"echo\",\"a\\nb\"]}",
                    "refused: 'command' element 1 must be a string of up to 512 printable bytes");
    expect_proposal("{\"command\":[\"\"]}",
                    "refused: 'command' element 0 must be a string of up to 512 printable bytes");
    expect_proposal("{\"remedies\":[{\"id\":\"a\"},{\"id\":\"b\"},{\"id\":\"c\"},{\"id\":\"d\"},"
                    "{\"id\":\"e\"},{\"id\":\"f\"},{\"id\":\"g\"},{\"id\":\"h\"},{\"id\":\"i\"}]}",
                    "refused: 'remedies' must be an array of at most 8");
    expect_proposal("{}", "{\"command\":[],\"remedies\":[],\"why\":\"\"}");

    /* The schemas sent are what strict servers want: every property required. */
    jv s = llm_answer_diagnosis_schema();
    jv req = jv_object_get(jv_copy(s), jv_string("required"));
    CHECK(jv_array_length(req) == 5, "the diagnosis schema requires all five fields");
    jv cats = jv_getpath(jv_copy(s), jv_parse("[\"properties\",\"category\",\"enum\"]"));
    CHECK(jv_array_length(cats) == 21, "the diagnosis schema lists the 21 categories");
    jv_free(s);
    s = llm_answer_proposal_schema();
    CHECK(jv_get_kind(s) == JV_KIND_OBJECT, "the proposal schema is an object");
    jv_free(s);
    return unit_done();
}
