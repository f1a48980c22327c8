/*
 * llm_analyze.h — heal-analyze's second opinion: a model for what the
 * catalog does not know.
 *
 * Diagnoses on their way out pass through llm_analyst_diagnosis().  With
 * mode unmatched, an unknown.unclassified diagnosis (analyzer "none") is
 * sent with bounded evidence (the failed check's name, kind, status,
 * summary, output and evidence); the answer replaces it with an ordinary
 * diagnosis, analyzer "llm", signature CATEGORY.llm-NAME, the model's
 * category (one of the fixed list), severity and root cause.  With mode
 * always, catalog diagnoses are sent too and the model's one follows
 * them, naming the catalog's signature under `related` with role
 * "agrees" or "disagrees".  Confidence is capped at LLM_CONFIDENCE_CAP
 * unless a catalog signature of the same category agrees.
 *
 * Text lines that read like failures (llm_failure_line) and that no
 * signature matches arrive through llm_analyst_text_line() (the
 * analyzer's unmatched hook).  They are grouped by their normalised text
 * (numbers, ids and times stripped, as the cache key is) within the
 * window, so a flood of one line is one group and one question; a group
 * is asked about when its window closes, when LLM_GROUPS_MAX groups are
 * open, or at llm_analyst_flush(), and becomes a diagnosis with count,
 * first_seen and last_seen.
 *
 * Whatever fails — no answer, a refused answer, the budget — the catalog's
 * diagnosis goes out unchanged (a text group goes out as nothing more than
 * it was: nothing), and why is said in one line through warn; the same
 * failure again is said at debug level only.  Records go to emit, which
 * consumes them.
 */
#ifndef HEAL_LLM_ANALYZE_H
#define HEAL_LLM_ANALYZE_H

#include "analyze.h"
#include "llm_session.h"

#include <jv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LLM_CONFIDENCE_CAP 0.7
#define LLM_CONFIDENCE_AGREED 0.99
#define LLM_GROUPS_MAX 256
#define LLM_GROUP_LINES 5

typedef void llm_log_fn(void *ctx, bool debug, const char *message);

struct llm_analyst;

/* session is borrowed and must outlive the analyst. */
struct llm_analyst *llm_analyst_new(struct llm_session *session, enum llm_mode mode,
                                    int64_t window_ms, analyze_emit_fn *emit, void *emit_ctx,
                                    llm_log_fn *log, void *log_ctx);
void llm_analyst_free(struct llm_analyst *la);

/* Whether a line reads like a failure: error, fatal, panic, denied, refused, ... */
bool llm_failure_line(const char *line, size_t len);

/* The analyzer's unmatched hook (ctx is the analyst). */
void llm_analyst_text_line(void *ctx, const char *line, size_t len, int64_t at_ms);

/* A diagnosis (consumed) and the check it came from (borrowed; may be NULL). */
void llm_analyst_diagnosis(struct llm_analyst *la, jv diagnosis, const jv *check);

/* Asks about every open text group. */
void llm_analyst_flush(struct llm_analyst *la);

/* Diagnoses the model made. */
uint64_t llm_analyst_diagnoses(const struct llm_analyst *la);

#endif
