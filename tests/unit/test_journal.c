#include "journal.h"
#include "scratch.h"
#include "unit.h"

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define WRITERS 4
#define RECORDS_PER_WRITER 2000
/* Pads up to this size make lines cross page boundaries mid-write. */
#define PAD_MAX 6000
#define LINES_MAX 16

static char dir[SCRATCH_DIR_SIZE];

static void journal_path(char path[PATH_MAX])
{
    snprintf(path, PATH_MAX, "%s/" JOURNAL_FILE_NAME, dir);
}

static void put_file(const char *text, size_t len)
{
    char path[PATH_MAX];
    journal_path(path);
    FILE *f = fopen(path, "w");
    if (f) {
        fwrite(text, 1, len, f);
        fclose(f);
    }
}

static off_t file_size(void)
{
    char path[PATH_MAX];
    struct stat st;
    journal_path(path);
    return stat(path, &st) == 0 ? st.st_size : -1;
}

/* Reads the whole journal: line numbers of the records, their "id"s, the bad count. */
struct readout {
    int count;
    long lines[LINES_MAX];
    char ids[LINES_MAX][32];
    long bad;
    int rc;
};

static struct readout read_all(void)
{
    struct readout r = {0};
    struct journal_reader reader;
    struct heal_error err = {{0}};
    if (journal_reader_open(&reader, dir, &err) < 0) {
        r.rc = -1;
        return r;
    }
    jv rec;
    long line;
    while ((r.rc = journal_reader_next(&reader, &rec, &line, &err)) == 1) {
        if (r.count < LINES_MAX) {
            r.lines[r.count] = line;
            jv id = jv_object_get(jv_copy(rec), jv_string("id"));
            snprintf(r.ids[r.count], sizeof r.ids[0], "%s",
                     jv_get_kind(id) == JV_KIND_STRING ? jv_string_value(id) : "?");
            jv_free(id);
        }
        r.count++;
        jv_free(rec);
    }
    r.bad = journal_reader_bad(&reader);
    journal_reader_close(&reader);
    return r;
}

static jv record(const char *type, const char *id)
{
    jv r = jv_object_set(jv_object(), jv_string("type"), jv_string(type));
    return jv_object_set(r, jv_string("id"), jv_string(id));
}

static void test_append(void)
{
    struct journal j;
    struct heal_error err = {{0}};
    char path[PATH_MAX], *data = NULL;
    struct stat st;
    journal_path(path);

    bool ok = journal_open(&j, dir, &err) == 0;
    CHECK(ok, "opening the journal creates it");
    ok = stat(path, &st) == 0 && (st.st_mode & 0777) == 0600;
    CHECK(ok, "the journal is created mode 0600");
    ok = journal_append(&j, jv_object_set(jv_object(), jv_string("a"), jv_number(1)), &err) == 0;
    CHECK(ok, "a record is appended");
    FILE *f = fopen(path, "r");
    size_t cap = 0;
    ssize_t n = f ? getline(&data, &cap, f) : -1;
    if (f)
        fclose(f);
    CHECK(n == 8 && strcmp(data, "{\"a\":1}\n") == 0,
          "a record is one compact line ending in a newline");
    free(data);

    off_t before = file_size();
    ok = journal_append(&j, jv_array(), &err) == -1 && strstr(err.msg, "object");
    CHECK(ok, "a record that is not an object is refused");
    char *big = malloc(JOURNAL_LINE_MAX);
    memset(big, 'x', JOURNAL_LINE_MAX - 1);
    big[JOURNAL_LINE_MAX - 1] = '\0';
    ok = journal_append(&j, jv_object_set(jv_object(), jv_string("p"), jv_string(big)), &err) ==
             -1 &&
         strstr(err.msg, "cap");
    free(big);
    CHECK(ok, "a record over JOURNAL_LINE_MAX is refused");
    CHECK(file_size() == before, "a refused record writes nothing");
    journal_close(&j);
    journal_close(&j);
}

static void test_reader(void)
{
    static const char fixture[] = "{\"type\":\"intent\",\"id\":\"1\"}\n"
                                  "this is not json\n"
                                  "{\"type\":\"outcome\",\"id\":\"1\"}\n"
                                  "\n"
                                  "[1,2,3]\n"
                                  "{\"id\":\"x\"}{\"id\":\"y\"}\n"
                                  "{\"type\":\"intent\",\"id\":\"2\"}\n"
                                  "{\"type\":\"outcome\",\"id";
    put_file(fixture, sizeof fixture - 1);
    struct readout r = read_all();
    CHECK(r.rc == 0 && r.count == 3, "the good lines of a damaged journal are all read (%d)",
          r.count);
    CHECK(r.lines[0] == 1 && r.lines[1] == 3 && r.lines[2] == 7 && strcmp(r.ids[2], "2") == 0,
          "records come in file order with their line numbers");
    CHECK(r.bad == 4,
          "garbage, a non-object, two glued records and a torn last line count as bad (%ld)",
          r.bad);

    put_file("{\"id\":\"last\"}", 13);
    r = read_all();
    CHECK(r.count == 1 && r.bad == 0, "a whole last record missing only its newline is read");

    put_file("", 0);
    r = read_all();
    CHECK(r.rc == 0 && r.count == 0 && r.bad == 0, "an empty journal yields nothing");

    char path[PATH_MAX];
    journal_path(path);
    unlink(path);
    r = read_all();
    CHECK(r.rc == 0 && r.count == 0 && r.bad == 0, "a missing journal reads as empty");
}

/* Writes {"id":"a"}, a line of `fill` bytes (an object when `object`), {"id":"b"}. */
static void put_long_line(size_t fill, bool object)
{
    size_t size = fill + 64;
    char *text = malloc(size), *p = text;
    p += sprintf(p, "{\"id\":\"a\"}\n");
    if (object) {
        p += sprintf(p, "{\"p\":\"");
        memset(p, 'x', fill - 8);
        p += fill - 8;
        p += sprintf(p, "\"}");
    } else {
        memset(p, 'x', fill);
        p += fill;
    }
    p += sprintf(p, "\n{\"id\":\"b\"}\n");
    put_file(text, (size_t)(p - text));
    free(text);
}

static void test_long_lines(void)
{
    put_long_line(JOURNAL_LINE_MAX - 1, true);
    struct readout r = read_all();
    CHECK(r.count == 3 && r.bad == 0, "a line of exactly JOURNAL_LINE_MAX bytes is read");
    put_long_line(JOURNAL_LINE_MAX, true);
    r = read_all();
    CHECK(r.count == 2 && r.bad == 1 && r.lines[1] == 3,
          "a line over JOURNAL_LINE_MAX is skipped as bad and the next one read");
    put_long_line(3 * JOURNAL_LINE_MAX + 17, false);
    r = read_all();
    CHECK(r.count == 2 && r.bad == 1, "a line several times the cap counts as one bad line");
    char *text = malloc(JOURNAL_LINE_MAX + 100);
    memset(text, 'x', JOURNAL_LINE_MAX + 100);
    put_file(text, JOURNAL_LINE_MAX + 100);
    free(text);
    r = read_all();
    CHECK(r.rc == 0 && r.count == 0 && r.bad == 1, "an over-long torn last line counts as bad");
}

static void test_torn_tail(void)
{
    struct journal j;
    struct heal_error err = {{0}};
    put_file("{\"id\":\"1\"}\n{\"id\":\"tor", 20);
    bool ok =
        journal_open(&j, dir, &err) == 0 && journal_append(&j, record("intent", "2"), &err) == 0;
    journal_close(&j);
    struct readout r = read_all();
    CHECK(ok && r.count == 2 && r.bad == 1 && strcmp(r.ids[1], "2") == 0 && r.lines[1] == 3,
          "an append after a torn line starts a fresh line, so only the torn record is lost");
}

/* In a child: limit the file size so the next append is cut short. */
static int short_write_child(void)
{
    struct journal j;
    struct heal_error err = {{0}};
    signal(SIGXFSZ, SIG_IGN);
    if (journal_open(&j, dir, &err) < 0)
        return 2;
    struct rlimit lim = {(rlim_t)file_size() + 10, RLIM_INFINITY};
    if (setrlimit(RLIMIT_FSIZE, &lim) < 0)
        return 3;
    int rc = journal_append(&j, record("intent", "cut-short-by-the-limit"), &err);
    journal_close(&j);
    return rc == -1 && strstr(err.msg, "short write") ? 0 : 1;
}

static void test_short_write(void)
{
    struct journal j;
    struct heal_error err = {{0}};
    put_file("{\"id\":\"1\"}\n", 11);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        exit(short_write_child());
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "a short write to the journal is detected and reported");
    CHECK(file_size() == 21, "the short write really left a fragment (size %lld)",
          (long long)file_size());
    bool ok = journal_open(&j, dir, &err) == 0 &&
              journal_append(&j, record("intent", "after"), &err) == 0;
    journal_close(&j);
    struct readout r = read_all();
    CHECK(ok && r.count == 2 && r.bad == 1 && strcmp(r.ids[1], "after") == 0,
          "after a short write the fragment is one bad line and later records are whole");
}

static int writer_child(int w, int go)
{
    struct journal j;
    struct heal_error err = {{0}};
    char c, *pad = malloc(PAD_MAX + 1);
    /* Start together: the parent closes the pipe to release all writers at once. */
    if (read(go, &c, 1) != 0 || journal_open(&j, dir, &err) < 0)
        return 1;
    int failures = 0;
    for (int i = 0; i < RECORDS_PER_WRITER; i++) {
        size_t len = (size_t)(i * 37 + w * 1000) % PAD_MAX;
        memset(pad, 'a' + w, len);
        pad[len] = '\0';
        jv r = jv_object_set(jv_object(), jv_string("writer"), jv_number(w));
        r = jv_object_set(r, jv_string("seq"), jv_number(i));
        r = jv_object_set(r, jv_string("pad"), jv_string(pad));
        if (journal_append(&j, r, &err) < 0)
            failures++;
    }
    journal_close(&j);
    free(pad);
    return failures ? 1 : 0;
}

static bool record_intact(jv rec, int next_seq[WRITERS])
{
    jv w = jv_object_get(jv_copy(rec), jv_string("writer"));
    jv seq = jv_object_get(jv_copy(rec), jv_string("seq"));
    jv pad = jv_object_get(rec, jv_string("pad"));
    bool ok = jv_get_kind(w) == JV_KIND_NUMBER && jv_get_kind(seq) == JV_KIND_NUMBER &&
              jv_get_kind(pad) == JV_KIND_STRING;
    if (ok) {
        int wi = (int)jv_number_value(w), si = (int)jv_number_value(seq);
        ok = wi >= 0 && wi < WRITERS && si == next_seq[wi];
        if (ok) {
            next_seq[wi]++;
            const char *p = jv_string_value(pad);
            size_t len = strlen(p), want = (size_t)(si * 37 + wi * 1000) % PAD_MAX;
            for (size_t k = 0; ok && k < len; k++)
                ok = p[k] == 'a' + wi;
            ok = ok && len == want;
        }
    }
    jv_free(w);
    jv_free(seq);
    jv_free(pad);
    return ok;
}

static void test_concurrent(void)
{
    char path[PATH_MAX];
    journal_path(path);
    unlink(path);
    int go[2];
    pid_t pids[WRITERS];
    if (pipe(go) < 0)
        return;
    fflush(stdout);
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        if (pids[w] == 0) {
            close(go[1]);
            exit(writer_child(w, go[0]));
        }
    }
    close(go[0]);
    close(go[1]);
    int clean = 0;
    for (int w = 0; w < WRITERS; w++) {
        int status = -1;
        if (pids[w] > 0 && waitpid(pids[w], &status, 0) == pids[w] && WIFEXITED(status) &&
            WEXITSTATUS(status) == 0)
            clean++;
    }
    CHECK(clean == WRITERS, "%d processes append %d records each without an error", WRITERS,
          RECORDS_PER_WRITER);

    long newlines = 0;
    FILE *f = fopen(path, "r");
    for (int c; f && (c = getc(f)) != EOF;)
        newlines += c == '\n';
    if (f)
        fclose(f);
    CHECK(newlines == WRITERS * RECORDS_PER_WRITER, "the journal has exactly %d lines (%ld)",
          WRITERS * RECORDS_PER_WRITER, newlines);

    struct journal_reader reader;
    struct heal_error err = {{0}};
    int next_seq[WRITERS] = {0}, count = 0, intact = 0;
    jv rec;
    long line;
    if (journal_reader_open(&reader, dir, &err) == 0) {
        while (journal_reader_next(&reader, &rec, &line, &err) == 1) {
            count++;
            intact += record_intact(rec, next_seq);
        }
        CHECK(count == WRITERS * RECORDS_PER_WRITER && journal_reader_bad(&reader) == 0,
              "every line parses: %d records, %ld bad", count, journal_reader_bad(&reader));
        journal_reader_close(&reader);
    }
    CHECK(intact == WRITERS * RECORDS_PER_WRITER,
          "no record is interleaved and each writer's records are in its order (%d intact)",
          intact);
}

int main(void)
{
    scratch_make(dir, "journal");
    test_append();
    test_reader();
    test_long_lines();
    test_torn_tail();
    test_short_write();
    test_concurrent();
    scratch_remove(dir);
    return unit_done();
}
