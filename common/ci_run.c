#include "ci_run.h"
#include "apply.h"
#include "ci_pipeline.h"
#include "ci_verdict.h"
#include "clock.h"
#include "duration.h"
#include "exitcode.h"
#include "log.h"
#include "ndjson.h"
#include "record.h"
#include "signals.h"
#include "spawn_tee.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

/* What the run came to, for the closing line and the summary record. */
struct ci_outcome {
    int attempts;
    int status; /* what we exit with */
    bool stopped;
    bool failed_once;   /* some attempt failed, so there is a verdict to report */
    bool not_run;       /* the last failure: the command was not found or not runnable */
    bool analysed;      /* the last failure went through the stages */
    struct ci_verdict verdict; /* of the last failed attempt */
};

static uint64_t random_below(uint64_t bound)
{
    uint64_t r = 0;
    /* getrandom() of 8 bytes cannot come back short on Linux; a failure
     * leaves r at 0, which only loses the jitter. */
    if (getrandom(&r, sizeof r, 0) != sizeof r)
        r = 0;
    return bound ? r % bound : 0;
}

/* backoff + rand(0, min(cap, backoff x 2^n)): full jitter above a floor. */
static int64_t backoff_delay(const struct ci_run_config *c, int n)
{
    int64_t span = c->backoff_ms;
    for (int i = 0; i < n && span < c->backoff_max_ms; i++)
        span *= 2;
    if (span > c->backoff_max_ms)
        span = c->backoff_max_ms;
    return c->backoff_ms + (int64_t)random_below((uint64_t)span + 1);
}

/* The exit status a shell would give: the code, or 128 + the signal. */
static int shell_status(const struct spawn_tee_result *r)
{
    return r->exited ? r->exit_code : 128 + r->signal;
}

static bool worth_retrying(const struct ci_verdict *v)
{
    enum ci_class cls = ci_verdict_class(v);
    return cls == CI_CLASS_TRANSIENT || (cls == CI_CLASS_INFRASTRUCTURE && v->remedied);
}

static const char *class_words(enum ci_class cls)
{
    switch (cls) {
    case CI_CLASS_TRANSIENT:
        return "transient";
    case CI_CLASS_INFRASTRUCTURE:
        return "infrastructure failure";
    case CI_CLASS_CODE:
        return "code failure";
    case CI_CLASS_TEST:
        return "test failure";
    case CI_CLASS_UNKNOWN:
        break;
    }
    return "unknown failure";
}

/* "(signature: summary)", the summary cut short on a character boundary. */
static void headline(const struct ci_outcome *o, char *buf, size_t size)
{
    const struct ci_diagnosis *d = ci_verdict_headline(&o->verdict);
    if (o->not_run) {
        snprintf(buf, size, "(the command did not run)");
        return;
    }
    if (!d) {
        snprintf(buf, size, "(nothing in the output matched a known signature)");
        return;
    }
    size_t cut = strlen(d->summary);
    const char *more = "";
    if (cut > CI_RUN_LINE_SUMMARY_MAX) {
        cut = CI_RUN_LINE_SUMMARY_MAX;
        while (cut > 0 && ((unsigned char)d->summary[cut] & 0xC0) == 0x80)
            cut--;
        more = "...";
    }
    snprintf(buf, size, "(%s: %.*s%s)", d->signature, (int)cut, d->summary, more);
}

/* The one line a CI log needs: what kind of failure, and what came of it. */
static void report(const struct ci_run_config *c, const struct ci_outcome *o)
{
    if (!o->failed_once) {
        log_info("run", "succeeded on the first attempt");
        return;
    }
    enum ci_class cls = o->not_run ? CI_CLASS_UNKNOWN : ci_verdict_class(&o->verdict);
    char head[CI_VERDICT_NAME_MAX + CI_RUN_LINE_SUMMARY_MAX + 64];
    headline(o, head, sizeof head);
    const char *words = class_words(cls);
    char remedy[CI_VERDICT_NAME_MAX + 32] = "";
    if (o->verdict.remedied)
        snprintf(remedy, sizeof remedy, ", remedy %s applied", o->verdict.remedy);
    if (o->stopped && !o->analysed)
        log_error("run", "stopped by a signal during attempt %d (exit %d)", o->attempts,
                  o->status);
    else if (o->stopped)
        log_error("run", "%s %s, stopped by a signal before attempt %d (exit %d)", words, head,
                  o->attempts + 1, o->status);
    else if (o->status == 0)
        log_error("run", "%s %s%s, healed after %d attempts", words, head, remedy, o->attempts);
    else if (o->attempts > 1)
        log_error("run", "%s %s%s, still failing after %d attempts (exit %d)", words, head,
                  remedy, o->attempts, o->status);
    else if (worth_retrying(&o->verdict) && !o->not_run)
        log_error("run", "%s %s, not retried: --max-attempts is %d (exit %d)", words, head,
                  c->max_attempts, o->status);
    else
        log_error("run", "%s %s, not retried (exit %d)", words, head, o->status);
}

static void put_summary(struct ndjson_writer *w, const struct ci_run_config *c,
                        const struct ci_outcome *o, int64_t duration_ms)
{
    const struct ci_diagnosis *d = o->not_run ? NULL : ci_verdict_headline(&o->verdict);
    enum ci_class cls = d ? d->cls : CI_CLASS_UNKNOWN;
    jv e = record_new("event");
    e = jv_object_set(e, jv_string("event"), jv_string("run.summary"));
    e = jv_object_set(e, jv_string("command"), jv_string(c->argv[0]));
    e = jv_object_set(e, jv_string("attempts"), jv_number(o->attempts));
    e = jv_object_set(e, jv_string("exit_code"), jv_number(o->status));
    e = jv_object_set(e, jv_string("classification"),
                      jv_string(o->failed_once ? ci_class_name(cls) : "none"));
    e = jv_object_set(e, jv_string("healed"), jv_bool(o->failed_once && o->status == 0));
    e = jv_object_set(e, jv_string("stopped"), jv_bool(o->stopped));
    e = jv_object_set(e, jv_string("duration_ms"), jv_number((double)duration_ms));
    if (d) {
        e = jv_object_set(e, jv_string("signature"), jv_string(d->signature));
        e = jv_object_set(e, jv_string("summary"), jv_string(d->summary));
        if (strlen(d->trace) == RECORD_ID_SIZE - 1)
            e = jv_object_set(e, jv_string("trace"), jv_string(d->trace));
    }
    if (o->verdict.remedied)
        e = jv_object_set(e, jv_string("remedy"), jv_string(o->verdict.remedy));
    struct heal_error err;
    if (ndjson_writer_put(w, e, &err) != 0)
        log_error("--records", "%s", err.msg);
}

/* One run of the command; false when it could not be started at all. */
static bool attempt(const struct ci_run_config *c, struct ndjson_writer *records,
                    struct ci_outcome *o)
{
    struct spawn_tee_options opt = {
        .argv = c->argv, .out_fd = STDOUT_FILENO, .err_fd = STDERR_FILENO,
        .keep_max = CI_RUN_KEEP_MAX};
    struct spawn_tee_result res;
    struct heal_error err;
    o->attempts++;
    if (spawn_tee_run(&opt, &res, &err) != 0) {
        log_error("run", "%s: %s", c->argv[0], err.msg);
        o->status = HEAL_EXIT_INTERNAL;
        return false;
    }
    o->status = shell_status(&res);
    o->stopped = res.stopped || signals_stop_requested();
    if (o->status == 0) {
        /* The verdict stays that of the last failure, which a success has healed. */
        spawn_tee_result_free(&res);
        return true;
    }
    o->failed_once = true;
    o->analysed = false;
    ci_verdict_init(&o->verdict);
    o->not_run = res.error[0] != '\0';
    if (o->not_run)
        log_error("run", "%s: %s", c->argv[0], res.error);
    else if (!o->stopped) {
        ci_pipeline_run(c, res.kept, res.kept_len, records, &o->verdict);
        o->analysed = !signals_stop_requested();
    }
    spawn_tee_result_free(&res);
    return true;
}

/* The records file, open and empty, or NULL with the reason logged. */
static struct ndjson_writer *records_open(const char *path, int *fd)
{
    *fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    struct ndjson_writer *w = *fd >= 0 ? ndjson_writer_new(*fd) : NULL;
    if (!w) {
        log_error(path, "%s", *fd < 0 ? strerror(errno) : "out of memory");
        if (*fd >= 0)
            close(*fd);
    }
    return w;
}

static void records_close(const char *path, struct ndjson_writer *w, int fd)
{
    struct heal_error err;
    if (ndjson_writer_free(w, &err) != 0)
        log_error(path, "%s", err.msg);
    else if (close(fd) != 0)
        log_error(path, "%s", strerror(errno));
}

int ci_run(const struct ci_run_config *c)
{
    int fd = -1;
    struct ndjson_writer *records = NULL;
    if (c->records && !(records = records_open(c->records, &fd)))
        return HEAL_EXIT_INTERNAL;
    int64_t start = clock_mono_ms();
    struct ci_outcome o = {0};
    while (attempt(c, records, &o) && o.status != 0 && !o.stopped && !o.not_run &&
           o.attempts < c->max_attempts && worth_retrying(&o.verdict)) {
        char head[CI_VERDICT_NAME_MAX + CI_RUN_LINE_SUMMARY_MAX + 64], wait[DURATION_FORMAT_SIZE];
        int64_t delay = backoff_delay(c, o.attempts - 1);
        headline(&o, head, sizeof head);
        duration_format(delay, wait, sizeof wait);
        log_warn("run", "attempt %d of %d failed (exit %d): %s %s; again in %s", o.attempts,
                 c->max_attempts, o.status, class_words(ci_verdict_class(&o.verdict)), head, wait);
        if (!apply_sleep(delay)) {
            o.stopped = true;
            break;
        }
    }
    report(c, &o);
    if (records) {
        put_summary(records, c, &o, clock_mono_ms() - start);
        records_close(c->records, records, fd);
    }
    return o.status;
}
