/* llm_start.c — from a program's options to a session, or to catalog-only (see llm_session.h). */
#include "llm_session.h"
#include "state.h"

#include <stdio.h>

static void warn_of(llm_note_fn *warn, void *ctx, const char *what, const char *why)
{
    char msg[HEAL_ERROR_SIZE + 128];
    snprintf(msg, sizeof msg, "%s: %s; catalog only", what, why);
    if (warn)
        warn(ctx, msg);
}

struct warner {
    llm_note_fn *warn;
    void *ctx;
};

/* heal.json's own problems (bad JSON, an untrusted file) are said as they come. */
static void config_problem(void *ctx, const char *message)
{
    struct warner *w = ctx;
    if (w->warn)
        w->warn(w->ctx, message);
}

int llm_start(const char *mode_text, const char *redact_text, const char *config_dir,
              const char *state_opt, llm_note_fn *warn, void *ctx, struct llm_config *cfg,
              enum llm_mode *mode, struct llm_session **session, struct heal_error *err)
{
    *session = NULL;
    *mode = LLM_OFF;
    *cfg = (struct llm_config){0};
    enum llm_mode asked = LLM_UNMATCHED;
    if (mode_text && llm_mode_parse(mode_text, &asked) != 0)
        return heal_error_set(err, "--llm: '%s' is not one of off, unmatched, always", mode_text);
    enum redact_level level = REDACT_NORMAL;
    if (redact_text && redact_level_parse(redact_text, &level) != 0)
        return heal_error_set(err, "--redact: '%s' is not one of normal, strict", redact_text);
    if (asked == LLM_OFF)
        return 0;
    struct warner w = {warn, ctx};
    struct heal_error e;
    if (llm_config_load(config_dir, config_problem, &w, cfg, &e) != 0) {
        warn_of(warn, ctx, "llm", e.msg);
        return 0;
    }
    if (!cfg->configured) {
        if (mode_text) /* asked for by name: say why nothing will be asked */
            warn_of(warn, ctx, "llm", "no endpoint configured (llm.url in heal.json, HEAL_LLM_URL "
                                      "or HEAL_LLM_PROVIDER)");
        return 0;
    }
    if (redact_text)
        cfg->redact = level;
    char state[STATE_PATH_MAX];
    if (state_dir_open(state_opt, state, &e) != 0 ||
        !(*session = llm_session_new(cfg, state, warn, ctx, &e))) {
        warn_of(warn, ctx, "llm", e.msg);
        return 0;
    }
    *mode = asked;
    return 0;
}
