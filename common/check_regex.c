#include "check_regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

struct check_regex {
    pcre2_code *code;
    pcre2_match_data *match;
};

struct check_regex *check_regex_compile(const char *pattern, struct heal_error *err)
{
    size_t len = strlen(pattern);
    if (len > CHECK_REGEX_PATTERN_MAX) {
        heal_error_set(err, "pattern longer than %d bytes", CHECK_REGEX_PATTERN_MAX);
        return NULL;
    }
    int code;
    PCRE2_SIZE offset;
    /* MATCH_INVALID_UTF: a stray byte in a log line must not stop matching. */
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)pattern, len, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
                                  &code, &offset, NULL);
    if (!c) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof msg);
        heal_error_set(err, "pattern '%s': offset %zu: %s", pattern, (size_t)offset, (char *)msg);
        return NULL;
    }
    /* Without JIT (some platforms, or a hardened kernel) the interpreter still works. */
    (void)pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
    struct check_regex *re = calloc(1, sizeof *re);
    /* One pair is enough: callers ask whether, not where. */
    pcre2_match_data *m = re ? pcre2_match_data_create(1, NULL) : NULL;
    if (!m) {
        free(re);
        pcre2_code_free(c);
        heal_error_set(err, "out of memory");
        return NULL;
    }
    re->code = c;
    re->match = m;
    return re;
}

int check_regex_match(struct check_regex *re, const char *s, size_t len)
{
    int rc = pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, 0, re->match, NULL);
    if (rc >= 0)
        return 1; /* 0 means "matched, ovector too small": still a match */
    return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

void check_regex_free(struct check_regex *re)
{
    if (!re)
        return;
    pcre2_match_data_free(re->match);
    pcre2_code_free(re->code);
    free(re);
}
