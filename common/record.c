#include "record.h"
#include "clock.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/*
 * The last id handed out.  Per-process state by definition: monotonicity
 * is promised within a process, and nothing else may hold it.
 */
static struct {
    int64_t ms;
    uint8_t rand[10];
    bool seeded;
} last_id;

static void fill_random(uint8_t *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(buf + got, n - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    /* getrandom cannot fail on Linux >= 3.17 with a small buffer; if it
     * somehow did, mix the clock in rather than emit a constant. */
    for (; got < n; got++)
        buf[got] = (uint8_t)(clock_mono_ms() >> (got % 8));
}

/* Increments the 80-bit random part; returns false if it wrapped. */
static bool increment(uint8_t r[10])
{
    for (int i = 9; i >= 0; i--)
        if (++r[i] != 0)
            return true;
    return false;
}

void record_id_new(char out[RECORD_ID_SIZE])
{
    int64_t ms = clock_now_ms();
    if (!last_id.seeded || ms > last_id.ms) {
        last_id.ms = ms;
        fill_random(last_id.rand, sizeof last_id.rand);
        /* Leave headroom so a burst within one millisecond never wraps. */
        last_id.rand[0] &= 0x7f;
        last_id.seeded = true;
    } else if (!increment(last_id.rand)) {
        last_id.ms++; /* wrapped: borrow the next millisecond */
    }
    uint8_t bytes[16];
    for (int i = 0; i < 6; i++)
        bytes[i] = (uint8_t)((uint64_t)last_id.ms >> (40 - 8 * i));
    memcpy(bytes + 6, last_id.rand, 10);
    /* 128 bits as 26 base32 digits, the first holding 3 bits: from the
     * last digit up, 5 bits at a time off a 64-bit pair (a loop per bit
     * cost more than the rest of writing a check record). */
    uint64_t hi = 0, lo = 0;
    for (int i = 0; i < 8; i++) {
        hi = hi << 8 | bytes[i];
        lo = lo << 8 | bytes[8 + i];
    }
    for (int c = 25; c >= 0; c--) {
        out[c] = crockford[lo & 31];
        lo = lo >> 5 | hi << 59;
        hi >>= 5;
    }
    out[26] = '\0';
}

bool record_id_valid(const char *s)
{
    size_t n = 0;
    for (; s && s[n]; n++)
        if (n >= RECORD_ID_SIZE - 1 || !strchr(crockford, s[n]))
            return false;
    /* 26 digits carry 130 bits; an id holds 128, so the first is at most 7. */
    return n == RECORD_ID_SIZE - 1 && s[0] <= '7';
}

const char *record_host(void)
{
    static char host[256]; /* computed once, then read-only */
    if (!host[0]) {
        struct utsname u;
        if (uname(&u) == 0 && u.nodename[0])
            snprintf(host, sizeof host, "%s", u.nodename);
        else
            snprintf(host, sizeof host, "localhost");
    }
    return host;
}

jv record_new(const char *type)
{
    char id[RECORD_ID_SIZE], ts[CLOCK_RFC3339_SIZE];
    record_id_new(id);
    clock_format_rfc3339(clock_now_ms(), ts);
    jv r = jv_object();
    r = jv_object_set(r, jv_string("type"), jv_string(type));
    r = jv_object_set(r, jv_string("v"), jv_number(RECORD_SCHEMA_VERSION));
    r = jv_object_set(r, jv_string("id"), jv_string(id));
    r = jv_object_set(r, jv_string("ts"), jv_string(ts));
    r = jv_object_set(r, jv_string("host"), jv_string(record_host()));
    return r;
}

static jv copy_field(jv to, const jv *from, const char *key)
{
    jv v = jv_object_get(jv_copy(*from), jv_string(key));
    if (jv_is_valid(v) && jv_get_kind(v) != JV_KIND_NULL)
        return jv_object_set(to, jv_string(key), v);
    jv_free(v);
    return to;
}

jv record_derive(const char *type, jv parent)
{
    jv r = record_new(type);
    const char *pid = record_string_borrow(&parent, "id");
    if (pid)
        r = jv_object_set(r, jv_string("parent"), jv_string(pid));
    const char *trace = record_string_borrow(&parent, "trace");
    if (trace)
        r = jv_object_set(r, jv_string("trace"), jv_string(trace));
    else if (pid)
        r = jv_object_set(r, jv_string("trace"), jv_string(pid));
    r = copy_field(r, &parent, "target");
    r = copy_field(r, &parent, "labels");
    jv_free(parent);
    return r;
}

const char *record_string_borrow(const jv *r, const char *key)
{
    if (jv_get_kind(*r) != JV_KIND_OBJECT)
        return NULL;
    jv v = jv_object_get(jv_copy(*r), jv_string(key));
    const char *s = NULL;
    if (jv_get_kind(v) == JV_KIND_STRING)
        s = jv_string_value(v); /* the object still holds a reference */
    jv_free(v);
    return s;
}

const char *record_name_borrow(const jv *r, const char *key)
{
    if (jv_get_kind(*r) != JV_KIND_OBJECT)
        return NULL;
    jv v = jv_object_get(jv_copy(*r), jv_string(key));
    const char *s = NULL;
    if (jv_get_kind(v) == JV_KIND_STRING &&
        strlen(jv_string_value(v)) == (size_t)jv_string_length_bytes(jv_copy(v)))
        s = jv_string_value(v); /* the object still holds a reference */
    jv_free(v);
    return s;
}

bool record_is_type(const jv *r, const char *type)
{
    const char *t = record_string_borrow(r, "type");
    return t && strcmp(t, type) == 0;
}

jv record_array_get(const jv *r, const char *key)
{
    jv v = jv_get_kind(*r) == JV_KIND_OBJECT ? jv_object_get(jv_copy(*r), jv_string(key))
                                             : jv_invalid();
    if (jv_get_kind(v) == JV_KIND_ARRAY)
        return v;
    jv_free(v);
    return jv_array();
}
