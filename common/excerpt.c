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
