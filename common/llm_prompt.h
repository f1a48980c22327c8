/*
 * llm_prompt.h — the text of a question to a model, with bounded evidence.
 *
 * Framing lines are heal's own words; evidence is untrusted text (log
 * lines, check output), fenced between EVIDENCE_BEGIN and EVIDENCE_END
 * lines and counted against a budget of bytes: what does not fit is cut
 * at a UTF-8 boundary and the cut is said.  Redaction is the session's
 * job (llm_session.h), done on the whole text.
 */
#ifndef HEAL_LLM_PROMPT_H
#define HEAL_LLM_PROMPT_H

#include <jv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define LLM_EVIDENCE_BEGIN "<<<evidence"
#define LLM_EVIDENCE_END "evidence>>>"

struct llm_prompt {
    FILE *f;
    char *text;
    size_t len;
    size_t budget; /* evidence bytes left */
};

/* 0, or -1 when out of memory. */
int llm_prompt_open(struct llm_prompt *p, size_t evidence_budget);

void llm_prompt_line(struct llm_prompt *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* One fenced block of evidence under a label (text may hold newlines). */
void llm_prompt_evidence(struct llm_prompt *p, const char *label, const char *text, size_t len);

/* A JSON value (borrowed) as evidence: strings as they are, the rest as JSON. */
void llm_prompt_evidence_jv(struct llm_prompt *p, const char *label, jv value);

/* The text (malloc'd; the caller frees it), or NULL when out of memory. */
char *llm_prompt_close(struct llm_prompt *p, size_t *len);

#endif
