/*
 * How a plugin's stdout and termination become status, summary, long
 * output and perfdata: the Nagios Core splitting rules, the exit-code
 * mapping, and the tolerance for what real plugins print.
 */
#include "plugin_output.h"
#include "unit.h"

static const struct plugin_termination EXIT0 = {PLUGIN_END_EXITED, 0, 0};

static struct plugin_termination exited(int code)
{
    struct plugin_termination t = {PLUGIN_END_EXITED, code, 0};
    return t;
}

/* Parses text with default options; aborts the program if the call itself fails. */
static struct plugin_output parse_sized(const char *text, size_t len,
                                        struct plugin_termination term)
{
    struct plugin_output out;
    struct heal_error err;
    if (plugin_output_parse(text, len, term, NULL, &out, &err) < 0) {
        printf("Bail out! plugin_output_parse: %s\n", err.msg);
        exit(1);
    }
    return out;
}

static struct plugin_output parse(const char *text, struct plugin_termination term)
{
    return parse_sized(text, strlen(text), term);
}

static int perf_count(const struct plugin_output *out)
{
    return jv_array_length(jv_copy(out->perfdata));
}

/* The label of perfdata item i, or "" (borrowed from a static buffer). */
static const char *perf_label(const struct plugin_output *out, int i)
{
    static char buf[256];
    jv label = jv_object_get(jv_array_get(jv_copy(out->perfdata), i), jv_string("label"));
    snprintf(buf, sizeof buf, "%s",
             jv_is_valid(label) && jv_get_kind(label) == JV_KIND_STRING ? jv_string_value(label)
                                                                        : "");
    jv_free(label);
    return buf;
}

static void test_splitting(void)
{
    struct plugin_output o =
        parse("DISK OK - free space: / 81499MiB|/=17286823936B;1;2;0;3\n", EXIT0);
    CHECK(o.status == NAGIOS_OK && !o.abnormal, "exit 0 is OK");
    CHECK_STR(jv_string_value(o.summary), "DISK OK - free space: / 81499MiB",
              "the summary is line 1 before its `|`");
    CHECK(perf_count(&o) == 1 && strcmp(perf_label(&o, 0), "/") == 0,
          "line 1 after the `|` is perfdata");
    CHECK_STR(jv_string_value(o.output), "", "no second line means no long output");
    plugin_output_free(&o);

    o = parse("DISK OK - 3 filesystems | /=2643MB;5948;5958;0;5968\n/ 15272 MB (77%);\n"
              "/boot 68 MB (69%);\n/home 69357 MB (27%); | /boot=68MB;88;93;0;98\n"
              "/home=69357MB;253404;253409;0;253414\n",
              EXIT0);
    CHECK_STR(jv_string_value(o.summary), "DISK OK - 3 filesystems", "the summary is trimmed");
    CHECK_STR(jv_string_value(o.output),
              "/ 15272 MB (77%);\n/boot 68 MB (69%);\n/home 69357 MB (27%);",
              "long output runs up to the first later `|`");
    CHECK(perf_count(&o) == 3 && strcmp(perf_label(&o, 1), "/boot") == 0 &&
              strcmp(perf_label(&o, 2), "/home") == 0,
          "after a later `|`, that line's rest and every following line are perfdata");
    plugin_output_free(&o);

    o = parse("S|a=1\nlong one\nlong two|b=2\nc=3\n", EXIT0);
    CHECK_STR(jv_string_value(o.output), "long one\nlong two",
              "line 1's `|` does not turn the next lines into perfdata");
    CHECK(perf_count(&o) == 3 && strcmp(perf_label(&o, 0), "a") == 0 &&
              strcmp(perf_label(&o, 2), "c") == 0,
          "perfdata from line 1 and the later lines are joined in order");
    plugin_output_free(&o);

    o = parse("LOG CRITICAL - matched line: a | b\n", exited(2));
    CHECK_STR(jv_string_value(o.summary), "LOG CRITICAL - matched line: a",
              "a `|` in the text still ends the summary, as Nagios does");
    CHECK(perf_count(&o) == 1 && o.perfdata_stats.raw == 1,
          "the text after it is kept as a raw perfdata item, not lost");
    plugin_output_free(&o);

    o = parse("[OK] - Connection test succeeded\n\t\\_[OK] - Testing\n"
              "\t\t\\_[OK] - HTTP return code: 200|'time'=0.000895s;;;  'time'=0.000724s;;;  \n",
              EXIT0);
    CHECK_STR(jv_string_value(o.output), "\t\\_[OK] - Testing\n\t\t\\_[OK] - HTTP return code: 200",
              "3.x subcheck lines keep their tabs; perfdata on the last line is cut off");
    CHECK(perf_count(&o) == 2, "3.x perfdata on the last line, duplicate labels kept");
    plugin_output_free(&o);

    o = parse("first\n\n  \n\tsecond\n\nthird  \n\n\n", EXIT0);
    CHECK_STR(jv_string_value(o.output), "\tsecond\n\nthird",
              "blank lines around long output go, blank lines inside stay");
    plugin_output_free(&o);

    o = parse("  OK  \t|x=1\n", EXIT0);
    CHECK_STR(jv_string_value(o.summary), "OK", "spaces around the summary are trimmed");
    plugin_output_free(&o);
}

static void test_tolerance(void)
{
    struct plugin_output o = parse("WIN OK - crlf output|x=1;2;3\r\nsecond line\r\n", EXIT0);
    CHECK_STR(jv_string_value(o.summary), "WIN OK - crlf output", "CR LF ends a line");
    CHECK_STR(jv_string_value(o.output), "second line", "no CR is left in long output");
    jv crit = jv_object_get(jv_array_get(jv_copy(o.perfdata), 0), jv_string("crit"));
    CHECK_STR(jv_string_value(crit), "3", "no CR is left in the last perfdata field");
    jv_free(crit);
    plugin_output_free(&o);

    o = parse("CUSTOM CRITICAL - no newline at end|x=1", exited(2));
    CHECK(o.status == NAGIOS_CRITICAL && perf_count(&o) == 1 &&
              strcmp(jv_string_value(o.summary), "CUSTOM CRITICAL - no newline at end") == 0,
          "a missing final newline loses nothing");
    plugin_output_free(&o);

    o = parse("", EXIT0);
    CHECK_STR(jv_string_value(o.summary), PLUGIN_OUTPUT_NO_OUTPUT,
              "empty output gets Nagios Core's placeholder summary");
    CHECK(perf_count(&o) == 0 && strcmp(jv_string_value(o.output), "") == 0,
          "empty output has no long output and no perfdata");
    plugin_output_free(&o);

    o = parse("|x=1\n", EXIT0);
    CHECK_STR(jv_string_value(o.summary), PLUGIN_OUTPUT_NO_OUTPUT,
              "perfdata alone also gets the placeholder summary");
    CHECK(perf_count(&o) == 1, "perfdata alone is still read");
    plugin_output_free(&o);

    o = parse_sized(NULL, 0, EXIT0);
    CHECK_STR(jv_string_value(o.summary), PLUGIN_OUTPUT_NO_OUTPUT, "NULL stdout is empty output");
    plugin_output_free(&o);

    o = parse_sized("OK\0 x\nlong\0\n", 12, EXIT0);
    CHECK_STR(jv_string_value(o.summary), "OK\xef\xbf\xbd x", "a NUL byte becomes U+FFFD");
    CHECK_STR(jv_string_value(o.output), "long\xef\xbf\xbd", "in long output too");
    plugin_output_free(&o);

    o = parse("OK \xff\xc3\x28 \xe2\x82\xac \xed\xa0\x80\n", EXIT0);
    CHECK_STR(jv_string_value(o.summary),
              "OK \xef\xbf\xbd\xef\xbf\xbd( \xe2\x82\xac "
              "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
              "invalid UTF-8 and surrogates become U+FFFD, valid characters stay");
    plugin_output_free(&o);

    o = parse("CRITICAL - this text is not read\n", EXIT0);
    CHECK(o.status == NAGIOS_OK, "state words in the text are ignored: the exit code decides");
    plugin_output_free(&o);
    o = parse("connect to address 127.0.0.1 and port 18099: Connection refused\n", exited(2));
    CHECK(o.status == NAGIOS_CRITICAL, "text without a state word is fine");
    plugin_output_free(&o);
}

static void test_caps(void)
{
    char *big = malloc(PLUGIN_OUTPUT_TEXT_MAX_DEFAULT * 2 + 3);
    memset(big, 'a', PLUGIN_OUTPUT_TEXT_MAX_DEFAULT + 1);
    big[PLUGIN_OUTPUT_TEXT_MAX_DEFAULT + 1] = '\n';
    memset(big + PLUGIN_OUTPUT_TEXT_MAX_DEFAULT + 2, 'b', PLUGIN_OUTPUT_TEXT_MAX_DEFAULT);
    big[PLUGIN_OUTPUT_TEXT_MAX_DEFAULT * 2 + 2] = '\0';
    struct plugin_output o = parse(big, EXIT0);
    CHECK(jv_string_length_bytes(jv_copy(o.summary)) == PLUGIN_OUTPUT_TEXT_MAX_DEFAULT &&
              o.summary_truncated,
          "a summary longer than 8 KiB is cut there and flagged");
    CHECK(jv_string_length_bytes(jv_copy(o.output)) == PLUGIN_OUTPUT_TEXT_MAX_DEFAULT &&
              !o.output_truncated,
          "long output of exactly 8 KiB is whole and not flagged");
    plugin_output_free(&o);
    free(big);

    struct plugin_output_options opts = plugin_output_options_default();
    opts.summary_max = 4;
    opts.output_max = 5;
    struct heal_error err;
    int rc =
        plugin_output_parse("ab\xc3\xa9 cd\n\xe2\x82\xac\xe2\x82\xac", 13, EXIT0, &opts, &o, &err);
    CHECK(rc == 0 && o.summary_truncated && strcmp(jv_string_value(o.summary), "ab\xc3\xa9") == 0,
          "the summary cap is configurable");
    CHECK(o.output_truncated && strcmp(jv_string_value(o.output), "\xe2\x82\xac") == 0,
          "a cap never splits a UTF-8 character");
    plugin_output_free(&o);

    rc = plugin_output_parse("abc\xc3\xa9", 5, EXIT0, &opts, &o, &err);
    CHECK(rc == 0 && strcmp(jv_string_value(o.summary), "abc") == 0,
          "the cut goes back to the start of a character that does not fit");
    plugin_output_free(&o);

    rc = plugin_output_parse("\xe2\x82\xac\xe2\x82\xac", 6, EXIT0, &opts, &o, &err);
    CHECK(rc == 0 && strcmp(jv_string_value(o.summary), "\xe2\x82\xac") == 0,
          "the smallest cap still holds one character, so a summary is never empty");
    plugin_output_free(&o);

    size_t len = PLUGIN_OUTPUT_INPUT_MAX + 10;
    big = malloc(len);
    memset(big, 'x', len);
    memcpy(big, "OK|a=1\n", 7);
    o = parse_sized(big, len, EXIT0);
    CHECK(o.input_truncated && o.output_truncated && perf_count(&o) == 1,
          "stdout past PLUGIN_OUTPUT_INPUT_MAX is not read and the cut is reported");
    plugin_output_free(&o);
    free(big);
}

static void test_exit_codes(void)
{
    static const char *const names[] = {"ok", "warning", "critical", "unknown"};
    for (int code = 0; code <= 3; code++) {
        struct plugin_output o = parse("text\n", exited(code));
        CHECK(o.status == (enum nagios_status)code && !o.abnormal &&
                  strcmp(plugin_output_status_name(o.status), names[code]) == 0,
              "exit %d is %s", code, names[code]);
        plugin_output_free(&o);
    }

    struct plugin_output o = parse("SOMETHING - weird exit\nmore\n", exited(4));
    CHECK(o.status == NAGIOS_UNKNOWN && o.abnormal, "exit 4 is UNKNOWN");
    CHECK_STR(jv_string_value(o.summary), "Return code of 4 is out of bounds",
              "an out-of-range code says so in the summary");
    CHECK_STR(jv_string_value(o.output), "SOMETHING - weird exit\nmore",
              "and what the plugin printed becomes the long output, line 1 first");
    plugin_output_free(&o);

    o = parse("", exited(126));
    CHECK_STR(jv_string_value(o.summary),
              "Return code of 126 is out of bounds. "
              "Make sure the plugin you're trying to run is executable",
              "exit 126 says the plugin is not executable");
    CHECK(o.status == NAGIOS_UNKNOWN && strcmp(jv_string_value(o.output), "") == 0,
          "exit 126 is UNKNOWN with no long output");
    plugin_output_free(&o);

    o = parse("", exited(127));
    CHECK_STR(jv_string_value(o.summary),
              "Return code of 127 is out of bounds. "
              "Make sure the plugin you're trying to run actually exists",
              "exit 127 says the plugin was not found");
    plugin_output_free(&o);

    o = parse("die() called\n", exited(255));
    CHECK(o.status == NAGIOS_UNKNOWN && o.termination.code == 255 &&
              strcmp(jv_string_value(o.output), "die() called") == 0,
          "exit 255 is UNKNOWN and the raw code is kept");
    plugin_output_free(&o);

    struct plugin_termination sig = {PLUGIN_END_SIGNALED, 9, 0};
    o = parse("partial output|a=1\n", sig);
    CHECK(o.status == NAGIOS_UNKNOWN && o.abnormal, "death by signal is UNKNOWN");
    CHECK_STR(jv_string_value(o.summary), "Plugin killed by signal 9", "and names the signal");
    CHECK(strcmp(jv_string_value(o.output), "partial output") == 0 && perf_count(&o) == 1,
          "the partial output and its perfdata are kept");
    plugin_output_free(&o);

    struct plugin_termination timeout = {PLUGIN_END_TIMED_OUT, 0, 10000};
    o = parse("", timeout);
    CHECK(o.status == NAGIOS_CRITICAL, "a timeout is CRITICAL by default");
    CHECK_STR(jv_string_value(o.summary), "Plugin timed out after 10 seconds",
              "the timeout note gives whole seconds");
    plugin_output_free(&o);

    struct plugin_output_options opts = plugin_output_options_default();
    opts.timeout_status = NAGIOS_UNKNOWN;
    timeout.timeout_ms = 2500;
    struct heal_error err;
    /* CHECK evaluates its condition twice: call first, then check. */
    int rc = plugin_output_parse("", 0, timeout, &opts, &o, &err);
    CHECK(rc == 0 && o.status == NAGIOS_UNKNOWN &&
              strcmp(jv_string_value(o.summary), "Plugin timed out after 2500 ms") == 0,
          "the timeout state is configurable; other times are in ms");
    plugin_output_free(&o);

    timeout.timeout_ms = 0;
    o = parse("", timeout);
    CHECK_STR(jv_string_value(o.summary), "Plugin timed out", "an unknown timeout is not shown");
    plugin_output_free(&o);
    plugin_output_free(&o);
    CHECK(jv_get_kind(o.summary) == JV_KIND_NULL, "plugin_output_free may be called twice");
}

static void test_bad_arguments(void)
{
    struct plugin_output o;
    struct heal_error err;
    struct plugin_output_options opts = plugin_output_options_default();
    struct plugin_termination bad[] = {
        {PLUGIN_END_EXITED, -1, 0},    {PLUGIN_END_EXITED, 256, 0},   {PLUGIN_END_SIGNALED, 0, 0},
        {PLUGIN_END_SIGNALED, 128, 0}, {PLUGIN_END_TIMED_OUT, 0, -5}, {(enum plugin_end)7, 0, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err.msg[0] = '\0';
        int rc = plugin_output_parse("x", 1, bad[i], &opts, &o, &err);
        CHECK(rc == -1 && err.msg[0] != '\0', "termination %zu out of range is refused: %s", i,
              err.msg);
    }
    opts.summary_max = PLUGIN_OUTPUT_TEXT_MAX_MIN - 1;
    int rc = plugin_output_parse("x", 1, EXIT0, &opts, &o, &err);
    CHECK(rc == -1, "a summary cap too small for one character is refused");
    opts = plugin_output_options_default();
    opts.output_max = PLUGIN_OUTPUT_TEXT_MAX_LIMIT + 1;
    rc = plugin_output_parse("x", 1, EXIT0, &opts, &o, &err);
    CHECK(rc == -1, "a long-output cap past the limit is refused");
    opts = plugin_output_options_default();
    opts.timeout_status = (enum nagios_status)4;
    rc = plugin_output_parse("x", 1, EXIT0, &opts, &o, NULL);
    CHECK(rc == -1, "a timeout state outside 0..3 is refused, with a NULL error allowed");
}

int main(void)
{
    test_splitting();
    test_tolerance();
    test_caps();
    test_exit_codes();
    test_bad_arguments();
    return unit_done();
}
