/*
 * test_mcp_audit.c — mcp_audit.c: one event line per call with who, what
 * and what it changed; metrics that add up; outcome ids from NDJSON.
 */
#include "journal.h"
#include "mcp_audit.h"
#include "record.h"
#include "scratch.h"
#include "unit.h"

static jv field(const jv *o, const char *key)
{
    return jv_object_get(jv_copy(*o), jv_string(key));
}

static bool field_is(const jv *o, const char *key, const char *want)
{
    jv v = field(o, key);
    bool same = jv_get_kind(v) == JV_KIND_STRING && !strcmp(jv_string_value(v), want);
    jv_free(v);
    return same;
}

static void test_outcome_ids(void)
{
    const char *out = "{\"type\":\"proposal\",\"id\":\"P\"}\n"
                      "{\"type\":\"outcome\",\"id\":\"A\",\"action\":\"executed\"}\n"
                      "{\"type\":\"outcome\",\"id\":\"B\",\"action\":\"dry-run\"}\n"
                      "not json \"outcome\" \"executed\"\n"
                      "{\"type\":\"outcome\",\"id\":\"C\",\"action\":\"executed\"}";
    jv ids = mcp_audit_outcome_ids(out, strlen(out));
    jv s = jv_dump_string(ids, 0);
    CHECK_STR(jv_string_value(s), "[\"A\",\"C\"]",
              "only executed outcomes changed something; junk and a last line without newline");
    jv_free(s);
}

static void test_journal(const char *dir)
{
    char metrics[PATH_MAX], path[PATH_MAX];
    snprintf(metrics, sizeof metrics, "%s/heal-mcp.prom", dir);
    struct heal_error err;
    struct mcp_audit *a = mcp_audit_open(dir, metrics, &err);
    CHECK(a != NULL, "opens the audit journal");
    if (!a)
        return;
    struct mcp_caller ops = {.sub = "ops",
                             .client_id = "agent-7",
                             .remote = "127.0.0.1:4000",
                             .scopes = MCP_SCOPE_READ | MCP_SCOPE_APPLY,
                             .authenticated = true};
    struct mcp_caller nobody = {.remote = "127.0.0.1:4001"};
    jv args = jv_parse("{\"target\":\"web\",\"remedy\":\"restart\"}");
    jv args_reordered = jv_parse("{\"remedy\":\"restart\",\"target\":\"web\"}");
    jv changed = jv_parse("[\"01J00000000000000000000000\"]");
    struct mcp_audit_call ok = {.caller = &ops,
                                .tool = "apply_fix",
                                .method = "tools/call",
                                .args = &args,
                                .result = MCP_AUDIT_OK,
                                .http_status = 200,
                                .changed = &changed,
                                .duration_ms = 1500,
                                .session = "s1",
                                .trace = "T1"};
    struct mcp_audit_call same = ok;
    same.args = &args_reordered;
    same.changed = NULL;
    same.duration_ms = 3;
    struct mcp_audit_call denied = {.caller = &nobody,
                                    .method = "tools/call",
                                    .result = MCP_AUDIT_DENIED,
                                    .reason = "no token",
                                    .http_status = 401};
    CHECK(mcp_audit_write(a, &ok, &err) == 0 && mcp_audit_write(a, &same, &err) == 0 &&
              mcp_audit_write(a, &denied, &err) == 0,
          "three calls written");
    mcp_audit_close(a);
    jv_free(args);
    jv_free(args_reordered);
    jv_free(changed);

    snprintf(path, sizeof path, "%s/mcp/audit.ndjson", dir);
    struct journal_reader r;
    CHECK(journal_reader_open_path(&r, path, &err) == 0, "reads the journal back");
    jv rec[4];
    long line;
    int n = 0;
    while (n < 4 && journal_reader_next(&r, &rec[n], &line, &err) == 1)
        n++;
    CHECK(n == 3 && journal_reader_bad(&r) == 0, "one parseable line per call");
    if (n == 3) {
        CHECK(record_is_type(&rec[0], "event") && field_is(&rec[0], "event", "tool_call") &&
                  field_is(&rec[0], "tool", "apply_fix") && field_is(&rec[0], "result", "ok") &&
                  field_is(&rec[0], "session", "s1") && field_is(&rec[0], "trace", "T1"),
              "an ok call: event tool_call, tool, result, session, trace");
        jv who = field(&rec[0], "caller");
        CHECK(field_is(&who, "sub", "ops") && field_is(&who, "client_id", "agent-7") &&
                  field_is(&who, "remote", "127.0.0.1:4000"),
              "the caller: sub, client id, remote");
        jv_free(who);
        jv d0 = field(&rec[0], "args_sha256"), d1 = field(&rec[1], "args_sha256");
        CHECK(jv_get_kind(d0) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(d0)) == 64 &&
                  jv_equal(jv_copy(d0), jv_copy(d1)),
              "the arguments digested, the same whatever the key order");
        jv_free(d0);
        jv_free(d1);
        jv ch = field(&rec[0], "changed");
        CHECK(jv_array_length(ch) == 1, "what it changed: the outcome ids");
        CHECK(field_is(&rec[2], "result", "denied") && field_is(&rec[2], "reason", "no token"),
              "a denial: result and reason");
        jv nullsub = field(&rec[2], "caller");
        jv sub = field(&nullsub, "sub");
        CHECK(jv_get_kind(sub) == JV_KIND_NULL, "no sub when unauthenticated");
        jv_free(sub);
        jv_free(nullsub);
    }
    for (int i = 0; i < n; i++)
        jv_free(rec[i]);
    journal_reader_close(&r);

    /* Another event that names a tool_call and carries changes is not a call (and its
     * changes must be let go: the sanitizer build finds the leak this once was). */
    char journal[512];
    snprintf(journal, sizeof journal, "%s/" MCP_AUDIT_DIR "/" MCP_AUDIT_FILE, dir);
    FILE *j = fopen(journal, "a");
    CHECK(j != NULL, "the journal can be appended to");
    if (j) {
        fputs("{\"type\":\"event\",\"v\":1,\"id\":\"01KB0000000000000000000009\","
              "\"ts\":\"2026-11-30T04:00:00.000Z\",\"host\":\"vm\",\"event\":\"other\","
              "\"tool\":\"tool_call\",\"changed\":[\"01KB00000000000000000000A1\"]}\n",
              j);
        fclose(j);
    }
    jv recent;
    CHECK(mcp_audit_recent_changes(dir, 10, &recent, &err) == 0 &&
              jv_array_length(jv_copy(recent)) == 1,
          "recent changes: only the call that changed something");
    jv first = jv_array_get(recent, 0);
    CHECK(field_is(&first, "tool", "apply_fix") && field_is(&first, "sub", "ops") &&
              field_is(&first, "remote", "127.0.0.1:4000"),
          "a recent change says what, who and from where");
    jv_free(first);
    CHECK(mcp_audit_recent_changes("/nonexistent-heal", 10, &recent, &err) == 0 &&
              jv_array_length(recent) == 0,
          "no journal: no changes");

    char *text = NULL;
    size_t len = 0;
    FILE *f = fopen(metrics, "r");
    CHECK(f && getdelim(&text, &len, '\0', f) > 0, "metrics written");
    if (f)
        fclose(f);
    CHECK(text && strstr(text, "heal_mcp_calls_total{tool=\"apply_fix\",result=\"ok\"} 2\n"),
          "calls by tool and result");
    CHECK(text && strstr(text, "heal_mcp_calls_total{tool=\"tools/call\",result=\"denied\"} 1\n"),
          "a denial before a tool was known counts under its method");
    CHECK(text && strstr(text, "heal_mcp_denials_total{reason=\"no token\"} 1\n"),
          "denials by reason");
    CHECK(text &&
              strstr(text, "heal_mcp_call_duration_seconds_bucket{tool=\"apply_fix\",le="
                           "\"0.005\"} 1\n") &&
              strstr(text, "heal_mcp_call_duration_seconds_bucket{tool=\"apply_fix\",le=\"2.5\"} "
                           "2\n") &&
              strstr(text, "heal_mcp_call_duration_seconds_count{tool=\"apply_fix\"} 2\n"),
          "the latency histogram is cumulative");
    free(text);
}

int main(void)
{
    char dir[SCRATCH_DIR_SIZE];
    scratch_make(dir, "mcp-audit");
    test_outcome_ids();
    test_journal(dir);
    scratch_remove(dir);
    return unit_done();
}
