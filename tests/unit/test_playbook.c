/*
 * The playbook (common/playbook.c): the built-ins load cleanly, bad
 * entries are reported precisely and skipped, drop-ins override and
 * disable by id, hostile parameter values are refused for the right
 * reason, and templates fill whole elements only.
 */
#include "playbook.h"
#include "unit.h"

#include <stdio.h>
#include <string.h>

static char problems_seen[8192];

static void on_error(void *ctx, const char *message)
{
    (void)ctx;
    size_t n = strlen(problems_seen);
    snprintf(problems_seen + n, sizeof problems_seen - n, "%s\n", message);
}

static struct playbook *load(const char *text, unsigned *problems)
{
    problems_seen[0] = '\0';
    return playbook_load_buffer(text, strlen(text), "test.json", false, on_error, NULL, problems);
}

static void test_builtin(void)
{
    unsigned problems = 99;
    problems_seen[0] = '\0';
    struct playbook *pb = playbook_load(NULL, true, NULL, on_error, NULL, &problems);
    CHECK(pb && problems == 0, "the built-in playbook loads without a problem");
    if (problems)
        printf("# %s", problems_seen);
    static const char *const ids[] = {"service.restart",
                                      "service.reload",
                                      "process.restart",
                                      "file.remove-stale-pid",
                                      "log.rotate",
                                      "disk.vacuum-journal",
                                      "disk.clean-package-cache",
                                      "disk.clean-scratch",
                                      "process.stop-runaway",
                                      "wait.backoff",
                                      NULL};
    for (const char *const *id = ids; *id; id++)
        CHECK(playbook_find(pb, *id) != NULL, "the built-in playbook has %s", *id);
    const struct remedy *w = playbook_find(pb, "wait.backoff");
    CHECK(w && w->action == PLAYBOOK_ACTION_WAIT && !w->argv, "wait.backoff runs nothing");
    const struct remedy *r = playbook_find(pb, "service.restart");
    CHECK(r && playbook_applies(r, "service.failed") && !playbook_applies(r, "disk.full"),
          "service.restart applies to service.* only");
    CHECK(r && r->timeout_ms == 90000 && r->verify.attempts == 3 && r->verify.delay_ms == 2000,
          "durations and verify are parsed");
    const struct remedy *pid = playbook_find(pb, "file.remove-stale-pid");
    CHECK(pid && pid->precondition && pid->precondition_exit == 1,
          "the stale-pid remedy carries its precondition");
    playbook_free(pb);
}

/* One bad entry among good ones: the message names file, line, id and reason. */
static void expect_problem(const char *entry, const char *want, const char *what)
{
    char text[4096];
    snprintf(text, sizeof text,
             "{\"id\": \"good\", \"title\": \"t\", \"argv\": [\"true\"], \"risk\": \"low\"}\n"
             "%s\n",
             entry);
    unsigned problems = 0;
    struct playbook *pb = load(text, &problems);
    CHECK(pb && problems == 1 && strstr(problems_seen, want) && playbook_find(pb, "good"),
          "%s is reported and the rest loads", what);
    if (!strstr(problems_seen, want))
        printf("#   got  %s#   want %s\n", problems_seen, want);
    playbook_free(pb);
}

static void test_bad_entries(void)
{
    expect_problem("{\"id\": \"x\", \"title\": \"t\", \"argv\": [\"true\"], \"risk\": \"low\", "
                   "\"colour\": 1}",
                   "test.json:2: remedy 'x': unknown field 'colour'", "an unknown field");
    expect_problem("{\"id\": \"x\", \"title\": \"t\", \"argv\": [\"true\"], \"risk\": \"huge\"}",
                   "test.json:2: remedy 'x': risk must be low, medium or high, not 'huge'",
                   "a bad risk");
    expect_problem("{\"id\": \"x\", \"title\": \"t\", \"argv\": [\"a\", \"{v}\"], \"risk\": "
                   "\"low\", \"params\": {\"v\": {\"source\": \"label:v\", \"pattern\": "
                   "\"^([a-z]+$\"}}}",
                   "test.json:2: remedy 'x': parameter 'v': pattern: missing closing "
                   "parenthesis at offset 9",
                   "a bad pattern, with its offset");
    expect_problem("{\"id\": \"x\", \"title\": \"t\", \"argv\": [\"a\", \"{nope}\"], \"risk\": "
                   "\"low\"}",
                   "test.json:2: remedy 'x': argv[1]: placeholder '{nope}' names no declared "
                   "parameter",
                   "a placeholder naming an undeclared parameter");
    expect_problem("{\"id\": \"good\", \"title\": \"again\", \"argv\": [\"true\"], \"risk\": "
                   "\"low\"}",
                   "test.json:2: remedy 'good': duplicate id (first at test.json:1); ignored",
                   "a duplicate id");
    expect_problem("{\"id\": \"x\", \"title\": \"t\", \"argv\": [\"a\", \"--size={v}\"], "
                   "\"risk\": \"low\", \"params\": {\"v\": {\"source\": \"label:v\", "
                   "\"pattern\": \"^[0-9]+$\"}}}",
                   "has a placeholder inside a larger string", "substitution inside a string");
    expect_problem("{\"id\": \"x\", \"title\": \"t\", \"argv\": [\"{prog}\"], \"risk\": "
                   "\"low\", \"params\": {\"prog\": {\"source\": \"fact:prog\", \"pattern\": "
                   "\"^/bin/[a-z]+$\"}}}",
                   "the program may come only from a label", "a program taken from a fact");
    expect_problem("{\"id\": \"x\", \"title\": \"t\", \"argv\": [\"a\", \"{v}\"], \"risk\": "
                   "\"low\", \"params\": {\"v\": {\"source\": \"label:v\", \"pattern\": "
                   "\"^.*$\", \"default\": \"-rf\"}}}",
                   "parameter 'v': default '-rf' starts with '-'", "a default that is refused");
    expect_problem("{\"id\": \"x\", \"title\": \"t\", \"action\": \"wait\", \"argv\": [\"a\"], "
                   "\"risk\": \"low\"}",
                   "a wait remedy runs nothing", "a wait remedy with an argv");
    expect_problem("{\"id\": \"x\", \"title\": \"t\", \"argv\": [\"true\"], \"risk\": \"low\", "
                   "\"timeout\": \"soon\"}",
                   "remedy 'x': 'timeout': ", "a bad duration");
    expect_problem("{\"id\": \"x\", \"title\": \"t\", \"argv\": [\"true\"], \"risk\": \"low\", "
                   "\"complexity\": 9}",
                   "'complexity' must be a whole number from 1 to 5", "a complexity out of range");
}

static void test_override_and_disable(void)
{
    const char *text = "{\"id\": \"service.restart\", \"title\": \"Mine\", \"argv\": "
                       "[\"/usr/local/bin/restart-it\"], \"risk\": \"high\"}\n"
                       "{\"id\": \"wait.backoff\", \"disabled\": true}\n";
    unsigned problems = 0;
    problems_seen[0] = '\0';
    struct playbook *pb =
        playbook_load_buffer(text, strlen(text), "d.json", true, on_error, NULL, &problems);
    const struct remedy *r = playbook_find(pb, "service.restart");
    CHECK(problems == 0 && r && !strcmp(r->title, "Mine") && r->risk == PLAYBOOK_RISK_HIGH &&
              !strcmp(r->source, "d.json:1"),
          "a drop-in replaces a built-in by id");
    CHECK(playbook_get(pb, 0) == r, "an override keeps the built-in's position");
    CHECK(!playbook_find(pb, "wait.backoff"), "a drop-in disables a built-in by id");
    playbook_free(pb);
}

static struct playbook_param any_param(void)
{
    static char name[] = "v", pattern[] = "^.*$";
    struct playbook_param p = {.name = name, .pattern = pattern};
    int code;
    PCRE2_SIZE off;
    p.re = pcre2_compile((PCRE2_SPTR) "^.*$", PCRE2_ZERO_TERMINATED,
                         PCRE2_UTF | PCRE2_ANCHORED | PCRE2_ENDANCHORED, &code, &off, NULL);
    return p;
}

static void expect_refused(const struct playbook_param *p, const char *value, size_t len,
                           const char *why)
{
    struct heal_error err = {{0}};
    int rc = playbook_value_check(p, value, len, &err);
    CHECK(rc == -1 && strstr(err.msg, why), "a value with %s is refused: %s", why, err.msg);
}

static void test_values(void)
{
    /* A pattern that allows everything: the belt-and-braces rules still refuse. */
    struct playbook_param p = any_param();
    struct heal_error err;
    CHECK(playbook_value_check(&p, "nginx.service", 13, &err) == 0, "a plain value passes");
    expect_refused(&p, "-rf", 3, "starts with '-'");
    expect_refused(&p, "--help", 6, "starts with '-'");
    expect_refused(&p, "a/../etc", 8, "'..' path component");
    expect_refused(&p, "..", 2, "'..' path component");
    expect_refused(&p, "a\0b", 3, "NUL");
    expect_refused(&p, "a\nb", 3, "newline");
    expect_refused(&p, "a b", 3, "whitespace");
    expect_refused(&p, "a\tb", 3, "whitespace");
    expect_refused(&p, "", 0, "empty");
    static const char metas[] = ";|&$`<>(){}[]*?!~'\"\\";
    for (const char *m = metas; *m; m++) {
        char v[4] = {'a', *m, 'b', 0};
        char why[64];
        snprintf(why, sizeof why, "shell metacharacter '%c'", *m);
        expect_refused(&p, v, 3, why);
    }
    CHECK(playbook_value_check(&p, "a..b/c..", 8, &err) == 0,
          "'..' inside a name is not a path component");
    pcre2_code_free(p.re);

    /* A pattern that starts with ^- lets an option-like value through. */
    struct playbook_param d = any_param();
    pcre2_code_free(d.re);
    static char dash[] = "^-[0-9]+$";
    d.pattern = dash;
    int code;
    PCRE2_SIZE off;
    d.re = pcre2_compile((PCRE2_SPTR)d.pattern, PCRE2_ZERO_TERMINATED,
                         PCRE2_UTF | PCRE2_ANCHORED | PCRE2_ENDANCHORED, &code, &off, NULL);
    d.allow_dash = true;
    CHECK(playbook_value_check(&d, "-5", 2, &err) == 0, "a pattern starting ^- allows '-'");
    expect_refused(&d, "-5x", 3, "does not match ^-[0-9]+$");
    pcre2_code_free(d.re);
}

static void test_fill(void)
{
    struct playbook *pb = playbook_load(NULL, true, NULL, on_error, NULL, NULL);
    const struct remedy *r = playbook_find(pb, "service.restart");
    struct playbook_filled f;
    struct heal_error err;
    jv labels = jv_parse("{\"unit\": \"nginx\"}");
    jv facts = jv_object();
    CHECK(playbook_fill(r, labels, facts, &f, &err) == 0 && f.argv &&
              !strcmp(f.argv[0], "systemctl") && !strcmp(f.argv[1], "restart") &&
              !strcmp(f.argv[2], "nginx") && !f.argv[3] && !f.rollback,
          "service.restart fills to systemctl restart nginx");
    playbook_filled_free(&f);
    jv_free(labels);

    labels = jv_parse("{\"unit\": \"nginx; rm -rf /\"}");
    CHECK(playbook_fill(r, labels, facts, &f, &err) == -1 &&
              strstr(err.msg, "parameter 'unit' (label 'unit'): value 'nginx; rm -rf /' "
                              "contains the shell metacharacter ';'") &&
              !f.argv,
          "a hostile label is refused, named, and nothing is filled: %s", err.msg);
    playbook_filled_free(&f);
    jv_free(labels);

    labels = jv_object();
    CHECK(playbook_fill(r, labels, facts, &f, &err) == -1 &&
              strstr(err.msg, "label 'unit' is not set and there is no default"),
          "a missing label without default is refused: %s", err.msg);
    playbook_filled_free(&f);
    jv_free(labels), jv_free(facts);

    const char *text = "{\"id\": \"x\", \"title\": \"t\", \"argv\": [\"kill\", \"{pid}\"], "
                       "\"rollback\": [\"start\", \"{name}\"], \"risk\": \"low\", \"params\": "
                       "{\"pid\": {\"source\": \"fact:pid\", \"pattern\": \"^[0-9]+$\"}, "
                       "\"name\": {\"source\": \"label:name\", \"pattern\": \"^[a-z]+$\", "
                       "\"default\": \"web\"}}}";
    struct playbook *own = load(text, NULL);
    const struct remedy *x = playbook_find(own, "x");
    labels = jv_null();
    facts = jv_parse("{\"pid\": \"--help\"}");
    CHECK(x && playbook_fill(x, labels, facts, &f, &err) == -1 &&
              strstr(err.msg, "(fact 'pid'): value '--help' starts with '-'"),
          "a hostile fact is refused: %s", err.msg);
    playbook_filled_free(&f);
    jv_free(facts);
    facts = jv_parse("{\"pid\": \"42\"}");
    CHECK(x && playbook_fill(x, labels, facts, &f, &err) == 0 && !strcmp(f.argv[1], "42") &&
              f.rollback && !strcmp(f.rollback[1], "web"),
          "argv and rollback fill from a fact and a default");
    jv pv = jv_object_get(jv_copy(f.params), jv_string("name"));
    CHECK_STR(jv_string_value(pv), "web", "params report the values used");
    jv_free(pv);
    playbook_filled_free(&f);
    jv_free(facts), jv_free(labels);
    playbook_free(own);
    playbook_free(pb);
}

int main(void)
{
    test_builtin();
    test_bad_entries();
    test_override_and_disable();
    test_values();
    test_fill();
    return unit_done();
}
