/* segment.c: cut points for processing long texts block by block.
 * Must never cut inside a UTF-8 sequence, nor return 0 (the caller's loop
 * must always advance). */
#include "segment_private.h"

size_t bm__paragraph_cut(const char *b, size_t len)
{
    for (size_t i = len; i >= 2 && i > len / 4; i--) {
        int crlf = i >= 3 && b[i - 2] == '\r' && b[i - 3] == '\n';
        if (b[i - 1] == '\n' && (b[i - 2] == '\n' || crlf))
            return i;
    }
    for (size_t i = len; i >= 1 && i > len / 4; i--)
        if (b[i - 1] == '\n')
            return i;
    for (size_t i = len; i >= 1 && i > len / 4; i--)
        if (b[i - 1] == ' ')
            return i;
    size_t i = len;
    while (i > 0 && ((unsigned char)b[i - 1] & 0xC0) == 0x80)
        i--;
    return i > 1 ? i - 1 : len;
}
