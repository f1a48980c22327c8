#include "ci_verdict.h"

#include <stdio.h>
#include <string.h>

static const char *const class_names[] = {
    [CI_CLASS_UNKNOWN] = "unknown",
    [CI_CLASS_INFRASTRUCTURE] = "infrastructure",
    [CI_CLASS_TRANSIENT] = "transient",
    [CI_CLASS_TEST] = "test",
    [CI_CLASS_CODE] = "code",
};

void ci_verdict_init(struct ci_verdict *v)
{
    memset(v, 0, sizeof *v);
}

const char *ci_class_name(enum ci_class cls)
{
    return class_names[cls];
}

static void copy_field(char *dst, size_t size, const jv *rec, const char *key)
{
    const char *s = record_string_borrow(rec, key);
    snprintf(dst, size, "%s", s ? s : "");
}

/* jv_object_get on a copy: the caller owns the value and frees it. */
static jv field(const jv *rec, const char *key)
{
    return jv_object_get(jv_copy(*rec), jv_string(key));
}

static enum ci_class diagnosis_class(const jv *rec)
{
    const char *category = record_string_borrow(rec, "category");
    if (!category || !strcmp(category, "unknown"))
        return CI_CLASS_UNKNOWN;
    if (!strcmp(category, "build"))
        return CI_CLASS_CODE;
    if (!strcmp(category, "test"))
        return CI_CLASS_TEST;
    jv transient = field(rec, "transient");
    bool yes = jv_get_kind(transient) == JV_KIND_TRUE;
    jv_free(transient);
    return yes ? CI_CLASS_TRANSIENT : CI_CLASS_INFRASTRUCTURE;
}

static void add_diagnosis(struct ci_verdict *v, const jv *rec)
{
    if (v->n_seen == CI_VERDICT_DIAGNOSES_MAX) {
        v->n_over++;
        return;
    }
    struct ci_diagnosis *d = &v->seen[v->n_seen++];
    copy_field(d->id, sizeof d->id, rec, "id");
    copy_field(d->trace, sizeof d->trace, rec, "trace");
    copy_field(d->signature, sizeof d->signature, rec, "signature");
    copy_field(d->summary, sizeof d->summary, rec, "summary");
    jv c = field(rec, "confidence");
    d->confidence = jv_get_kind(c) == JV_KIND_NUMBER ? jv_number_value(c) : 0;
    jv_free(c);
    d->cls = diagnosis_class(rec);
}

static bool is_wait_remedy(const struct ci_verdict *v, const char *remedy)
{
    for (unsigned i = 0; i < v->n_wait; i++) {
        if (!strcmp(v->wait_remedies[i], remedy))
            return true;
    }
    return false;
}

/* The playbook offering a wait for a diagnosis says it may pass on its own. */
static void add_proposal(struct ci_verdict *v, const jv *rec)
{
    const char *parent = record_string_borrow(rec, "parent");
    jv candidates = field(rec, "candidates");
    int n = jv_get_kind(candidates) == JV_KIND_ARRAY ? jv_array_length(jv_copy(candidates)) : 0;
    bool waits = false;
    for (int i = 0; i < n; i++) {
        jv c = jv_array_get(jv_copy(candidates), i);
        const char *action = jv_get_kind(c) == JV_KIND_OBJECT ? record_string_borrow(&c, "action")
                                                               : NULL;
        const char *remedy = action ? record_string_borrow(&c, "remedy") : NULL;
        if (action && !strcmp(action, "wait") && remedy) {
            waits = true;
            if (!is_wait_remedy(v, remedy) && v->n_wait < CI_VERDICT_WAIT_REMEDIES_MAX)
                snprintf(v->wait_remedies[v->n_wait++], CI_VERDICT_NAME_MAX, "%s", remedy);
        }
        jv_free(c);
    }
    jv_free(candidates);
    for (unsigned i = 0; waits && parent && i < v->n_seen; i++) {
        if (!strcmp(v->seen[i].id, parent) && v->seen[i].cls == CI_CLASS_INFRASTRUCTURE)
            v->seen[i].cls = CI_CLASS_TRANSIENT;
    }
}

static void add_outcome(struct ci_verdict *v, const jv *rec)
{
    const char *action = record_string_borrow(rec, "action");
    const char *result = record_string_borrow(rec, "result");
    const char *remedy = record_string_borrow(rec, "remedy");
    if (!action || !result || !remedy || strcmp(action, "executed") != 0 ||
        is_wait_remedy(v, remedy))
        return;
    /* Unverified is as good as it gets for text: no check exists to re-run. */
    if (!strcmp(result, "healed") || !strcmp(result, "unverified")) {
        v->remedied = true;
        snprintf(v->remedy, sizeof v->remedy, "%s", remedy);
    }
}

void ci_verdict_add(struct ci_verdict *v, const jv *rec)
{
    if (record_is_type(rec, "diagnosis"))
        add_diagnosis(v, rec);
    else if (record_is_type(rec, "proposal"))
        add_proposal(v, rec);
    else if (record_is_type(rec, "outcome"))
        add_outcome(v, rec);
}

const struct ci_diagnosis *ci_verdict_headline(const struct ci_verdict *v)
{
    const struct ci_diagnosis *best = NULL;
    for (unsigned i = 0; i < v->n_seen; i++) {
        const struct ci_diagnosis *d = &v->seen[i];
        if (!best || d->cls > best->cls || (d->cls == best->cls && d->confidence > best->confidence))
            best = d;
    }
    return best;
}

enum ci_class ci_verdict_class(const struct ci_verdict *v)
{
    const struct ci_diagnosis *d = ci_verdict_headline(v);
    return d ? d->cls : CI_CLASS_UNKNOWN;
}
