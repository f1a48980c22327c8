#include "config.h"
#include "unit.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a load delivered: "ID@SOURCE" per entry and each problem, in order. */
struct got {
    char entries[8192];
    char errors[8192];
};

static void append(char *buf, size_t size, const char *text)
{
    size_t n = strlen(buf);
    snprintf(buf + n, size - n, "%s%s", n ? " | " : "", text);
}

static void on_entry(void *ctx, jv entry, const char *source)
{
    struct got *got = ctx;
    char line[CONFIG_SOURCE_MAX + 64];
    jv id = jv_object_get(entry, jv_string("id"));
    snprintf(line, sizeof line, "%s@%s",
             jv_get_kind(id) == JV_KIND_STRING ? jv_string_value(id) : "?", source);
    jv_free(id);
    append(got->entries, sizeof got->entries, line);
}

static void on_error(void *ctx, const char *message)
{
    struct got *got = ctx;
    append(got->errors, sizeof got->errors, message);
}

static struct config_sink sink_for(struct got *got)
{
    memset(got, 0, sizeof *got);
    return (struct config_sink){.entry = on_entry, .error = on_error, .ctx = got};
}

static unsigned parse(struct got *got, const char *text)
{
    struct config_sink sink = sink_for(got);
    return config_parse_buffer(text, strlen(text), "f.json", &sink);
}

/* ---- scratch directories ---- */

static char scratch[64];

static const char *at(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Four rotating results, so one call may take several paths. */
static const char *at(const char *fmt, ...)
{
    static char paths[4][1024];
    static int next;
    char *path_buf = paths[next++ % 4];
    char rel[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rel, sizeof rel, fmt, ap);
    va_end(ap);
    snprintf(path_buf, sizeof paths[0], "%s/%s", scratch, rel);
    return path_buf;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
    chmod(path, mode);
}

static void make_dir(const char *path, mode_t mode)
{
    if (mkdir(path, mode) != 0) {
        perror(path);
        exit(1);
    }
    chmod(path, mode);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void test_shapes(void)
{
    struct got got;

    parse(&got, "# web tier\n{\n  # the key\n  \"id\": \"a\",\n  \"x\": 1\n}\n");
    CHECK_STR(got.entries, "a@f.json:2", "a single object after a comment starts at its line");
    CHECK_STR(got.errors, "", "a commented single object loads without problems");

    parse(&got, "# two\n[\n  {\"id\": \"a\"},\n  # between\n  {\n    \"id\": \"b\"\n  },"
                " {\"id\": \"c\"}\n]\n");
    CHECK_STR(got.entries, "a@f.json:3 | b@f.json:5 | c@f.json:7",
              "each array element is sourced at the line where it starts");

    parse(&got, "# header\n{\"id\":\"a\"}\n\n   # indented comment\n{\"id\":\"b\"}\r\n"
                "{\"id\":\"c\"}");
    CHECK_STR(got.entries, "a@f.json:2 | b@f.json:5 | c@f.json:6",
              "NDJSON entries are sourced at their own lines, across comments and CRLF");
    CHECK_STR(got.errors, "", "commented NDJSON loads without problems");

    parse(&got, "{\"id\":\"a\"}\n{\"id\": \"b\",}\n{\"id\":\"c\"}\nnot json\n{\"id\":\"d\"}\n");
    CHECK_STR(got.entries, "a@f.json:1 | c@f.json:3 | d@f.json:5",
              "the lines after a bad NDJSON line still load");
    CHECK_STR(got.errors,
              "f.json:2: invalid JSON: expected a string key | "
              "f.json:4: invalid JSON: invalid literal",
              "a bad NDJSON line is reported with its own line number");

    parse(&got, "{\"id\":\"a\"}\n{\"id\": \"b\"} {\"id\": \"c\"}\n[{\"id\": \"d\"}]\n");
    CHECK_STR(got.entries, "a@f.json:1 | d@f.json:3",
              "an NDJSON line may hold an array of objects");
    CHECK_STR(got.errors, "f.json:2: invalid JSON: unexpected text after the value",
              "an NDJSON line with two values is reported");

    unsigned n = parse(&got, "# broken\n{\n  \"id\": \"a\",\n  \"x\": ,\n  \"y\": 2\n}\n"
                             "{\"id\": \"b\"}\n");
    CHECK_STR(got.errors, "f.json:4: invalid JSON: expected a value",
              "a broken object is reported at the line jq stopped on");
    CHECK(n == 1 && got.entries[0] == '\0', "a broken object skips the rest of its file");

    parse(&got, "[\n  {\"id\": \"a\"},\n  {\"id\": tru}\n]\n");
    CHECK_STR(got.errors, "f.json:3: invalid JSON: invalid literal",
              "a broken array element is reported at its line");
    CHECK_STR(got.entries, "", "a broken array loads none of its elements");

    parse(&got, "[\n  {\"id\": \"a\",\n   \"x\": \"1\" \"2\"}\n]\n");
    CHECK_STR(got.errors, "f.json:3: invalid JSON: expected ',' or '}'",
              "two strings without a separator are reported at their line (and do not leak)");

    parse(&got, "{\n  \"id\": \"a\"\n");
    CHECK_STR(got.errors, "f.json:2: invalid JSON: unexpected end of input",
              "an unterminated object is reported at the last line it reached");

    parse(&got, "[\n  {\"id\": \"a\"},\n  3,\n  \"s\",\n  {\"id\": \"b\"}\n]\n");
    CHECK_STR(got.entries, "a@f.json:2 | b@f.json:5",
              "an array's objects load around elements that are not objects");
    CHECK_STR(got.errors,
              "f.json:3: array element 2 is a number, not an object | "
              "f.json:4: array element 3 is a string, not an object",
              "an array element that is not an object is reported with its line");

    parse(&got, "\n\n\"hello\"\n");
    CHECK_STR(got.errors, "f.json:3: expected an object or an array of objects, not a string",
              "a top-level scalar is reported");

    n = parse(&got, "# nothing here\n\n   # still nothing\n");
    CHECK(n == 0 && got.entries[0] == '\0' && got.errors[0] == '\0',
          "a file of comments and blank lines loads nothing and is not a problem");

    parse(&got, "{\"id\": \"a\", \"text\": \"# not a comment\", \"q\": \"a \\\"}\\\" b\"}\n"
                "{\"id\": \"b\"}\n");
    CHECK_STR(got.entries, "a@f.json:1 | b@f.json:2",
              "'#' and escaped quotes inside strings are content, not comments or ends");

    parse(&got, "\xef\xbb\xbf# with a byte order mark\n{\"id\": \"a\"}\n");
    CHECK_STR(got.entries, "a@f.json:2", "a UTF-8 byte order mark is ignored");

    struct config_sink sink = sink_for(&got);
    const char *text = "# built in\n[\n  {\"id\": \"a\"}\n]\n";
    config_parse_buffer(text, strlen(text), "builtin:x.json", &sink);
    CHECK_STR(got.entries, "a@builtin:x.json:3", "built-in data is sourced builtin:NAME:LINE");

    sink = sink_for(&got);
    n = config_load_builtin("no-such-catalog.json", &sink);
    CHECK(n == 1 && sink.problems == 1, "a missing built-in counts as one problem");
    CHECK_STR(got.errors, "builtin:no-such-catalog.json: no such built-in file",
              "a missing built-in is reported by name");
}

static void test_resolve(void)
{
    char dir[CONFIG_PATH_MAX];
    struct heal_error err;

    setenv("HEAL_CONFIG_DIR", "/env/heal", 1);
    setenv("XDG_CONFIG_HOME", "/xdg", 1);
    setenv("HOME", "/home/u", 1);
    CHECK(config_dir_resolve("/cli", 1000, dir, &err) == 0 && strcmp(dir, "/cli") == 0,
          "--config-dir wins over everything");
    CHECK(config_dir_resolve(NULL, 0, dir, &err) == 0 && strcmp(dir, "/env/heal") == 0,
          "HEAL_CONFIG_DIR wins over /etc/heal for root");
    unsetenv("HEAL_CONFIG_DIR");
    CHECK(config_dir_resolve("", 0, dir, &err) == 0 && strcmp(dir, "/etc/heal") == 0,
          "root uses /etc/heal");
    CHECK(config_dir_resolve(NULL, 1000, dir, &err) == 0 && strcmp(dir, "/xdg/heal") == 0,
          "another user uses XDG_CONFIG_HOME/heal");
    setenv("XDG_CONFIG_HOME", "relative", 1);
    CHECK(config_dir_resolve(NULL, 1000, dir, &err) == 0 &&
              strcmp(dir, "/home/u/.config/heal") == 0,
          "a relative XDG_CONFIG_HOME is ignored for HOME/.config/heal");
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("HOME");
    CHECK(config_dir_resolve(NULL, 1000, dir, &err) == -1, "without HOME there is no default");
    CHECK_STR(err.msg, "no configuration directory: HOME is not set", "and the reason says why");
}

static void test_dirs(void)
{
    struct got got;
    struct config_sink sink;
    char conf[600];

    snprintf(conf, sizeof conf, "%s", at("conf"));
    make_dir(conf, 0755);
    make_dir(at("conf/checks.d"), 0755);
    write_file(at("conf/checks.d/20-b.json"), "{\"id\": \"20-b\"}\n", 0644);
    write_file(at("conf/checks.d/10-a.json"), "# first\n[{\"id\": \"10-a\"}]\n", 0644);
    write_file(at("conf/checks.d/b.json"), "{\"id\": \"b\"}\n", 0644);
    write_file(at("conf/checks.d/a.json"), "{\"id\": \"a\"}\n", 0600);
    write_file(at("conf/checks.d/B.json"), "{\"id\": \"B\"}\n", 0644);
    write_file(at("conf/checks.d/.hidden.json"), "{\"id\": \"hidden\"}\n", 0644);
    write_file(at("conf/checks.d/a.json~"), "{\"id\": \"tilde\"}\n", 0644);
    write_file(at("conf/checks.d/.a.json.swp"), "{\"id\": \"swp\"}\n", 0644);
    write_file(at("conf/checks.d/a.json.dpkg-old"), "{\"id\": \"dpkg-old\"}\n", 0644);
    write_file(at("conf/checks.d/a.dpkg-dist.json"), "{\"id\": \"dpkg-dist\"}\n", 0644);
    write_file(at("conf/checks.d/notes.txt"), "{\"id\": \"txt\"}\n", 0644);
    write_file(at("conf/checks.d/.json"), "{\"id\": \"bare\"}\n", 0644);

    sink = sink_for(&got);
    unsigned n = config_load_dir(conf, "checks.d", &sink);
    char want[4096];
    snprintf(want, sizeof want,
             "10-a@%s/checks.d/10-a.json:2 | 20-b@%s/checks.d/20-b.json:1 | "
             "B@%s/checks.d/B.json:1 | a@%s/checks.d/a.json:1 | b@%s/checks.d/b.json:1",
             conf, conf, conf, conf, conf);
    CHECK_STR(got.entries, want, "drop-ins load in strcmp order, skipping dotfiles and backups");
    CHECK(n == 0 && got.errors[0] == '\0', "a clean drop-in directory reports no problems");

    write_file(at("conf/checks.d/30-gw.json"), "{\"id\": \"gw\"}\n", 0664);
    write_file(at("conf/checks.d/31-ow.json"), "{\"id\": \"ow\"}\n", 0602);
    sink = sink_for(&got);
    n = config_load_dir(conf, "checks.d", &sink);
    snprintf(want, sizeof want,
             "%s/checks.d/30-gw.json: refused: writable by group or others (mode 0664) | "
             "%s/checks.d/31-ow.json: refused: writable by group or others (mode 0602)",
             conf, conf);
    CHECK_STR(got.errors, want, "a group- or world-writable file is refused by name and mode");
    CHECK(n == 2 && strstr(got.entries, "10-a@") && strstr(got.entries, "b@") &&
              !strstr(got.entries, "gw@") && !strstr(got.entries, "ow@"),
          "the other files still load when one is refused");
    unlink(at("conf/checks.d/30-gw.json"));
    unlink(at("conf/checks.d/31-ow.json"));

    if (geteuid() == 0) {
        write_file(at("conf/checks.d/40-other.json"), "{\"id\": \"other\"}\n", 0644);
        int rc = chown(at("conf/checks.d/40-other.json"), 12345, 12345);
        CHECK(rc == 0, "a file can be given to uid 12345");
        sink = sink_for(&got);
        n = config_load_dir(conf, "checks.d", &sink);
        snprintf(want, sizeof want,
                 "%s/checks.d/40-other.json: refused: owned by uid 12345, not by root", conf);
        CHECK_STR(got.errors, want, "a file owned by another non-root user is refused");
        CHECK(n == 1 && strstr(got.entries, "a@"), "and the others load");
        unlink(at("conf/checks.d/40-other.json"));
    } else {
        CHECK(1, "a file owned by another non-root user is refused # SKIP not root");
        CHECK(1, "and the others load # SKIP not root");
    }

    write_file(at("target.json"), "{\"id\": \"linked\"}\n", 0644);
    write_file(at("target-gw.json"), "{\"id\": \"linked-gw\"}\n", 0666);
    int made = symlink(at("target.json"), at("conf/checks.d/50-link.json")) == 0 &&
               symlink(at("target-gw.json"), at("conf/checks.d/51-link-gw.json")) == 0 &&
               symlink(at("missing.json"), at("conf/checks.d/52-dangling.json")) == 0;
    CHECK(made, "symlinks can be made");
    sink = sink_for(&got);
    config_load_dir(conf, "checks.d", &sink);
    snprintf(want, sizeof want, "linked@%s/checks.d/50-link.json:1", conf);
    CHECK(strstr(got.entries, want) != NULL, "a symlink to a trusted file loads");
    snprintf(want, sizeof want,
             "%s/checks.d/51-link-gw.json: refused: writable by group or others (mode 0666) | "
             "%s/checks.d/52-dangling.json: No such file or directory",
             conf, conf);
    CHECK_STR(got.errors, want, "a symlink is judged by its target, and a dangling one reported");
    unlink(at("conf/checks.d/50-link.json"));
    unlink(at("conf/checks.d/51-link-gw.json"));
    unlink(at("conf/checks.d/52-dangling.json"));

    made = mkfifo(at("conf/checks.d/60-fifo.json"), 0644) == 0;
    CHECK(made, "a FIFO can be made");
    make_dir(at("conf/checks.d/61-dir.json"), 0755);
    sink = sink_for(&got);
    config_load_dir(conf, "checks.d", &sink);
    snprintf(want, sizeof want,
             "%s/checks.d/60-fifo.json: refused: not a regular file | "
             "%s/checks.d/61-dir.json: refused: not a regular file",
             conf, conf);
    CHECK_STR(got.errors, want, "a FIFO or directory named *.json is refused without blocking");
    unlink(at("conf/checks.d/60-fifo.json"));
    rmdir(at("conf/checks.d/61-dir.json"));

    int fd = open(at("conf/checks.d/70-big.json"), O_WRONLY | O_CREAT, 0644);
    made = fd >= 0 && ftruncate(fd, (off_t)CONFIG_FILE_MAX + 1) == 0;
    CHECK(made, "a sparse file can be made");
    close(fd);
    sink = sink_for(&got);
    config_load_dir(conf, "checks.d", &sink);
    snprintf(want, sizeof want,
             "%s/checks.d/70-big.json: refused: too large (16777217 bytes, the limit is "
             "16777216)",
             conf);
    CHECK_STR(got.errors, want, "a file over CONFIG_FILE_MAX is refused");
    unlink(at("conf/checks.d/70-big.json"));

    write_file(at("conf/checks.d/80-bad.json"), "{\"id\": \"ok1\"}\n{\"id\": 1,,}\n", 0644);
    sink = sink_for(&got);
    n = config_load_dir(conf, "checks.d", &sink);
    snprintf(want, sizeof want,
             "%s/checks.d/80-bad.json:2: invalid JSON: expected a string key", conf);
    CHECK_STR(got.errors, want, "bad content in a drop-in is reported as PATH:LINE");
    CHECK(n == 1 && sink.problems == 1 && strstr(got.entries, "ok1@"),
          "the problem count covers exactly what was reported");
    unlink(at("conf/checks.d/80-bad.json"));

    chmod(at("conf/checks.d"), 0775);
    sink = sink_for(&got);
    n = config_load_dir(conf, "checks.d", &sink);
    snprintf(want, sizeof want, "%s/checks.d: refused: writable by group or others (mode 0775)",
             conf);
    CHECK_STR(got.errors, want, "a group-writable drop-in directory is refused whole");
    CHECK(n == 1 && got.entries[0] == '\0', "and none of its files load");
    chmod(at("conf/checks.d"), 0755);

    chmod(conf, 0777);
    sink = sink_for(&got);
    n = config_load_dir(conf, "checks.d", &sink);
    snprintf(want, sizeof want, "%s: refused: writable by group or others (mode 0777)", conf);
    CHECK_STR(got.errors, want, "a world-writable config dir is refused");
    CHECK(n == 1 && got.entries[0] == '\0', "and nothing under it loads");
    chmod(conf, 0755);

    sink = sink_for(&got);
    n = config_load_dir(conf, "playbook.d", &sink);
    n += config_load_dir(at("nowhere"), "checks.d", &sink);
    CHECK(n == 0 && got.entries[0] == '\0' && got.errors[0] == '\0',
          "a missing drop-in or config directory loads nothing and is no problem");

    sink = sink_for(&got);
    n = config_load_file(conf, "heal.json", &sink);
    CHECK(n == 0 && got.entries[0] == '\0', "a missing heal.json is no problem");
    write_file(at("conf/heal.json"), "{\n  \"id\": \"policy\"\n}\n", 0644);
    sink = sink_for(&got);
    n = config_load_file(conf, "heal.json", &sink);
    snprintf(want, sizeof want, "policy@%s/heal.json:1", conf);
    CHECK(n == 0 && strcmp(got.entries, want) == 0, "heal.json loads from the config dir");

    sink = sink_for(&got);
    n = config_load_path(at("conf/heal.json"), &sink);
    CHECK(n == 0 && strcmp(got.entries, want) == 0, "a file named by path loads");
    sink = sink_for(&got);
    n = config_load_path(at("conf/absent.json"), &sink);
    snprintf(want, sizeof want, "%s/absent.json: No such file or directory", conf);
    CHECK(n == 1 && strcmp(got.errors, want) == 0, "a missing file named by path is a problem");
    chmod(conf, 0770);
    sink = sink_for(&got);
    n = config_load_path(at("conf/heal.json"), &sink);
    snprintf(want, sizeof want, "%s: refused: writable by group or others (mode 0770)", conf);
    CHECK(n == 1 && strcmp(got.errors, want) == 0,
          "a file named by path is refused when its directory is not trusted");
    chmod(conf, 0755);
}

static void test_trust(void)
{
    struct stat st = {.st_uid = 1000, .st_mode = S_IFREG | 0644};
    struct heal_error err;
    CHECK(config_trust_check(&st, 1000, &err) == 0, "a file of the effective user is trusted");
    st.st_uid = 0;
    CHECK(config_trust_check(&st, 1000, &err) == 0, "a root file is trusted by any user");
    st.st_uid = 1001;
    CHECK(config_trust_check(&st, 1000, &err) == -1, "another user's file is not");
    CHECK_STR(err.msg, "refused: owned by uid 1001, not by root or uid 1000",
              "and the message names both users");
    st.st_uid = 1000;
    st.st_mode = S_IFREG | 0620;
    CHECK(config_trust_check(&st, 1000, &err) == -1 &&
              strcmp(err.msg, "refused: writable by group or others (mode 0620)") == 0,
          "a group-writable own file is refused");
}

static void test_merge(void)
{
    struct config_set set;
    struct heal_error err;
    jv sources;

    config_set_init(&set, "id");
    config_set_add(&set, JV_OBJECT(jv_string("id"), jv_string("a")), "builtin:p.json:1", &err);
    config_set_add(&set, JV_OBJECT(jv_string("id"), jv_string("b"), jv_string("v"), jv_number(1)),
                   "builtin:p.json:2", &err);
    config_set_add(&set, JV_OBJECT(jv_string("id"), jv_string("c")), "builtin:p.json:3", &err);
    config_set_add(&set, JV_OBJECT(jv_string("id"), jv_string("b"), jv_string("v"), jv_number(2)),
                   "d/x.json:4", &err);
    config_set_add(&set,
                   JV_OBJECT(jv_string("id"), jv_string("c"), jv_string("disabled"), jv_true()),
                   "d/x.json:5", &err);
    config_set_add(&set,
                   JV_OBJECT(jv_string("id"), jv_string("zz"), jv_string("disabled"), jv_true()),
                   "d/x.json:6", &err);
    config_set_add(&set,
                   JV_OBJECT(jv_string("id"), jv_string("d"), jv_string("disabled"), jv_false()),
                   "d/x.json:7", &err);
    jv entries = config_set_finish(&set, &sources);
    jv dump = jv_dump_string(entries, 0);
    CHECK_STR(jv_string_value(dump), "[{\"id\":\"a\"},{\"id\":\"b\",\"v\":2},{\"id\":\"d\"}]",
              "a later entry replaces an earlier one in place; disabled ones are dropped");
    jv_free(dump);
    dump = jv_dump_string(sources, 0);
    CHECK_STR(jv_string_value(dump), "[\"builtin:p.json:1\",\"d/x.json:4\",\"d/x.json:7\"]",
              "each kept entry's source is that of its latest definition");
    jv_free(dump);

    config_set_init(&set, "name");
    config_set_add(&set, JV_OBJECT(jv_string("name"), jv_string("a")), "s:1", &err);
    config_set_add(&set, JV_OBJECT(jv_string("name"), jv_string("b")), "s:2", &err);
    config_set_add(&set,
                   JV_OBJECT(jv_string("name"), jv_string("a"), jv_string("disabled"), jv_true()),
                   "s:3", &err);
    config_set_add(&set, JV_OBJECT(jv_string("name"), jv_string("a"), jv_string("v"), jv_number(3)),
                   "s:4", &err);
    entries = config_set_finish(&set, NULL);
    dump = jv_dump_string(entries, 0);
    CHECK_STR(jv_string_value(dump), "[{\"name\":\"a\",\"v\":3},{\"name\":\"b\"}]",
              "the caller names the key, and a re-defined entry returns to its first place");
    jv_free(dump);

    struct {
        const char *json, *want, *title;
    } refused[] = {
        {"{\"x\": 1}", "missing required field 'id'", "an entry without the key is refused"},
        {"{\"id\": 7}", "field 'id' must be a string, not a number",
         "a key that is not a string is refused"},
        {"{\"id\": \"\"}", "field 'id' must not be empty", "an empty key is refused"},
        {"{\"id\": \"a\", \"disabled\": \"yes\"}",
         "field 'disabled' must be a boolean, not a string",
         "a 'disabled' that is not a boolean is refused"},
        {"1", "entry must be an object, not a number", "an entry that is not an object is refused"},
    };
    config_set_init(&set, "id");
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        err.msg[0] = '\0';
        int rc = config_set_add(&set, jv_parse(refused[i].json), "s:1", &err);
        CHECK(rc == -1, "%s (result)", refused[i].title);
        CHECK_STR(err.msg, refused[i].want, "%s", refused[i].title);
    }
    entries = config_set_finish(&set, NULL);
    CHECK(jv_array_length(jv_copy(entries)) == 0, "refused entries are not kept");
    jv_free(entries);

    config_set_init(&set, "id");
    int rc = config_set_add(&set, jv_parse("{\"id\": \"a\"}"), "s:1", &err);
    config_set_free(&set);
    CHECK(rc == 0, "a set abandoned before finishing is freed whole (the sanitizer checks)");

    /* The loaders can fill a set directly, reporting refusals with sources. */
    struct got got;
    struct config_sink sink = sink_for(&got);
    sink.entry = NULL;
    sink.set = &set;
    config_set_init(&set, "id");
    const char *builtin = "[\n{\"id\": \"a\", \"v\": 1},\n{\"id\": \"b\"}\n]\n";
    const char *dropin = "# override a, drop b\n{\"id\": \"a\", \"v\": 2}\n{\"id\": \"b\", "
                         "\"disabled\": true}\n{\"v\": 3}\n";
    config_parse_buffer(builtin, strlen(builtin), "builtin:t.json", &sink);
    config_parse_buffer(dropin, strlen(dropin), "d/t.json", &sink);
    entries = config_set_finish(&set, &sources);
    dump = jv_dump_string(entries, 0);
    CHECK_STR(jv_string_value(dump), "[{\"id\":\"a\",\"v\":2}]",
              "built-ins then drop-ins merge through a sink into a set");
    jv_free(dump);
    dump = jv_dump_string(sources, 0);
    CHECK_STR(jv_string_value(dump), "[\"d/t.json:2\"]", "the merged entry keeps its source");
    jv_free(dump);
    CHECK_STR(got.errors, "d/t.json:4: missing required field 'id'",
              "an entry the set refuses is reported with its source");
    CHECK(sink.problems == 1, "and counted");
}

static void test_fields(void)
{
    static const struct config_field spec[] = {
        {"id", CONFIG_STRING, true},
        {"kind", CONFIG_STRING, true},
        {"url", CONFIG_STRING, false},
        {"timeout", CONFIG_NUMBER, false},
        {"auto", CONFIG_BOOL, false},
        {"tags", CONFIG_STRING | CONFIG_ARRAY, false},
        {"labels", CONFIG_OBJECT | CONFIG_NULL, false},
        {NULL, 0, false},
    };
    struct heal_error err;
    struct {
        const char *json, *want, *title;
    } cases[] = {
        {"{\"id\":\"a\",\"kind\":\"http\",\"url\":\"u\",\"timeout\":3,\"auto\":false,"
         "\"tags\":[\"x\"],\"labels\":null}",
         "", "an entry that fits its spec passes"},
        {"{\"id\":\"a\",\"kind\":\"http\",\"zz\":1,\"nmae\":2}", "unknown field 'zz'",
         "an unknown field is named, the first as written"},
        {"{\"id\":\"a\"}", "missing required field 'kind'", "a missing required field is named"},
        {"{\"id\":\"a\",\"kind\":\"http\",\"url\":5}", "field 'url' must be a string, not a number",
         "a field of the wrong kind names both kinds"},
        {"{\"id\":\"a\",\"kind\":\"http\",\"auto\":\"yes\"}",
         "field 'auto' must be a boolean, not a string", "booleans are named as such"},
        {"{\"id\":\"a\",\"kind\":\"http\",\"tags\":{}}",
         "field 'tags' must be a string or an array, not an object",
         "a field allowing several kinds lists them"},
        {"{\"id\":\"a\",\"kind\":\"http\",\"labels\":[]}",
         "field 'labels' must be null or an object, not an array", "null reads without article"},
        {"[1]", "entry must be an object, not an array", "an entry that is not an object fails"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jv entry = jv_parse(cases[i].json);
        err.msg[0] = '\0';
        int rc = config_check_fields(entry, spec, &err);
        CHECK(rc == (cases[i].want[0] ? -1 : 0), "%s (result)", cases[i].title);
        CHECK_STR(err.msg, cases[i].want, "%s", cases[i].title);
        jv_free(entry);
    }
}

int main(void)
{
    umask(022);
    snprintf(scratch, sizeof scratch, "%s", "/tmp/heal-test-config.XXXXXX");
    if (!mkdtemp(scratch)) {
        perror("mkdtemp");
        return 1;
    }
    test_shapes();
    test_resolve();
    test_trust();
    test_dirs();
    test_merge();
    test_fields();
    nftw(scratch, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    return unit_done();
}
