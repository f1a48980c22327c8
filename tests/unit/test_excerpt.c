#include "excerpt.h"
#include "unit.h"

static int gives(const char *data, size_t len, size_t size, const char *want, bool whole)
{
    char out[256];
    bool all = excerpt_printable(data, len, out, size);
    if (strcmp(out, want) != 0 || all != whole) {
        printf("#   got '%s' (%s)\n", out, all ? "whole" : "cut");
        return 0;
    }
    return 1;
}

static int visible(const char *s, size_t size, const char *want)
{
    char out[64];
    excerpt_visible(s, out, size);
    if (strcmp(out, want) != 0) {
        printf("#   got '%s'\n", out);
        return 0;
    }
    return 1;
}

int main(void)
{
    CHECK(visible("web\x1b[2J\x7f", 64, "web?[2J?"), "a visible cell shows controls as '?'");
    CHECK(visible("caf\xc3\xa9", 64, "caf\xc3\xa9"), "a visible cell keeps UTF-8");
    CHECK(visible("caf\xc3\xa9s", 5, "caf"), "a cut never ends inside a UTF-8 sequence");
    CHECK(visible(NULL, 64, ""), "NULL reads as an empty cell");
    CHECK(gives("SSH-2.0-OpenSSH_9.2", 19, 64, "SSH-2.0-OpenSSH_9.2", true),
          "printable ASCII is kept as it is");
    CHECK(gives("HTTP/1.0 200 OK\r\nServer: x\r\n", 28, 64, "HTTP/1.0 200 OK\\r\\nServer: x\\r\\n",
                true),
          "CR and LF are shown as \\r and \\n, so the excerpt is one line");
    CHECK(gives("a\tb\\c", 5, 64, "a\\tb\\\\c", true), "tab and backslash are escaped");
    CHECK(gives("\x1b[31mred", 8, 64, "\\x1b[31mred", true),
          "an escape sequence cannot reach a terminal");
    CHECK(gives("a\0b", 3, 64, "a\\x00b", true), "a NUL byte is shown, not an end");
    CHECK(gives("\xc3\xa9", 2, 64, "\\xc3\\xa9", true), "bytes above ASCII are shown as \\xNN");
    CHECK(gives("", 0, 64, "", true), "nothing gives an empty excerpt");
    CHECK(gives("abcdef", 6, 4, "abc", false), "the excerpt stops at the size, saying so");
    CHECK(gives("ab\ncd", 5, 4, "ab", false), "an escape is never split");
    CHECK(gives("ab\ncd", 5, 5, "ab\\n", false), "an escape that fits is written whole");
    CHECK(gives("x", 1, 1, "", false), "a size of 1 holds only the NUL");
    return unit_done();
}
