/* apply_journal.c — intents that never got an outcome (see apply.h). */
#include "apply.h"
#include "apply_state.h"
#include "clock.h"
#include "lock.h"
#include "record.h"

#include <stdio.h>
#include <string.h>

/* intent id -> intent line, for every intent without an outcome (all of them when want is NULL),
 * or, with want, 1 if an outcome for that intent exists. */
static int scan(const char *state_dir, const char *want, jv *open, struct heal_error *err)
{
    struct journal_reader r;
    if (journal_reader_open(&r, state_dir, err) != 0)
        return -1;
    jv line;
    long line_no;
    int rc, found = 0;
    while ((rc = journal_reader_next(&r, &line, &line_no, err)) == 1) {
        const char *id = record_string_borrow(&line, "id");
        const char *intent = record_string_borrow(&line, "intent");
        if (record_is_type(&line, "outcome") && intent) {
            if (want && !strcmp(intent, want))
                found = 1;
            else if (!want)
                *open = jv_object_delete(*open, jv_string(intent));
        } else if (!want && record_is_type(&line, "intent") && id) {
            *open = jv_object_set(*open, jv_string(id), jv_copy(line));
        }
        jv_free(line);
    }
    journal_reader_close(&r);
    return rc < 0 ? -1 : found;
}

/* Reports one interrupted intent (its target's lock held by us). */
static void report(const struct apply_config *c, jv intent, struct heal_error *err)
{
    const char *id = record_string_borrow(&intent, "id");
    const char *ts = record_string_borrow(&intent, "ts");
    const char *target = record_string_borrow(&intent, "target");
    /* The outcome answers the proposal the intent answered. */
    jv parent = jv_object();
    const char *pid = record_string_borrow(&intent, "parent");
    parent = jv_object_set(parent, jv_string("id"), jv_string(pid ? pid : id));
    const char *trace = record_string_borrow(&intent, "trace");
    if (trace)
        parent = jv_object_set(parent, jv_string("trace"), jv_string(trace));
    parent = jv_object_set(parent, jv_string("target"), jv_string(target));
    jv o = record_derive("outcome", parent);
    o = jv_object_set(o, jv_string("remedy"), jv_string(record_string_borrow(&intent, "remedy")));
    o = jv_object_set(o, jv_string("action"), jv_string("skipped"));
    o = jv_object_set(o, jv_string("result"), jv_string("none"));
    static const char *const copied[] = {"signature", "argv", "attempt"};
    for (size_t i = 0; i < sizeof copied / sizeof *copied; i++) {
        jv v = jv_object_get(jv_copy(intent), jv_string(copied[i]));
        if (jv_is_valid(v))
            o = jv_object_set(o, jv_string(copied[i]), v);
        else
            jv_free(v);
    }
    char reason[512];
    snprintf(reason, sizeof reason,
             "interrupted: intent %s at %s had no outcome; not repeated without a fresh check", id,
             ts ? ts : "?");
    o = jv_object_set(o, jv_string("reason"), jv_string(reason));
    o = jv_object_set(o, jv_string("intent"), jv_string(id));
    /* The journal says what happened to the run: history ignores this result. */
    jv line = jv_object_set(jv_copy(o), jv_string("action"), jv_string("executed"));
    line = jv_object_set(line, jv_string("result"), jv_string("interrupted"));
    if (journal_append(c->journal, line, err) != 0)
        o = jv_object_set(o, jv_string("warning"), jv_string(err->msg));
    /* A run that took heal-apply down with it counts as a failure for the back-off. */
    struct apply_state st;
    if (apply_state_load(c->state_dir, target, &st, err) == 0) {
        apply_state_result(&st, false, true, clock_now_ms());
        apply_state_save(c->state_dir, target, &st, err);
    }
    apply_state_free(&st);
    c->emit(c->emit_ctx, o);
    jv_free(intent);
}

int apply_recover(const struct apply_config *c, unsigned *reported, struct heal_error *err)
{
    *reported = 0;
    jv open = jv_object();
    if (scan(c->state_dir, NULL, &open, err) < 0) {
        jv_free(open);
        return -1;
    }
    jv keys = jv_keys(jv_copy(open));
    int n = jv_array_length(jv_copy(keys));
    for (int i = 0; i < n; i++) {
        jv key = jv_array_get(jv_copy(keys), i);
        jv intent = jv_object_get(jv_copy(open), key);
        const char *target = record_string_borrow(&intent, "target");
        const char *remedy = record_string_borrow(&intent, "remedy");
        struct lock lk = {.fd = -1};
        struct heal_error e;
        /* A held lock: another heal-apply is running this intent right now. */
        if (!target || !*target || !remedy || !*remedy ||
            lock_acquire(c->state_dir, target, 0, &lk, &e) != 0) {
            jv_free(intent);
            continue;
        }
        /* It may have finished between the scan and the lock. */
        jv none = jv_null();
        int done = scan(c->state_dir, record_string_borrow(&intent, "id"), &none, &e);
        jv_free(none);
        if (done == 0) {
            report(c, intent, &e);
            (*reported)++;
        } else {
            jv_free(intent);
        }
        lock_release(&lk);
    }
    jv_free(keys);
    jv_free(open);
    return 0;
}
