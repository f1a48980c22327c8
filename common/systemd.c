#include "systemd.h"

#include <string.h>
#include <sys/stat.h>

bool systemd_is_running(void)
{
    struct stat st;
    return lstat(SYSTEMD_RUN_DIR, &st) == 0 && S_ISDIR(st.st_mode);
}

int systemd_unit_name_check(const char *name, struct heal_error *err)
{
    size_t len = strlen(name);
    if (len == 0 || len > SYSTEMD_UNIT_NAME_MAX)
        return heal_error_set(err, "a unit name must be 1 to %d bytes", SYSTEMD_UNIT_NAME_MAX);
    if (name[0] == '-')
        return heal_error_set(err, "unit name '%.64s' must not start with '-'", name);
    for (const char *p = name; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  strchr(":-_.@\\", c);
        if (!ok)
            return heal_error_set(err, "unit name '%.64s': byte 0x%02x is not allowed", name,
                                  (unsigned char)c);
    }
    return 0;
}

/* Calls fn for each line of text (without CR/LF); stops when fn returns false. */
static void each_line(const char *text, size_t len, bool (*fn)(void *, const char *, size_t),
                      void *ctx)
{
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t n = end - i;
        if (n > 0 && text[i + n - 1] == '\r')
            n--;
        if (!fn(ctx, text + i, n))
            return;
        i = end + 1;
    }
}

struct collect {
    jv value;
    int count;
};

static bool show_line(void *ctx, const char *s, size_t n)
{
    struct collect *c = ctx;
    const char *eq = memchr(s, '=', n);
    if (eq && eq > s) {
        c->value = jv_object_set(c->value, jv_string_sized(s, (int)(eq - s)),
                                 jv_string_sized(eq + 1, (int)(n - (size_t)(eq - s) - 1)));
        c->count++;
    }
    return c->count < SYSTEMD_LINES_MAX;
}

jv systemd_show_parse(const char *text, size_t len)
{
    struct collect c = {jv_object(), 0};
    each_line(text, len, show_line, &c);
    return c.value;
}

static bool failed_line(void *ctx, const char *s, size_t n)
{
    struct collect *c = ctx;
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    /* Without --plain (or from an older systemctl): "● name ..." or "* name ...". */
    static const char bullet[] = "\xe2\x97\x8f";
    if (n - i >= 3 && memcmp(s + i, bullet, 3) == 0)
        i += 3;
    else if (i < n && s[i] == '*')
        i++;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    size_t start = i;
    while (i < n && s[i] != ' ' && s[i] != '\t')
        i++;
    if (i > start) {
        c->value = jv_array_append(c->value, jv_string_sized(s + start, (int)(i - start)));
        c->count++;
    }
    return c->count < SYSTEMD_LINES_MAX;
}

jv systemd_failed_parse(const char *text, size_t len)
{
    struct collect c = {jv_array(), 0};
    each_line(text, len, failed_line, &c);
    return c.value;
}

static bool any_line(void *ctx, const char *s, size_t n)
{
    struct collect *c = ctx;
    if (c->count == SYSTEMD_LINES_MAX) /* keep the last ones: drop the oldest */
        c->value = jv_array_slice(c->value, 1, SYSTEMD_LINES_MAX);
    else
        c->count++;
    c->value = jv_array_append(c->value, jv_string_sized(s, (int)n));
    return true;
}

jv systemd_lines(const char *text, size_t len)
{
    struct collect c = {jv_array(), 0};
    each_line(text, len, any_line, &c);
    return c.value;
}
