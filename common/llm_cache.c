/* llm_cache.c — answers by normalised question, and the hourly call budget (see llm_cache.h). */
#include "llm_cache.h"
#include "atomicfile.h"
#include "clock.h"
#include "jsoncheck.h"
#include "state.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define LLM_ID_MIN 6          /* a token with a digit this long is an id: wholly "#" */
#define LLM_BUDGET_FILE_MAX (4 * 1024 * 1024)
#define LLM_BUDGET_CALLS_MAX 100000

char *llm_cache_key(const char *kind, const char *model, const char *text, size_t len)
{
    size_t head = strlen(kind) + strlen(model) + 2;
    size_t cap = head + (len < LLM_CACHE_KEY_MAX ? len : LLM_CACHE_KEY_MAX) + 1;
    char *k = malloc(cap);
    if (!k)
        return NULL;
    size_t n = (size_t)snprintf(k, cap, "%s\n%s\n", kind, model);
    bool blank = false;
    for (size_t i = 0; i < len && n + 1 < cap;) {
        unsigned char c = (unsigned char)text[i];
        if (isspace(c) || c == '\0') {
            blank = true;
            i++;
            continue;
        }
        if (blank && n > head)
            k[n++] = ' ';
        blank = false;
        if (!isalnum(c)) {
            k[n++] = (char)c;
            i++;
            continue;
        }
        size_t end = i;
        bool digit = false, hex = true;
        for (; end < len && isalnum((unsigned char)text[end]); end++) {
            digit |= isdigit((unsigned char)text[end]) != 0;
            hex &= isxdigit((unsigned char)text[end]) != 0;
        }
        if (digit && (hex || end - i >= LLM_ID_MIN)) {
            k[n++] = '#';
        } else {
            for (size_t j = i; j < end && n + 1 < cap; j++) {
                if (!isdigit((unsigned char)text[j]))
                    k[n++] = text[j];
                else if (j == i || !isdigit((unsigned char)text[j - 1]))
                    k[n++] = '#';
            }
        }
        i = end;
    }
    k[n] = '\0';
    return k;
}

void llm_cache_name(const char *key, char out[22])
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 0x100000001b3ULL;
    snprintf(out, 22, "%016" PRIx64 ".json", h);
}

int llm_cache_get(const char *cache_dir, const char *key, int64_t ttl_ms, jv *answer,
                  struct heal_error *err)
{
    char name[22], path[STATE_PATH_MAX];
    llm_cache_name(key, name);
    if (state_path_join(path, sizeof path, cache_dir, name, err) != 0)
        return -1;
    char *data = NULL;
    size_t len = 0;
    struct heal_error e;
    int rc = atomicfile_read(path, LLM_CACHE_ENTRY_MAX, &data, &len, &e);
    if (rc != 0) {
        free(data);
        return 0; /* missing or unreadable: ask again */
    }
    int found = 0;
    if (jsoncheck(data, len, NULL, NULL) == 0) {
        jv entry = jv_parse_sized(data, (int)len);
        jv k = jv_get_kind(entry) == JV_KIND_OBJECT ? jv_object_get(jv_copy(entry), jv_string("key"))
                                                    : jv_invalid();
        jv at = jv_get_kind(entry) == JV_KIND_OBJECT ? jv_object_get(jv_copy(entry), jv_string("at"))
                                                     : jv_invalid();
        jv a = jv_get_kind(entry) == JV_KIND_OBJECT
                   ? jv_object_get(jv_copy(entry), jv_string("answer"))
                   : jv_invalid();
        int64_t now = clock_now_ms();
        if (jv_get_kind(k) == JV_KIND_STRING && !strcmp(jv_string_value(k), key) &&
            jv_get_kind(at) == JV_KIND_NUMBER && jv_get_kind(a) == JV_KIND_OBJECT &&
            jv_number_value(at) <= (double)now && (double)now - jv_number_value(at) < (double)ttl_ms) {
            *answer = jv_copy(a);
            found = 1;
        }
        jv_free(k), jv_free(at), jv_free(a), jv_free(entry);
    }
    free(data);
    return found;
}

int llm_cache_put(const char *cache_dir, const char *key, jv answer, struct heal_error *err)
{
    char name[22], path[STATE_PATH_MAX];
    llm_cache_name(key, name);
    if (state_path_join(path, sizeof path, cache_dir, name, err) != 0)
        return -1;
    jv entry = jv_object_set(jv_object(), jv_string("key"), jv_string(key));
    entry = jv_object_set(entry, jv_string("at"), jv_number((double)clock_now_ms()));
    entry = jv_object_set(entry, jv_string("answer"), jv_copy(answer));
    jv text = jv_dump_string(entry, 0);
    int rc = atomicfile_write_cache(path, jv_string_value(text),
                                    (size_t)jv_string_length_bytes(jv_copy(text)), 0600, err);
    jv_free(text);
    return rc;
}

/* Call times in the file, oldest first; those before `since` are dropped. */
static size_t read_calls(const char *data, size_t len, int64_t since, int64_t *calls, size_t max)
{
    size_t n = 0;
    const char *p = data, *end = data + len;
    while (p < end && n < max) {
        char *stop;
        errno = 0;
        long long v = strtoll(p, &stop, 10);
        if (stop == p)
            break;
        if (errno == 0 && v >= since)
            calls[n++] = v;
        p = stop;
        while (p < end && (*p == '\n' || *p == ' '))
            p++;
    }
    return n;
}

int llm_budget_take(const char *cache_dir, int per_hour, int64_t now_ms, int64_t *next_ms,
                    struct heal_error *err)
{
    if (per_hour <= 0) {
        *next_ms = INT64_MAX;
        return 1;
    }
    char lock_path[STATE_PATH_MAX], path[STATE_PATH_MAX];
    if (state_path_join(lock_path, sizeof lock_path, cache_dir, LLM_BUDGET_LOCK, err) != 0 ||
        state_path_join(path, sizeof path, cache_dir, LLM_BUDGET_FILE, err) != 0)
        return -1;
    int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return heal_error_errno(err, "open %s", lock_path);
    if (flock(fd, LOCK_EX) != 0) {
        heal_error_errno(err, "flock %s", lock_path);
        close(fd);
        return -1;
    }
    size_t max = per_hour < LLM_BUDGET_CALLS_MAX ? (size_t)per_hour : LLM_BUDGET_CALLS_MAX;
    int64_t *calls = calloc(max + 1, sizeof *calls);
    char *data = NULL;
    size_t len = 0;
    int rc = -1;
    if (!calls) {
        heal_error_set(err, "out of memory");
        goto out;
    }
    int got = atomicfile_read(path, LLM_BUDGET_FILE_MAX, &data, &len, err);
    if (got < 0)
        goto out;
    size_t n = data ? read_calls(data, len, now_ms - LLM_BUDGET_WINDOW_MS, calls, max + 1) : 0;
    if (n >= max) {
        *next_ms = calls[n - max] + LLM_BUDGET_WINDOW_MS;
        rc = 1;
        goto out;
    }
    calls[n++] = now_ms;
    char *text = NULL;
    size_t tlen = 0;
    FILE *f = open_memstream(&text, &tlen);
    if (!f) {
        heal_error_errno(err, "open_memstream");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%" PRId64 "\n", calls[i]);
    if (fclose(f) != 0) {
        free(text);
        heal_error_errno(err, "write budget");
        goto out;
    }
    rc = atomicfile_write_cache(path, text, tlen, 0600, err);
    free(text);
out:
    free(data);
    free(calls);
    flock(fd, LOCK_UN);
    close(fd);
    return rc;
}
