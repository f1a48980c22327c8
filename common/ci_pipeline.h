/*
 * ci_pipeline.h — a failed command's output through
 * `heal-analyze --text | heal-propose | heal-apply`, for heal-loop run.
 *
 * The three real programs run one after another, each fed the previous
 * one's output as its stdin (the text is at most CI_RUN_KEEP_MAX bytes, so
 * a concurrent pipe would buy nothing), through spawn.c with our
 * environment.  heal-apply runs as a dry run unless cfg->apply.  Every
 * record heal-apply writes (the diagnoses and proposals it passes on, its
 * outcomes) goes into the verdict and, byte for byte, to `records` when it
 * is not NULL.  A stage that cannot run, or ends with an internal or usage
 * error, is reported with log_warn and the verdict keeps what was seen.
 * A stop signal ends the stage running and returns early.
 */
#ifndef HEAL_CI_PIPELINE_H
#define HEAL_CI_PIPELINE_H

#include "ci_run.h"
#include "ci_verdict.h"
#include "ndjson.h"

#include <stddef.h>

void ci_pipeline_run(const struct ci_run_config *cfg, const char *text, size_t len,
                     struct ndjson_writer *records, struct ci_verdict *v);

#endif
