/*
 * The built-in signature catalog, entry by entry: every signature loads
 * through the configuration loader, has the fields heal-signatures(5)
 * requires, compiles with PCRE2, and matches each of its example messages
 * (tests/fixtures/signatures/NAME.examples.json, real text of real software)
 * through one of its patterns and one of its literals; no benign line
 * (tests/fixtures/signatures/benign.txt) matches any signature.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "builtin.h"
#include "config.h"
#include "unit.h"

#include <dirent.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const categories[] = {
    "disk", "memory", "resource", "process", "network", "dns", "tls", "http", "permission",
    "auth", "database", "service", "container", "dependency", "build", "test", "config",
    "runtime", "lock", "time", "unknown", NULL};

static bool known_category(const char *c)
{
    for (const char *const *k = categories; *k; k++)
        if (!strcmp(*k, c))
            return true;
    return false;
}

static void on_error(void *ctx, const char *message)
{
    (void)ctx;
    printf("# load problem: %s\n", message);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    *len = fread(buf, 1, (size_t)n, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static bool matches(jv sig, const char *line, char *why, size_t size)
{
    bool literal = false, pattern = false;
    jv lits = jv_object_get(jv_copy(sig), jv_string("literals"));
    for (int i = 0; i < jv_array_length(jv_copy(lits)); i++) {
        jv l = jv_array_get(jv_copy(lits), i);
        literal |= jv_get_kind(l) == JV_KIND_STRING && strstr(line, jv_string_value(l));
        jv_free(l);
    }
    jv_free(lits);
    jv pats = jv_object_get(jv_copy(sig), jv_string("patterns"));
    for (int i = 0; i < jv_array_length(jv_copy(pats)) && !pattern; i++) {
        jv p = jv_array_get(jv_copy(pats), i);
        int code;
        PCRE2_SIZE off;
        pcre2_code *re = jv_get_kind(p) == JV_KIND_STRING
                             ? pcre2_compile((PCRE2_SPTR)jv_string_value(p), PCRE2_ZERO_TERMINATED,
                                             PCRE2_UTF, &code, &off, NULL)
                             : NULL;
        if (re) {
            pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
            pattern = pcre2_match(re, (PCRE2_SPTR)line, strlen(line), 0, 0, md, NULL) >= 0;
            pcre2_match_data_free(md);
            pcre2_code_free(re);
        }
        jv_free(p);
    }
    jv_free(pats);
    snprintf(why, size, "literal %s, pattern %s", literal ? "yes" : "no", pattern ? "yes" : "no");
    return literal && pattern;
}

int main(void)
{
    struct config_set set;
    config_set_init(&set, "id");
    struct config_sink sink = {.error = on_error, .set = &set};
    int files = 0;
    for (const struct builtin_file *f = heal_builtin_files; f->name; f++) {
        if (strncmp(f->name, "signatures", 10) == 0) {
            config_load_builtin(f->name, &sink);
            files++;
        }
    }
    CHECK(files > 0 && sink.problems == 0, "%d built-in signature files load without a problem",
          files);
    jv sources;
    jv sigs = config_set_finish(&set, &sources);
    int n = jv_array_length(jv_copy(sigs));
    printf("# %d signatures\n", n);

    /* Examples, from every NAME.examples.json under tests/fixtures/signatures. */
    jv examples = jv_object();
    DIR *d = opendir("tests/fixtures/signatures");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 14 || strcmp(e->d_name + l - 14, ".examples.json"))
            continue;
        char path[512];
        snprintf(path, sizeof path, "tests/fixtures/signatures/%s", e->d_name);
        size_t len;
        char *text = slurp(path, &len);
        jv o = text ? jv_parse_sized(text, (int)len) : jv_invalid();
        free(text);
        CHECK(jv_get_kind(o) == JV_KIND_OBJECT, "%s is a JSON object", path);
        if (jv_get_kind(o) == JV_KIND_OBJECT)
            examples = jv_object_merge(examples, o);
        else
            jv_free(o);
    }
    if (d)
        closedir(d);

    int bad_fields = 0, bad_regex = 0, few_examples = 0, unmatched = 0;
    for (int i = 0; i < n; i++) {
        jv sig = jv_array_get(jv_copy(sigs), i);
        jv idv = jv_object_get(jv_copy(sig), jv_string("id"));
        const char *id = jv_string_value(idv);
        jv cat = jv_object_get(jv_copy(sig), jv_string("category"));
        jv pats = jv_object_get(jv_copy(sig), jv_string("patterns"));
        jv lits = jv_object_get(jv_copy(sig), jv_string("literals"));
        jv summ = jv_object_get(jv_copy(sig), jv_string("summary"));
        bool fields_ok = jv_get_kind(cat) == JV_KIND_STRING && known_category(jv_string_value(cat)) &&
                         strncmp(id, jv_string_value(cat), strlen(jv_string_value(cat))) == 0 &&
                         id[strlen(jv_string_value(cat))] == '.' &&
                         jv_get_kind(pats) == JV_KIND_ARRAY && jv_array_length(jv_copy(pats)) > 0 &&
                         jv_get_kind(lits) == JV_KIND_ARRAY && jv_array_length(jv_copy(lits)) > 0 &&
                         jv_get_kind(summ) == JV_KIND_STRING;
        if (!fields_ok) {
            bad_fields++;
            printf("# %s: a required field is missing or wrong (category, patterns, literals, summary)\n", id);
        }
        for (int k = 0; jv_get_kind(pats) == JV_KIND_ARRAY && k < jv_array_length(jv_copy(pats)); k++) {
            jv p = jv_array_get(jv_copy(pats), k);
            int code;
            PCRE2_SIZE off;
            pcre2_code *re = pcre2_compile((PCRE2_SPTR)jv_string_value(p), PCRE2_ZERO_TERMINATED,
                                           PCRE2_UTF, &code, &off, NULL);
            if (!re) {
                PCRE2_UCHAR msg[256];
                pcre2_get_error_message(code, msg, sizeof msg);
                printf("# %s: pattern %d: %s at offset %zu\n", id, k + 1, (char *)msg, (size_t)off);
                bad_regex++;
            }
            pcre2_code_free(re);
            jv_free(p);
        }
        jv ex = jv_object_get(jv_copy(examples), jv_string(id));
        int nex = jv_get_kind(ex) == JV_KIND_ARRAY ? jv_array_length(jv_copy(ex)) : 0;
        if (nex < 2) {
            few_examples++;
            printf("# %s: %d example(s); at least 2 real messages needed\n", id, nex);
        }
        for (int k = 0; k < nex; k++) {
            jv line = jv_array_get(jv_copy(ex), k);
            char why[64];
            if (!matches(sig, jv_string_value(line), why, sizeof why)) {
                unmatched++;
                printf("# %s: example not matched (%s): %s\n", id, why, jv_string_value(line));
            }
            jv_free(line);
        }
        jv_free(ex);
        jv_free(idv), jv_free(cat), jv_free(pats), jv_free(lits), jv_free(summ), jv_free(sig);
    }
    CHECK(bad_fields == 0, "every signature has an id in its category, patterns, literals and a summary");
    CHECK(bad_regex == 0, "every pattern compiles with PCRE2");
    CHECK(few_examples == 0, "every signature has at least two example messages");
    CHECK(unmatched == 0, "every example matches its signature through a literal and a pattern");

    size_t blen;
    char *benign = slurp("tests/fixtures/signatures/benign.txt", &blen);
    int false_hits = 0, lines = 0;
    for (char *line = benign ? strtok(benign, "\n") : NULL; line; line = strtok(NULL, "\n")) {
        lines++;
        for (int i = 0; i < n; i++) {
            jv sig = jv_array_get(jv_copy(sigs), i);
            char why[64];
            if (matches(sig, line, why, sizeof why)) {
                false_hits++;
                jv idv = jv_object_get(jv_copy(sig), jv_string("id"));
                printf("# benign line matched %s: %s\n", jv_string_value(idv), line);
                jv_free(idv);
            }
            jv_free(sig);
        }
    }
    free(benign);
    CHECK(lines > 0 && false_hits == 0, "none of %d benign look-alike lines matches a signature", lines);
    jv_free(examples);
    jv_free(sigs);
    jv_free(sources);
    return unit_done();
}
