/*
 * propose.h — from one diagnosis to one proposal: ranked remedies.
 *
 * The candidates are the playbook remedies whose applies_to matches the
 * diagnosis signature, those the diagnosis' own `remedies` list names,
 * and — when the diagnosis is `transient` — every wait remedy; each one
 * only if playbook_fill() can fill all its parameters from the
 * diagnosis' labels and facts.  The others are listed under `dropped`
 * with the reason, as is a suggested remedy the playbook does not have.
 *
 * score = confidence × success × penalty, where confidence is the
 * diagnosis', success comes from history (history.h), and penalty is
 * low 1.0, medium 0.7, high 0.4, times 1 − 0.05·(complexity − 1).  Best
 * first; ties keep playbook order.
 *
 * jv ownership: propose_diagnosis borrows the diagnosis.
 */
#ifndef HEAL_PROPOSE_H
#define HEAL_PROPOSE_H

#include "history.h"
#include "playbook.h"

#include <jv.h>
#include <stdbool.h>

#define PROPOSE_SUGGESTED_MAX 64 /* names read from a diagnosis' remedies list */

double propose_penalty(enum playbook_risk risk, int complexity);

/*
 * Returns the proposal record for diagnosis d (borrowed), derived from it
 * (parent, trace, target, labels), or jv_invalid() with err when d cannot
 * be used (no signature, confidence not a number in [0, 1]).  h may be NULL
 * (no history).
 */
jv propose_diagnosis(const struct playbook *pb, const struct history *h, jv d,
                     struct heal_error *err);

/*
 * The proposal (borrowed) as a numbered plan for a terminal: per candidate
 * the exact argv, its precondition, how it is verified and undone, risk,
 * approval and why; then what was dropped.  Outside text has its control
 * characters shown as '?'; colour only when asked.  Returns malloc'd text
 * (the caller frees it and writes it), or NULL when out of memory.
 */
char *propose_plan(const jv *proposal, bool color);

/*
 * What a model may add (llm_propose.h).  A diagnosis made by a model
 * (analyzer "llm") makes every candidate of its proposal source "llm",
 * approval "required", and marks the proposal analyzer "llm".
 */
#define PROPOSE_LLM_COMMAND "llm:command" /* never a playbook id: ':' is not allowed in one */

/*
 * Remedy r as a model picked it for diagnosis d (borrowed), with params
 * (borrowed: parameter name -> value) that fill its fact-sourced
 * parameters over d's facts; labels only from d.  Filled by playbook_fill,
 * so every value is judged as any other.  Returns the candidate (source
 * "llm", approval "required", why quoted in its rationale), or invalid
 * with err naming the refused parameter.
 */
jv propose_llm_candidate(const struct remedy *r, const struct history *h, jv d, jv params,
                         const char *why, double confidence, struct heal_error *err);

/* A command a model suggested (argv consumed): shown to an operator, never run by heal. */
jv propose_command_candidate(jv argv, const char *why, double confidence);

#endif
