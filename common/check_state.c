#include "check_state.h"
#include "jsoncheck.h"
#include "atomicfile.h"
#include "state.h"

#include <jv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void check_state_init(struct check_state *s)
{
    memset(s, 0, sizeof *s);
    s->last_code = -1;
    s->attempt = 1;
    s->hard = true;
}

double check_state_percent_change(const int *history, int len)
{
    if (len < 2)
        return 0.0;
    /* Nagios weighs pair x (1 = oldest of the 20) 0.75 + (x-1) * 0.5/19.
     * A shorter history is aligned to the newest end, as its ring fills. */
    double sum = 0.0;
    int pairs = CHECK_STATE_HISTORY - 1;
    for (int i = 1; i < len; i++) {
        int x = pairs - (len - 1 - i); /* the newest pair is x = 20 */
        if (history[i] != history[i - 1])
            sum += 0.75 + (x - 1) * (1.25 - 0.75) / (pairs - 1);
    }
    return 100.0 * sum / pairs;
}

static void record_history(struct check_state *s, int code)
{
    if (s->history_len == 0) {
        /* Like Nagios, the history starts full of the first state: the same
         * percentages, and a steady check never changes its state file. */
        for (int i = 0; i < CHECK_STATE_HISTORY; i++)
            s->history[i] = code;
        s->history_len = CHECK_STATE_HISTORY;
        return;
    }
    if (s->history_len == CHECK_STATE_HISTORY) {
        memmove(s->history, s->history + 1, (CHECK_STATE_HISTORY - 1) * sizeof s->history[0]);
        s->history_len--;
    }
    s->history[s->history_len++] = code;
}

void check_state_update(struct check_state *s, int code, int max_attempts, double flap_low,
                        double flap_high, int64_t now_ms)
{
    int prev = s->last_code;
    bool prev_hard = s->hard;
    s->changed = prev != -1 && prev != code;
    if (prev == -1 || s->changed)
        s->last_change_ms = now_ms;

    if (code == 0) {
        /* A recovery keeps the type of the problem it ends (Nagios). */
        s->hard = prev <= 0 ? true : prev_hard;
        s->attempt = 1;
    } else if (prev <= 0) {
        s->attempt = 1;
        s->hard = max_attempts <= 1;
    } else if (prev_hard) {
        s->attempt = max_attempts;
        s->hard = true;
    } else {
        s->attempt = s->attempt + 1 > max_attempts ? max_attempts : s->attempt + 1;
        s->hard = s->attempt >= max_attempts;
    }
    /* Services record HARD states and SOFT recoveries, never SOFT problems. */
    if (s->hard || (code == 0 && prev > 0))
        record_history(s, code);
    s->percent_change = check_state_percent_change(s->history, s->history_len);
    if (s->percent_change >= flap_high)
        s->flapping = true;
    else if (s->percent_change <= flap_low)
        s->flapping = false;
    s->last_code = code;
}

/* The state file's path; its directory is made only when about to write. */
static int state_file(const char *state_dir, const char *name, bool create, char *path, size_t size,
                      struct heal_error *err)
{
    char dir[STATE_PATH_MAX], enc[STATE_NAME_SIZE + 8];
    if ((create ? state_subdir(state_dir, STATE_CHECKS_DIR, dir, err)
                : state_path_join(dir, sizeof dir, state_dir, STATE_CHECKS_DIR, err)) != 0 ||
        state_name_encode(name, enc, err) != 0)
        return -1;
    strcat(enc, ".json");
    return state_path_join(path, size, dir, enc, err);
}

/* The value of "key" in well-formed flat JSON, or NULL. */
static const char *field(const char *data, size_t len, const char *key)
{
    char pat[64];
    size_t n = strlen(key) + 2;
    if (n > sizeof pat)
        return NULL;
    pat[0] = '"';
    memcpy(pat + 1, key, n - 2);
    pat[n - 1] = '"';
    const char *end = data + len, *p = data;
    while ((p = memmem(p, (size_t)(end - p), pat, n))) {
        const char *q = p + n;
        while (q < end && strchr(" \t\r\n", *q))
            q++;
        if (q < end && *q == ':') {
            for (q++; q < end && strchr(" \t\r\n", *q); q++)
                ;
            return q < end ? q : NULL;
        }
        p = q; /* the same text as a value, not a key */
    }
    return NULL;
}

static bool field_int(const char *data, size_t len, const char *key, long long *out)
{
    const char *p = field(data, len, key);
    if (!p || !(*p == '-' || (*p >= '0' && *p <= '9')))
        return false;
    char buf[32];
    size_t n = 0;
    while (p + n < data + len && n < sizeof buf - 1 && p[n] && strchr("-+.eE0123456789", p[n]))
        n++;
    memcpy(buf, p, n);
    buf[n] = '\0';
    /* What we write, an integer of up to 15 digits, is read without
     * strtod; its double would hold it exactly too. */
    size_t sign = buf[0] == '-', digits = strspn(buf + sign, "0123456789");
    if (digits > 0 && digits <= 15 && sign + digits == n) {
        long long v = 0;
        for (size_t i = sign; i < n; i++)
            v = v * 10 + (buf[i] - '0');
        *out = sign ? -v : v;
        return true;
    }
    char *end;
    double d = strtod(buf, &end); /* we write integers; tolerate 1e3 or 2.0 */
    if (end == buf || d != d || d < -9.2e18 || d > 9.2e18)
        return false;
    *out = (long long)d;
    return true;
}

int check_state_load(const char *state_dir, const char *name, struct check_state *s,
                     struct heal_error *err)
{
    check_state_init(s);
    char path[STATE_PATH_MAX];
    /* Without the directory there is no file: a first run, nothing to make. */
    if (state_file(state_dir, name, false, path, sizeof path, err) != 0)
        return -1;
    char *data = NULL;
    size_t len = 0;
    int rc = atomicfile_read_cache(path, CHECK_STATE_FILE_MAX, &data, &len, err);
    if (rc != 0)
        return rc == 1 ? 0 : -1; /* absent: a first run */
    /* The file is ours and flat.  Once jsoncheck has proven it well-formed,
     * `"key":` can only be a key (a quote inside a string is escaped), so the
     * few fields are read in place: jq's parser cost more per check than the
     * check itself in a run of 1,000. */
    size_t at = 0;
    while (at < len && strchr(" \t\r\n", data[at]))
        at++;
    if (jsoncheck(data, len, NULL, NULL) != 0 || at == len || data[at] != '{') {
        free(data);
        return 0; /* damaged: start afresh, the world is re-checked anyway */
    }
    long long v;
    if (field_int(data, len, "last_code", &v) && v >= -1 && v <= 3)
        s->last_code = (int)v;
    if (field_int(data, len, "attempt", &v) && v >= 1 && v <= 1000)
        s->attempt = (int)v;
    if (field_int(data, len, "last_change_ms", &v))
        s->last_change_ms = v;
    const char *p = field(data, len, "state_type");
    s->hard = !(p && strncmp(p, "\"soft\"", 6) == 0);
    p = field(data, len, "flapping");
    s->flapping = p && strncmp(p, "true", 4) == 0;
    /* The history is a string of status digits, oldest first ("0002"):
     * 21 numbers would cost more than the rest of the file. */
    p = field(data, len, "history");
    if (p && *p == '"')
        for (p++; p < data + len && *p != '"' && s->history_len < CHECK_STATE_HISTORY; p++)
            if (*p >= '0' && *p <= '3')
                s->history[s->history_len++] = *p - '0';
    free(data);
    if (s->attempt < 1)
        s->attempt = 1;
    s->percent_change = check_state_percent_change(s->history, s->history_len);
    return 0;
}

int check_state_save(const char *state_dir, const char *name, const struct check_state *s,
                     struct heal_error *err)
{
    char path[STATE_PATH_MAX];
    if (state_file(state_dir, name, true, path, sizeof path, err) != 0)
        return -1;
    char digits[CHECK_STATE_HISTORY + 1];
    for (int i = 0; i < s->history_len; i++)
        digits[i] = (char)('0' + (s->history[i] & 3));
    digits[s->history_len] = '\0';
    jv h = jv_string(digits);
    jv o = jv_object();
    o = jv_object_set(o, jv_string("name"), jv_string(name));
    o = jv_object_set(o, jv_string("last_code"), jv_number(s->last_code));
    o = jv_object_set(o, jv_string("attempt"), jv_number(s->attempt));
    o = jv_object_set(o, jv_string("state_type"), jv_string(s->hard ? "hard" : "soft"));
    o = jv_object_set(o, jv_string("flapping"), jv_bool(s->flapping));
    o = jv_object_set(o, jv_string("percent_change"), jv_number(s->percent_change));
    o = jv_object_set(o, jv_string("last_change_ms"), jv_number((double)s->last_change_ms));
    o = jv_object_set(o, jv_string("history"), h);
    jv text = jv_dump_string(o, 0);
    /* State is a cache of history (DESIGN.md): no fsync, a damaged file is a fresh start. */
    int rc = atomicfile_write_cache(path, jv_string_value(text),
                              (size_t)jv_string_length_bytes(jv_copy(text)), 0600, err);
    jv_free(text);
    return rc;
}

bool check_state_differs(const struct check_state *a, const struct check_state *b)
{
    if (a->last_code != b->last_code || a->attempt != b->attempt || a->hard != b->hard ||
        a->flapping != b->flapping || a->last_change_ms != b->last_change_ms ||
        a->history_len != b->history_len)
        return true;
    for (int i = 0; i < a->history_len; i++)
        if (a->history[i] != b->history[i])
            return true;
    return false;
}
