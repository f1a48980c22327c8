/*
 * fuzz_mcp_audit.c — libFuzzer harness for the readers of heal-mcp's audit
 * journal: the recent changes heal-loop status shows, and the outcome ids
 * taken from a program's output.
 *
 * The input is the journal of a scratch state directory.  Reading it must
 * succeed (unreadable lines are skipped) with at most the asked-for number
 * of changes, each naming what changed.  The same bytes as a program's
 * output must give only string ids.  Anything else aborts, so the fuzzer
 * keeps the input.
 */
#include "mcp_audit.h"
#include "scratch.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX 3

static char state[SCRATCH_DIR_SIZE], journal[PATH_MAX];

static void remove_state(void)
{
    scratch_remove(state);
}

static bool string_or_null(const jv *o, const char *key)
{
    jv v = jv_object_get(jv_copy(*o), jv_string(key));
    bool ok = jv_get_kind(v) == JV_KIND_STRING || jv_get_kind(v) == JV_KIND_NULL;
    jv_free(v);
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!state[0]) {
        scratch_make(state, "fuzz-audit");
        snprintf(journal, sizeof journal, "%s/" MCP_AUDIT_DIR, state);
        mkdir(journal, 0700);
        snprintf(journal, sizeof journal, "%s/" MCP_AUDIT_DIR "/" MCP_AUDIT_FILE, state);
        atexit(remove_state);
    }
    FILE *f = fopen(journal, "w");
    if (!f)
        abort();
    fwrite(data, 1, size, f);
    fclose(f);

    jv changes;
    struct heal_error err;
    if (mcp_audit_recent_changes(state, FUZZ_MAX, &changes, &err) != 0)
        abort();
    if (jv_get_kind(changes) != JV_KIND_ARRAY || jv_array_length(jv_copy(changes)) > FUZZ_MAX)
        abort();
    jv_array_foreach(changes, i, c)
    {
        jv changed = jv_object_get(jv_copy(c), jv_string("changed"));
        if (jv_get_kind(changed) != JV_KIND_ARRAY || jv_array_length(jv_copy(changed)) == 0)
            abort();
        if (!string_or_null(&c, "ts") || !string_or_null(&c, "tool") ||
            !string_or_null(&c, "sub") || !string_or_null(&c, "remote") ||
            !string_or_null(&c, "trace"))
            abort();
        jv_free(changed);
        jv_free(c);
    }
    jv_free(changes);

    jv ids = mcp_audit_outcome_ids((const char *)data, size);
    jv_array_foreach(ids, i, id)
    {
        if (jv_get_kind(id) != JV_KIND_STRING)
            abort();
        jv_free(id);
    }
    jv_free(ids);
    return 0;
}
