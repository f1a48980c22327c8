#include "scratch.h"
#include "state.h"
#include "unit.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEST_UID 1000

static char dir[SCRATCH_DIR_SIZE];

static int mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? (int)(st.st_mode & 07777) : -1;
}

static void test_resolve(void)
{
    char out[STATE_PATH_MAX];
    struct heal_error err = {{0}};

    setenv("HEAL_STATE_DIR", "/from/env", 1);
    setenv("XDG_STATE_HOME", "/xdg", 1);
    setenv("HOME", "/home/u", 1);
    CHECK(state_dir_resolve_for_uid("/explicit", TEST_UID, out, &err) == 0 &&
              strcmp(out, "/explicit") == 0,
          "an explicit --state-dir wins over HEAL_STATE_DIR");
    CHECK(state_dir_resolve_for_uid(NULL, 0, out, &err) == 0 && strcmp(out, "/from/env") == 0,
          "HEAL_STATE_DIR wins over the default for root");
    CHECK(state_dir_resolve_for_uid(NULL, TEST_UID, out, &err) == 0 &&
              strcmp(out, "/from/env") == 0,
          "HEAL_STATE_DIR wins over XDG_STATE_HOME");
    setenv("HEAL_STATE_DIR", "", 1);
    CHECK(state_dir_resolve_for_uid(NULL, 0, out, &err) == 0 && strcmp(out, "/var/lib/heal") == 0,
          "root defaults to /var/lib/heal when HEAL_STATE_DIR is empty");
    unsetenv("HEAL_STATE_DIR");
    CHECK(state_dir_resolve_for_uid(NULL, TEST_UID, out, &err) == 0 &&
              strcmp(out, "/xdg/heal") == 0,
          "another user gets $XDG_STATE_HOME/heal");
    setenv("XDG_STATE_HOME", "relative/dir", 1);
    CHECK(state_dir_resolve_for_uid(NULL, TEST_UID, out, &err) == 0 &&
              strcmp(out, "/home/u/.local/state/heal") == 0,
          "a relative XDG_STATE_HOME is ignored for $HOME/.local/state/heal");
    unsetenv("XDG_STATE_HOME");
    CHECK(state_dir_resolve_for_uid(NULL, TEST_UID, out, &err) == 0 &&
              strcmp(out, "/home/u/.local/state/heal") == 0,
          "without XDG_STATE_HOME $HOME/.local/state/heal is used");
    unsetenv("HOME");
    err.msg[0] = '\0';
    CHECK(state_dir_resolve_for_uid(NULL, TEST_UID, out, &err) == -1 && strstr(err.msg, "HOME"),
          "with no HOME and no override the failure names HOME");
    CHECK(state_dir_resolve_for_uid("", TEST_UID, out, &err) == -1,
          "an empty --state-dir is refused");

    char longp[STATE_PATH_MAX + 10];
    memset(longp, 'a', sizeof longp - 1);
    longp[0] = '/';
    longp[sizeof longp - 1] = '\0';
    CHECK(state_dir_resolve_for_uid(longp, TEST_UID, out, &err) == -1,
          "a state directory longer than PATH_MAX is refused, not truncated");
}

static void test_open(void)
{
    char want[PATH_MAX], out[STATE_PATH_MAX], sub[STATE_PATH_MAX];
    struct heal_error err = {{0}};

    snprintf(want, sizeof want, "%s/a/b/state", dir);
    int rc = state_dir_open(want, out, &err);
    CHECK(rc == 0 && strcmp(out, want) == 0, "the state directory is created with its parents");
    if (rc < 0)
        printf("#   %s\n", err.msg);
    CHECK(mode_of(want) == 0700, "the state directory is created mode 0700 (got %o)",
          mode_of(want));
    snprintf(sub, sizeof sub, "%s/a", dir);
    CHECK(mode_of(sub) == 0700, "missing parents are created mode 0700 too");
    CHECK(state_dir_open(want, out, &err) == 0, "opening an existing state directory succeeds");

    setenv("HEAL_STATE_DIR", want, 1);
    CHECK(state_dir_open(NULL, out, &err) == 0 && strcmp(out, want) == 0,
          "HEAL_STATE_DIR is used when no explicit directory is given");
    unsetenv("HEAL_STATE_DIR");

    CHECK(mode_of(want) == 0700 && state_subdir(want, STATE_LOCKS_DIR, sub, &err) == 0 &&
              mode_of(sub) == 0700,
          "a subdirectory is created on demand mode 0700");
    CHECK(state_subdir(want, STATE_LOCKS_DIR, sub, &err) == 0,
          "asking for an existing subdirectory succeeds");

    chmod(want, 0770);
    err.msg[0] = '\0';
    CHECK(state_dir_open(want, out, &err) == -1 && strstr(err.msg, "group or others"),
          "a state directory others may write is refused");
    chmod(want, 0700);

    char file[PATH_MAX];
    snprintf(file, sizeof file, "%s/plainfile", dir);
    FILE *f = fopen(file, "w");
    if (f)
        fclose(f);
    err.msg[0] = '\0';
    CHECK(state_dir_open(file, out, &err) == -1, "a file where the directory should be is refused");
    snprintf(want, sizeof want, "%s/plainfile/below", dir);
    CHECK(state_dir_open(want, out, &err) == -1 && strstr(err.msg, "plainfile"),
          "a file in the way of a parent is reported by name");
}

static void test_join(void)
{
    char out[STATE_PATH_MAX], small[16];
    struct heal_error err = {{0}};
    CHECK(state_path_join(out, sizeof out, "/s", "locks", &err) == 0 &&
              strcmp(out, "/s/locks") == 0,
          "joining puts one slash between directory and name");
    CHECK(state_path_join(out, sizeof out, "/s/", "locks", &err) == 0 &&
              strcmp(out, "/s/locks") == 0,
          "joining does not double a trailing slash");
    CHECK(state_path_join(small, sizeof small, "/state", "123456789", &err) == -1,
          "a joined path that does not fit is an error");
    CHECK(state_path_join(small, sizeof small, "/state", "12345678", &err) == 0 &&
              strcmp(small, "/state/12345678") == 0,
          "a joined path that exactly fits is kept whole");
}

static bool name_is_safe(const char *name)
{
    return name[0] != '\0' && name[0] != '.' && !strchr(name, '/') &&
           strlen(name) <= STATE_NAME_MAX;
}

static void test_encode(void)
{
    static const char *const targets[] = {
        "nginx/http:80",
        "../etc",
        ".",
        "..",
        "...",
        ".hidden",
        "a%2Fb",
        "100%",
        "tab\there",
        "new\nline",
        "\x7f",
        "~user",
        "caf\xc3\xa9 \xe2\x98\x83",
        "a.b.",
        "/",
        "//",
        "plain-name_1",
    };
    struct heal_error err = {{0}};
    char name[STATE_NAME_SIZE], back[STATE_NAME_SIZE];
    bool safe = true, round = true;
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        if (state_name_encode(targets[i], name, &err) < 0) {
            safe = round = false;
            continue;
        }
        safe = safe && name_is_safe(name);
        if (state_name_decode(name, back, sizeof back, &err) < 0 || strcmp(back, targets[i])) {
            printf("#   %s -> %s does not round-trip\n", targets[i], name);
            round = false;
        }
    }
    CHECK(safe, "no encoded name is empty, holds '/', or starts with '.'");
    CHECK(round, "every short target decodes back to itself");

    state_name_encode("nginx/http:80", name, &err);
    CHECK_STR(name, "nginx%2Fhttp:80", "a slash becomes %%2F and a colon stays");
    state_name_encode("../etc", name, &err);
    CHECK_STR(name, "%2E.%2Fetc", "a leading dot is escaped so ../etc cannot climb");
    state_name_encode("..", name, &err);
    CHECK_STR(name, "%2E.", "'..' never comes out as '..'");
    state_name_encode("caf\xc3\xa9", name, &err);
    CHECK_STR(name, "caf\xc3\xa9", "UTF-8 passes through unchanged");
    CHECK(state_name_encode("", name, &err) == -1, "an empty target is refused");

    char big[1001];
    memset(big, 'x', 1000);
    big[1000] = '\0';
    CHECK(state_name_encode(big, name, &err) == 0 && strlen(name) == STATE_NAME_MAX &&
              name_is_safe(name) && strchr(name, '~'),
          "a 1000-character target gives a name of STATE_NAME_MAX bytes with a hash");
    char name2[STATE_NAME_SIZE];
    big[999] = 'y';
    state_name_encode(big, name2, &err);
    CHECK(strcmp(name, name2) != 0, "long targets differing only at the end get distinct names");
    CHECK(state_name_decode(name, back, sizeof back, &err) == -1,
          "a hashed name is refused by the decoder");

    memset(big, '/', 1000);
    CHECK(state_name_encode(big, name, &err) == 0 && name_is_safe(name),
          "a target of 1000 slashes gives a bounded safe name");

    /* 500 two-byte characters: the cut must fall between characters. */
    for (int i = 0; i < 1000; i += 2) {
        big[i] = (char)0xc3;
        big[i + 1] = (char)0xa9;
    }
    state_name_encode(big, name, &err);
    size_t prefix = (size_t)(strchr(name, '~') - name);
    bool whole = prefix % 2 == 0;
    for (size_t i = 0; whole && i < prefix; i += 2)
        whole = (unsigned char)name[i] == 0xc3 && (unsigned char)name[i + 1] == 0xa9;
    CHECK(whole, "a long UTF-8 target is never cut inside a character");

    /* Exactly at the cap stays readable; one byte more is hashed. */
    memset(big, 'x', STATE_NAME_MAX);
    big[STATE_NAME_MAX] = '\0';
    CHECK(state_name_encode(big, name, &err) == 0 && !strchr(name, '~') &&
              state_name_decode(name, back, sizeof back, &err) == 0 && strcmp(back, big) == 0,
          "a target whose encoding is exactly STATE_NAME_MAX bytes stays decodable");
    big[STATE_NAME_MAX] = 'x';
    big[STATE_NAME_MAX + 1] = '\0';
    CHECK(state_name_encode(big, name, &err) == 0 && strchr(name, '~'),
          "one byte over STATE_NAME_MAX gets a hashed name");

    static const char *const bad[] = {"%2e", "%41", "a/b", ".x", "%", "%4", "a~b", "", "%00"};
    bool refused = true;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (state_name_decode(bad[i], back, sizeof back, &err) == 0) {
            printf("#   decoded '%s'\n", bad[i]);
            refused = false;
        }
    CHECK(refused, "names the encoder would not produce are refused by the decoder");
}

/* Targets that differ by one escape-worthy byte, by length, or by a hashed tail. */
static void test_distinct(void)
{
    enum { COUNT = 300 };
    static char names[COUNT][STATE_NAME_SIZE];
    static const char alphabet[] = "a/.%~\t:_";
    char target[400];
    struct heal_error err = {{0}};
    size_t made = 0;
    bool ok = true;
    for (size_t i = 0; i < COUNT; i++) {
        size_t len = 1 + i % 7;
        if (i >= 200)
            len = 130 + (i % 40) * 6; /* long enough to be hashed */
        size_t x = i;
        for (size_t j = 0; j < len; j++) {
            target[j] = alphabet[x % 8];
            x = x / 8 + j;
        }
        target[len] = '\0';
        snprintf(target + len, sizeof target - len, "#%zu", i);
        if (state_name_encode(target, names[made], &err) < 0 || !name_is_safe(names[made]))
            ok = false;
        made++;
    }
    for (size_t i = 0; ok && i < made; i++)
        for (size_t j = i + 1; j < made; j++)
            if (strcmp(names[i], names[j]) == 0) {
                printf("#   collision: %s\n", names[i]);
                ok = false;
            }
    CHECK(ok, "%d distinct targets give %d distinct safe names", COUNT, COUNT);
}

int main(void)
{
    scratch_make(dir, "state");
    test_resolve();
    test_open();
    test_join();
    test_encode();
    test_distinct();
    scratch_remove(dir);
    return unit_done();
}
