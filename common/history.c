#include "history.h"
#include "clock.h"
#include "journal.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct history {
    int64_t now_ms, half_life_ms;
    jv pairs; /* "signature\x1fremedy" -> [healed_w, failed_w, tries, healed] */
    int npairs;
};

struct history *history_new(int64_t now_ms, int64_t half_life_ms)
{
    struct history *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->now_ms = now_ms;
    h->half_life_ms = half_life_ms > 0 ? half_life_ms : HISTORY_HALF_LIFE_DEFAULT_MS;
    h->pairs = jv_object();
    return h;
}

void history_free(struct history *h)
{
    if (!h)
        return;
    jv_free(h->pairs);
    free(h);
}

/* "signature\x1fremedy": a unit separator cannot be in either name (checked). */
static jv pair_key(const char *signature, const char *remedy)
{
    size_t a = strlen(signature), b = strlen(remedy);
    char key[2 * HISTORY_NAME_MAX + 2];
    memcpy(key, signature, a);
    key[a] = '\x1f';
    memcpy(key + a + 1, remedy, b);
    return jv_string_sized(key, (int)(a + 1 + b));
}

static bool usable_name(const char *s)
{
    return s && *s && strlen(s) <= HISTORY_NAME_MAX && !strchr(s, '\x1f');
}

/* The number at a[i]; 0 when a is not an array (a pair not seen yet). */
static double number_at(jv a, int i)
{
    if (jv_get_kind(a) != JV_KIND_ARRAY)
        return 0;
    jv v = jv_array_get(jv_copy(a), i);
    double d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : 0;
    jv_free(v);
    return d;
}

int history_add(struct history *h, jv line)
{
    if (jv_get_kind(line) != JV_KIND_OBJECT)
        return 0;
    jv type = jv_object_get(jv_copy(line), jv_string("type"));
    jv sig = jv_object_get(jv_copy(line), jv_string("signature"));
    jv rem = jv_object_get(jv_copy(line), jv_string("remedy"));
    jv res = jv_object_get(jv_copy(line), jv_string("result"));
    jv ts = jv_object_get(jv_copy(line), jv_string("ts"));
    int counted = 0;
    int64_t at;
    if (jv_get_kind(type) == JV_KIND_STRING && !strcmp(jv_string_value(type), "outcome") &&
        jv_get_kind(sig) == JV_KIND_STRING && usable_name(jv_string_value(sig)) &&
        jv_get_kind(rem) == JV_KIND_STRING && usable_name(jv_string_value(rem)) &&
        jv_get_kind(res) == JV_KIND_STRING && jv_get_kind(ts) == JV_KIND_STRING &&
        clock_parse_rfc3339(jv_string_value(ts), &at) == 0) {
        const char *r = jv_string_value(res);
        bool healed = !strcmp(r, "healed");
        bool failed = !strcmp(r, "failed") || !strcmp(r, "rolled-back");
        jv key = pair_key(jv_string_value(sig), jv_string_value(rem));
        jv cur = jv_object_get(jv_copy(h->pairs), jv_copy(key));
        bool known = jv_get_kind(cur) == JV_KIND_ARRAY;
        if ((healed || failed) && (known || h->npairs < HISTORY_PAIRS_MAX)) {
            double age = (double)(h->now_ms - at);
            double w = age <= 0 ? 1.0 : pow(0.5, age / (double)h->half_life_ms);
            jv next = jv_array();
            next = jv_array_append(next, jv_number(number_at(cur, 0) + (healed ? w : 0)));
            next = jv_array_append(next, jv_number(number_at(cur, 1) + (failed ? w : 0)));
            next = jv_array_append(next, jv_number(number_at(cur, 2) + 1));
            next = jv_array_append(next, jv_number(number_at(cur, 3) + (healed ? 1 : 0)));
            h->pairs = jv_object_set(h->pairs, jv_copy(key), next);
            h->npairs += !known;
            counted = 1;
        }
        jv_free(cur);
        jv_free(key);
    }
    jv_free(type), jv_free(sig), jv_free(rem), jv_free(res), jv_free(ts);
    return counted;
}

int history_load(struct history *h, const char *state_dir, long *unreadable, struct heal_error *err)
{
    struct journal_reader r;
    if (journal_reader_open(&r, state_dir, err) != 0)
        return -1;
    jv line;
    long line_no;
    int rc;
    while ((rc = journal_reader_next(&r, &line, &line_no, err)) == 1) {
        history_add(h, line);
        jv_free(line);
    }
    if (unreadable)
        *unreadable = journal_reader_bad(&r);
    journal_reader_close(&r);
    return rc < 0 ? -1 : 0;
}

struct history_stats history_get(const struct history *h, const char *signature, const char *remedy)
{
    struct history_stats s = {0, 0, 0, 0};
    if (!usable_name(signature) || !usable_name(remedy))
        return s;
    jv cur = jv_object_get(jv_copy(h->pairs), pair_key(signature, remedy));
    if (jv_get_kind(cur) == JV_KIND_ARRAY) {
        s.healed_w = number_at(cur, 0);
        s.failed_w = number_at(cur, 1);
        s.tries = (unsigned)number_at(cur, 2);
        s.healed = (unsigned)number_at(cur, 3);
    }
    jv_free(cur);
    return s;
}

double history_success(struct history_stats s)
{
    return (1 + s.healed_w) / (2 + s.healed_w + s.failed_w);
}
