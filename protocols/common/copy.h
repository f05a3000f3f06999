/* copy.h — short copies without a library call or `rep movsb`, for the parsers and the
 * plug-ins' hot paths. Pure, header-only.
 *
 * A memcpy of a few dozen bytes whose size is only known at run time becomes either a call
 * (its dispatch costs more than the copy) or, when the compiler can bound the size, an inline
 * `rep movsb`: slow to start on many CPUs for short strings, and one counted instruction per
 * byte under callgrind. Overlapping word moves, as memcpy itself makes for small sizes, cost a
 * few instructions. */
#ifndef GA_PROTO_COPY_H
#define GA_PROTO_COPY_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Copy n bytes from src to dst (which do not overlap): 16-byte moves, the last one ending at n;
 * two overlapping 8-byte or 4-byte moves from 8 and 4 bytes; three byte stores below 4. Reads
 * and writes nothing outside [0, n) of either side. Meant for bounded, short copies (a loop
 * step per 16 bytes); the exporter's ga_pb_copy (exporter/pbw.h) is the same below 32 bytes and
 * calls memcpy above, for values that may be long. */
static inline void ga_copy_small(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (n > 16) {
        uint8_t w[16];
        for (size_t i = 0; i + 16 < n; i += 16) {
            memcpy(w, s + i, 16);
            memcpy(d + i, w, 16);
        }
        memcpy(w, s + n - 16, 16);
        memcpy(d + n - 16, w, 16);
    } else if (n >= 8) {
        uint64_t a, b;
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + n - 8, &b, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        memcpy(d, &a, 4);
        memcpy(d + n - 4, &b, 4);
    } else if (n > 0) {                         /* 1 to 3 bytes: three stores, no loop */
        d[0] = s[0];
        d[n / 2] = s[n / 2];
        d[n - 1] = s[n - 1];
    }
}

#endif
