/*
 * llm_answer.h — what a model said, read tolerantly and judged strictly.
 *
 * llm_answer_object() finds the JSON object in a model's text: the whole
 * text, else the first ``` fenced block that holds one, else the first
 * balanced {...} after any leading prose.  Every candidate passes
 * jsoncheck.h before jq sees it.
 *
 * The validators then accept only the fields heal asked for, with the
 * types and ranges it asked for; fields it did not ask for are ignored
 * (they are never read), a field it asked for that is wrong refuses the
 * whole answer.  What they return is a fresh object in normal form:
 *
 *   diagnosis  {"category": one of the fixed categories (catalog.h),
 *               "severity": "info"|"warning"|"critical" (default warning),
 *               "name": [a-z0-9_-]{1,48} (default "unclassified"),
 *               "summary": one line, 1..LLM_SUMMARY_MAX bytes,
 *               "confidence": 0..1}
 *   proposal   {"remedies": [{"id": string, "params": {name: string},
 *                             "why": string}] (at most LLM_REMEDIES_MAX),
 *               "command": [argv strings] ([] when none),
 *               "why": string}
 *
 * params may come as an object or as [{"name", "value"}] (the form the
 * strict schema asks for); argv elements hold no control bytes and argv[0]
 * is not empty.  Nothing here decides what may run: see propose.h and
 * apply.h.  jv ownership: the validators borrow the answer.
 */
#ifndef HEAL_LLM_ANSWER_H
#define HEAL_LLM_ANSWER_H

#include "error.h"

#include <jv.h>
#include <stddef.h>

#define LLM_ANSWER_TEXT_MAX (256 * 1024) /* bytes of model text looked at */
#define LLM_SUMMARY_MAX 400
#define LLM_WHY_MAX 1000
#define LLM_NAME_MAX 48
#define LLM_REMEDIES_MAX 8
#define LLM_PARAMS_MAX 16
#define LLM_VALUE_MAX 1024
#define LLM_ARGV_MAX 32
#define LLM_ARG_MAX 512

/* The JSON object in text[0..len), or an invalid jv with err. */
jv llm_answer_object(const char *text, size_t len, struct heal_error *err);

jv llm_answer_diagnosis(jv answer, struct heal_error *err);
jv llm_answer_proposal(jv answer, struct heal_error *err);

/* The JSON Schemas heal sends with its questions (fresh objects). */
jv llm_answer_diagnosis_schema(void);
jv llm_answer_proposal_schema(void);

#endif
