/*
 * ci_verdict.h — what kind of failure a failed run was, from the records
 * heal-analyze, heal-propose and heal-apply wrote about its output.
 *
 * No pattern of its own: heal-analyze's catalog is the one judge.  A
 * diagnosis in category build is a code failure and one in test a test
 * failure (never worth a retry); one the catalog marks `transient`, or for
 * which the playbook offered a wait remedy, is transient; anything else
 * diagnosed is infrastructure; no diagnosis at all is unknown.  When the
 * output holds several, the first of code, test, transient, infrastructure
 * names the run, the most confident diagnosis of that class its headline.
 * An outcome that executed a remedy other than waiting, and that did not
 * fail, marks the verdict `remedied`: an infrastructure failure is then
 * worth running again.
 *
 * Records are borrowed.  Fixed-size: at most CI_VERDICT_DIAGNOSES_MAX
 * diagnoses are looked at per run (the rest are counted).  Pure.
 */
#ifndef HEAL_CI_VERDICT_H
#define HEAL_CI_VERDICT_H

#include "record.h"

#include <jv.h>
#include <stdbool.h>

#define CI_VERDICT_DIAGNOSES_MAX 64
#define CI_VERDICT_WAIT_REMEDIES_MAX 16
#define CI_VERDICT_NAME_MAX 128
#define CI_VERDICT_SUMMARY_MAX 256

/* In rising order of precedence. */
enum ci_class {
    CI_CLASS_UNKNOWN,
    CI_CLASS_INFRASTRUCTURE,
    CI_CLASS_TRANSIENT,
    CI_CLASS_TEST,
    CI_CLASS_CODE,
};

struct ci_diagnosis {
    char id[RECORD_ID_SIZE];
    char trace[RECORD_ID_SIZE];
    char signature[CI_VERDICT_NAME_MAX];
    char summary[CI_VERDICT_SUMMARY_MAX];
    double confidence;
    enum ci_class cls;
};

struct ci_verdict {
    struct ci_diagnosis seen[CI_VERDICT_DIAGNOSES_MAX];
    unsigned n_seen, n_over;
    char wait_remedies[CI_VERDICT_WAIT_REMEDIES_MAX][CI_VERDICT_NAME_MAX];
    unsigned n_wait;
    bool remedied;
    char remedy[CI_VERDICT_NAME_MAX]; /* the remedy that ran, when remedied */
};

void ci_verdict_init(struct ci_verdict *v);

/* Takes one record into account (borrowed); records of other types are ignored. */
void ci_verdict_add(struct ci_verdict *v, const jv *rec);

/* The diagnosis that names the run, or NULL when nothing was diagnosed. */
const struct ci_diagnosis *ci_verdict_headline(const struct ci_verdict *v);

/* The run's class: the headline's, or CI_CLASS_UNKNOWN. */
enum ci_class ci_verdict_class(const struct ci_verdict *v);

/* "transient", "infrastructure", "code", "test" or "unknown". */
const char *ci_class_name(enum ci_class cls);

#endif
