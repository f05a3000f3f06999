/* utf8.c — UTF-8 validation and U+FFFD repair (contract in utf8.h). */
#include "exporter/utf8.h"

/* Length of the valid UTF-8 sequence at s (1..4 bytes), or 0 when it is not valid. */
static size_t ga__seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t len = (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3
               : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
    if (len == 0 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) ||
        (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F))
        return 0;
    return len;
}

size_t ga_utf8_repaired_len(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t out = 0;
    for (size_t i = 0, k; i < n; i += k ? k : 1)
        out += (k = ga__seq(u + i, n - i)) ? k : 3;
    return out;
}

void ga_utf8_repair(char *out, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0, k; i < n; i += k ? k : 1) {
        k = ga__seq(u + i, n - i);
        if (k) {
            memcpy(out + o, s + i, k);
            o += k;
        } else {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
        }
    }
}
