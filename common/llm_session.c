/* llm_session.c — redact, remember, cache, budget, then ask (see llm_session.h). */
#include "llm_session.h"
#include "clock.h"
#include "duration.h"
#include "llm_answer.h"
#include "llm_cache.h"
#include "llm_client.h"
#include "redact.h"
#include "state.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LLM_MEMO_MAX 4096 /* questions remembered by one process */

struct llm_session {
    const struct llm_config *cfg;
    char cache_dir[STATE_PATH_MAX]; /* "" when there is no state dir */
    llm_note_fn *note;
    void *note_ctx;
    jv memo; /* key -> {"answer": ...} or {"error": "..."} */
    int failures_in_row;
    bool recalled; /* the last ask failed as it had before */
    int64_t paused_until_mono;
    struct llm_session_stats stats;
};

int llm_mode_parse(const char *s, enum llm_mode *mode)
{
    if (!s)
        return -1;
    if (!strcmp(s, "off"))
        *mode = LLM_OFF;
    else if (!strcmp(s, "unmatched"))
        *mode = LLM_UNMATCHED;
    else if (!strcmp(s, "always"))
        *mode = LLM_ALWAYS;
    else
        return -1;
    return 0;
}

struct llm_session *llm_session_new(const struct llm_config *cfg, const char *state_dir,
                                    llm_note_fn *note, void *note_ctx, struct heal_error *err)
{
    struct llm_session *s = calloc(1, sizeof *s);
    if (!s) {
        heal_error_set(err, "out of memory");
        return NULL;
    }
    if (state_dir && state_subdir(state_dir, STATE_LLM_CACHE_DIR, s->cache_dir, err) != 0) {
        free(s);
        return NULL;
    }
    s->cfg = cfg;
    s->note = note;
    s->note_ctx = note_ctx;
    s->memo = jv_object();
    return s;
}

void llm_session_free(struct llm_session *s)
{
    if (!s)
        return;
    jv_free(s->memo);
    free(s);
}

void llm_session_describe(const struct llm_session *s, char *buf, size_t size)
{
    snprintf(buf, size, "%lu questions: %lu model calls, %lu remembered, %lu cached, %lu failed",
             s->stats.asked, s->stats.calls, s->stats.remembered, s->stats.cached,
             s->stats.failed);
}

bool llm_session_recalled(const struct llm_session *s)
{
    return s->recalled;
}

const struct llm_config *llm_session_config(const struct llm_session *s)
{
    return s->cfg;
}

static void note(const struct llm_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void note(const struct llm_session *s, const char *fmt, ...)
{
    if (!s->note)
        return;
    char msg[HEAL_ERROR_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    s->note(s->note_ctx, msg);
}

/* Remembers the outcome for key (a failure for LLM_PAUSE_MS); consumes what. */
static void remember(struct llm_session *s, const char *key, const char *field, jv what)
{
    if (jv_object_length(jv_copy(s->memo)) >= LLM_MEMO_MAX) {
        jv_free(s->memo); /* a long run of distinct failures: start over, the cache remains */
        s->memo = jv_object();
    }
    jv o = jv_object_set(jv_object(), jv_string(field), what);
    o = jv_object_set(o, jv_string("at"), jv_number((double)clock_mono_ms()));
    s->memo = jv_object_set(s->memo, jv_string(key), o);
}

/* What this process already got for key: 1 an answer, -1 a recent failure (err), 0 nothing. */
static int recall(struct llm_session *s, const char *key, jv *answer, struct heal_error *err)
{
    jv seen = jv_object_get(jv_copy(s->memo), jv_string(key));
    int rc = 0;
    if (jv_is_valid(seen)) {
        jv a = jv_object_get(jv_copy(seen), jv_string("answer"));
        jv e = jv_object_get(jv_copy(seen), jv_string("error"));
        jv at = jv_object_get(jv_copy(seen), jv_string("at"));
        if (jv_is_valid(a)) {
            *answer = jv_copy(a);
            rc = 1;
        } else if (clock_mono_ms() - (int64_t)jv_number_value(at) < LLM_PAUSE_MS) {
            heal_error_set(err, "%s (as before)", jv_string_value(e));
            rc = -1;
        }
        jv_free(a), jv_free(e), jv_free(at);
    }
    jv_free(seen);
    return rc;
}

/* The redacted question, cut at a UTF-8 boundary to its bound. */
static char *redacted_question(const struct llm_session *s, const struct llm_question *q,
                               size_t *len)
{
    char *r = redact_text(q->user, q->user_len, s->cfg->redact, len, NULL);
    size_t max = s->cfg->max_evidence + LLM_PROMPT_SLACK;
    if (r && *len > max) {
        size_t n = max;
        while (n > 0 && ((unsigned char)r[n] & 0xc0) == 0x80)
            n--;
        r[n] = '\0';
        *len = n;
    }
    return r;
}

/* A model's text, found and judged. */
static jv judge(const struct llm_question *q, const char *text, struct heal_error *err)
{
    struct heal_error e;
    jv obj = llm_answer_object(text, strlen(text), &e);
    if (!jv_is_valid(obj)) {
        heal_error_set(err, "answer refused: %s", e.msg);
        return obj;
    }
    jv a = q->validate(obj, &e);
    jv_free(obj);
    if (!jv_is_valid(a))
        heal_error_set(err, "answer refused: %s", e.msg);
    return a;
}

static jv call_model(struct llm_session *s, const struct llm_question *q, const char *user,
                     const char *key, struct heal_error *err)
{
    int64_t now = clock_mono_ms();
    if (now < s->paused_until_mono) {
        char left[DURATION_FORMAT_SIZE];
        duration_format(s->paused_until_mono - now, left, sizeof left);
        heal_error_set(err, "model calls paused for another %s after %d failures in a row", left,
                       LLM_PAUSE_AFTER);
        return jv_invalid();
    }
    if (!s->cache_dir[0]) {
        heal_error_set(err, "no state directory for the call budget: not asking");
        return jv_invalid();
    }
    int64_t next = 0;
    struct heal_error e;
    int b = llm_budget_take(s->cache_dir, s->cfg->calls_per_hour, clock_now_ms(), &next, &e);
    if (b < 0) {
        heal_error_set(err, "call budget: %s", e.msg);
        return jv_invalid();
    }
    if (b > 0) {
        heal_error_set(err, "call budget spent: %d calls in the last hour (llm.max_calls_per_hour)",
                       s->cfg->calls_per_hour);
        return jv_invalid();
    }
    struct llm_request r = {q->system, user, q->schema_name, q->schema};
    struct llm_call call;
    s->stats.calls++;
    char *text = llm_client_ask(s->cfg, &r, &call, &e);
    jv a = text ? judge(q, text, err) : jv_invalid();
    if (!text)
        heal_error_set(err, "%s", e.msg);
    free(text);
    if (!jv_is_valid(a)) {
        if (++s->failures_in_row >= LLM_PAUSE_AFTER) {
            s->paused_until_mono = clock_mono_ms() + LLM_PAUSE_MS;
            note(s, "%d model calls failed in a row: pausing calls for 5m", s->failures_in_row);
            s->failures_in_row = 0;
        }
        return a;
    }
    s->failures_in_row = 0;
    if (llm_cache_put(s->cache_dir, key, a, &e) != 0)
        note(s, "cache: %s", e.msg);
    return a;
}

jv llm_session_ask(struct llm_session *s, const struct llm_question *q, struct heal_error *err)
{
    struct heal_error unused;
    if (!err)
        err = &unused;
    s->stats.asked++;
    s->recalled = false;
    size_t len = 0;
    char *user = redacted_question(s, q, &len);
    char *key = user ? llm_cache_key(q->kind, s->cfg->model, user, len) : NULL;
    jv answer = jv_invalid();
    if (!key) {
        heal_error_set(err, "out of memory");
        goto out;
    }
    int known = recall(s, key, &answer, err);
    if (known != 0) {
        if (known > 0)
            s->stats.remembered++;
        else
            s->stats.failed++;
        s->recalled = known < 0;
        goto out;
    }
    struct heal_error e;
    jv stored;
    if (s->cache_dir[0] && llm_cache_get(s->cache_dir, key, s->cfg->cache_ttl_ms, &stored, &e) == 1) {
        answer = q->validate(stored, &e);
        jv_free(stored);
        if (jv_is_valid(answer)) {
            s->stats.cached++;
            remember(s, key, "answer", jv_copy(answer));
            goto out;
        }
        jv_free(answer);
    }
    answer = call_model(s, q, user, key, err);
    if (jv_is_valid(answer)) {
        remember(s, key, "answer", jv_copy(answer));
    } else {
        s->stats.failed++;
        remember(s, key, "error", jv_string(err->msg));
    }
out:
    free(key);
    free(user);
    return answer;
}
