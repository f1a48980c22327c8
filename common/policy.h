/*
 * policy.h — heal.json: the operator's policy for unattended healing.
 *
 * One object in the configuration directory (read by config.h's loader,
 * so trust checks and '#' comments apply), every field optional:
 *
 *   {"heal_on": "hard",            heal HARD problems only, or "soft" too
 *    "max_concurrent_heals": 4,    heal-apply workers heal-loop runs at once
 *    "max_risk": "low",            the riskiest remedy run unattended
 *    "apply": false,               heal-loop runs remedies (else a dry run)
 *    "cycle": "10s",               how often heal-loop reports (status, metrics)
 *    "max_attempts": 3,            defaults for every check that does not set
 *    "interval": "30s",            its own: attempts before a problem is HARD,
 *    "retry_interval": "10s",      and how often it runs while OK and while SOFT
 *    "timeout": "10s"}
 *
 * Other members (the language model's "llm") belong to other modules and
 * are left alone here.  A bad field is reported as "FILE:LINE: reason"
 * and its default kept: a typo in policy never widens what heal may do.
 */
#ifndef HEAL_POLICY_H
#define HEAL_POLICY_H
#include "config.h"
#include "playbook.h"
#include <jv.h>
#include <stdbool.h>
#include <stdint.h>

#define POLICY_FILE "heal.json"
#define POLICY_MAX_CONCURRENT_HEALS 64

struct policy {
    bool heal_soft;
    int max_concurrent_heals;
    enum playbook_risk max_risk;
    bool apply;
    int64_t cycle_ms;
    jv check_defaults; /* the check fields above that heal.json sets, validated */
};

/* The defaults: HARD only, 4 at once, low risk, dry run, 10 s cycle. */
void policy_defaults(struct policy *p);
void policy_free(struct policy *p);
/* Reads config_dir/heal.json (none: defaults); returns the problems reported.
 * The policy must be freed with policy_free(), also before loading again. */
unsigned policy_load(struct policy *p, const char *config_dir, config_error_fn *report,
                     void *ctx);
/* "low", "medium", "high" → risk; -1 for anything else. */
int policy_risk_parse(const char *text, enum playbook_risk *risk);
#endif
