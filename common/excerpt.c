#include "excerpt.h"

#include <stdio.h>
#include <string.h>

bool excerpt_printable(const char *data, size_t len, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)data[i];
        char esc[5];
        const char *piece = esc;
        if (c == '\\')
            piece = "\\\\";
        else if (c == '\n')
            piece = "\\n";
        else if (c == '\r')
            piece = "\\r";
        else if (c == '\t')
            piece = "\\t";
        else if (c >= 0x20 && c < 0x7f)
            esc[0] = (char)c, esc[1] = '\0';
        else
            snprintf(esc, sizeof esc, "\\x%02x", c);
        size_t n = strlen(piece);
        if (o + n + 1 > size) {
            out[o] = '\0';
            return false;
        }
        memcpy(out + o, piece, n);
        o += n;
    }
    out[o] = '\0';
    return true;
}

void excerpt_visible(const char *s, char *out, size_t size)
{
    size_t o = 0;
    for (; s && *s && o + 1 < size; s++)
        out[o++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
    if (s && *s) {
        /* Cut: drop the continuation bytes and the lead byte of a partial sequence. */
        while (o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0x80)
            o--;
        if (o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0xc0)
            o--;
    }
    out[o] = '\0';
}
