/* apply.c — from a proposal to an outcome: judge, lock, run, verify, undo (see apply.h). */
#include "apply.h"
#include "apply_state.h"
#include "clock.h"
#include "duration.h"
#include "lock.h"
#include "record.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define APPLY_REASON_MAX 2048
#define APPLY_ARGV_TEXT_MAX 512 /* bytes of an argv quoted in a reason */

/* One candidate of the proposal as we judged it. */
struct cand {
    jv json;        /* the candidate as received (owned copy) */
    const char *id; /* its remedy id, borrowed from json; "?" when absent */
    const struct remedy *r;
    struct playbook_filled f;
    bool filled, llm;
    const char *refusal; /* action when refused ("denied", ...), NULL while allowed */
    char reason[APPLY_REASON_MAX];
    int attempt;
};

/* One proposal being handled. */
struct job {
    const struct apply_config *c;
    const jv *proposal;
    const char *target, *trace, *signature;
    const struct check_def *def; /* our check for the target, or NULL */
    jv labels;                   /* its labels: the only ones we trust */
    bool from_llm;               /* the proposal answers a model's diagnosis */
    struct cand *cs;
    int n;
};

static void why(struct cand *c, const char *action, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void why(struct cand *c, const char *action, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->reason, sizeof c->reason, fmt, ap);
    va_end(ap);
    c->refusal = action;
}

/* An argv as a person would type it, for reasons and plans. */
static void argv_text(char *const *argv, char *out, size_t size)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; argv && argv[i] && n + 1 < size; i++) {
        bool plain = *argv[i] && strspn(argv[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvw"
                                                 "xyz0123456789_./:=@%+,-") == strlen(argv[i]);
        int w = snprintf(out + n, size - n, "%s%s%s%s", i ? " " : "", plain ? "" : "'", argv[i],
                         plain ? "" : "'");
        n = w < 0 ? n : n + (size_t)w >= size ? size - 1 : n + (size_t)w;
    }
}

static const struct check_def *find_check(const struct check_set *set, const char *target)
{
    for (size_t i = 0; set && i < set->n; i++)
        if (!strcmp(set->defs[i].target, target))
            return &set->defs[i];
    return NULL;
}

static jv outcome_new(const struct job *j, const struct cand *c, const char *action,
                      const char *result)
{
    jv o = record_derive("outcome", jv_copy(*j->proposal));
    o = jv_object_delete(o, jv_string("labels"));
    if (jv_object_length(jv_copy(j->labels)) > 0)
        o = jv_object_set(o, jv_string("labels"), jv_copy(j->labels));
    o = jv_object_set(o, jv_string("remedy"), jv_string(c->id));
    o = jv_object_set(o, jv_string("action"), jv_string(action));
    o = jv_object_set(o, jv_string("result"), jv_string(result));
    if (j->signature)
        o = jv_object_set(o, jv_string("signature"), jv_string(j->signature));
    o = jv_object_set(o, jv_string("source"), jv_string(c->llm ? "llm" : "playbook"));
    if (c->filled && c->f.argv)
        o = jv_object_set(o, jv_string("argv"), playbook_argv_json(c->f.argv));
    return o;
}

static void emit_refusal(const struct job *j, const struct cand *c)
{
    jv o = outcome_new(j, c, c->refusal, "none");
    if (c->attempt > 0)
        o = jv_object_set(o, jv_string("attempt"), jv_number(c->attempt));
    j->c->emit(j->c->emit_ctx, jv_object_set(o, jv_string("reason"), jv_string(c->reason)));
}

/* The candidate's parameter values become facts, for playbook_fill to judge. */
static int facts_of(struct cand *c, jv *facts)
{
    jv params = jv_object_get(jv_copy(c->json), jv_string("params"));
    *facts = jv_object();
    for (size_t i = 0; i < c->r->nparams; i++) {
        const struct playbook_param *p = &c->r->params[i];
        if (p->source != PLAYBOOK_SOURCE_FACT || jv_get_kind(params) != JV_KIND_OBJECT)
            continue;
        jv v = jv_object_get(jv_copy(params), jv_string(p->name));
        if (jv_get_kind(v) == JV_KIND_STRING) {
            *facts = jv_object_set(*facts, jv_string(p->key), v);
        } else if (jv_is_valid(v)) {
            jv_free(v);
            jv_free(params);
            why(c, "denied", "parameter '%s' (fact '%s'): value is not a string", p->name, p->key);
            return -1;
        } else {
            jv_free(v);
        }
    }
    jv_free(params);
    return 0;
}

/* What the playbook and the policy say, before looking at the target's history. */
static void judge_static(const struct job *j, struct cand *c)
{
    const struct apply_config *cfg = j->c;
    jv src = jv_object_get(jv_copy(c->json), jv_string("source"));
    jv approval_v = jv_object_get(jv_copy(c->json), jv_string("approval"));
    /* Anything but our playbook's own word is treated as a model's suggestion, and so is
     * whatever was proposed for a diagnosis a model made. */
    c->llm = (jv_get_kind(src) == JV_KIND_STRING && strcmp(jv_string_value(src), "playbook") != 0) ||
             j->from_llm;
    /* An approval the record asks for is never waived, whatever our playbook says. */
    bool approval = jv_is_valid(approval_v) && !(jv_get_kind(approval_v) == JV_KIND_STRING &&
                                                 !strcmp(jv_string_value(approval_v), "auto"));
    jv_free(src);
    jv_free(approval_v);
    if (jv_get_kind(c->json) != JV_KIND_OBJECT || !record_name_borrow(&c->json, "remedy")) {
        why(c, "denied", "candidate without a remedy id");
        return;
    }
    c->r = playbook_find(cfg->pb, c->id);
    if (!c->r) {
        why(c, "denied", "remedy '%s' is not in the playbook", c->id);
        return;
    }
    jv facts;
    if (facts_of(c, &facts) != 0) {
        jv_free(facts);
        return;
    }
    struct heal_error e;
    if (playbook_fill(c->r, j->labels, facts, &c->f, &e) != 0) {
        jv_free(facts);
        why(c, "denied", "%s", e.msg);
        return;
    }
    jv_free(facts);
    c->filled = true;
    if (c->llm && !cfg->interactive)
        why(c, "denied",
            "suggested by a language model: runs only with --interactive, after "
            "the operator confirms the exact command");
    else if (approval && !cfg->interactive)
        why(c, "denied", "the proposal asks for an operator's approval: runs only with "
                         "--interactive");
    else if (c->r->risk > cfg->max_risk)
        why(c, "denied", "risk %s is above --max-risk %s", playbook_risk_name(c->r->risk),
            playbook_risk_name(cfg->max_risk));
    else if (!c->r->auto_run && !cfg->interactive)
        why(c, "denied", "not marked auto in the playbook: runs only with --interactive");
}

/* What the target's history says: repeats, budgets, cool-down and back-off. */
static void judge_state(const struct job *j, struct cand *c, const struct apply_state *st,
                        int64_t now)
{
    const struct remedy *r = c->r;
    const char *intent = apply_state_tried(st, r->id, j->trace);
    char d1[DURATION_FORMAT_SIZE], d2[DURATION_FORMAT_SIZE];
    if (intent) {
        why(c, "skipped",
            "already run for trace %s (intent %s): not repeated without a fresh check", j->trace,
            intent);
        return;
    }
    int attempts = apply_state_attempts(st, r->id, now - r->window_ms);
    c->attempt = attempts + 1;
    if (attempts >= r->max_attempts) {
        duration_format(r->window_ms, d1, sizeof d1);
        why(c, "rate-limited", "attempt budget spent: %d of %d runs in the last %s", attempts,
            r->max_attempts, d1);
        return;
    }
    int64_t last = apply_state_last_run(st);
    int failures = apply_state_failures(st, now);
    int64_t wait = apply_backoff_ms(r->cooldown_ms, failures);
    if (last != INT64_MIN && now < last) {
        /* The clock went back: fail closed, and never print a negative age. */
        duration_format(last - now, d1, sizeof d1);
        duration_format(wait, d2, sizeof d2);
        why(c, "rate-limited",
            "cool-down: the last run on this target is dated %s ahead of the clock (did the "
            "clock go back?); the wait of %s counts from it",
            d1, d2);
    } else if (last != INT64_MIN && now - last < wait) {
        duration_format(now - last, d1, sizeof d1);
        duration_format(wait, d2, sizeof d2);
        why(c, "rate-limited",
            "cool-down: the last run on this target was %s ago; with %d consecutive failure%s "
            "the wait is %s",
            d1, failures, failures == 1 ? "" : "s", d2);
    }
}

static bool journal_line(const struct job *j, jv line, char *reason, size_t size)
{
    struct heal_error e;
    if (journal_append(j->c->journal, line, &e) == 0)
        return true;
    snprintf(reason, size, "journal: %s", e.msg);
    return false;
}

/* Runs the rollback; fills o and returns the result word. */
static const char *roll_back(const struct job *j, const struct cand *c, jv *o)
{
    if (!c->f.rollback)
        return "failed";
    struct spawn_result res;
    struct heal_error e;
    jv rb = jv_object_set(jv_object(), jv_string("argv"), playbook_argv_json(c->f.rollback));
    const char *result = "failed";
    if (apply_run_argv(c->f.rollback, c->r->timeout_ms, &res, &e) != 0) {
        rb = jv_object_set(rb, jv_string("error"), jv_string(e.msg));
    } else {
        rb = jv_object_set(rb, jv_string("exit_code"), apply_exit_json(&res));
        if (res.error[0])
            rb = jv_object_set(rb, jv_string("error"), jv_string(res.error));
        if (res.exited && res.exit_code == 0 && !res.timed_out && !res.error[0])
            result = "rolled-back";
        spawn_result_free(&res);
    }
    (void)j;
    *o = jv_object_set(*o, jv_string("rollback"), rb);
    return result;
}

/* Verifies; returns the result word and fills o's verify (and rollback) fields. */
static const char *verify(const struct job *j, const struct cand *c, jv *o, char *reason,
                          size_t size)
{
    const struct apply_config *cfg = j->c;
    if (!j->def) {
        snprintf(reason, size, "no check is configured for target '%s': not verified", j->target);
        return "unverified";
    }
    if (!c->r->verify.recheck) {
        snprintf(reason, size, "the remedy's verify.recheck is false: not verified");
        return "unverified";
    }
    if (!cfg->heal_check) {
        snprintf(reason, size, "heal-check was not found: not verified");
        return "unverified";
    }
    struct apply_verify v;
    apply_verify_check(cfg, j->def, c->r, &v);
    if (v.stopped && v.attempts == 0) {
        snprintf(reason, size, "stopped by a signal before verification");
        return "unverified";
    }
    jv vj = jv_object();
    vj = jv_object_set(vj, jv_string("status"), jv_string(check_status_name(v.status)));
    vj = jv_object_set(vj, jv_string("summary"), jv_string(v.summary));
    vj = jv_object_set(vj, jv_string("attempts"), jv_number(v.attempts));
    *o = jv_object_set(*o, jv_string("verify"), vj);
    if (v.status == 0)
        return "healed";
    if (v.stopped) {
        snprintf(reason, size, "stopped by a signal during verification");
        return "unverified";
    }
    snprintf(reason, size, "the check is still %s after %d re-check%s", check_status_name(v.status),
             v.attempts, v.attempts == 1 ? "" : "s");
    return roll_back(j, c, o);
}

/* Precondition; returns true to go on, else emits the skip. */
static bool precondition_holds(const struct job *j, const struct cand *c)
{
    if (!c->f.precondition)
        return true;
    struct spawn_result res;
    struct heal_error e;
    char text[APPLY_ARGV_TEXT_MAX], reason[APPLY_REASON_MAX];
    argv_text(c->f.precondition, text, sizeof text);
    const char *result = "none";
    if (apply_run_argv(c->f.precondition, c->r->timeout_ms, &res, &e) != 0) {
        snprintf(reason, sizeof reason, "precondition `%s` did not start: %s", text, e.msg);
        result = "error";
    } else {
        bool ok = res.exited && !res.timed_out && res.exit_code == c->r->precondition_exit;
        if (res.error[0]) {
            snprintf(reason, sizeof reason, "precondition `%s` did not run: %s", text, res.error);
            result = "error";
        } else if (res.timed_out) {
            snprintf(reason, sizeof reason, "precondition `%s` timed out", text);
            result = "error";
        } else if (!ok) {
            snprintf(reason, sizeof reason, "precondition `%s` %s %d, not %d", text,
                     res.exited ? "exited" : "was killed by signal",
                     res.exited ? res.exit_code : res.signal, c->r->precondition_exit);
        }
        bool go = ok && !res.error[0];
        spawn_result_free(&res);
        if (go)
            return true;
    }
    jv o = outcome_new(j, c, "skipped", result);
    j->c->emit(j->c->emit_ctx, jv_object_set(o, jv_string("reason"), jv_string(reason)));
    return false;
}

static jv journal_base(const struct job *j, const struct cand *c, const char *type, const char *id)
{
    jv l = jv_object();
    char ts[CLOCK_RFC3339_SIZE];
    clock_format_rfc3339(clock_now_ms(), ts);
    l = jv_object_set(l, jv_string("type"), jv_string(type));
    l = jv_object_set(l, jv_string("v"), jv_number(1));
    l = jv_object_set(l, jv_string("id"), jv_string(id));
    l = jv_object_set(l, jv_string("ts"), jv_string(ts));
    l = jv_object_set(l, jv_string("host"), jv_string(record_host()));
    l = jv_object_set(l, jv_string("pid"), jv_number(getpid()));
    const char *parent = record_string_borrow(j->proposal, "id");
    if (parent)
        l = jv_object_set(l, jv_string("parent"), jv_string(parent));
    if (j->trace)
        l = jv_object_set(l, jv_string("trace"), jv_string(j->trace));
    l = jv_object_set(l, jv_string("target"), jv_string(j->target));
    l = jv_object_set(l, jv_string("remedy"), jv_string(c->id));
    if (j->signature)
        l = jv_object_set(l, jv_string("signature"), jv_string(j->signature));
    return jv_object_set(l, jv_string("argv"), playbook_argv_json(c->f.argv));
}

/* Executes the chosen candidate under the lock; returns true when healed. */
static bool execute(const struct job *j, struct cand *c, struct apply_state *st)
{
    const struct apply_config *cfg = j->c;
    struct heal_error e;
    char reason[APPLY_REASON_MAX] = "", intent[RECORD_ID_SIZE];
    if (!precondition_holds(j, c))
        return false;
    record_id_new(intent);
    /* Counted before it runs: a run that never reports still spends its budget. */
    apply_state_add_run(st, c->id, j->trace, intent, clock_now_ms());
    if (apply_state_save(cfg->state_dir, j->target, st, &e) != 0) {
        jv o = outcome_new(j, c, "skipped", "error");
        snprintf(reason, sizeof reason, "state: %s; not run", e.msg);
        cfg->emit(cfg->emit_ctx, jv_object_set(o, jv_string("reason"), jv_string(reason)));
        return false;
    }
    jv il = journal_base(j, c, "intent", intent);
    il = jv_object_set(il, jv_string("attempt"), jv_number(c->attempt));
    if (!journal_line(j, il, reason, sizeof reason)) {
        jv o = outcome_new(j, c, "skipped", "error");
        strncat(reason, "; not run", sizeof reason - strlen(reason) - 1);
        cfg->emit(cfg->emit_ctx, jv_object_set(o, jv_string("reason"), jv_string(reason)));
        return false;
    }
    jv o = outcome_new(j, c, "executed", "none");
    o = jv_object_set(o, jv_string("attempt"), jv_number(c->attempt));
    const char *result;
    if (c->r->action == PLAYBOOK_ACTION_WAIT) {
        result = verify(j, c, &o, reason, sizeof reason);
    } else {
        struct spawn_result res;
        if (apply_run_argv(c->f.argv, c->r->timeout_ms, &res, &e) != 0) {
            snprintf(reason, sizeof reason, "did not start: %s", e.msg);
            result = "error";
        } else {
            o = jv_object_set(o, jv_string("exit_code"), apply_exit_json(&res));
            o = jv_object_set(o, jv_string("duration_ms"), jv_number((double)res.duration_ms));
            o = jv_object_set(o, jv_string("stdout"), apply_excerpt(&res.out));
            o = jv_object_set(o, jv_string("stderr"), apply_excerpt(&res.err));
            char d[DURATION_FORMAT_SIZE];
            duration_format(c->r->timeout_ms, d, sizeof d);
            if (res.error[0]) {
                snprintf(reason, sizeof reason, "did not run: %s", res.error);
                result = "error";
            } else if (res.timed_out || !res.exited || res.exit_code != 0) {
                if (res.timed_out)
                    snprintf(reason, sizeof reason, "timed out after %s", d);
                else if (!res.exited)
                    snprintf(reason, sizeof reason, "killed by signal %d", res.signal);
                else
                    snprintf(reason, sizeof reason, "exited %d", res.exit_code);
                result = roll_back(j, c, &o);
            } else {
                result = verify(j, c, &o, reason, sizeof reason);
            }
            spawn_result_free(&res);
        }
    }
    o = jv_object_set(o, jv_string("result"), jv_string(result));
    if (reason[0])
        o = jv_object_set(o, jv_string("reason"), jv_string(reason));
    o = jv_object_set(o, jv_string("intent"), jv_string(intent));
    char ts[CLOCK_RFC3339_SIZE];
    clock_format_rfc3339(clock_now_ms(), ts); /* when it ended, not when it began */
    o = jv_object_set(o, jv_string("ts"), jv_string(ts));
    bool healed = !strcmp(result, "healed");
    bool failed = !healed && strcmp(result, "unverified") != 0;
    apply_state_result(st, healed, failed, clock_now_ms());
    char jreason[APPLY_REASON_MAX] = "";
    if (!journal_line(j, jv_copy(o), jreason, sizeof jreason) ||
        apply_state_save(cfg->state_dir, j->target, st, &e) != 0) {
        /* It ran; the record must still say so.  The next start reports the intent. */
        snprintf(reason, sizeof reason, "%s", jreason[0] ? jreason : e.msg);
        o = jv_object_set(o, jv_string("warning"), jv_string(reason));
    }
    cfg->emit(cfg->emit_ctx, o);
    return healed;
}

static void dry_run(const struct job *j, const struct cand *c)
{
    char text[APPLY_ARGV_TEXT_MAX], pre[APPLY_ARGV_TEXT_MAX], reason[APPLY_REASON_MAX];
    jv o = outcome_new(j, c, "dry-run", "none");
    if (c->attempt > 0)
        o = jv_object_set(o, jv_string("attempt"), jv_number(c->attempt));
    if (c->r->action == PLAYBOOK_ACTION_WAIT) {
        snprintf(reason, sizeof reason, "dry run: would wait and re-check; --apply to do it");
    } else {
        argv_text(c->f.argv, text, sizeof text);
        argv_text(c->f.precondition, pre, sizeof pre);
        snprintf(reason, sizeof reason, "dry run: would run `%s`%s%s%s; --apply to run it", text,
                 pre[0] ? " if `" : "", pre, pre[0] ? "` holds" : "");
    }
    j->c->emit(j->c->emit_ctx, jv_object_set(o, jv_string("reason"), jv_string(reason)));
}

/* The numbered plan an operator picks from; NULL when out of memory. */
static char *plan_text(const struct job *j, const int *pick, int n)
{
    char *text = NULL, argv[APPLY_ARGV_TEXT_MAX];
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    fprintf(f, "%s: %s\n", j->target, j->signature ? j->signature : "(no signature)");
    for (int i = 0; i < n; i++) {
        const struct cand *c = &j->cs[pick[i]];
        fprintf(f, "  %d. %s [%s]%s\n", i + 1, c->r->title, c->id,
                c->llm ? " (suggested by a language model)" : "");
        argv_text(c->f.argv, argv, sizeof argv);
        fprintf(f, "     run:     %s\n", c->f.argv ? argv : "nothing: wait, then re-check");
        if (c->f.precondition) {
            argv_text(c->f.precondition, argv, sizeof argv);
            fprintf(f, "     only if: %s exits %d\n", argv, c->r->precondition_exit);
        }
        argv_text(c->f.rollback, argv, sizeof argv);
        fprintf(f, "     undo:    %s\n", c->f.rollback ? argv : "no rollback");
        fprintf(f, "     risk:    %s\n", playbook_risk_name(c->r->risk));
    }
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* Asks the operator; returns the chosen candidate's index, or -1. */
static int ask(const struct job *j, int *pick, int n)
{
    const struct apply_config *cfg = j->c;
    char *plan = plan_text(j, pick, n);
    int k = plan && cfg->choose ? cfg->choose(cfg->ask_ctx, plan, n) : 0;
    free(plan);
    if (k < 1 || k > n)
        return -1;
    struct cand *c = &j->cs[pick[k - 1]];
    if (c->llm) {
        char argv[APPLY_ARGV_TEXT_MAX], q[APPLY_ARGV_TEXT_MAX + 128];
        argv_text(c->f.argv, argv, sizeof argv);
        snprintf(q, sizeof q, "A language model suggested this. Run exactly `%s`?",
                 c->f.argv ? argv : "(nothing: wait and re-check)");
        if (!cfg->confirm || !cfg->confirm(cfg->ask_ctx, q))
            return -1;
    }
    return pick[k - 1];
}

/* Judges every candidate against the state, then picks one; -1 when none. */
static int choose(struct job *j, const struct apply_state *st, int64_t now)
{
    int pick[APPLY_CANDIDATES_MAX], n = 0;
    for (int i = 0; i < j->n; i++) {
        struct cand *c = &j->cs[i];
        if (!c->refusal)
            judge_state(j, c, st, now);
        if (c->refusal)
            emit_refusal(j, c);
        else if (!j->c->interactive)
            return i;
        else
            pick[n++] = i;
    }
    if (n == 0)
        return -1;
    int k = ask(j, pick, n);
    if (k < 0) {
        struct cand *c = &j->cs[pick[0]];
        why(c, "skipped", "the operator chose none");
        emit_refusal(j, c);
    }
    return k;
}

static void job_free(struct job *j)
{
    for (int i = 0; i < j->n; i++) {
        jv_free(j->cs[i].json);
        if (j->cs[i].filled)
            playbook_filled_free(&j->cs[i].f);
    }
    free(j->cs);
    jv_free(j->labels);
}

enum apply_verdict apply_proposal(const struct apply_config *cfg, jv proposal,
                                  struct heal_error *err)
{
    struct job j = {.c = cfg, .proposal = &proposal, .labels = jv_object()};
    j.target = record_name_borrow(&proposal, "target");
    j.trace = record_name_borrow(&proposal, "trace");
    j.signature = record_name_borrow(&proposal, "signature");
    const char *analyzer = record_string_borrow(&proposal, "analyzer");
    j.from_llm = analyzer && strcmp(analyzer, "catalog") != 0 && strcmp(analyzer, "none") != 0;
    if (!j.target || !*j.target || !record_string_borrow(&proposal, "id")) {
        jv_free(j.labels);
        heal_error_set(err, "proposal without a 'target' or an 'id', or one holding a NUL");
        return APPLY_BAD;
    }
    jv list = jv_object_get(jv_copy(proposal), jv_string("candidates"));
    if (jv_get_kind(list) != JV_KIND_ARRAY) {
        jv_free(list);
        jv_free(j.labels);
        heal_error_set(err, "proposal without a 'candidates' array");
        return APPLY_BAD;
    }
    j.def = find_check(cfg->checks, j.target);
    if (j.def) {
        jv_free(j.labels);
        j.labels = jv_copy(j.def->labels);
    }
    int n = jv_array_length(jv_copy(list));
    j.cs = calloc((size_t)(n > 0 ? n : 1), sizeof *j.cs);
    if (!j.cs) {
        jv_free(list);
        jv_free(j.labels);
        heal_error_set(err, "out of memory");
        return APPLY_BAD;
    }
    for (int i = 0; i < n && i < APPLY_CANDIDATES_MAX; i++) {
        struct cand *c = &j.cs[j.n++];
        c->json = jv_array_get(jv_copy(list), i);
        c->id = record_name_borrow(&c->json, "remedy");
        if (!c->id || !*c->id)
            c->id = "?";
        judge_static(&j, c);
    }
    jv_free(list);

    enum apply_verdict verdict = APPLY_UNHEALTHY;
    int first = -1;
    for (int i = 0; i < j.n && first < 0; i++)
        if (!j.cs[i].refusal)
            first = i;
    struct lock lk = {.fd = -1};
    struct apply_state st = {.doc = jv_null()};
    struct heal_error e;
    if (first < 0) {
        for (int i = 0; i < j.n; i++)
            emit_refusal(&j, &j.cs[i]);
        goto out;
    }
    if (cfg->execute) {
        int rc = lock_acquire(cfg->state_dir, j.target, cfg->lock_wait_ms, &lk, &e);
        if (rc != 0) {
            for (int i = 0; i < first; i++)
                emit_refusal(&j, &j.cs[i]);
            why(&j.cs[first], rc > 0 ? "locked" : "skipped", "lock: %s", e.msg);
            jv o = outcome_new(&j, &j.cs[first], j.cs[first].refusal, rc > 0 ? "none" : "error");
            cfg->emit(cfg->emit_ctx,
                      jv_object_set(o, jv_string("reason"), jv_string(j.cs[first].reason)));
            goto out;
        }
    }
    /* Without its history a target's cool-down and budget are unknown: fail closed. */
    if (apply_state_load(cfg->state_dir, j.target, &st, &e) != 0) {
        for (int i = 0; i < first; i++)
            emit_refusal(&j, &j.cs[i]);
        jv o = outcome_new(&j, &j.cs[first], "skipped", "error");
        snprintf(j.cs[first].reason, sizeof j.cs[first].reason, "state: %s", e.msg);
        cfg->emit(cfg->emit_ctx,
                  jv_object_set(o, jv_string("reason"), jv_string(j.cs[first].reason)));
        goto out;
    }
    int64_t now = clock_now_ms();
    int k = choose(&j, &st, now);
    if (k >= 0) {
        if (cfg->execute)
            verdict = execute(&j, &j.cs[k], &st) ? APPLY_HEALED : APPLY_UNHEALTHY;
        else
            dry_run(&j, &j.cs[k]);
    }
out:
    apply_state_free(&st);
    lock_release(&lk);
    job_free(&j);
    return verdict;
}
