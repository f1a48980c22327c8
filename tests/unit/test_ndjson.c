#include "jsonbuf.h"
#include "ndjson.h"
#include "unit.h"
#include "utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* A pipe whose read end yields exactly these bytes, written by a child. */
static int feed(const char *data, size_t len)
{
    int p[2];
    if (pipe(p) != 0)
        abort();
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        size_t off = 0;
        while (off < len) {
            ssize_t n = write(p[1], data + off, len - off);
            if (n <= 0)
                _exit(1);
            off += (size_t)n;
        }
        _exit(0);
    }
    close(p[1]);
    return p[0];
}

struct outcome {
    int records, bad;
    char reasons[8][HEAL_ERROR_SIZE];
    unsigned long bad_lines[8];
    char last[256];
};

static void read_all(const char *data, size_t len, size_t cap, struct outcome *o)
{
    memset(o, 0, sizeof *o);
    int fd = feed(data, len);
    struct ndjson_reader *r = ndjson_reader_new(fd, cap);
    struct heal_error err;
    jv rec;
    enum ndjson_status st;
    while ((st = ndjson_reader_next(r, &rec, &err)) != NDJSON_EOF && st != NDJSON_ERROR) {
        if (st == NDJSON_BAD) {
            if (o->bad < 8) {
                snprintf(o->reasons[o->bad], sizeof o->reasons[0], "%s", err.msg);
                o->bad_lines[o->bad] = (unsigned long)ndjson_reader_lineno(r);
            }
            o->bad++;
            continue;
        }
        o->records++;
        jv s = jv_dump_string(rec, 0);
        snprintf(o->last, sizeof o->last, "%s", jv_string_value(s));
        jv_free(s);
    }
    CHECK(ndjson_reader_bad(r) == (uint64_t)o->bad, "the reader counts its bad lines (%d)", o->bad);
    ndjson_reader_free(r);
    close(fd);
    while (wait(NULL) > 0)
        ;
}

static void test_reader(void)
{
    struct outcome o;
    const char ok[] = "{\"a\":1}\n{\"b\":2}\n";
    read_all(ok, sizeof ok - 1, NDJSON_LINE_MAX, &o);
    CHECK(o.records == 2 && o.bad == 0, "two object lines give two records");

    const char mixed[] = "{\"a\":1}\nnot json\n[1,2]\n\"s\"\n{\"b\":2} {\"c\":3}\n{\"d\":4}";
    read_all(mixed, sizeof mixed - 1, NDJSON_LINE_MAX, &o);
    CHECK(o.records == 2, "valid lines around bad ones are all read (%d)", o.records);
    CHECK(o.bad == 4, "invalid JSON, an array, a string and two values on a line are bad");
    CHECK(o.bad_lines[0] == 2 && o.bad_lines[1] == 3 && o.bad_lines[3] == 5,
          "bad lines carry their line numbers (2, 3, 5)");
    CHECK(strstr(o.reasons[0], "invalid JSON") != NULL, "a parse error says invalid JSON: %s",
          o.reasons[0]);
    CHECK(strstr(o.reasons[1], "got an array") != NULL, "an array is named as such: %s",
          o.reasons[1]);
    CHECK(strstr(o.reasons[0], "while parsing") == NULL, "jq's echo of the input is trimmed");
    CHECK_STR(o.last, "{\"d\":4}", "a last line without a newline is still read");

    const char crlf[] = "{\"a\":\"x\"}\r\n\r\n   \n{\"b\":1}\r\n";
    read_all(crlf, sizeof crlf - 1, NDJSON_LINE_MAX, &o);
    CHECK(o.records == 2 && o.bad == 0, "CRLF line ends and blank lines are accepted");

    const char nul[] = "{\"a\":1}\n{\"b\":\0 1}\n{\"c\":1}\n";
    read_all(nul, sizeof nul - 1, NDJSON_LINE_MAX, &o);
    CHECK(o.records == 2 && o.bad == 1 && strstr(o.reasons[0], "NUL byte"),
          "a NUL byte makes its line bad, and only it");

    const char utf[] = "{\"a\":\"caf\xc3\xa9\"}\n{\"b\":\"\xff\"}\n{\"c\":\"\xed\xa0\x80\"}\n{\"d\":1}\n";
    read_all(utf, sizeof utf - 1, NDJSON_LINE_MAX, &o);
    CHECK(o.records == 2 && o.bad == 2 && strstr(o.reasons[0], "invalid UTF-8"),
          "invalid UTF-8 (a stray byte, a surrogate) is refused, valid UTF-8 kept");

    const char trunc[] = "{\"a\":1}\n{\"b\":[1,2\n{\"c\":3}\n";
    read_all(trunc, sizeof trunc - 1, NDJSON_LINE_MAX, &o);
    CHECK(o.records == 2 && o.bad == 1 && o.bad_lines[0] == 2,
          "a truncated record is bad and the next line is read");

    /* 3 MiB record between two good ones, with a 1 MiB cap. */
    size_t big = 3 * 1024 * 1024;
    char *huge = malloc(big + 64);
    size_t n = (size_t)sprintf(huge, "{\"a\":1}\n{\"x\":\"");
    memset(huge + n, 'x', big);
    n += big;
    n += (size_t)sprintf(huge + n, "\"}\n{\"b\":2}\n");
    read_all(huge, n, NDJSON_LINE_MAX, &o);
    CHECK(o.records == 2 && o.bad == 1 && o.bad_lines[0] == 2 && strstr(o.reasons[0], "exceeds"),
          "a record over 1 MiB is reported by line number and skipped: %s", o.reasons[0]);
    CHECK_STR(o.last, "{\"b\":2}", "the record after a huge line is intact");
    free(huge);

    /* A line of exactly the cap is accepted. */
    size_t cap = 1000;
    char exact[1100];
    n = (size_t)sprintf(exact, "{\"x\":\"");
    memset(exact + n, 'y', cap - n - 2);
    n = cap - 2;
    n += (size_t)sprintf(exact + n, "\"}\n");
    read_all(exact, n, cap, &o);
    CHECK(o.records == 1 && o.bad == 0, "a line of exactly the cap is accepted");
    exact[cap - 3] = 'y';
    n = cap - 2;
    n += (size_t)sprintf(exact + n, "y\"}\n");
    read_all(exact, n, cap, &o);
    CHECK(o.records == 0 && o.bad == 1, "one byte over the cap is refused");
}

static void test_utf8(void)
{
    size_t at;
    CHECK(utf8_valid("plain ascii text!", 17, NULL), "ASCII is valid UTF-8");
    CHECK(utf8_valid("\xf0\x9f\x98\x80 \xe2\x82\xac", 8, NULL), "4- and 3-byte sequences are valid");
    CHECK(!utf8_valid("abcdefgh\xc0\xaf", 10, &at) && at == 8, "an overlong '/' is refused at its offset");
    CHECK(!utf8_valid("\xf4\x90\x80\x80", 4, NULL), "code points above U+10FFFF are refused");
    CHECK(!utf8_valid("ab\xe2\x82", 4, &at) && at == 2, "a truncated sequence at the end is refused");
}

static void test_writer(void)
{
    int p[2];
    pipe(p);
    struct ndjson_writer *w = ndjson_writer_new(p[1]);
    struct heal_error err;
    jv r = jv_parse("{\"s\":\"a\\\"b\\\\c\\n\\u0001\\u007f/é\",\"n\":[1,-2.5,0.1,1e300,100000000000000000000,"
                    "3.0,null,true,false],\"o\":{}}");
    CHECK(ndjson_writer_put(w, r, &err) == 0, "a record is written");
    char buf[512] = {0};
    ssize_t n = read(p[0], buf, sizeof buf - 1);
    CHECK(n > 0 && buf[n - 1] == '\n' && memchr(buf, '\n', (size_t)n - 1) == NULL,
          "a record is exactly one line, flushed as it is put");
    CHECK_STR(buf, "{\"s\":\"a\\\"b\\\\c\\n\\u0001\\u007f/é\",\"n\":[1,-2.5,0.1,1e+300,1e+20,3,null,"
                   "true,false],\"o\":{}}\n",
              "escapes, numbers and nesting serialise compactly, as jq does");
    jv back = jv_parse_sized(buf, (int)n - 1);
    CHECK(jv_is_valid(back), "what the writer writes parses back");
    jv_free(back);
    close(p[0]);
    errno = 0;
    int rc = ndjson_writer_put(w, jv_parse("{\"a\":1}"), &err);
    CHECK(rc == -1 && errno == EPIPE, "a closed reader shows as EPIPE, not a crash");
    ndjson_writer_free(w, NULL);
    close(p[1]);

    struct jsonbuf b = {0};
    jv deep = jv_number(1);
    for (int i = 0; i < JSONBUF_DEPTH_MAX + 5; i++)
        deep = jv_array_append(jv_array(), deep);
    CHECK(jsonbuf_append_jv(&b, &deep, &err) == -1 && b.len == 0,
          "nesting past the cap is refused and nothing half-written stays");
    jv_free(deep);
    jsonbuf_free(&b);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    test_utf8();
    test_reader();
    test_writer();
    return unit_done();
}
