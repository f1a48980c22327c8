/*
 * Every captured plugin run in tests/fixtures/nagios/ (a copy of
 * shared/reference/nagios-samples/, see its README for the format) goes
 * through plugin_output_parse(): the state must follow the recorded exit
 * status, and for a sample across the plugins the summary and perfdata
 * must be exactly what the bytes say.  Run from the repository root.
 */
#include "plugin_output.h"
#include "unit.h"

#include <dirent.h>
#include <errno.h>

#define FIXTURE_DIR "tests/fixtures/nagios"
/* The largest fixture is a few KiB; this leaves room without reading junk forever. */
#define FIXTURE_FILE_MAX (256 * 1024)
#define FIXTURE_FILES_MAX 512
/* signal numbers a shell can report as 128+N */
#define FIXTURE_SIGNAL_MAX 64

struct fixture {
    char name[128];
    int exit_status;
    const char *stdout_bytes; /* into text */
    size_t stdout_len;
    char *text;
};

/* Reads a fixture: header lines, "# ---", then stdout byte for byte.  Returns 0 or -1. */
static int fixture_load(const char *name, struct fixture *fx)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", FIXTURE_DIR, name);
    snprintf(fx->name, sizeof fx->name, "%s", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fx->text = malloc(FIXTURE_FILE_MAX + 1);
    size_t n = fread(fx->text, 1, FIXTURE_FILE_MAX + 1, f);
    fclose(f);
    if (n > FIXTURE_FILE_MAX)
        return -1;
    fx->text[n] = '\0';
    const char *exit_line = strstr(fx->text, "\n# exit=");
    const char *bytes_line = strstr(fx->text, "\n# stdout_bytes=");
    const char *sep = strstr(fx->text, "\n# ---\n");
    if (!exit_line || !bytes_line || !sep)
        return -1;
    fx->exit_status = atoi(exit_line + 8);
    size_t want = strtoul(bytes_line + 16, NULL, 10);
    fx->stdout_bytes = sep + 7;
    fx->stdout_len = n - (size_t)(fx->stdout_bytes - fx->text);
    return fx->stdout_len == want ? 0 : -1;
}

/* The fixtures were run by a shell: 128+N there means the plugin died of signal N. */
static struct plugin_termination fixture_termination(int exit_status)
{
    struct plugin_termination t = {PLUGIN_END_EXITED, exit_status, 0};
    if (exit_status > 128 && exit_status - 128 <= FIXTURE_SIGNAL_MAX) {
        t.end = PLUGIN_END_SIGNALED;
        t.code = exit_status - 128;
    }
    return t;
}

static enum nagios_status fixture_expected_status(int exit_status)
{
    return exit_status >= 0 && exit_status <= 3 ? (enum nagios_status)exit_status : NAGIOS_UNKNOWN;
}

static int fixture_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* clang-format off */
/* The expectation table is laid out by hand, one item a line. */
#define S(x) "\"" x "\""
#define ITEM(label, value, uom, warn, crit, min, max)                                              \
    "{\"label\":" S(label) ",\"value\":" value ",\"uom\":" S(uom) ",\"warn\":" warn                \
    ",\"crit\":" crit ",\"min\":" min ",\"max\":" max "}"
#define N "null"

struct fixture_expect {
    const char *file;
    const char *summary;
    const char *perfdata; /* JSON */
};

/* Written from each file's bytes, not from what the parser returned. */
static const struct fixture_expect fixture_expects[] = {
    {"check_disk-root-ok.txt", "DISK OK - free space: / 81499MiB (83% inode=97%);",
     "[" ITEM("/", "17286823936", "B", S("243497277849"), S("257024904396"), "0",
              "270552530944") "]"},
    {"check_disk-two-fs-mb.txt",
     "DISK OK - free space: / 81499MiB (83% inode=97%); /dev/shm 24105MiB (100% inode=99%);",
     "[" ITEM("/", "17286823936", "B", S("243497277849"), S("257024904396"), "0",
              "270552530944") ","
         ITEM("/dev/shm", "0", "B", S("22748332032"), S("24012128256"), "0",
              "25275924480") "]"},
    {"check_disk-errors-only.txt", "DISK CRITICAL - free space: / 81499MiB (83% inode=97%);",
     "[" ITEM("/", "17286823936", "B", S("2705525309"), S("5411050618"), "0", "270552530944") ","
         ITEM("/dev/shm", "0", "B", S("252759244"), S("505518489"), "0", "25275924480") "]"},
    {"check_disk-missing-path.txt",
     "DISK CRITICAL - /no/such/mount is not accessible: No such file or directory", "[]"},
    {"check_load-ok.txt", "LOAD OK - total load average: 0.00, 0.00, 0.00",
     "[" ITEM("load1", "0", "", S("5.000"), S("10.000"), "0", N) ","
         ITEM("load5", "0", "", S("4.000"), S("8.000"), "0", N) ","
         ITEM("load15", "0", "", S("3.000"), S("6.000"), "0", N) "]"},
    {"check_load-percpu-ok.txt",
     "LOAD OK - scaled load average: 0.00, 0.00, 0.00 - total load average: 0.00, 0.00, 0.00",
     "[" ITEM("load1", "0", "", N, N, "0", N) ","
         ITEM("scaled_load1", "0", "", S("5.000"), S("10.000"), "0", N) ","
         ITEM("load5", "0", "", N, N, "0", N) ","
         ITEM("scaled_load5", "0", "", S("4.000"), S("8.000"), "0", N) ","
         ITEM("load15", "0", "", N, N, "0", N) ","
         ITEM("scaled_load15", "0", "", S("3.000"), S("6.000"), "0", N) "]"},
    {"check_procs-python3-range-ok.txt", "PROCS OK: 2 processes with command name 'python3'",
     "[" ITEM("procs", "2", "", S("1:10"), S("1:20"), "0", N) "]"},
    {"check_procs-missing-critical.txt",
     "PROCS CRITICAL: 0 processes with command name 'no-such-daemon'",
     "[" ITEM("procs", "0", "", N, S("1:"), "0", N) "]"},
    {"check_procs-metric-cpu.txt", "CPU OK: 76 processes",
     "[" ITEM("procs", "76", "", N, N, "0", N) ","
         ITEM("procs_warn", "0", "", N, N, "0", N) ","
         ITEM("procs_crit", "0", "", N, N, "0", N) "]"},
    {"check_tcp-open-port.txt", "TCP OK - 0.000 second response time on 127.0.0.1 port 18080",
     "[" ITEM("time", "0.000252", "s", N, N, "0", "10") "]"},
    {"check_tcp-send-expect-mismatch.txt",
     "TCP WARNING - Unexpected response from host/socket: HTTP/1.0 200 OK",
     "[" ITEM("time", "0.000716", "s", N, N, "0", "5") "]"},
    {"check_tcp-closed-port.txt", "connect to address 127.0.0.1 and port 18099: Connection refused",
     "[]"},
    {"check_http-page-size.txt",
     "HTTP OK: HTTP/1.0 200 OK - 196 bytes in 0.001 second response time",
     "[" ITEM("time", "0.001238", "s", N, N, "0", "10") ","
         ITEM("size", "196", "B", S("100"), S("0"), "0", N) "]"},
    {"check_http-verbose.txt", "GET /health.json HTTP/1.1",
     "[" ITEM("time", "0.000779", "s", N, N, "0", "10") ","
         ITEM("size", "229", "B", N, N, "0", N) "]"},
    {"check_http-closed-port.txt",
     "connect to address 127.0.0.1 and port 18099: Connection refused", "[]"},
    {"check_curl-ok.txt", "HTTP OK: HTTP/1.1 200 OK - 196 bytes in 0.001 second response time",
     "[" ITEM("time", "0.000904", "s", N, N, "0", "10") ","
         ITEM("size", "196", "B", N, N, "0", N) "]"},
    {"check_curl-response-time-warn.txt",
     "HTTP WARNING: HTTP/1.1 200 OK - 196 bytes in 0.001 second response time",
     "[" ITEM("time", "0.000874", "s", S("0.000000"), S("5.000000"), "0", "10") ","
         ITEM("size", "196", "B", N, N, "0", N) "]"},
    {"check_users.txt", "USERS OK - 0 users currently logged in",
     "[" ITEM("users", "0", "", S("5"), S("10"), "0", N) "]"},
    {"check_swap.txt",
     "SWAP CRITICAL - 0% free (0MB out of 0MB) - Swap is either disabled, not present, or of "
     "zero size.",
     "[" ITEM("swap", "0", "B", S("0"), S("0"), "0", "0") "]"},
    {"check_ping-localhost.txt", "PING OK - Packet loss = 0%, RTA = 0.09 ms",
     "[" ITEM("rta", "0.092", "ms", S("100.000000"), S("500.000000"), "0", N) ","
         ITEM("pl", "0", "%", S("20"), S("60"), "0", N) "]"},
    {"check_icmp-localhost.txt", "OK - 127.0.0.1: rta 0.017ms, lost 0%",
     "[" ITEM("rta", "0.017", "ms", S("200.000"), S("500.000"), "0", N) ","
         ITEM("pl", "0", "%", S("40"), S("80"), N, N) ","
         ITEM("rtmax", "0.052", "ms", N, N, N, N) ","
         ITEM("rtmin", "0.007", "ms", N, N, N, N) "]"},
    {"check_apt.txt",
     "APT CRITICAL: 128 packages available for upgrade (79 critical updates).",
     "[" ITEM("available_upgrades", "128", "", N, N, "0", N) ","
         ITEM("critical_updates", "79", "", N, N, "0", N) "]"},
    {"check_file_age-ok.txt",
     "FILE_AGE OK: /srv/heal-www/health.json is 26 seconds old and 37 bytes",
     "[" ITEM("age", "26", "s", S("60"), S("120"), N, N) ","
         ITEM("size", "37", "B", S("0"), S("0"), "0", N) "]"},
    {"check_smtp-closed-port.txt",
     "connect to address 127.0.0.1 and port 18099: Connection refused",
     "[" ITEM("time", "0.00009", "s", N, N, "0", N) "]"},
    {"check_dummy-4-invalid-state.txt", "UNKNOWN: Status 4 is not a supported error state", "[]"},
    {"negate-critical-to-ok.txt", "connect to address 127.0.0.1 and port 18099: Connection refused",
     "[]"},
    {"v3-check_curl-301-follow.txt", "[OK] - Connection test succeeded",
     "[" ITEM("time", "0.000895", "s", N, N, N, N) ","
         ITEM("time", "0.000724", "s", N, N, N, N) "]"},
    {"v3-check_disk-ok.txt", "[OK] - Filesystem checks succeeded",
     "[" ITEM("/dev/shm", "0", "B", S("22748859187.200001"), S("24012684697.599998"), "0",
              "25276510208") ","
         ITEM("/", "17384620032", "B", S("243497856614.399994"), S("257025515315.200012"), "0",
              "270553174016") "]"},
    {"v3-check_load-ok.txt", "[OK] - Load: 1m: 0.240234 - 5m: 0.167480 - 15m: 0.066895",
     "[" ITEM("load1", "0.240234", "", S("~:5.000000"), S("~:10.000000"), N, N) ","
         ITEM("load5", "0.167480", "", S("~:4.000000"), S("~:8.000000"), N, N) ","
         ITEM("load15", "0.066895", "", S("~:3.000000"), S("~:6.000000"), N, N) "]"},
    {"v3-check_users.txt", "[OK] - Users on the system: 0",
     "[" ITEM("users", "0", "", S("~:5"), S("~:10"), N, N) "]"},
    {"v3-check_tcp-open-port.txt", "[OK] - Connection succeeded",
     "[" ITEM("time", "0.000108", "s", N, N, N, N) "]"},
    {"range-v3-users0-wc-0.txt",
     "[WARNING] - 0 users currently logged in. This violates the warning threshold",
     "[" ITEM("users", "0", "", S("~:0"), S("~:5"), N, N) "]"},
    {"synthetic-quoted-labels.txt", "APP OK - quoted labels",
     "[" ITEM("queue depth", "12", "", S("100"), S("200"), "0", N) ","
         ITEM("it's", "1", "", N, N, N, N) ","
         ITEM("C:\\\\ used %", "45", "%", S("80"), S("90"), N, N) ","
         ITEM("plain", "3", "", N, N, N, N) "]"},
    {"synthetic-multiline-perf-continuation.txt", "DISK OK - 3 filesystems",
     "[" ITEM("/", "2643", "MB", S("5948"), S("5958"), "0", "5968") ","
         ITEM("/boot", "68", "MB", S("88"), S("93"), "0", "98") ","
         ITEM("/home", "69357", "MB", S("253404"), S("253409"), "0", "253414") "]"},
    {"synthetic-uom-variety.txt", "UNITS OK",
     "[" ITEM("t1", "15", "us", N, N, N, N) ","
         ITEM("t2", "2.5", "ms", N, N, N, N) ","
         ITEM("t3", "0.2", "s", N, N, N, N) ","
         ITEM("sz1", "10", "KB", N, N, N, N) ","
         ITEM("sz2", "3.5", "MB", N, N, N, N) ","
         ITEM("sz3", "1", "TB", N, N, N, N) ","
         ITEM("sz4", "512", "B", N, N, N, N) ","
         ITEM("ctr", "123456789", "c", N, N, N, N) ","
         ITEM("pct", "99.5", "%", N, N, N, N) ","
         ITEM("bare", "42", "", N, N, N, N) ","
         ITEM("neg", "-3.5", "", S("-10:"), S("-20:"), "-50", "50") ","
         ITEM("unk", N, "", N, N, "0", N) "]"},
    {"synthetic-scientific-notation.txt", "SCI OK",
     "[" ITEM("big", "6.02e23", "", N, N, N, N) ","
         ITEM("small", "-3e-45", "", S("1e-3"), S("1e-2"), N, N) "]"},
    {"synthetic-comma-decimal-locale.txt", "LOCALE OK",
     "[" ITEM("load", "0.42", "", S("1,5"), S("2,0"), "0", N) "]"},
    {"synthetic-crlf-line-endings.txt", "WIN OK - crlf output",
     "[" ITEM("x", "1", "", S("2"), S("3"), N, N) "]"},
    {"synthetic-no-newline-at-eof.txt", "CUSTOM CRITICAL - no newline at end",
     "[" ITEM("x", "1", "", N, N, N, N) "]"},
    {"synthetic-empty-output.txt", PLUGIN_OUTPUT_NO_OUTPUT, "[]"},
    {"synthetic-stderr-only.txt", PLUGIN_OUTPUT_NO_OUTPUT, "[]"},
    {"synthetic-missing-127.txt",
     "Return code of 127 is out of bounds. Make sure the plugin you're trying to run actually "
     "exists",
     "[]"},
    {"synthetic-not-executable-126.txt",
     "Return code of 126 is out of bounds. Make sure the plugin you're trying to run is "
     "executable",
     "[]"},
    {"synthetic-killed-by-signal.txt", "Plugin killed by signal 9", "[]"},
    {"synthetic-exit-out-of-range-4.txt", "Return code of 4 is out of bounds", "[]"},
};
/* clang-format on */

/* The one fixture whose perfdata is not perfdata: text with a `|` in it. */
#define FIXTURE_RAW_PERFDATA "synthetic-pipe-in-text-no-perf.txt"

static const struct fixture_expect *fixture_find_expect(const char *name)
{
    for (size_t i = 0; i < sizeof fixture_expects / sizeof fixture_expects[0]; i++)
        if (strcmp(fixture_expects[i].file, name) == 0)
            return &fixture_expects[i];
    return NULL;
}

static void fixture_check_expect(const struct fixture_expect *want, const struct plugin_output *o)
{
    CHECK_STR(jv_string_value(o->summary), want->summary, "%s: summary", want->file);
    jv expected = jv_parse(want->perfdata);
    int same = jv_is_valid(expected) && jv_equal(jv_copy(o->perfdata), jv_copy(expected));
    CHECK(same, "%s: perfdata", want->file);
    if (!same) {
        jv got = jv_dump_string(jv_copy(o->perfdata), 0);
        printf("#   got  %s\n#   want %s\n", jv_string_value(got), want->perfdata);
        jv_free(got);
    }
    jv_free(expected);
}

/* Reads the directory's *.txt names, sorted so TAP numbers stay stable. */
static size_t fixture_list(char **names, size_t max)
{
    DIR *dir = opendir(FIXTURE_DIR);
    if (!dir)
        return 0;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(dir)) && n < max) {
        size_t len = strlen(de->d_name);
        if (len > 4 && strcmp(de->d_name + len - 4, ".txt") == 0)
            names[n++] = strdup(de->d_name);
    }
    closedir(dir);
    qsort(names, n, sizeof names[0], fixture_name_cmp);
    return n;
}

/* Rows of index.tsv, less its header: the count the directory must match. */
static size_t fixture_index_rows(void)
{
    FILE *f = fopen(FIXTURE_DIR "/index.tsv", "r");
    if (!f)
        return 0;
    size_t rows = 0;
    int c, prev = '\n';
    while ((c = getc(f)) != EOF) {
        if (c == '\n')
            rows++;
        prev = c;
    }
    if (prev != '\n')
        rows++;
    fclose(f);
    return rows > 0 ? rows - 1 : 0;
}

int main(void)
{
    static char *names[FIXTURE_FILES_MAX];
    size_t n = fixture_list(names, FIXTURE_FILES_MAX);
    size_t index_rows = fixture_index_rows();
    CHECK(n > 0 && n == index_rows, "%zu fixtures found, index.tsv lists %zu", n, index_rows);

    size_t expected_seen = 0, as_expected = 0;
    for (size_t i = 0; i < n; i++) {
        struct fixture fx = {{0}, 0, NULL, 0, NULL};
        if (fixture_load(names[i], &fx) < 0) {
            CHECK(0, "%s: fixture reads and its stdout_bytes match", names[i]);
            free(fx.text);
            free(names[i]);
            continue;
        }
        struct plugin_output o;
        struct heal_error err;
        int rc = plugin_output_parse(fx.stdout_bytes, fx.stdout_len,
                                     fixture_termination(fx.exit_status), NULL, &o, &err);
        enum nagios_status want = fixture_expected_status(fx.exit_status);
        bool raw_ok = strcmp(names[i], FIXTURE_RAW_PERFDATA) == 0 ? o.perfdata_stats.raw == 1
                                                                  : o.perfdata_stats.raw == 0;
        bool ok =
            rc == 0 && o.status == want && raw_ok && !o.summary_truncated && !o.output_truncated;
        as_expected += ok;
        CHECK(ok, "%s: exit %d is %s, every perfdata item reads", names[i], fx.exit_status,
              plugin_output_status_name(want));
        const struct fixture_expect *exp = rc == 0 ? fixture_find_expect(names[i]) : NULL;
        if (exp) {
            fixture_check_expect(exp, &o);
            expected_seen++;
        }
        if (rc == 0)
            plugin_output_free(&o);
        free(fx.text);
        free(names[i]);
    }
    size_t table = sizeof fixture_expects / sizeof fixture_expects[0];
    CHECK(expected_seen == table, "all %zu exact expectations found their fixture", table);
    printf("# %zu of %zu fixtures parse as expected\n", as_expected, n);
    return unit_done();
}
