/*
 * playbook.h — the remedies heal may run, and the only way to fill them.
 *
 * The playbook is data/playbook.json (built in) merged by id with the
 * drop-ins of playbook.d (and files named on a command line), read by the
 * one configuration loader; heal-playbook(5) is the format.  A drop-in
 * replaces a built-in entry of the same id, or removes it with
 * {"id": "x", "disabled": true}.  A bad entry — unknown field, bad risk,
 * a pattern that does not compile (with PCRE2's offset), a placeholder
 * naming no declared parameter, an id defined twice within the built-ins
 * or twice within the drop-ins — is reported as "FILE:LINE: remedy 'id':
 * reason" and skipped; the rest still loads (a bad override leaves the
 * entry it meant to replace in place).
 *
 * An argv template is an array of strings; an element that is exactly
 * "{name}" is a placeholder, filled WHOLE by the parameter `name`.  There
 * is no substitution inside a larger string, no shell, no word splitting.
 * A parameter takes its value from a label of the check's configuration
 * ("label:KEY") or from a diagnosis fact ("fact:KEY"), else its default.
 * Every value — defaults included — must pass playbook_value_check(): the
 * pattern, matched against the whole value, and, whatever the pattern
 * says, no NUL, newline or control byte, no shell metacharacter or
 * whitespace, no ".." path component, and no leading '-' unless the
 * pattern text itself starts with "-" or "^-".  A placeholder in argv[0]
 * (the program) must take its value from a label: a fact never names the
 * program.
 *
 * heal-propose fills remedies to show what would run; heal-apply fills them
 * again from ITS OWN playbook and the labels of ITS OWN check configuration
 * (records on stdin only choose the remedy and supply facts), with
 * playbook_fill(), and runs nothing it could not fill.
 *
 * jv ownership: functions documented as *borrowing* a jv leave it to the
 * caller; everything a struct here holds is freed by its _free function.
 * Errors are one sentence in a struct heal_error; nothing here prints.
 * A loaded playbook is read-only and may be shared by threads.
 */
#ifndef HEAL_PLAYBOOK_H
#define HEAL_PLAYBOOK_H

#include "config.h"

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <jv.h>
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PLAYBOOK_REMEDIES_MAX 10000
#define PLAYBOOK_ID_MAX 128       /* bytes of a remedy id */
#define PLAYBOOK_ARGV_MAX 64      /* elements of one argv template */
#define PLAYBOOK_ELEMENT_MAX 4096 /* bytes of one template element */
#define PLAYBOOK_PARAMS_MAX 16    /* parameters of one remedy */
#define PLAYBOOK_PARAM_NAME_MAX 64
#define PLAYBOOK_VALUE_MAX 1024    /* bytes of one parameter value */
#define PLAYBOOK_APPLIES_MAX 64    /* globs in applies_to */
#define PLAYBOOK_ATTEMPTS_MAX 1000 /* max_attempts, and verify.attempts */
#define PLAYBOOK_BUILTIN "playbook.json"
#define PLAYBOOK_DIR "playbook.d"

enum playbook_risk { PLAYBOOK_RISK_LOW, PLAYBOOK_RISK_MEDIUM, PLAYBOOK_RISK_HIGH };

/* "run": execute argv.  "wait": run nothing; wait, then verify (back-off). */
enum playbook_action { PLAYBOOK_ACTION_RUN, PLAYBOOK_ACTION_WAIT };

enum playbook_source { PLAYBOOK_SOURCE_LABEL, PLAYBOOK_SOURCE_FACT };

struct playbook_param {
    char *name;                  /* what "{name}" placeholders refer to */
    enum playbook_source source; /* where the value comes from ... */
    char *key;                   /* ... and under which label or fact name */
    char *pattern;               /* as written; matched against the whole value */
    pcre2_code *re;              /* compiled anchored at both ends */
    char *default_value;         /* NULL when none; checked at load */
    bool allow_dash;             /* the pattern starts with "-" or "^-" */
};

/* How heal-apply proves a fix (verify object; defaults filled in). */
struct playbook_verify {
    bool recheck;         /* re-run the check (default true) */
    int attempts;         /* re-checks before giving up (default 1) */
    int64_t delay_ms;     /* before the first re-check (default 0) */
    double backoff;       /* delay multiplier between re-checks (default 1) */
    int64_t max_delay_ms; /* cap on the delay (default: no cap, 0) */
};

struct remedy {
    char *id, *title, *description;
    char *source; /* "FILE:LINE" of the entry kept after merging */
    enum playbook_action action;
    char **argv;           /* NULL-terminated template; NULL for a wait */
    char **rollback;       /* NULL-terminated template, or NULL */
    char **precondition;   /* NULL-terminated template, or NULL: run first, ... */
    int precondition_exit; /* ... and go on only if it exits with this */
    struct playbook_param *params;
    size_t nparams;
    char **applies_to; /* NULL-terminated signature globs (fnmatch) */
    enum playbook_risk risk;
    int complexity; /* 1..5 */
    int64_t timeout_ms, cooldown_ms, window_ms;
    int max_attempts; /* per window */
    bool auto_run;    /* may run unattended (policy permitting) */
    struct playbook_verify verify;
    jv verify_json; /* the verify object as written (or {}) */
    jv entry;       /* the whole entry as loaded, for --list and records */
};

struct playbook;

/*
 * Loads the built-in playbook (when `builtin`), then config_dir/playbook.d
 * (config_dir may be NULL), then each of the NULL-terminated `files`
 * (may be NULL) named on a command line.  Problems go to report (may be
 * NULL) and are counted into *problems.  Returns NULL only when out of
 * memory.
 */
struct playbook *playbook_load(const char *config_dir, bool builtin, const char *const *files,
                               config_error_fn *report, void *ctx, unsigned *problems);

/* Loads one buffer (as a drop-in named `name`) over the built-ins if asked. */
struct playbook *playbook_load_buffer(const char *buf, size_t len, const char *name, bool builtin,
                                      config_error_fn *report, void *ctx, unsigned *problems);

void playbook_free(struct playbook *pb);
size_t playbook_size(const struct playbook *pb);
/* In merged order: built-ins first, then new drop-in entries.  NULL past the end. */
const struct remedy *playbook_get(const struct playbook *pb, size_t i);
const struct remedy *playbook_find(const struct playbook *pb, const char *id);

/* Whether one of the remedy's applies_to globs matches the signature. */
bool playbook_applies(const struct remedy *r, const char *signature);

const char *playbook_risk_name(enum playbook_risk risk);

/*
 * Judges one value for a parameter.  Returns 0, or -1 with err saying
 * why in plain words ("contains the shell metacharacter ';'", "starts
 * with '-'", "has a '..' path component", "does not match ^...$").
 * len counts bytes, so an embedded NUL is seen.
 */
int playbook_value_check(const struct playbook_param *p, const char *value, size_t len,
                         struct heal_error *err);

/* A remedy filled for one target. */
struct playbook_filled {
    jv params;       /* object: parameter name -> value used */
    char **argv;     /* NULL-terminated; NULL for a wait remedy */
    char **rollback; /* NULL when the remedy has none */
    char **precondition;
};

/*
 * Fills every parameter of r from labels and facts (both *borrowed*;
 * anything but an object counts as empty), then its argv, rollback and
 * precondition templates.  Returns 0 with *out filled (free it with
 * playbook_filled_free), or -1 with err naming the parameter, where its
 * value came from and why it was refused, e.g. "parameter 'unit' (fact
 * 'unit'): value 'nginx; rm -rf /' contains the shell metacharacter ';'";
 * *out is then empty.  A value that is present but refused never falls
 * back to the default.
 */
int playbook_fill(const struct remedy *r, jv labels, jv facts, struct playbook_filled *out,
                  struct heal_error *err);
void playbook_filled_free(struct playbook_filled *f);

/* A NULL-terminated argv as a JSON array of strings (NULL gives null). */
jv playbook_argv_json(char *const *argv);

#endif
