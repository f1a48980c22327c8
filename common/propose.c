#include "propose.h"
#include "record.h"

#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A rationale is a few sentences; longer text is cut, never overrun. */
#define PROPOSE_TEXT_MAX 4096
/* Shown of untrusted text (summaries, evidence, names) in a rationale. */
#define PROPOSE_QUOTE_MAX 200

struct text {
    char buf[PROPOSE_TEXT_MAX];
    size_t n;
};

static void say(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct text *t, const char *fmt, ...)
{
    if (t->n + 1 >= sizeof t->buf)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(t->buf + t->n, sizeof t->buf - t->n, fmt, ap);
    va_end(ap);
    if (w > 0)
        t->n = t->n + (size_t)w < sizeof t->buf ? t->n + (size_t)w : sizeof t->buf - 1;
}

/* One line of outside text, cut to PROPOSE_QUOTE_MAX bytes, controls as '?'. */
static void quote(const char *s, char out[PROPOSE_QUOTE_MAX + 4])
{
    size_t n = 0;
    for (; s && s[n] && n < PROPOSE_QUOTE_MAX; n++)
        out[n] = (unsigned char)s[n] < 0x20 || s[n] == 0x7f ? '?' : s[n];
    strcpy(out + n, s && s[n] ? "..." : "");
}

double propose_penalty(enum playbook_risk risk, int complexity)
{
    double r = risk == PLAYBOOK_RISK_LOW ? 1.0 : risk == PLAYBOOK_RISK_MEDIUM ? 0.7 : 0.4;
    return r * (1 - 0.05 * (complexity - 1));
}

static jv rounded(double x)
{
    return jv_number(round(x * 10000) / 10000);
}

struct candidate {
    const struct remedy *r;
    struct playbook_filled f;
    struct history_stats st;
    double success, penalty, score;
    const char *glob; /* the applies_to glob that matched, or NULL */
    bool suggested, transient;
    bool llm;        /* a model chose it: shown, never run unattended */
    const char *why; /* the model's reason, when it chose it */
    size_t order;
};

/* How closely a remedy was aimed at the signature: a glob naming it
 * exactly beats a wildcard, a longer literal prefix a shorter one, and a
 * glob beats a remedy taken only because the catalog suggested it. */
static size_t specificity(const struct candidate *c)
{
    if (!c->glob)
        return 0;
    size_t literal = strcspn(c->glob, "*?[");
    return c->glob[literal] ? 1 + literal : 1 + PLAYBOOK_ID_MAX + literal;
}

/* Best score first; on a tie, the remedy aimed most closely at the
 * signature (an operator's exact entry over a built-in wildcard), then
 * playbook order. */
static int by_score(const void *a, const void *b)
{
    const struct candidate *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    size_t sx = specificity(x), sy = specificity(y);
    if (sx != sy)
        return sx > sy ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static const char *matching_glob(const struct remedy *r, const char *signature)
{
    for (char **g = r->applies_to; g && *g; g++)
        if (fnmatch(*g, signature, 0) == 0)
            return *g;
    return NULL;
}

static bool suggested_by(jv names, const char *id)
{
    int n = jv_array_length(jv_copy(names));
    bool found = false;
    for (int i = 0; i < n && i < PROPOSE_SUGGESTED_MAX && !found; i++) {
        jv s = jv_array_get(jv_copy(names), i);
        found = jv_get_kind(s) == JV_KIND_STRING && !strcmp(jv_string_value(s), id);
        jv_free(s);
    }
    return found;
}

static void append_argv(struct text *t, char *const *argv)
{
    for (size_t i = 0; argv && argv[i]; i++)
        say(t, "%s%s", i ? " " : "", argv[i]);
}

static jv candidate_json(const struct candidate *c, double confidence, const char *signature)
{
    const struct remedy *r = c->r;
    struct text t = {.n = 0};
    char q[PROPOSE_QUOTE_MAX + 4];
    quote(signature, q);
    if (c->why) {
        quote(c->why, q);
        say(&t, "A language model chose it: %s", q);
        quote(signature, q);
    }
    if (c->glob)
        say(&t, "%sIt applies to %s (applies_to \"%s\")", c->why ? ". " : "", q, c->glob);
    if (c->suggested)
        say(&t, "%s", c->glob ? "; the signature suggests it" : "The signature suggests it");
    if (c->transient && !c->glob && !c->suggested)
        say(&t, "The diagnosis is transient, so waiting may be enough");
    say(&t, ". ");
    for (size_t i = 0; i < r->nparams; i++) {
        jv v = jv_object_get(jv_copy(c->f.params), jv_string(r->params[i].name));
        say(&t, "%s %s '%s'", i ? "," : "Parameter", r->params[i].name, jv_string_value(v));
        jv_free(v);
        say(&t, " from %s '%s'", r->params[i].source == PLAYBOOK_SOURCE_LABEL ? "label" : "fact",
            r->params[i].key);
        if (i + 1 == r->nparams)
            say(&t, ". ");
    }
    if (c->st.tries == 0)
        say(&t, "No outcomes recorded for this signature yet: success estimated at 0.50. ");
    else
        say(&t,
            "It healed %u of %u tries for this signature; weighted by age, success is "
            "estimated at %.2f. ",
            c->st.healed, c->st.tries, c->success);
    say(&t, "Risk %s, complexity %d: penalty %.2f. Score %.2f x %.2f x %.2f = %.3f. ",
        playbook_risk_name(r->risk), r->complexity, c->penalty, confidence, c->success, c->penalty,
        c->score);
    if (c->f.precondition) {
        say(&t, "Runs only if `");
        append_argv(&t, c->f.precondition);
        say(&t, "` exits %d. ", r->precondition_exit);
    }
    say(&t, "%s",
        c->llm        ? "Suggested by a language model: needs an operator's approval."
        : r->auto_run ? "May run unattended where policy allows."
                      : "Needs an operator's approval.");

    jv o = jv_object();
    o = jv_object_set(o, jv_string("remedy"), jv_string(r->id));
    o = jv_object_set(o, jv_string("title"), jv_string(r->title));
    o = jv_object_set(o, jv_string("action"),
                      jv_string(r->action == PLAYBOOK_ACTION_WAIT ? "wait" : "run"));
    o = jv_object_set(o, jv_string("params"), jv_copy(c->f.params));
    if (c->f.argv)
        o = jv_object_set(o, jv_string("argv"), playbook_argv_json(c->f.argv));
    o = jv_object_set(o, jv_string("risk"), jv_string(playbook_risk_name(r->risk)));
    o = jv_object_set(o, jv_string("complexity"), jv_number(r->complexity));
    o = jv_object_set(o, jv_string("confidence"), jv_number(confidence));
    o = jv_object_set(o, jv_string("success"), rounded(c->success));
    o = jv_object_set(o, jv_string("score"), rounded(c->score));
    jv hist = jv_object();
    hist = jv_object_set(hist, jv_string("tries"), jv_number(c->st.tries));
    hist = jv_object_set(hist, jv_string("healed"), jv_number(c->st.healed));
    o = jv_object_set(o, jv_string("history"), hist);
    o = jv_object_set(o, jv_string("rationale"), jv_string(t.buf));
    o = jv_object_set(o, jv_string("verify"), jv_copy(r->verify_json));
    o = jv_object_set(o, jv_string("rollback"), playbook_argv_json(c->f.rollback));
    if (c->f.precondition) {
        jv pre = jv_object();
        pre = jv_object_set(pre, jv_string("argv"), playbook_argv_json(c->f.precondition));
        pre = jv_object_set(pre, jv_string("exit"), jv_number(r->precondition_exit));
        o = jv_object_set(o, jv_string("precondition"), pre);
    }
    o = jv_object_set(o, jv_string("source"), jv_string(c->llm ? "llm" : "playbook"));
    return jv_object_set(o, jv_string("approval"),
                         jv_string(r->auto_run && !c->llm ? "auto" : "required"));
}

/* Fills and scores one candidate; 0, or -1 with err when a parameter is refused. */
static int candidate_fill(struct candidate *c, const struct history *h, const char *sig,
                          double confidence, jv labels, jv facts, struct heal_error *err)
{
    if (playbook_fill(c->r, labels, facts, &c->f, err) != 0)
        return -1;
    c->st = h ? history_get(h, sig, c->r->id) : (struct history_stats){0, 0, 0, 0};
    c->success = history_success(c->st);
    c->penalty = propose_penalty(c->r->risk, c->r->complexity);
    /* Rounded once, here: the record, the rationale and the plan agree. */
    c->score = round(confidence * c->success * c->penalty * 10000) / 10000;
    return 0;
}

static bool from_llm(const jv *d)
{
    const char *analyzer = record_string_borrow(d, "analyzer");
    return analyzer && !strcmp(analyzer, "llm");
}

jv propose_llm_candidate(const struct remedy *r, const struct history *h, jv d, jv params,
                         const char *why, double confidence, struct heal_error *err)
{
    const char *sig = record_string_borrow(&d, "signature");
    jv labels = jv_object_get(jv_copy(d), jv_string("labels"));
    jv facts = jv_object_get(jv_copy(d), jv_string("facts"));
    if (jv_get_kind(facts) != JV_KIND_OBJECT) {
        jv_free(facts);
        facts = jv_object();
    }
    /* The model names parameters; a fact-sourced one is judged as that fact. */
    for (size_t i = 0; i < r->nparams; i++) {
        jv v = jv_object_get(jv_copy(params), jv_string(r->params[i].name));
        if (jv_get_kind(v) == JV_KIND_STRING && r->params[i].source == PLAYBOOK_SOURCE_FACT)
            facts = jv_object_set(facts, jv_string(r->params[i].key), v);
        else
            jv_free(v);
    }
    struct candidate c = {.r = r, .llm = true, .why = why};
    jv out = jv_invalid();
    if (candidate_fill(&c, h, sig ? sig : "", confidence, labels, facts, err) == 0) {
        out = candidate_json(&c, confidence, sig ? sig : "");
        playbook_filled_free(&c.f);
    }
    jv_free(labels), jv_free(facts);
    return out;
}

jv propose_command_candidate(jv argv, const char *why, double confidence)
{
    struct text t = {.n = 0};
    char q[PROPOSE_QUOTE_MAX + 4];
    quote(why, q);
    say(&t, "A language model suggested this command%s%s. It is not in the playbook: heal never "
            "runs it; an operator may, after reading it.",
        *q ? ": " : "", q);
    jv o = jv_object();
    o = jv_object_set(o, jv_string("remedy"), jv_string(PROPOSE_LLM_COMMAND));
    o = jv_object_set(o, jv_string("title"), jv_string("Command suggested by a language model"));
    o = jv_object_set(o, jv_string("action"), jv_string("run"));
    o = jv_object_set(o, jv_string("params"), jv_object());
    o = jv_object_set(o, jv_string("argv"), argv);
    o = jv_object_set(o, jv_string("risk"), jv_string("high"));
    o = jv_object_set(o, jv_string("complexity"), jv_number(3));
    o = jv_object_set(o, jv_string("confidence"), jv_number(confidence));
    o = jv_object_set(o, jv_string("score"), jv_number(0));
    jv hist = jv_object_set(jv_object(), jv_string("tries"), jv_number(0));
    o = jv_object_set(o, jv_string("history"), jv_object_set(hist, jv_string("healed"), jv_number(0)));
    o = jv_object_set(o, jv_string("rationale"), jv_string(t.buf));
    o = jv_object_set(o, jv_string("rollback"), jv_null());
    o = jv_object_set(o, jv_string("source"), jv_string("llm"));
    return jv_object_set(o, jv_string("approval"), jv_string("required"));
}

/* Where to look, by category, when nothing in the playbook applies. */
static const char *category_hint(const char *category)
{
    static const struct {
        const char *category, *hint;
    } hints[] = {
        {"disk", "what fills the filesystem (du -xh --max-depth=1 on it)"},
        {"memory", "which processes use the memory (ps aux --sort=-rss)"},
        {"process", "why the process stopped (its logs, dmesg for the OOM killer)"},
        {"service", "the unit's status and journal (systemctl status, journalctl -u)"},
        {"network", "whether the peer is up and reachable"},
        {"dns", "the resolver configuration and the name's records"},
        {"tls", "the certificate's dates and chain"},
        {"http", "the upstream's logs and status"},
        {"permission", "the owner and mode of the path named"},
        {"config", "the configuration file named, and what changed in it"},
        {"lock", "which process holds the lock"},
    };
    for (size_t i = 0; category && i < sizeof hints / sizeof *hints; i++)
        if (!strcmp(hints[i].category, category))
            return hints[i].hint;
    return NULL;
}

static void no_candidate_advice(struct text *t, const jv *d)
{
    char q[PROPOSE_QUOTE_MAX + 4];
    const char *category = record_string_borrow(d, "category");
    const char *summary = record_string_borrow(d, "summary");
    if (summary) {
        quote(summary, q);
        say(t, " Look at: %s.", q);
    }
    jv ev = jv_object_get(jv_copy(*d), jv_string("evidence"));
    jv first = jv_get_kind(ev) == JV_KIND_ARRAY ? jv_array_get(jv_copy(ev), 0) : jv_invalid();
    if (jv_get_kind(first) == JV_KIND_STRING) {
        quote(jv_string_value(first), q);
        say(t, " Evidence: %s", q);
    }
    jv_free(first), jv_free(ev);
    const char *hint = category_hint(category);
    if (hint)
        say(t, " For a %s problem, check %s.", category, hint);
    else
        say(t, " Add a playbook.d entry whose applies_to matches this signature if it recurs.");
}

jv propose_diagnosis(const struct playbook *pb, const struct history *h, jv d,
                     struct heal_error *err)
{
    const char *sig = record_string_borrow(&d, "signature");
    if (!sig || !*sig) {
        heal_error_set(err, "diagnosis without a 'signature'");
        return jv_invalid();
    }
    jv cv = jv_object_get(jv_copy(d), jv_string("confidence"));
    double confidence = jv_get_kind(cv) == JV_KIND_NUMBER ? jv_number_value(cv) : -1;
    jv_free(cv);
    if (!(confidence >= 0 && confidence <= 1)) {
        heal_error_set(err, "diagnosis 'confidence' must be a number from 0 to 1");
        return jv_invalid();
    }
    jv labels = jv_object_get(jv_copy(d), jv_string("labels"));
    jv facts = jv_object_get(jv_copy(d), jv_string("facts"));
    jv names = record_array_get(&d, "remedies");
    jv tr = jv_object_get(jv_copy(d), jv_string("transient"));
    bool transient = jv_get_kind(tr) == JV_KIND_TRUE;
    jv_free(tr);

    bool llm = from_llm(&d);
    size_t n = playbook_size(pb), nc = 0;
    struct candidate *cs = calloc(n ? n : 1, sizeof *cs);
    jv dropped = jv_array();
    struct text drop_text = {.n = 0};
    for (size_t i = 0; cs && i < n; i++) {
        const struct remedy *r = playbook_get(pb, i);
        struct candidate c = {.r = r, .order = i, .llm = llm};
        c.glob = matching_glob(r, sig);
        c.suggested = suggested_by(names, r->id);
        c.transient = transient && r->action == PLAYBOOK_ACTION_WAIT;
        if (!c.glob && !c.suggested && !c.transient)
            continue;
        struct heal_error e;
        if (candidate_fill(&c, h, sig, confidence, labels, facts, &e) != 0) {
            jv o = jv_object_set(jv_object(), jv_string("remedy"), jv_string(r->id));
            dropped =
                jv_array_append(dropped, jv_object_set(o, jv_string("reason"), jv_string(e.msg)));
            say(&drop_text, " Dropped %s: %s.", r->id, e.msg);
            continue;
        }
        cs[nc++] = c;
    }
    /* A suggestion the local playbook does not have: the operator should know. */
    for (int i = 0; i < jv_array_length(jv_copy(names)) && i < PROPOSE_SUGGESTED_MAX; i++) {
        jv s = jv_array_get(jv_copy(names), i);
        if (jv_get_kind(s) == JV_KIND_STRING && !playbook_find(pb, jv_string_value(s))) {
            char q[PROPOSE_QUOTE_MAX + 4];
            quote(jv_string_value(s), q);
            jv o = jv_object_set(jv_object(), jv_string("remedy"), jv_string(q));
            dropped = jv_array_append(
                dropped, jv_object_set(o, jv_string("reason"), jv_string("not in the playbook")));
            say(&drop_text, " Dropped %s: not in the playbook.", q);
        }
        jv_free(s);
    }
    if (nc > 1)
        qsort(cs, nc, sizeof *cs, by_score);

    jv p = record_derive("proposal", jv_copy(d));
    p = jv_object_set(p, jv_string("signature"), jv_string(sig));
    if (llm) /* heal-apply reads it: nothing a model diagnosed runs unattended */
        p = jv_object_set(p, jv_string("analyzer"), jv_string("llm"));
    const char *summary = record_string_borrow(&d, "summary");
    if (summary)
        p = jv_object_set(p, jv_string("summary"), jv_string(summary));
    jv list = jv_array();
    for (size_t i = 0; i < nc; i++)
        list = jv_array_append(list, candidate_json(&cs[i], confidence, sig));
    p = jv_object_set(p, jv_string("candidates"), list);
    p = jv_object_set(p, jv_string("dropped"), dropped);

    struct text t = {.n = 0};
    char q[PROPOSE_QUOTE_MAX + 4];
    quote(sig, q);
    const char *category = record_string_borrow(&d, "category");
    if (nc > 0)
        say(&t, "%zu remed%s for %s; best: %s (score %.3f).", nc, nc == 1 ? "y" : "ies", q,
            cs[0].r->id, cs[0].score);
    else
        say(&t, "No playbook remedy can be proposed for %s (category %s).", q,
            category ? category : "unknown");
    say(&t, "%s", drop_text.buf);
    if (nc == 0)
        no_candidate_advice(&t, &d);
    p = jv_object_set(p, jv_string("rationale"), jv_string(t.buf));

    for (size_t i = 0; i < nc; i++)
        playbook_filled_free(&cs[i].f);
    free(cs);
    jv_free(labels), jv_free(facts), jv_free(names);
    return p;
}
