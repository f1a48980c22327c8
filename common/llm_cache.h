/*
 * llm_cache.h — answers kept, and calls counted, in $STATE_DIR/llm-cache/.
 *
 * A question's key is its redacted text normalised so that repeats of one
 * failure meet: every run of letters and digits that holds a digit becomes
 * "#" when it is hex or 6 bytes or longer (ids, hashes, UUID parts, long
 * numbers) and has its digit runs replaced by "#" otherwise (web01 ->
 * web#), and blanks
 * collapse to one space.  Timestamps so read "#-#-#T#:#:#.#Z" whatever the
 * time.  The kind of question and the model are part of the key.
 *
 * An entry is ENTRY.json named by a 64-bit FNV-1a of the key; it holds the
 * key itself, so a hash collision is a miss, never a wrong answer.  Entries
 * older than the TTL (by clock.h, so HEAL_NOW moves them) are misses.
 * Writes are atomic (atomicfile.h), without fsync: it is a cache.
 *
 * The budget is a list of call times in budget.txt, read and rewritten
 * under an flock of budget.lock, so heal-analyze and heal-propose running
 * side by side share one allowance of calls per rolling hour.
 *
 * Functions return 0 or as documented, -1 with err on I/O trouble.
 */
#ifndef HEAL_LLM_CACHE_H
#define HEAL_LLM_CACHE_H

#include "error.h"

#include <jv.h>
#include <stddef.h>
#include <stdint.h>

#define LLM_CACHE_KEY_MAX (512 * 1024) /* bytes of a normalised key */
#define LLM_CACHE_ENTRY_MAX (2 * 1024 * 1024)
#define LLM_BUDGET_WINDOW_MS (3600LL * 1000)
#define LLM_BUDGET_FILE "budget.txt"
#define LLM_BUDGET_LOCK "budget.lock"

/*
 * The normalised key of a question: "KIND\nMODEL\n" then the normalised
 * text.  malloc'd; NULL when out of memory.
 */
char *llm_cache_key(const char *kind, const char *model, const char *text, size_t len);

/* Its file name: 16 hex digits and ".json" (out has 22 bytes). */
void llm_cache_name(const char *key, char out[22]);

/*
 * Looks key up in cache_dir (the llm-cache directory).  Returns 1 with the
 * stored answer in *answer (owned by the caller), 0 on a miss (none,
 * expired, another key, unreadable), -1 on an error worth reporting.
 */
int llm_cache_get(const char *cache_dir, const char *key, int64_t ttl_ms, jv *answer,
                  struct heal_error *err);

/* Stores answer (borrowed) under key. */
int llm_cache_put(const char *cache_dir, const char *key, jv answer, struct heal_error *err);

/*
 * Takes one call from the budget of per_hour calls in the hour before
 * now_ms.  Returns 0 when taken, 1 when the budget is spent (*next_ms then
 * says when a call frees up), -1 on error.
 */
int llm_budget_take(const char *cache_dir, int per_hour, int64_t now_ms, int64_t *next_ms,
                    struct heal_error *err);

#endif
