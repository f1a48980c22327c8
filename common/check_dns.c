/*
 * The dns kind: does a name resolve, through this host's own resolver
 * (getaddrinfo: /etc/hosts, DNS, whatever nsswitch.conf says), to the
 * addresses it should, fast enough?  That is what the host's programs
 * will see, which is the point of checking from here.  warn/crit apply to
 * the resolution time in seconds.
 *
 * The lookup runs on a worker thread (resolve.h) so a slow or hanging
 * name never stalls the other checks; on timeout the thread is
 * abandoned and cleans up after itself whenever getaddrinfo returns.
 */
#include "check.h"
#include "clock.h"
#include "resolve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* Addresses a definition may expect, and answers kept from one lookup. */
#define DNS_EXPECT_MAX 64
#define DNS_ANSWERS_MAX 64
/* Answers named in the summary line; the evidence has them all. */
#define DNS_SUMMARY_ANSWERS_MAX 8

static const struct config_field dns_fields[] = {
    {"query", CONFIG_STRING, true},
    {"type", CONFIG_STRING, false},
    {"expect", CONFIG_ARRAY, false},
    {NULL, 0, false},
};

struct dns_settings {
    char *query;
    const char *type; /* "A", "AAAA" or "ANY" */
    int family, flags;
    char (*expect)[RESOLVE_ADDRESS_SIZE]; /* canonical text */
    size_t nexpect;
};

struct dns_run {
    struct resolve_job *job;
    int64_t deadline_ms, answered_ms;
    bool timed_out;
};

static int dns_types(const char *type, struct dns_settings *s)
{
    if (strcasecmp(type, "A") == 0)
        s->type = "A", s->family = AF_INET;
    else if (strcasecmp(type, "AAAA") == 0)
        s->type = "AAAA", s->family = AF_INET6;
    else if (strcasecmp(type, "ANY") == 0)
        /* getaddrinfo's own default (glibc with no hints): what programs here get. */
        s->type = "ANY", s->family = AF_UNSPEC, s->flags = AI_ADDRCONFIG;
    else
        return -1;
    return 0;
}

static int dns_expect(jv list, struct dns_settings *s, struct heal_error *err)
{
    int n = jv_array_length(jv_copy(list));
    int rc = 0;
    if (n < 1 || n > DNS_EXPECT_MAX)
        rc = heal_error_set(err, "field 'expect' must hold 1 to %d addresses", DNS_EXPECT_MAX);
    else if (!(s->expect = calloc((size_t)n, sizeof *s->expect)))
        rc = heal_error_set(err, "out of memory");
    for (int i = 0; rc == 0 && i < n; i++) {
        jv a = jv_array_get(jv_copy(list), i);
        struct heal_error e;
        if (jv_get_kind(a) != JV_KIND_STRING)
            rc = heal_error_set(err, "field 'expect': item %d is not a string", i + 1);
        else if (resolve_address_canonical(jv_string_value(a), s->expect[i], &e) != 0)
            rc = heal_error_set(err, "field 'expect': %s", e.msg);
        else
            s->nexpect++;
        jv_free(a);
    }
    jv_free(list);
    return rc;
}

static int dns_prepare(struct check_def *def, struct heal_error *err)
{
    struct dns_settings *s = calloc(1, sizeof *s);
    if (!s)
        return heal_error_set(err, "out of memory");
    def->kind_data = s;
    jv query = jv_object_get(jv_copy(def->def), jv_string("query"));
    jv type = jv_object_get(jv_copy(def->def), jv_string("type"));
    jv expect = jv_object_get(jv_copy(def->def), jv_string("expect"));
    size_t ql = strlen(jv_string_value(query));
    int rc = 0;
    if (ql == 0 || ql > RESOLVE_NAME_MAX)
        rc = heal_error_set(err, "field 'query' must be 1 to %d bytes", RESOLVE_NAME_MAX);
    else if (dns_types(jv_get_kind(type) == JV_KIND_STRING ? jv_string_value(type) : "ANY", s))
        rc = heal_error_set(err, "field 'type' must be A, AAAA or ANY, not '%.32s'",
                            jv_string_value(type));
    else if (!(s->query = strdup(jv_string_value(query))))
        rc = heal_error_set(err, "out of memory");
    if (rc == 0 && jv_get_kind(expect) == JV_KIND_ARRAY)
        rc = dns_expect(jv_copy(expect), s, err);
    jv_free(query);
    jv_free(type);
    jv_free(expect);
    return rc;
}

static void dns_release(struct check_def *def)
{
    struct dns_settings *s = def->kind_data;
    free(s->query);
    free(s->expect);
    free(s);
    def->kind_data = NULL;
}

static int dns_start(struct check_task *task, struct check_result *result)
{
    const struct dns_settings *s = task->def->kind_data;
    struct dns_run *run = calloc(1, sizeof *run);
    struct heal_error err;
    if (!run ||
        !(run->job = resolve_start(s->query, NULL, s->family, SOCK_STREAM, s->flags, &err))) {
        check_result_set(result, NAGIOS_UNKNOWN, "cannot look up %s: %s", s->query,
                         run ? err.msg : "out of memory");
        free(run);
        return 1;
    }
    run->deadline_ms = task->started_mono_ms + task->def->timeout_ms;
    task->data = run;
    return 0;
}

static int dns_pollfds(struct check_task *task, struct pollfd *fds)
{
    struct dns_run *run = task->data;
    fds[0] = (struct pollfd){.fd = resolve_fd(run->job), .events = POLLIN};
    return fds[0].fd >= 0 && !resolve_done(run->job);
}

static int dns_wait_ms(struct check_task *task)
{
    struct dns_run *run = task->data;
    int64_t left = run->deadline_ms - clock_mono_ms();
    /* An address answers at once, with no fd to wake the loop: look now. */
    return resolve_done(run->job) || left < 0 ? 0 : (int)left;
}

static bool dns_done(struct check_task *task)
{
    struct dns_run *run = task->data;
    if (resolve_done(run->job)) {
        if (!run->answered_ms)
            run->answered_ms = clock_mono_ms();
        return true;
    }
    if (clock_mono_ms() >= run->deadline_ms)
        run->timed_out = true;
    return run->timed_out;
}

/* Appends the distinct addresses of res, in the resolver's order. */
static jv answers_of(const struct addrinfo *res)
{
    jv list = jv_array();
    int n = 0;
    for (const struct addrinfo *ai = res; ai && n < DNS_ANSWERS_MAX; ai = ai->ai_next) {
        char text[RESOLVE_ADDRESS_SIZE];
        resolve_address_text(ai->ai_addr, text);
        bool seen = false;
        jv_array_foreach(list, i, a)
        {
            (void)i;
            seen = seen || strcmp(jv_string_value(a), text) == 0;
            jv_free(a);
        }
        if (!seen) {
            list = jv_array_append(list, jv_string(text));
            n++;
        }
    }
    return list;
}

/* Joins up to max strings of list (borrowed) with ", " into out. */
static void join(const jv *list, int max, char *out, size_t size)
{
    size_t o = 0;
    int n = jv_array_length(jv_copy(*list));
    out[0] = '\0';
    for (int i = 0; i < n && i < max && o < size; i++) {
        jv a = jv_array_get(jv_copy(*list), i);
        o += (size_t)snprintf(out + o, size - o, "%s%s", i ? ", " : "", jv_string_value(a));
        jv_free(a);
    }
    if (n > max && o < size)
        snprintf(out + o, size - o, ", ... (%d in all)", n);
}

static void dns_finish(struct check_task *task, struct check_result *r)
{
    struct dns_run *run = task->data;
    const struct check_def *def = task->def;
    const struct dns_settings *s = def->kind_data;
    double timeout_s = (double)def->timeout_ms / 1000.0;
    r->evidence = jv_object_set(r->evidence, jv_string("query"), jv_string(s->query));
    r->evidence = jv_object_set(r->evidence, jv_string("type"), jv_string(s->type));
    if (!resolve_done(run->job)) {
        if (run->timed_out || clock_mono_ms() >= run->deadline_ms)
            check_result_set(r, NAGIOS_CRITICAL, "cannot resolve %s: timed out after %g seconds",
                             s->query, timeout_s);
        else
            check_result_set(r, NAGIOS_UNKNOWN, "check interrupted before it finished");
        r->evidence = jv_object_set(r->evidence, jv_string("timed_out"), jv_true());
        goto out;
    }
    struct addrinfo *res;
    int sys_errno;
    int code = resolve_result(run->job, &res, &sys_errno);
    double secs = (double)(run->answered_ms - task->started_mono_ms) / 1000.0;
    if (code != 0) {
        const char *why = resolve_strerror(code, sys_errno);
        check_result_set(r, NAGIOS_CRITICAL, "cannot resolve %s: %s", s->query, why);
        r->evidence = jv_object_set(r->evidence, jv_string("error"), jv_string(why));
        goto out;
    }
    jv answers = answers_of(res);
    freeaddrinfo(res);
    check_result_perf(r, "time", secs, "s", def->warn_text, def->crit_text, 0, timeout_s);
    jv missing = jv_array();
    for (size_t i = 0; i < s->nexpect; i++) {
        bool found = false;
        jv_array_foreach(answers, j, a)
        {
            (void)j;
            found = found || strcmp(jv_string_value(a), s->expect[i]) == 0;
            jv_free(a);
        }
        if (!found)
            missing = jv_array_append(missing, jv_string(s->expect[i]));
    }
    char got[1024], lacking[1024];
    join(&answers, DNS_SUMMARY_ANSWERS_MAX, got, sizeof got);
    join(&missing, DNS_SUMMARY_ANSWERS_MAX, lacking, sizeof lacking);
    if (jv_array_length(jv_copy(missing)) > 0) {
        check_result_set(r, NAGIOS_CRITICAL, "DNS CRITICAL - %s resolves to %s, not to %s",
                         s->query, got, lacking);
    } else {
        enum nagios_status st = check_evaluate(def, secs);
        static const char *const words[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
        check_result_set(r, st, "DNS %s - %s resolves to %s in %.3f s", words[st], s->query, got,
                         secs);
    }
    if (s->nexpect) {
        jv expected = jv_array();
        for (size_t i = 0; i < s->nexpect; i++)
            expected = jv_array_append(expected, jv_string(s->expect[i]));
        r->evidence = jv_object_set(r->evidence, jv_string("expect"), expected);
        r->evidence = jv_object_set(r->evidence, jv_string("missing"), missing);
    } else {
        jv_free(missing);
    }
    r->evidence = jv_object_set(r->evidence, jv_string("addresses"), answers);
out:
    resolve_free(run->job);
    free(run);
    task->data = NULL;
}

const struct check_kind check_kind_dns = {
    .name = "dns",
    .fields = dns_fields,
    .prepare = dns_prepare,
    .release = dns_release,
    .start = dns_start,
    .pollfds = dns_pollfds,
    .wait_ms = dns_wait_ms,
    .done = dns_done,
    .finish = dns_finish,
};
