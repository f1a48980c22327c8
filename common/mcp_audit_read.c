/*
 * mcp_audit_read.c — the recent changes in heal-mcp's audit journal, for
 * heal-loop status.  Apart from mcp_audit.c so that heal-loop does not link
 * what writes the journal (its SHA-256 digest would load libcrypto into an
 * idle daemon).
 */
#include "mcp_audit.h"
#include "ndjson.h"
#include "record.h"
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static jv set_str(jv o, const char *key, const char *value)
{
    return jv_object_set(o, jv_string(key), value ? jv_string(value) : jv_null());
}

static jv change_summary(const jv *r)
{
    jv who = jv_object_get(jv_copy(*r), jv_string("caller"));
    jv o = jv_object();
    o = set_str(o, "ts", record_string_borrow(r, "ts"));
    o = set_str(o, "tool", record_string_borrow(r, "tool"));
    o = set_str(o, "sub",
                jv_get_kind(who) == JV_KIND_OBJECT ? record_string_borrow(&who, "sub") : NULL);
    o = set_str(o, "remote",
                jv_get_kind(who) == JV_KIND_OBJECT ? record_string_borrow(&who, "remote") : NULL);
    o = jv_object_set(o, jv_string("changed"), record_array_get(r, "changed"));
    o = set_str(o, "trace", record_string_borrow(r, "trace"));
    jv_free(who);
    return o;
}

int mcp_audit_recent_changes(const char *state_dir, int max, jv *out, struct heal_error *err)
{
    char path[STATE_PATH_MAX];
    *out = jv_array();
    if (state_path_join(path, sizeof path, state_dir, MCP_AUDIT_DIR "/" MCP_AUDIT_FILE, err) < 0)
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? 0 : heal_error_errno(err, "open %s", path);
    struct stat st;
    char *buf = NULL;
    ssize_t got = -1;
    off_t from = 0;
    if (fstat(fd, &st) == 0) {
        from = st.st_size > MCP_AUDIT_TAIL_BYTES ? st.st_size - MCP_AUDIT_TAIL_BYTES : 0;
        buf = malloc((size_t)(st.st_size - from) + 1);
        if (buf)
            got = pread(fd, buf, (size_t)(st.st_size - from), from);
    }
    close(fd);
    if (got < 0) {
        free(buf);
        return buf ? heal_error_errno(err, "read %s", path) : heal_error_set(err, "out of memory");
    }
    /* Newest first: walk the lines backwards. */
    const char *start = buf, *end = buf + got;
    if (from > 0) { /* the first line is probably cut */
        const char *nl = memchr(buf, '\n', (size_t)got);
        start = nl ? nl + 1 : end;
    }
    int n = 0;
    while (end > start && n < max) {
        const char *line_end = end;
        if (line_end > start && line_end[-1] == '\n')
            line_end--;
        const char *line = line_end;
        while (line > start && line[-1] != '\n')
            line--;
        end = line;
        if (line_end == line || !memmem(line, (size_t)(line_end - line), "\"tool_call\"", 11))
            continue;
        struct heal_error e;
        jv r = ndjson_parse_line(line, (size_t)(line_end - line), &e);
        if (jv_is_valid(r) && record_is_type(&r, "event")) {
            int changed = jv_array_length(record_array_get(&r, "changed")); /* consumed */
            const char *event = record_string_borrow(&r, "event");
            if (event && !strcmp(event, "tool_call") && changed > 0) {
                *out = jv_array_append(*out, change_summary(&r));
                n++;
            }
        }
        jv_free(r);
    }
    free(buf);
    return 0;
}
