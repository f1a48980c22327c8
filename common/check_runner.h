/*
 * check_runner.h — runs checks concurrently in one poll loop.
 *
 * Every in-flight check (child processes, sockets, and HTTP transfers on
 * one libcurl multi handle) is polled together, at most `jobs` at once,
 * so a round lasts as long as its slowest check.  With count = 1 each
 * check runs once; with count = 0 (--watch) each runs on its interval,
 * or its retry_interval while in a SOFT problem state, and at once when
 * its watch fd (pidfd, inotify) becomes readable.  Results are handed to
 * the callback as they complete.
 */
#ifndef HEAL_CHECK_RUNNER_H
#define HEAL_CHECK_RUNNER_H

#include "check.h"

#include <curl/curl.h>
#include <stddef.h>

#define CHECK_RUNNER_JOBS_DEFAULT 64
#define CHECK_RUNNER_JOBS_MAX 4096
/* A kind that overruns its own timeout by this much is aborted. */
#define CHECK_RUNNER_GRACE_MS 2000

/* Called per result; returns the delay until the check's next run, in ms. */
typedef int64_t check_result_fn(void *ctx, struct check_def *def, struct check_result *result);

struct check_runner;

struct check_runner *check_runner_new(int jobs, struct heal_error *err);
void check_runner_free(struct check_runner *r);
CURLM *check_runner_multi(struct check_runner *r);

/*
 * An easy handle for one transfer on the multi handle, as curl_easy_init()
 * makes it: one given back before, reset, when there is one (making a
 * handle costs as much as a small transfer).  NULL when out of memory.
 * Hand it back with check_runner_easy_done() once it has left the multi
 * handle; the runner keeps up to `jobs` of them and frees the rest.
 */
CURL *check_runner_easy(struct check_runner *r);
void check_runner_easy_done(struct check_runner *r, CURL *easy);

/*
 * Calls fn(ctx) whenever the loop is about to wait (poll with a timeout
 * other than zero): where a batching writer flushes, so no result is held
 * back while nothing else is happening.
 */
void check_runner_before_wait(struct check_runner *r, void (*fn)(void *ctx), void *ctx);

/*
 * Runs each of defs count times (0: until a stop is requested).  Returns 0,
 * or -1 with err on a failure of the loop itself.
 */
int check_runner_run(struct check_runner *r, struct check_def *defs, size_t n, long count,
                     check_result_fn *fn, void *ctx, struct heal_error *err);

#endif
