/*
 * llm_client.h — one question to a language model over HTTP (libcurl).
 *
 * OpenAI-compatible servers get POST /v1/chat/completions with a system and
 * a user message, temperature 0, and — when the config allows it — a
 * response_format of type json_schema, so a server that supports it can
 * only answer in the schema; a server that refuses that field with HTTP
 * 400 is asked once more without it.  Anthropic gets POST /v1/messages
 * with x-api-key and anthropic-version headers; its answer is free text
 * that llm_answer.h reads tolerantly.
 *
 * Every call is bounded: connect timeout, one total deadline over all
 * attempts (config timeout_ms), an answer body of at most LLM_BODY_MAX
 * bytes (a bigger one is cut off and refused), no redirects, http and
 * https only.  A 429, a 5xx or a failed connection is retried up to
 * config retries times, after the server's Retry-After when it gives one
 * (capped at LLM_RETRY_AFTER_MAX_MS) and else after a back-off doubling
 * from LLM_BACKOFF_MIN_MS to LLM_BACKOFF_MAX_MS; a wait that would pass
 * the deadline is not waited.  SIGTERM/SIGINT cut a wait short.
 *
 * The caller has redacted what it sends.  Error messages never hold the
 * API key; they may hold the server's own error text, cut short.
 * Not thread-safe (curl's global init happens on first use).
 */
#ifndef HEAL_LLM_CLIENT_H
#define HEAL_LLM_CLIENT_H

#include "error.h"
#include "llm_config.h"

#include <jv.h>

#define LLM_BODY_MAX (1024 * 1024)
#define LLM_RETRY_AFTER_MAX_MS 30000
#define LLM_BACKOFF_MIN_MS 500
#define LLM_BACKOFF_MAX_MS 8000
#define LLM_ANTHROPIC_VERSION "2023-06-01"

struct llm_request {
    const char *system; /* instructions */
    const char *user;   /* the question and its (redacted) evidence */
    const char *schema_name;
    jv schema; /* borrowed: JSON Schema of the answer object */
};

struct llm_call {
    int attempts;  /* HTTP requests made */
    long status;   /* HTTP status of the last one, 0 if none answered */
    int64_t ms;    /* wall time of the whole call */
};

/*
 * Asks the model.  Returns the text of its answer (malloc'd,
 * NUL-terminated; the caller frees it), or NULL with err saying why in
 * one line.  *call (may be NULL) tells what it took.
 */
char *llm_client_ask(const struct llm_config *c, const struct llm_request *r,
                     struct llm_call *call, struct heal_error *err);

#endif
