/* http1_words.h — reading HTTP bytes 8 at a time for the parser's fast path: little-endian
 * word loads, the exact "some byte equals c" test, case-folded compares, and decimal digits
 * without a branch per digit. Not an API; pure code. */
#ifndef GA_HTTP1_WORDS_H
#define GA_HTTP1_WORDS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The 8 (4) bytes at p, the first in the lowest bits whatever the CPU's byte order. */
static inline uint64_t ga_h1_w8(const void *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline uint32_t ga_h1_w4(const void *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}

#define GA_H1_ONES  0x0101010101010101ull
#define GA_H1_LC8   0x2020202020202020ull   /* OR-ed in: upper case letters fold onto lower */
#define GA_H1_LC4   0x20202020u

/* 0x80 in each byte of x that is zero, nothing elsewhere (exact: no borrow leaks into a
 * neighbour, so single bytes may be masked afterwards). */
static inline uint64_t ga_h1_zero_bytes(uint64_t x)
{
    const uint64_t ones7 = 0x7f7f7f7f7f7f7f7full;
    return ~(((x & ones7) + ones7) | x | ones7);
}

/* 0x80 in each byte of x equal to c. */
static inline uint64_t ga_h1_eq_bytes(uint64_t x, uint8_t c)
{
    return ga_h1_zero_bytes(x ^ (GA_H1_ONES * c));
}

/* 0x80 in each byte of x below 0x21 or equal to 0x7f (control, space, DEL): a byte a request
 * target cannot hold. Exact per byte. */
static inline uint64_t ga_h1_invisible_bytes(uint64_t x)
{
    const uint64_t ones7 = 0x7f7f7f7f7f7f7f7full;
    /* bytes < 0x21: adding 0x5f to the low 7 bits stays below 0x80 only for them, and only
     * when the high bit is clear */
    uint64_t low = ~(((x & ones7) + GA_H1_ONES * 0x5f) | x) & ~ones7;
    return low | ga_h1_eq_bytes(x, 0x7f);
}

/* 1 and *v when the d bytes (1 <= d <= 8) before `end` are all decimal digits; end - 8 must
 * be readable. The digits are read as one word. */
static inline int ga_h1_digits(const uint8_t *end, size_t d, uint64_t *v)
{
    uint64_t x = ga_h1_w8(end - 8), keep = ~0ull << (8 * (8 - d));
    x = (x & keep) | (0x3030303030303030ull & ~keep);          /* leading zeros for the rest */
    if (((x & 0xf0f0f0f0f0f0f0f0ull) | (((x + 0x0606060606060606ull) & 0xf0f0f0f0f0f0f0f0ull) >> 4))
        != 0x3333333333333333ull)
        return 0;
    x = (x & 0x0f0f0f0f0f0f0f0full) * 2561 >> 8;
    x = (x & 0x00ff00ff00ff00ffull) * 6553601 >> 16;
    *v = (x & 0x0000ffff0000ffffull) * 42949672960001ull >> 32;
    return 1;
}

enum { GA_H1_ANY_CR, GA_H1_ANY_INVISIBLE };

static inline __attribute__((always_inline)) uint64_t ga_h1_test(uint64_t x, int what)
{
    return what == GA_H1_ANY_CR ? ga_h1_eq_bytes(x, '\r') : ga_h1_invisible_bytes(x);
}

/* 1 when some byte of [v, e) is a CR (what = GA_H1_ANY_CR), or cannot be in a request target
 * (GA_H1_ANY_INVISIBLE). [from, e) must be readable, from <= v: a short range is read as the
 * last word before e, with the bytes before v masked off. */
static inline __attribute__((always_inline)) int ga_h1_any(const uint8_t *from, const uint8_t *v,
                                                           const uint8_t *e, int what)
{
    size_t n = (size_t)(e - v);
    if (n >= 8) {
        for (; e - v > 8; v += 8)
            if (ga_h1_test(ga_h1_w8(v), what))
                return 1;
        return ga_h1_test(ga_h1_w8(e - 8), what) != 0;
    }
    if (n == 0)
        return 0;
    if (e - from >= 8)
        return (ga_h1_test(ga_h1_w8(e - 8), what) & (~0ull << (8 * (8 - n)))) != 0;
    for (; v < e; v++)
        if (ga_h1_test(*v, what) & 0x80)
            return 1;
    return 0;
}

#endif
