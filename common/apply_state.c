#include "apply_state.h"
#include "atomicfile.h"
#include "clock.h"
#include "jsoncheck.h"
#include "state.h"

#include <stdlib.h>
#include <string.h>

static int state_path(const char *state_dir, const char *target, char out[STATE_PATH_MAX],
                      struct heal_error *err)
{
    char dir[STATE_PATH_MAX], name[STATE_NAME_SIZE + sizeof ".json"];
    if (state_name_encode(target, name, err) < 0)
        return -1;
    memcpy(name + strlen(name), ".json", sizeof ".json");
    if (state_subdir(state_dir, APPLY_STATE_DIR, dir, err) < 0)
        return -1;
    return state_path_join(out, STATE_PATH_MAX, dir, name, err);
}

static jv empty_doc(const char *target)
{
    jv d = jv_object();
    d = jv_object_set(d, jv_string("v"), jv_number(1));
    d = jv_object_set(d, jv_string("target"), jv_string(target));
    d = jv_object_set(d, jv_string("failures"), jv_number(0));
    return jv_object_set(d, jv_string("runs"), jv_array());
}

int apply_state_load(const char *state_dir, const char *target, struct apply_state *st,
                     struct heal_error *err)
{
    st->doc = empty_doc(target);
    char path[STATE_PATH_MAX], *data = NULL;
    size_t len = 0;
    if (state_path(state_dir, target, path, err) < 0)
        return -1;
    int rc = atomicfile_read(path, APPLY_STATE_FILE_MAX, &data, &len, err);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    /* jq 1.6 leaks on some malformed JSON: a damaged file reaches it only well-formed. */
    jv doc = jsoncheck(data, len, NULL, NULL) == 0 ? jv_parse_sized(data, (int)len) : jv_invalid();
    free(data);
    jv runs = jv_get_kind(doc) == JV_KIND_OBJECT ? jv_object_get(jv_copy(doc), jv_string("runs"))
                                                 : jv_invalid();
    bool ok = jv_get_kind(runs) == JV_KIND_ARRAY;
    jv_free(runs);
    if (!ok) {
        jv_free(doc);
        return heal_error_set(err, "%s: not a heal-apply state file; %s", path,
                              "remove the file to start afresh");
    }
    jv_free(st->doc);
    st->doc = doc;
    return 0;
}

int apply_state_save(const char *state_dir, const char *target, const struct apply_state *st,
                     struct heal_error *err)
{
    char path[STATE_PATH_MAX];
    if (state_path(state_dir, target, path, err) < 0)
        return -1;
    jv text = jv_dump_string(jv_copy(st->doc), 0);
    size_t n = (size_t)jv_string_length_bytes(jv_copy(text));
    char *line = malloc(n + 1);
    if (!line) {
        jv_free(text);
        return heal_error_set(err, "out of memory");
    }
    memcpy(line, jv_string_value(text), n);
    line[n] = '\n';
    jv_free(text);
    int rc = atomicfile_write(path, line, n + 1, 0600, err);
    free(line);
    return rc;
}

void apply_state_free(struct apply_state *st)
{
    jv_free(st->doc);
    st->doc = jv_null();
}

/* The time of a run (or of "last_failure"), INT64_MIN when unreadable. */
static int64_t time_of(jv v)
{
    int64_t ms = INT64_MIN;
    if (jv_get_kind(v) == JV_KIND_STRING && clock_parse_rfc3339(jv_string_value(v), &ms) != 0)
        ms = INT64_MIN;
    jv_free(v);
    return ms;
}

static bool string_is(jv v, const char *s)
{
    bool eq = jv_get_kind(v) == JV_KIND_STRING && s && !strcmp(jv_string_value(v), s);
    jv_free(v);
    return eq;
}

static jv ts_string(int64_t ms)
{
    char ts[CLOCK_RFC3339_SIZE];
    clock_format_rfc3339(ms, ts);
    return jv_string(ts);
}

void apply_state_add_run(struct apply_state *st, const char *remedy, const char *trace,
                         const char *intent, int64_t now_ms)
{
    jv runs = jv_object_get(jv_copy(st->doc), jv_string("runs"));
    jv kept = jv_array();
    int n = jv_array_length(jv_copy(runs));
    /* Oldest first: drop the old ones, and the oldest beyond the cap. */
    for (int i = n >= APPLY_RUNS_MAX ? n - APPLY_RUNS_MAX + 1 : 0; i < n; i++) {
        jv run = jv_array_get(jv_copy(runs), i);
        if (time_of(jv_object_get(jv_copy(run), jv_string("at"))) > now_ms - APPLY_RUNS_MAX_AGE_MS)
            kept = jv_array_append(kept, run);
        else
            jv_free(run);
    }
    jv_free(runs);
    jv run = jv_object();
    run = jv_object_set(run, jv_string("remedy"), jv_string(remedy));
    run = jv_object_set(run, jv_string("trace"), jv_string(trace ? trace : ""));
    run = jv_object_set(run, jv_string("intent"), jv_string(intent));
    run = jv_object_set(run, jv_string("at"), ts_string(now_ms));
    st->doc = jv_object_set(st->doc, jv_string("runs"), jv_array_append(kept, run));
}

void apply_state_result(struct apply_state *st, bool healed, bool failed, int64_t now_ms)
{
    if (healed) {
        st->doc = jv_object_set(st->doc, jv_string("failures"), jv_number(0));
    } else if (failed) {
        int f = apply_state_failures(st, now_ms);
        st->doc = jv_object_set(st->doc, jv_string("failures"), jv_number(f + 1));
        st->doc = jv_object_set(st->doc, jv_string("last_failure"), ts_string(now_ms));
    }
}

int apply_state_failures(const struct apply_state *st, int64_t now_ms)
{
    jv f = jv_object_get(jv_copy(st->doc), jv_string("failures"));
    double d = jv_get_kind(f) == JV_KIND_NUMBER ? jv_number_value(f) : 0;
    jv_free(f);
    int64_t last = time_of(jv_object_get(jv_copy(st->doc), jv_string("last_failure")));
    if (d < 1 || last == INT64_MIN || now_ms - last > APPLY_BACKOFF_RESET_MS)
        return 0;
    return d > 1000 ? 1000 : (int)d;
}

int64_t apply_state_last_run(const struct apply_state *st)
{
    jv runs = jv_object_get(jv_copy(st->doc), jv_string("runs"));
    int64_t last = INT64_MIN;
    int n = jv_array_length(jv_copy(runs));
    for (int i = 0; i < n; i++) {
        jv run = jv_array_get(jv_copy(runs), i);
        int64_t at = time_of(jv_object_get(run, jv_string("at")));
        if (at > last)
            last = at;
    }
    jv_free(runs);
    return last;
}

int apply_state_attempts(const struct apply_state *st, const char *remedy, int64_t since_ms)
{
    jv runs = jv_object_get(jv_copy(st->doc), jv_string("runs"));
    int count = 0, n = jv_array_length(jv_copy(runs));
    for (int i = 0; i < n; i++) {
        jv run = jv_array_get(jv_copy(runs), i);
        if (string_is(jv_object_get(jv_copy(run), jv_string("remedy")), remedy) &&
            time_of(jv_object_get(jv_copy(run), jv_string("at"))) > since_ms)
            count++;
        jv_free(run);
    }
    jv_free(runs);
    return count;
}

const char *apply_state_tried(const struct apply_state *st, const char *remedy, const char *trace)
{
    if (!trace || !*trace)
        return NULL;
    jv runs = jv_object_get(jv_copy(st->doc), jv_string("runs"));
    const char *found = NULL;
    int n = jv_array_length(jv_copy(runs));
    for (int i = 0; i < n && !found; i++) {
        jv run = jv_array_get(jv_copy(runs), i);
        if (string_is(jv_object_get(jv_copy(run), jv_string("remedy")), remedy) &&
            string_is(jv_object_get(jv_copy(run), jv_string("trace")), trace)) {
            jv id = jv_object_get(jv_copy(run), jv_string("intent"));
            /* st->doc still holds the string, so the pointer outlives id. */
            found = jv_get_kind(id) == JV_KIND_STRING ? jv_string_value(id) : "?";
            jv_free(id);
        }
        jv_free(run);
    }
    jv_free(runs);
    return found;
}

int64_t apply_backoff_ms(int64_t cooldown_ms, int failures)
{
    if (cooldown_ms < 0)
        cooldown_ms = 0;
    if (failures <= 0)
        return cooldown_ms;
    int64_t wait = cooldown_ms > APPLY_BACKOFF_FLOOR_MS ? cooldown_ms : APPLY_BACKOFF_FLOOR_MS;
    for (int i = 0; i < failures && wait < APPLY_BACKOFF_CAP_MS; i++)
        wait *= 2;
    if (wait > APPLY_BACKOFF_CAP_MS)
        wait = APPLY_BACKOFF_CAP_MS;
    return wait > cooldown_ms ? wait : cooldown_ms;
}
