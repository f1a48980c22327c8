/*
 * The text below has the shape systemd 252 (Debian 12) prints:
 * `systemctl show -p ...` KEY=VALUE lines in its own property order, and
 * `systemctl --failed --plain --no-legend` one unit per line, columns
 * UNIT LOAD ACTIVE SUB DESCRIPTION.
 */
#include "systemd.h"
#include "unit.h"

#include <unistd.h>

static int unit_ok(const char *name)
{
    return systemd_unit_name_check(name, NULL) == 0;
}

static const char *str(jv *holder, jv v)
{
    jv_free(*holder);
    *holder = v;
    return jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : NULL;
}

int main(void)
{
    CHECK(unit_ok("nginx.service") && unit_ok("nginx") && unit_ok("getty@tty1.service") &&
              unit_ok("dev-disk-by\\x2duuid-1234.device") &&
              unit_ok("sys-fs-fuse-connections.mount"),
          "real unit names are accepted, templates and escapes included");
    struct heal_error err = {{0}};
    CHECK(systemd_unit_name_check("--failed", &err) == -1,
          "a name that reads as an option is refused");
    CHECK_STR(err.msg, "unit name '--failed' must not start with '-'", "and the refusal says why");
    CHECK(systemd_unit_name_check("a b", &err) == -1, "a space is refused");
    CHECK_STR(err.msg, "unit name 'a b': byte 0x20 is not allowed", "naming the byte");
    CHECK(!unit_ok("") && !unit_ok("x;reboot") && !unit_ok("a/b") && !unit_ok("*"),
          "empty names, shell and path characters and globs are refused");
    char longest[SYSTEMD_UNIT_NAME_MAX + 2];
    memset(longest, 'a', sizeof longest);
    longest[SYSTEMD_UNIT_NAME_MAX] = '\0';
    CHECK(unit_ok(longest), "a name of SYSTEMD_UNIT_NAME_MAX bytes is accepted");
    longest[SYSTEMD_UNIT_NAME_MAX] = 'a';
    longest[SYSTEMD_UNIT_NAME_MAX + 1] = '\0';
    CHECK(!unit_ok(longest), "one byte more is refused");

    const char show[] = "LoadState=loaded\nActiveState=failed\nSubState=failed\n"
                        "Result=exit-code\nNRestarts=5\n";
    jv props = systemd_show_parse(show, sizeof show - 1);
    jv h = jv_null();
    CHECK_STR(str(&h, jv_object_get(jv_copy(props), jv_string("ActiveState"))), "failed",
              "show: ActiveState is read");
    CHECK_STR(str(&h, jv_object_get(jv_copy(props), jv_string("NRestarts"))), "5",
              "show: NRestarts is read");
    CHECK(jv_object_length(jv_copy(props)) == 5, "show: every property is kept");
    jv_free(props);
    const char odd[] = "Description=a=b\r\n=nokey\nnoequals\nEmpty=";
    props = systemd_show_parse(odd, sizeof odd - 1);
    CHECK_STR(str(&h, jv_object_get(jv_copy(props), jv_string("Description"))), "a=b",
              "show: a value keeps its own '=' and loses a CR");
    CHECK_STR(str(&h, jv_object_get(jv_copy(props), jv_string("Empty"))), "",
              "show: an empty value, last line without newline, is kept");
    CHECK(jv_object_length(jv_copy(props)) == 2, "show: lines without a key are skipped");
    jv_free(props);

    const char failed[] = "nginx.service loaded failed failed A high performance web server and a "
                          "reverse proxy server\n"
                          "systemd-networkd-wait-online.service loaded failed failed Wait for "
                          "Network to be Configured\n";
    jv units = systemd_failed_parse(failed, sizeof failed - 1);
    CHECK(jv_array_length(jv_copy(units)) == 2, "failed: one unit per line");
    CHECK_STR(str(&h, jv_array_get(jv_copy(units), 1)), "systemd-networkd-wait-online.service",
              "failed: the first column is the unit");
    jv_free(units);
    const char bullets[] =
        "\xe2\x97\x8f nginx.service loaded failed failed nginx\n  * x.mount loaded "
        "failed failed X\n\n";
    units = systemd_failed_parse(bullets, sizeof bullets - 1);
    CHECK(jv_array_length(jv_copy(units)) == 2, "failed: bullets and blank lines are tolerated");
    CHECK_STR(str(&h, jv_array_get(jv_copy(units), 0)), "nginx.service", "failed: after a bullet");
    CHECK_STR(str(&h, jv_array_get(jv_copy(units), 1)), "x.mount", "failed: after a '*'");
    jv_free(units);
    units = systemd_failed_parse("", 0);
    CHECK(jv_array_length(units) == 0, "failed: no output, no failed units");

    const char journal[] = "-- Journal begins --\nline 1\r\nline 2";
    jv lines = systemd_lines(journal, sizeof journal - 1);
    CHECK(jv_array_length(jv_copy(lines)) == 3, "lines: split on LF, last line unterminated");
    CHECK_STR(str(&h, jv_array_get(jv_copy(lines), 1)), "line 1", "lines: CR stripped");
    jv_free(lines);
    size_t big = (SYSTEMD_LINES_MAX + 5) * 2;
    char *many = malloc(big);
    for (size_t i = 0; i < big; i += 2)
        many[i] = (char)('a' + (i / 2) % 26), many[i + 1] = '\n';
    lines = systemd_lines(many, big);
    CHECK(jv_array_length(jv_copy(lines)) == SYSTEMD_LINES_MAX, "lines: at most SYSTEMD_LINES_MAX");
    char last[2] = {(char)('a' + (SYSTEMD_LINES_MAX + 4) % 26), '\0'};
    CHECK_STR(str(&h, jv_array_get(jv_copy(lines), SYSTEMD_LINES_MAX - 1)), last,
              "lines: the last lines are the ones kept");
    jv_free(lines);
    free(many);
    jv_free(h);
    CHECK(systemd_is_running() == (access(SYSTEMD_RUN_DIR, F_OK) == 0),
          "systemd runs exactly when %s exists", SYSTEMD_RUN_DIR);
    return unit_done();
}
