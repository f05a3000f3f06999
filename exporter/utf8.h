/* utf8.h — UTF-8 checking and repair for the OTLP encoders: protobuf `string` fields must be
 * valid UTF-8 (a receiver rejects the whole request otherwise), so invalid sequences (stray
 * bytes, overlong forms, surrogates, code points above U+10FFFF, cut sequences) are replaced
 * by U+FFFD, one replacement per invalid byte that cannot start a valid sequence. ASCII text,
 * nearly all of it, is recognised eight bytes at a time. */
#ifndef GA_UTF8_H
#define GA_UTF8_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The length of s[0..n) once repaired: n when it is valid UTF-8. */
size_t ga_utf8_repaired_len(const char *s, size_t n);

/* s[0..n) repaired into out (ga_utf8_repaired_len(s, n) bytes). */
void ga_utf8_repair(char *out, const char *s, size_t n);

/* 1 when s[0..n) is all ASCII (then it is valid UTF-8 as it is). */
static inline int ga_utf8_ascii(const char *s, size_t n)
{
    uint64_t acc = 0, w;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        acc |= w;
    }
    for (; i < n; i++)
        acc |= (uint8_t)s[i];
    return (acc & 0x8080808080808080ull) == 0;
}

/* The repaired length, with the ASCII test first. */
static inline size_t ga_utf8_len(const char *s, size_t n)
{
    return ga_utf8_ascii(s, n) ? n : ga_utf8_repaired_len(s, n);
}

/* 1 when s[0..n) holds neither a NUL nor a byte >= 0x80: plain ASCII, written as it is. Eight
 * bytes at a time (overlapping loads for the tail), no loop below eight bytes. */
static inline int ga_utf8_plain(const char *s, size_t n)
{
    const uint64_t lo = 0x0101010101010101ull, hi = 0x8080808080808080ull;
    uint64_t w, acc = 0;
    if (n >= 8) {
        for (size_t i = 0; i + 8 <= n; i += 8) {
            memcpy(&w, s + i, 8);
            acc |= (w & hi) | ((w - lo) & ~w & hi);
        }
        memcpy(&w, s + n - 8, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        w = (uint64_t)a << 32 | b;
    } else {
        w = 0x2020202020202020ull;                  /* spaces: plain */
        for (size_t i = 0; i < n; i++)
            w = (w << 8) | (uint8_t)s[i];
    }
    acc |= (w & hi) | ((w - lo) & ~w & hi);
    return acc == 0;
}

/* A protobuf string of the OTLP encoders: the bytes of s[0..n) before the first NUL (the
 * encoders have always ended strings there: protobuf-c takes C strings), in *used; returns
 * their length once repaired (== *used exactly when they are valid UTF-8). */
static inline size_t ga_utf8_pb_len(const char *s, size_t n, size_t *used)
{
    if (ga_utf8_plain(s, n)) {
        *used = n;
        return n;
    }
    *used = strnlen(s, n);
    return ga_utf8_repaired_len(s, *used);
}

#endif
