/*
 * check.h — what a check is, what running one yields, and what a kind
 * of check must provide.
 *
 * A definition (struct check_def) is validated once from a JSON object
 * (checks.d, --checks, a one-off flag, or data/checks.json).  Every kind
 * measures one primary value that the definition's `warn` and `crit`
 * Nagios ranges apply to; a kind may add its own thresholds.
 *
 * Running is non-blocking: a kind's start() either finishes at once
 * (cheap local reads such as /proc) or leaves an in-flight task that the
 * runner polls with every other task (see check_runner.h).  Kinds never
 * print; what they found goes into struct check_result.
 *
 * jv ownership: a check_result owns its jv fields and buffers;
 * check_result_free() releases them.  check_def.def and .labels are
 * owned by the definition.
 *
 * Kinds that remember something between runs (the log kind's offset)
 * keep it under check_def.state_dir, which the program fills in; without
 * one they remember only for the life of the process.
 */
#ifndef HEAL_CHECK_H
#define HEAL_CHECK_H

#include "config.h"
#include "error.h"
#include "exitcode.h"
#include "jsonbuf.h"
#include "range.h"

#include <jv.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#define CHECK_NAME_MAX 200
#define CHECK_LABELS_MAX 16384 /* bytes of label keys and values, all told */
#define CHECK_TIMEOUT_DEFAULT_MS 10000
#define CHECK_INTERVAL_DEFAULT_MS 30000
#define CHECK_MAX_ATTEMPTS_DEFAULT 3
#define CHECK_TEXT_MAX 8192     /* summary and long output, each */
#define CHECK_EVIDENCE_MAX 65536 /* bytes of evidence text a kind may keep */
#define CHECK_POLLFD_MAX 8      /* fds one task may ask to be polled */

struct check_kind;

struct check_def {
    char *name;   /* unique among loaded checks */
    char *target; /* what healing is keyed by; the name unless set */
    char *kind;
    char *source; /* "FILE:LINE" or "--http" etc., for messages */
    jv def;       /* the whole definition, for kind-specific fields */
    jv labels;    /* object of strings */
    bool has_warn, has_crit;
    struct range warn, crit;
    char *warn_text, *crit_text; /* as written, for perfdata */
    int64_t timeout_ms;
    int64_t interval_ms;
    int64_t retry_interval_ms;
    int max_attempts;
    double flap_low, flap_high; /* percent state change thresholds */
    const struct check_kind *impl;
    void *kind_data; /* parsed kind-specific settings, owned by the kind */
    /* During prepare() only: the values of the kind's fields by row of its
     * table, jv_invalid() where absent (borrowed; see config_fields_read). */
    const jv *kind_fields;
    int watch_fd;    /* --watch: readable means "run me now"; -1 if none */
    void *watch_data;
    /* Borrowed, set by the program after opening it; NULL: no state kept. */
    const char *state_dir;
};

struct check_result {
    enum nagios_status status;
    jv summary;  /* string, one line */
    jv output;   /* string, long output, may be "" */
    jv perfdata; /* array of {label,value,uom,warn,crit,min,max} */
    jv evidence; /* object */
    /*
     * Perfdata items and evidence members already written as compact JSON,
     * comma-separated, no brackets; a record lists them before those of
     * perfdata and evidence.  check_result_perf() and the
     * check_result_evidence_*() helpers write here: building a jv object
     * per item cost more than an HTTP check itself in a run of 1,000.
     */
    struct jsonbuf perf_json, evidence_json;
    bool json_lost; /* out of memory while writing them: no record */
    int64_t duration_ms;
};

/* What the runner shares with kinds: the libcurl multi handle, the clock. */
struct check_runner;

struct check_task {
    struct check_def *def;
    struct check_runner *runner;
    void *data; /* the kind's in-flight state */
    int64_t started_mono_ms;
    int64_t deadline_mono_ms;
    bool finished_early; /* libcurl reported completion ... */
    int curl_result;     /* ... with this CURLcode */
};

struct check_kind {
    const char *name;
    /* Kind-specific fields accepted besides the common ones; {NULL} ends. */
    const struct config_field *fields;
    /* Validates kind fields (def->kind_fields) and fills def->kind_data.  Optional. */
    int (*prepare)(struct check_def *def, struct heal_error *err);
    void (*release)(struct check_def *def);
    /*
     * Begins a run.  Returns 1 when the result is already complete (filled
     * in), 0 when task->data now holds an in-flight run.
     */
    int (*start)(struct check_task *task, struct check_result *result);
    /* In-flight runs only: */
    int (*pollfds)(struct check_task *task, struct pollfd *fds); /* <= CHECK_POLLFD_MAX */
    int (*wait_ms)(struct check_task *task);                     /* -1: no timer */
    void (*service)(struct check_task *task, const struct pollfd *fds, int nfds);
    bool (*done)(struct check_task *task);
    /* Completes the result and frees task->data; also aborts a run. */
    void (*finish)(struct check_task *task, struct check_result *result);
    /* --watch: an fd that becomes readable when the check should run now. */
    int (*watch_open)(struct check_def *def);
    void (*watch_close)(struct check_def *def);
};

/* The registered kinds, ending with a NULL name. */
extern const struct check_kind *const check_kinds[];
const struct check_kind *check_kind_find(const char *name);

/*
 * Validates a definition object (consumed) and fills def.  On failure
 * returns -1 with err naming the field; def is then empty.
 */
int check_def_init(struct check_def *def, jv object, const char *source, struct heal_error *err);
void check_def_free(struct check_def *def);

/* Result helpers used by every kind. */
void check_result_init(struct check_result *r);
void check_result_free(struct check_result *r);
/* Sets status and a printf-style summary. */
void check_result_set(struct check_result *r, enum nagios_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Appends a perfdata item; warn/crit strings may be NULL. */
void check_result_perf(struct check_result *r, const char *label, double value, const char *uom,
                       const char *warn, const char *crit, double min, double max);
/*
 * Adds an evidence member; key is ours (no escaping), never one the
 * result's evidence object also holds.  Text that is not valid UTF-8 is
 * repaired as jq repairs it; json is compact JSON the caller wrote.
 */
void check_result_evidence_text(struct check_result *r, const char *key, const char *s, size_t len);
void check_result_evidence_number(struct check_result *r, const char *key, double value);
/* An object of n numbers named by names[] (ours, no escaping). */
void check_result_evidence_numbers(struct check_result *r, const char *key,
                                   const char *const *names, const double *values, size_t n);
void check_result_evidence_json(struct check_result *r, const char *key, const char *json,
                                size_t len);
/* Fills in the kind's default warn/crit where the definition gave none. */
int check_default_thresholds(struct check_def *def, const char *warn, const char *crit,
                             struct heal_error *err);
/* Applies the definition's warn/crit to value; returns the status. */
enum nagios_status check_evaluate(const struct check_def *def, double value);
const char *check_status_name(enum nagios_status s);

#endif
