/*
 * llm_config.h — which language-model endpoint heal may ask, and how.
 *
 * Read from the `llm` object of heal.json in the configuration directory
 * (through config.h's loader, so its trust checks apply; no other key of
 * heal.json is looked at here), then overridden by the environment:
 * HEAL_LLM_PROVIDER, HEAL_LLM_URL, HEAL_LLM_MODEL, HEAL_LLM_API_KEY and
 * HEAL_LLM_API_KEY_FILE.  An endpoint is configured when a URL or a
 * provider is given; it then needs a model.
 *
 * The key is read from HEAL_LLM_API_KEY, else from the file HEAL_LLM_API_KEY_FILE
 * or llm.api_key_file names (owned by root or us, no access for group or
 * others), never from heal.json itself.  It is kept only in the struct;
 * no message built here contains it.
 *
 * Providers: "openai" speaks OpenAI's /v1/chat/completions (OpenAI, vLLM,
 * llama.cpp's server, Ollama, LM Studio, most gateways); "anthropic"
 * speaks Anthropic's /v1/messages.  A base URL gets the provider's path
 * appended unless it already ends in it.
 */
#ifndef HEAL_LLM_CONFIG_H
#define HEAL_LLM_CONFIG_H

#include "config.h"
#include "error.h"
#include "redact.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LLM_URL_MAX 2048
#define LLM_MODEL_MAX 256
#define LLM_KEY_MAX 4096 /* bytes of an API key (file) */

#define LLM_CONNECT_TIMEOUT_DEFAULT_MS 5000
#define LLM_TIMEOUT_DEFAULT_MS 30000
#define LLM_RETRIES_DEFAULT 2
#define LLM_RETRIES_MAX 5
#define LLM_CALLS_PER_HOUR_DEFAULT 60
#define LLM_CACHE_TTL_DEFAULT_MS (24LL * 3600 * 1000)
#define LLM_EVIDENCE_DEFAULT 8192
#define LLM_EVIDENCE_MAX (256 * 1024)
#define LLM_MAX_TOKENS_DEFAULT 1024

enum llm_provider { LLM_PROVIDER_OPENAI, LLM_PROVIDER_ANTHROPIC };

struct llm_config {
    bool configured; /* an endpoint is set */
    enum llm_provider provider;
    char url[LLM_URL_MAX]; /* the full endpoint URL */
    char model[LLM_MODEL_MAX];
    char *api_key; /* NULL when none; never logged */
    int64_t connect_timeout_ms, timeout_ms; /* timeout_ms bounds a whole call, retries included */
    int retries;                            /* after a 429, a 5xx or a failed connection */
    int calls_per_hour;                     /* across heal's programs, kept in the state dir */
    int64_t cache_ttl_ms;
    size_t max_evidence; /* bytes of evidence sent per call */
    int max_tokens;
    bool json_schema; /* ask an OpenAI-compatible server for schema-constrained output */
    enum redact_level redact;
};

/* "openai" or "anthropic". */
const char *llm_provider_name(enum llm_provider p);

/*
 * Fills *c from config_dir/heal.json (config_dir may be NULL) and the
 * environment.  Problems of heal.json itself go to report (may be NULL).
 * Returns 0 (c->configured says whether there is an endpoint), or -1 with
 * err when the `llm` object or the environment is wrong: then nothing is
 * configured.  Free with llm_config_free either way.
 */
int llm_config_load(const char *config_dir, config_error_fn *report, void *ctx,
                    struct llm_config *c, struct heal_error *err);

/* The same from an `llm` object (borrowed) and the environment: for tests. */
int llm_config_from_json(jv llm, struct llm_config *c, struct heal_error *err);

void llm_config_free(struct llm_config *c);

#endif
