/* mcp_audit.c — heal-mcp's audit journal and call metrics (see mcp_audit.h). */
#include "mcp_audit.h"
#include "journal.h"
#include "ndjson.h"
#include "prom.h"
#include "record.h"
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Upper bounds of the latency histogram, in seconds: a status read to a healing session. */
static const double buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                 1,     2.5,  5,     10,   30,  60,   300};
#define N_BUCKETS (sizeof buckets / sizeof *buckets)

static const char *const result_names[] = {"ok", "error", "denied"};

struct mcp_audit {
    struct journal journal;
    char *metrics_path;
    jv calls;   /* "tool\tresult" -> count */
    jv denials; /* reason -> count */
    jv latency; /* tool -> [count per bucket..., +Inf count, sum in seconds] */
};

struct mcp_audit *mcp_audit_open(const char *state_dir, const char *metrics_path,
                                 struct heal_error *err)
{
    char dir[STATE_PATH_MAX], path[STATE_PATH_MAX];
    if (state_path_join(dir, sizeof dir, state_dir, MCP_AUDIT_DIR, err) < 0 ||
        state_path_join(path, sizeof path, dir, MCP_AUDIT_FILE, err) < 0)
        return NULL;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        heal_error_errno(err, "mkdir %s", dir);
        return NULL;
    }
    struct mcp_audit *a = calloc(1, sizeof *a);
    if (!a || (metrics_path && !(a->metrics_path = strdup(metrics_path)))) {
        free(a);
        heal_error_set(err, "out of memory");
        return NULL;
    }
    /* No fsync per line: a call's latency should not be a disk flush; a power cut may cost
     * the last lines, a crash of heal-mcp none. */
    if (journal_open_path(&a->journal, path, false, err) != 0) {
        free(a->metrics_path);
        free(a);
        return NULL;
    }
    a->calls = jv_object();
    a->denials = jv_object();
    a->latency = jv_object();
    return a;
}

static int write_metrics(const struct mcp_audit *a, struct heal_error *err);

void mcp_audit_close(struct mcp_audit *a)
{
    if (!a)
        return;
    if (a->metrics_path)
        write_metrics(a, NULL);
    journal_close(&a->journal);
    jv_free(a->calls);
    jv_free(a->denials);
    jv_free(a->latency);
    free(a->metrics_path);
    free(a);
}

/* The SHA-256 of the arguments' canonical form (keys sorted), in hex. */
static jv args_digest(const jv *args)
{
    jv text = jv_dump_string(jv_copy(*args), JV_PRINT_SORTED);
    unsigned char hash[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    int ok = EVP_Digest(jv_string_value(text), (size_t)jv_string_length_bytes(jv_copy(text)), hash,
                        &n, EVP_sha256(), NULL);
    jv_free(text);
    if (ok != 1)
        return jv_null();
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned int i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", hash[i]);
    return jv_string(hex);
}

static jv set_str(jv o, const char *key, const char *value)
{
    return jv_object_set(o, jv_string(key), value ? jv_string(value) : jv_null());
}

static jv audit_record(const struct mcp_audit_call *call)
{
    jv r = record_new("event");
    r = set_str(r, "event", "tool_call");
    r = set_str(r, "tool", call->tool);
    r = set_str(r, "method", call->method);
    const struct mcp_caller *c = call->caller;
    jv who = jv_object();
    who = set_str(who, "sub", c && c->sub[0] ? c->sub : NULL);
    who = set_str(who, "client_id", c && c->client_id[0] ? c->client_id : NULL);
    who = set_str(who, "remote", c && c->remote[0] ? c->remote : NULL);
    who = jv_object_set(who, jv_string("authenticated"), jv_bool(c && c->authenticated));
    r = jv_object_set(r, jv_string("caller"), who);
    bool has_args = call->args && jv_is_valid(*call->args);
    r = jv_object_set(r, jv_string("args_sha256"), has_args ? args_digest(call->args) : jv_null());
    r = set_str(r, "result", result_names[call->result]);
    r = set_str(r, "reason", call->reason);
    if (call->http_status)
        r = jv_object_set(r, jv_string("http_status"), jv_number(call->http_status));
    bool has_changed = call->changed && jv_get_kind(*call->changed) == JV_KIND_ARRAY;
    r = jv_object_set(r, jv_string("changed"), has_changed ? jv_copy(*call->changed) : jv_array());
    r = jv_object_set(r, jv_string("duration_ms"), jv_number((double)call->duration_ms));
    r = set_str(r, "session", call->session);
    return set_str(r, "trace", call->trace);
}

static void count(jv *counts, const char *key)
{
    jv n = jv_object_get(jv_copy(*counts), jv_string(key));
    double v = jv_get_kind(n) == JV_KIND_NUMBER ? jv_number_value(n) : 0;
    jv_free(n);
    *counts = jv_object_set(*counts, jv_string(key), jv_number(v + 1));
}

static void observe(struct mcp_audit *a, const char *tool, double seconds)
{
    jv h = jv_object_get(jv_copy(a->latency), jv_string(tool));
    if (jv_get_kind(h) != JV_KIND_ARRAY) {
        jv_free(h);
        h = jv_array();
        for (size_t i = 0; i < N_BUCKETS + 2; i++)
            h = jv_array_append(h, jv_number(0));
    }
    size_t slot = 0;
    while (slot < N_BUCKETS && seconds > buckets[slot])
        slot++;
    jv old = jv_array_get(jv_copy(h), (int)slot);
    h = jv_array_set(h, (int)slot, jv_number(jv_number_value(old) + 1));
    jv sum = jv_array_get(jv_copy(h), N_BUCKETS + 1);
    h = jv_array_set(h, N_BUCKETS + 1, jv_number(jv_number_value(sum) + seconds));
    a->latency = jv_object_set(a->latency, jv_string(tool), h);
}

int mcp_audit_write(struct mcp_audit *a, const struct mcp_audit_call *call, struct heal_error *err)
{
    const char *what = call->tool ? call->tool : call->method ? call->method : "(unreadable)";
    char key[512];
    snprintf(key, sizeof key, "%s\t%s", what, result_names[call->result]);
    count(&a->calls, key);
    if (call->result == MCP_AUDIT_DENIED)
        count(&a->denials, call->reason ? call->reason : "unknown");
    else if (call->tool)
        observe(a, call->tool, (double)call->duration_ms / 1000);
    int rc = journal_append(&a->journal, audit_record(call), err);
    if (a->metrics_path) {
        struct heal_error merr;
        if (write_metrics(a, rc == 0 ? err : &merr) != 0 && rc == 0)
            rc = -1;
    }
    return rc;
}

static void prom_tool_label(struct prom *p, const char *name, const char *tool)
{
    prom_str(p, name);
    prom_str(p, "{tool=\"");
    prom_label(p, tool);
}

static int write_metrics(const struct mcp_audit *a, struct heal_error *err)
{
    struct prom p = {0};
    prom_family(&p, "heal_mcp_calls_total", "counter", "Tool calls heal-mcp served, by result.");
    prom_pair_counts(&p, "heal_mcp_calls_total", "tool", "result", &a->calls);
    prom_family(&p, "heal_mcp_denials_total", "counter", "Requests refused, by reason.");
    jv denials = jv_copy(a->denials);
    jv_object_foreach(denials, key, n)
    {
        prom_str(&p, "heal_mcp_denials_total{reason=\"");
        prom_label(&p, jv_string_value(key));
        prom_str(&p, "\"}");
        prom_value(&p, jv_number_value(n));
        jv_free(key);
        jv_free(n);
    }
    jv_free(denials);
    prom_family(&p, "heal_mcp_call_duration_seconds", "histogram",
                "How long tool calls took, from request to answer.");
    jv latency = jv_copy(a->latency);
    jv_object_foreach(latency, tool, h)
    {
        double cumulative = 0;
        char le[32];
        for (size_t i = 0; i <= N_BUCKETS; i++) {
            jv v = jv_array_get(jv_copy(h), (int)i);
            cumulative += jv_number_value(v);
            jv_free(v);
            if (i < N_BUCKETS)
                snprintf(le, sizeof le, "%g", buckets[i]);
            prom_tool_label(&p, "heal_mcp_call_duration_seconds_bucket", jv_string_value(tool));
            prom_str(&p, "\",le=\"");
            prom_str(&p, i < N_BUCKETS ? le : "+Inf");
            prom_str(&p, "\"}");
            prom_value(&p, cumulative);
        }
        jv sum = jv_array_get(jv_copy(h), N_BUCKETS + 1);
        prom_tool_label(&p, "heal_mcp_call_duration_seconds_sum", jv_string_value(tool));
        prom_str(&p, "\"}");
        prom_value(&p, jv_number_value(sum));
        jv_free(sum);
        prom_tool_label(&p, "heal_mcp_call_duration_seconds_count", jv_string_value(tool));
        prom_str(&p, "\"}");
        prom_value(&p, cumulative);
        jv_free(tool);
        jv_free(h);
    }
    jv_free(latency);
    return prom_write(&p, a->metrics_path, err);
}

jv mcp_audit_outcome_ids(const char *ndjson, size_t len)
{
    jv ids = jv_array();
    for (const char *line = ndjson, *end = ndjson + len; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);
        /* Only outcomes are parsed; a remedy that ran is what changed something. */
        if (memmem(line, n, "\"outcome\"", 9) && memmem(line, n, "\"executed\"", 10)) {
            struct heal_error e;
            jv r = ndjson_parse_line(line, n, &e);
            const char *id = jv_is_valid(r) && record_is_type(&r, "outcome")
                                 ? record_string_borrow(&r, "id")
                                 : NULL;
            const char *action = id ? record_string_borrow(&r, "action") : NULL;
            if (action && !strcmp(action, "executed"))
                ids = jv_array_append(ids, jv_string(id));
            jv_free(r);
        }
        line += n + 1;
    }
    return ids;
}
