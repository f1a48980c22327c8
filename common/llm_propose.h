/*
 * llm_propose.h — heal-propose asks a model when the playbook has nothing.
 *
 * For a diagnosis whose proposal has no candidate (every diagnosis with
 * mode always), the model is shown the diagnosis (signature, category,
 * summary, facts, evidence: bounded and redacted by the session) and the
 * playbook's remedies (id, title, risk, parameters with their patterns),
 * and may answer with remedies by id with parameter values, and with one
 * command.  Each remedy it names is filled by propose_llm_candidate() —
 * playbook_fill(), so a value is judged as any other — and becomes a
 * candidate with source "llm", approval "required"; one it names that the
 * playbook lacks, or whose values are refused, is listed under `dropped`
 * with the reason.  The command becomes the candidate "llm:command"
 * (propose.h), shown to an operator and never run by heal-apply.
 *
 * On any failure the proposal goes out as the playbook made it and why
 * is said in one line through log.  jv ownership: the diagnosis is
 * borrowed, the proposal consumed and the result returned.
 */
#ifndef HEAL_LLM_PROPOSE_H
#define HEAL_LLM_PROPOSE_H

#include "history.h"
#include "llm_analyze.h"
#include "llm_session.h"
#include "playbook.h"

#include <jv.h>

#define LLM_PLAYBOOK_SHOWN 64 /* remedies listed to the model */

jv llm_propose(struct llm_session *s, enum llm_mode mode, const struct playbook *pb,
               const struct history *h, jv diagnosis, jv proposal, llm_log_fn *log, void *ctx);

#endif
