/*
 * llm_session.h — asking a model safely: redact, bound, remember, budget.
 *
 * One session per process.  A question's text is redacted (the config's
 * level), cut to its bound, and normalised into a cache key
 * (llm_cache.h).  The answer then comes from, in order: what this process
 * already got for the same key (answers and failures both: a flood of one
 * failure costs one call at most), the cache in $STATE_DIR/llm-cache, and
 * only then the model — if the hourly budget allows and calls are not
 * paused.  After LLM_PAUSE_AFTER failed calls in a row, calls pause for
 * LLM_PAUSE_MS, so a dead endpoint costs the pipeline two timeouts, not
 * one per failure.  A model's text is read with llm_answer_object() and
 * judged by the question's validator before it is cached or returned.
 *
 * Failures come back as one line in err, for the caller to log once and
 * fall back to catalog-only output.  Side notes (the cache could not be
 * written, calls paused) go to the note callback.  Not thread-safe.
 */
#ifndef HEAL_LLM_SESSION_H
#define HEAL_LLM_SESSION_H

#include "error.h"
#include "llm_config.h"

#include <jv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LLM_PAUSE_AFTER 2
#define LLM_PAUSE_MS (5 * 60 * 1000)
#define LLM_PROMPT_SLACK 4096 /* bytes of framing allowed beyond max_evidence */

/* The --llm and --redact entries of a popt table, for the programs that ask a model. */
#define LLM_POPT_OPTIONS(mode_text, redact_text)                                                   \
    {"llm", '\0', POPT_ARG_STRING, (mode_text), 0,                                                 \
     "ask a model: off, unmatched (default when an endpoint is configured) or always", "MODE"},    \
    {                                                                                              \
        "redact", '\0', POPT_ARG_STRING, (redact_text), 0,                                         \
            "what a model may not see: normal (secrets) or strict (also addresses, host names)",   \
            "LEVEL"                                                                                \
    }

/* When the model is asked: never, for what the catalog does not know, or for every failure. */
enum llm_mode { LLM_OFF, LLM_UNMATCHED, LLM_ALWAYS };

/* "off", "unmatched", "always"; 0, or -1 for anything else. */
int llm_mode_parse(const char *s, enum llm_mode *mode);

typedef void llm_note_fn(void *ctx, const char *message);
/* Judges an answer (borrowed); returns its normal form, or invalid with err. */
typedef jv llm_validate_fn(jv answer, struct heal_error *err);

struct llm_question {
    const char *kind;   /* "diagnose", "propose": part of the cache key */
    const char *system; /* fixed instructions (not redacted: ours) */
    const char *user;   /* the evidence and the question: redacted here */
    size_t user_len;
    const char *schema_name;
    jv schema; /* borrowed */
    llm_validate_fn *validate;
};

struct llm_session_stats {
    unsigned long asked, calls, remembered, cached, failed;
};

struct llm_session;

/*
 * cfg is borrowed and must outlive the session.  state_dir may be NULL:
 * then nothing is cached on disk and no call is made (the budget lives
 * there).  Returns NULL with err when the cache directory cannot be made.
 */
struct llm_session *llm_session_new(const struct llm_config *cfg, const char *state_dir,
                                    llm_note_fn *note, void *note_ctx, struct heal_error *err);
void llm_session_free(struct llm_session *s);

/* The judged answer (owned by the caller), or an invalid jv with err. */
jv llm_session_ask(struct llm_session *s, const struct llm_question *q, struct heal_error *err);

/* "N questions: N model calls, N remembered, N cached, N failed" into buf. */
void llm_session_describe(const struct llm_session *s, char *buf, size_t size);

/* Whether the last failed ask only repeated a failure this process had already seen. */
bool llm_session_recalled(const struct llm_session *s);

/* The config the session asks with (borrowed). */
const struct llm_config *llm_session_config(const struct llm_session *s);

/*
 * How a program starts asking (llm_start.c): parses --llm (mode_text;
 * NULL: unmatched when an endpoint is configured, else off) and --redact
 * (redact_text; NULL: the config's), loads the config from config_dir
 * (may be NULL) and opens a session on the state directory (state_opt as
 * --state-dir gives it).  Returns -1 with err only for a bad option value
 * (a usage error).  Anything else that stands in the way — no endpoint,
 * a bad llm object, no state directory — is said through warn, and 0 is
 * returned with *mode LLM_OFF and *session NULL: heal runs catalog-only.
 * Free *cfg with llm_config_free and *session with llm_session_free.
 */
int llm_start(const char *mode_text, const char *redact_text, const char *config_dir,
              const char *state_opt, llm_note_fn *warn, void *ctx, struct llm_config *cfg,
              enum llm_mode *mode, struct llm_session **session, struct heal_error *err);

#endif
