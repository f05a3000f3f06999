/* tp_fast.c — traceparent decode/encode for request paths (contracts in tp_fast.h): the ids'
 * hex digits decoded and written sixteen at a time with SSE2 (elsewhere through a 256-entry
 * value table and a table of digit pairs), the flags through those tables.
 * tests/unit/test_tp_fast.c checks both against the shared W3C code. Pure code. */
#include <string.h>
#include "protocols/w3c/tp_fast.h"

/* A lower-case hex digit's value; 0xff for anything else (W3C HEXDIGLC). */
static const uint8_t ga__hexv[256] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

/* n bytes from 2n hex chars; 0 when a char is not lower-case hex. OR of the bytes in *any.
 * (The flags byte, and the ids where SSE2 is missing.) */
static int ga__unhex(const uint8_t *s, uint8_t *out, size_t n, uint8_t *any)
{
    uint8_t bad = 0, or = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t hi = ga__hexv[s[2 * i]], lo = ga__hexv[s[2 * i + 1]];
        bad |= (uint8_t)(hi | lo);
        out[i] = (uint8_t)(hi << 4 | (lo & 0x0f));
        or |= out[i];
    }
    *any = or;
    return !(bad & 0xf0);
}

#ifdef __SSE2__
#include <emmintrin.h>

/* Sixteen hex digits v as eight 16-bit lanes, each one byte's value (the first digit is the
 * high nibble); *ok's bytes cleared where a char is not lower-case hex. Signed byte compares:
 * a byte of 0x80 or more is negative, so it is neither a digit nor a letter. */
static inline __m128i ga__nibbles(__m128i v, __m128i *ok)
{
    __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                  _mm_cmpgt_epi8(_mm_set1_epi8('9' + 1), v));
    __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('a' - 1)),
                                   _mm_cmpgt_epi8(_mm_set1_epi8('f' + 1), v));
    *ok = _mm_and_si128(*ok, _mm_or_si128(digit, letter));
    __m128i nib = _mm_add_epi8(_mm_and_si128(v, _mm_set1_epi8(0x0f)),
                               _mm_and_si128(letter, _mm_set1_epi8(9)));
    /* each 16-bit lane holds digits (hi, lo) as bytes (lo byte = hi digit): make it hi<<4|lo */
    return _mm_and_si128(_mm_or_si128(_mm_slli_epi16(nib, 4), _mm_srli_epi16(nib, 8)),
                         _mm_set1_epi16(0x00ff));
}

/* The 16-byte trace id from p[3..35) and the 8-byte span id from p[36..52). 0 when a char is
 * not lower-case hex. */
static int ga__ids(const uint8_t *p, uint8_t *trace, uint8_t *span)
{
    __m128i ok = _mm_set1_epi8(-1);
    __m128i a = ga__nibbles(_mm_loadu_si128((const __m128i *)(const void *)(p + 3)), &ok);
    __m128i b = ga__nibbles(_mm_loadu_si128((const __m128i *)(const void *)(p + 19)), &ok);
    __m128i c = ga__nibbles(_mm_loadu_si128((const __m128i *)(const void *)(p + 36)), &ok);
    _mm_storeu_si128((__m128i *)(void *)trace, _mm_packus_epi16(a, b));
    _mm_storel_epi64((__m128i *)(void *)span, _mm_packus_epi16(c, c));
    return _mm_movemask_epi8(ok) == 0xffff;
}
#else
static int ga__ids(const uint8_t *p, uint8_t *trace, uint8_t *span)
{
    uint8_t t, sp;
    return ga__unhex(p + 3, trace, 16, &t) & ga__unhex(p + 36, span, 8, &sp);
}
#endif

int ga_tp_parse(const char *s, size_t n, ga_span_ctx *out)
{
    const uint8_t *p = (const uint8_t *)s;
    if (n != 55 || p[0] != '0' || p[1] != '0' || p[2] != '-' || p[35] != '-' || p[52] != '-')
        return ga_traceparent_parse(s, n, out);     /* OWS, other versions, invalid */
    ga_span_ctx c = {0};
    uint64_t t0, t1, sp;
    uint8_t f;
    int ok = ga__ids(p, c.trace_id, c.span_id);
    memcpy(&t0, c.trace_id, 8);
    memcpy(&t1, c.trace_id + 8, 8);
    memcpy(&sp, c.span_id, 8);
    if (!ok || (t0 | t1) == 0 || sp == 0 || !ga__unhex(p + 53, &c.flags, 1, &f))
        return -1;
    c.flags &= 0x03;
    c.valid = 1;
    c.remote = 1;
    *out = c;
    return 0;
}

/* Two lower-case hex digits of each byte value: a byte costs one 2-byte load and store. */
#define GA__D(n) ((char)((n) < 10 ? '0' + (n) : 'a' + (n) - 10))
#define GA__H(b) { GA__D((b) >> 4), GA__D((b) & 15) }
#define GA__H4(b) GA__H(b), GA__H((b) + 1), GA__H((b) + 2), GA__H((b) + 3)
#define GA__H16(b) GA__H4(b), GA__H4((b) + 4), GA__H4((b) + 8), GA__H4((b) + 12)
#define GA__H64(b) GA__H16(b), GA__H16((b) + 16), GA__H16((b) + 32), GA__H16((b) + 48)
static const char ga__hex2[256][2] = { GA__H64(0), GA__H64(64), GA__H64(128), GA__H64(192) };

/* 8 bytes (16 digits), unrolled: two loads and a store per byte. */
static inline void ga__hex8(const uint8_t *in, char *out)
{
#pragma GCC unroll 8
    for (size_t i = 0; i < 8; i++)
        memcpy(out + 2 * i, ga__hex2[in[i]], 2);
}

#ifdef __SSE2__
/* Sixteen nibbles-to-be as lower-case hex digits: '0' + n, and 39 more for n > 9 ('a' - '9' - 1). */
static inline __m128i ga__digits(__m128i n)
{
    __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(n, _mm_set1_epi8(9)), _mm_set1_epi8(39));
    return _mm_add_epi8(_mm_add_epi8(n, _mm_set1_epi8('0')), letter);
}

/* The 32 digits of the trace id at out[3..35) and the 16 of the span id at out[36..52): each
 * byte split into its high and low nibble, the two interleaved, sixteen digits per store. */
static inline void ga__ids_hex(const ga_span_ids *ids, char *out)
{
    const __m128i lo4 = _mm_set1_epi8(0x0f);
    __m128i t = _mm_loadu_si128((const __m128i *)(const void *)ids->trace_id);
    __m128i s = _mm_loadl_epi64((const __m128i *)(const void *)ids->span_id);
    __m128i th = _mm_and_si128(_mm_srli_epi16(t, 4), lo4), tl = _mm_and_si128(t, lo4);
    __m128i sh = _mm_and_si128(_mm_srli_epi16(s, 4), lo4), sl = _mm_and_si128(s, lo4);
    _mm_storeu_si128((__m128i *)(void *)(out + 3), ga__digits(_mm_unpacklo_epi8(th, tl)));
    _mm_storeu_si128((__m128i *)(void *)(out + 19), ga__digits(_mm_unpackhi_epi8(th, tl)));
    _mm_storeu_si128((__m128i *)(void *)(out + 36), ga__digits(_mm_unpacklo_epi8(sh, sl)));
}
#else
static inline void ga__ids_hex(const ga_span_ids *ids, char *out)
{
    ga__hex8(ids->trace_id, out + 3);
    ga__hex8(ids->trace_id + 8, out + 19);
    ga__hex8(ids->span_id, out + 36);
}
#endif

void ga_tp_format(const ga_span_ids *ids, char *out)
{
    uint8_t flags = ids->flags & GA_TF_SAMPLED;
    memcpy(out, "00-", 3);
    ga__ids_hex(ids, out);
    out[35] = '-';
    out[52] = '-';
    memcpy(out + 53, ga__hex2[flags], 2);
}
