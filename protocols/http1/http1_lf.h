/* http1_lf.h — line feeds 64 bytes at a time, for the parser's fast path (http1_fast.c,
 * http1_scan.h). Not an API.
 *
 * A window function returns, for 64 bytes at a 64-byte aligned address, a mask with bit k set
 * when byte k is a line feed: with AVX2 (two compares), SSE2 (four; every x86-64 CPU has
 * it), or plain 64-bit words elsewhere. The scan loop takes the line feeds out of the mask in
 * order, one bit-clear each: every line feed of a header section ends exactly one line, so a
 * line costs a few instructions wherever it is, with no per-line library call or byte loop.
 *
 * Aligned loads never cross a page, so the bytes of a window outside the caller's buffer are
 * always readable; they are masked off and never used. Sanitizers would still report those
 * reads, so in ASan/TSan builds the window functions stay out of line and uninstrumented. */
#ifndef GA_HTTP1_LF_H
#define GA_HTTP1_LF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define GA_H1_LF_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define GA_H1_LF_SANITIZED 1
#endif

#ifdef GA_H1_LF_SANITIZED
#define GA_H1_LF_WINDOW static __attribute__((noinline, unused, no_sanitize("address", "thread")))
#else
#define GA_H1_LF_WINDOW static inline __attribute__((always_inline))
#endif

#if defined(__x86_64__) && defined(__SSE2__)
#define GA_H1_LF_X86 1
typedef char ga__v16 __attribute__((vector_size(16), aligned(16)));
typedef char ga__v32 __attribute__((vector_size(32), aligned(32)));

/* SSE2: four 16-byte compares. */
GA_H1_LF_WINDOW uint64_t ga_h1_lf64_sse2(const uint8_t *w)
{
    const ga__v16 lf = { 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10 };
    const ga__v16 *v = (const ga__v16 *)(const void *)w;
    uint64_t a = (unsigned)__builtin_ia32_pmovmskb128((ga__v16)(v[0] == lf));
    uint64_t b = (unsigned)__builtin_ia32_pmovmskb128((ga__v16)(v[1] == lf));
    uint64_t c = (unsigned)__builtin_ia32_pmovmskb128((ga__v16)(v[2] == lf));
    uint64_t d = (unsigned)__builtin_ia32_pmovmskb128((ga__v16)(v[3] == lf));
    return a | b << 16 | c << 32 | d << 48;
}

/* AVX2: two 32-byte compares (only called after ga_h1_lf_avx2() said yes). */
GA_H1_LF_WINDOW __attribute__((target("avx2"))) uint64_t ga_h1_lf64_avx2(const uint8_t *w)
{
    const ga__v32 lf = { 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
                         10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10 };
    const ga__v32 *v = (const ga__v32 *)(const void *)w;
    uint64_t a = (unsigned)__builtin_ia32_pmovmskb256((ga__v32)(v[0] == lf));
    uint64_t b = (unsigned)__builtin_ia32_pmovmskb256((ga__v32)(v[1] == lf));
    return a | b << 32;
}

/* What the CPU offers the scan: 0 not asked yet, 1 SSE2 only, 2 AVX2 and BMI1 (http1_fast.c). */
extern uint8_t ga_h1_lf_cpu;

/* Ask the CPU (cpuid, and xgetbv for the operating system's AVX state) and note it in
 * ga_h1_lf_cpu; returns its new value. */
uint8_t ga_h1_lf_cpu_probe(void);

/* 1 when the CPU has AVX2 and BMI1 (the AVX2 copy of the scan loop uses both). The first call
 * asks the CPU. Not __builtin_cpu_supports: it would link the compiler's CPU table and its
 * constructor, which runs in every process at start (~640 instructions, 3-4 page faults). */
static inline int ga_h1_lf_avx2(void)
{
    uint8_t c = __atomic_load_n(&ga_h1_lf_cpu, __ATOMIC_RELAXED);
    if (__builtin_expect(c == 0, 0))
        c = ga_h1_lf_cpu_probe();
    return c == 2;
}
#endif

/* 64-bit words: a byte is a line feed when its XOR with 0x0a is zero (the exact zero-byte
 * test: no false positives, so no bit leaks into a neighbour). */
GA_H1_LF_WINDOW uint64_t ga_h1_lf64_words(const uint8_t *w)
{
    const uint64_t ones7 = 0x7f7f7f7f7f7f7f7full;
    uint64_t m = 0;
    for (int k = 0; k < 8; k++) {
        uint64_t x;
        memcpy(&x, w + 8 * k, 8);
        x ^= 0x0a0a0a0a0a0a0a0aull;
        uint64_t z = ~(((x & ones7) + ones7) | x | ones7);     /* 0x80 in each zero byte */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        z = __builtin_bswap64(z);
#endif
        m |= ((z >> 7) * 0x0102040810204080ull >> 56) << (8 * k);
    }
    return m;
}

/* Bits of a window at blk for the bytes before `last` only. */
static inline uint64_t ga_h1_lf_below(const uint8_t *blk, const uint8_t *last)
{
    return blk + 64 <= last ? ~0ull : (1ull << (last - blk)) - 1;
}

#endif
