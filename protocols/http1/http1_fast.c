/* http1_fast.c — the parser's fast path: a start line and the header lines after it that are
 * whole in the buffer, in one pass. Line feeds come from a scanner that looks at 64 bytes at
 * a time (http1_lf.h; the loop is http1_scan.h, compiled once for SSE2 and once for AVX2);
 * a line whose first byte cannot start a field we follow costs a table lookup and a bit-clear;
 * a line that may is matched and read in words (http1_fast_field.c).
 *
 * Anything unusual — a folded line, a byte that cannot be HTTP, a line not whole in the
 * buffer, an uncommon shape — is left to the byte-by-byte path (http1.c), the reference: the
 * fast path must accept, reject and report exactly what it would for the same bytes.
 * tests/unit/test_http1_fast.c and the differential fuzz target (tests/fuzz/fuzz_http.c:
 * whole, byte by byte and split feeds) check that. Pure code. */
#include "protocols/http1/http1_int.h"
#include "protocols/http1/http1_lf.h"
#include "protocols/http1/http1_words.h"

/* ---- start lines ---- */

/* "HTTP/1.0" or "HTTP/1.1" at p: 10 or 11; 0 for anything else (other minor versions are
 * left to the slow path). */
static int ga__version(const uint8_t *p)
{
    uint64_t w = ga_h1_w8(p);
    return w == ga_h1_w8("HTTP/1.1") ? 11 : w == ga_h1_w8("HTTP/1.0") ? 10 : 0;
}

/* A request line p[0..len) with its LF (len >= 14 bytes readable). 0 leaves it to the slow
 * path, untouched. */
static size_t ga__request_line(ga_h1_parser *ps, const uint8_t *p, size_t len, const ga_h1_cb *cb)
{
    const uint8_t *ver = p + len - (p[len - 2] == '\r' ? 10 : 9);
    uint64_t w = ga_h1_w8(p);
    size_t m;
    int method;
    if ((uint32_t)w == ga_h1_w4("GET ")) {
        m = 3, method = GA_H1_M_GET;
    } else if ((w & 0xffffffffffull) == (ga_h1_w8("POST    ") & 0xffffffffffull)) {
        m = 4, method = GA_H1_M_POST;
    } else {
        for (m = 0; ga_h1_tchar[p[m]]; m++)
            ;                                   /* stops at the LF at the latest */
        if (m == 0 || p[m] != ' ')
            return 0;
        method = m <= sizeof ps->tok ? ga_h1_method_of(p, m) : GA_H1_M_OTHER;
    }
    const uint8_t *t = p + m + 1;
    int version;
    if (t >= ver - 1 || ver[-1] != ' ' || ga_h1_any(p, t, ver - 1, GA_H1_ANY_INVISIBLE) ||
        !(version = ga__version(ver)))
        return 0;                               /* leave odd lines to the slow path */
    ps->version = (uint8_t)version;
    ps->method = (uint8_t)method;               /* known to the callbacks (the byte path's
                                                 * method piece comes before its method) */
    ps->st = S_HLINE;
    if (cb->piece) {
        if (method == GA_H1_M_OTHER || !cb->other_method_only)
            cb->piece(cb->ctx, ps, GA_H1_FLD_METHOD, p, m);
        cb->piece(cb->ctx, ps, GA_H1_FLD_TARGET, t, (size_t)(ver - 1 - t));
    }
    return len;
}

/* A status line p[0..len) with its LF (len >= 14 bytes readable). */
static size_t ga__status_line(ga_h1_parser *ps, const uint8_t *p, size_t len)
{
    int version = ga__version(p);
    unsigned a = p[9] - (unsigned)'0', b = p[10] - (unsigned)'0', c = p[11] - (unsigned)'0';
    if (!version || p[8] != ' ' || a > 9 || b > 9 || c > 9 || a == 0)
        return 0;
    if (!(p[12] == ' ' || (p[12] == '\r' && len == 14) || (p[12] == '\n' && len == 13)))
        return 0;
    ps->status = (uint16_t)(a * 100 + b * 10 + c);
    ps->version = (uint8_t)version;
    ps->st = S_HLINE;
    return len;
}

/* ---- the header section ---- */

/* What the scan loop (http1_scan.h) shares with its helpers. It stays in memory, so that the
 * loop's registers hold only its own few values across the helpers' calls. */
typedef struct ga__scan {
    ga_h1_parser *ps;
    const ga_h1_cb *cb;
    const uint8_t *p, *lim;         /* the buffer; the head may take bytes before lim */
    const uint8_t *start;           /* the first header line */
    uint64_t off0;                  /* the stream offset of p[0] */
} ga__scan;

/* The start line p[0..len) (ps in S_METHOD or S_RVER): its length, or 0 when it is left to
 * the byte-by-byte path, untouched. */
static size_t ga__start_line(ga__scan *s, size_t len)
{
    ga_h1_parser *ps = s->ps;
    size_t k = 0;
    if (len < 14)
        return 0;                               /* the shortest lines go byte by byte */
    if (ps->st == S_METHOD && ps->tlen == 0)
        k = ga__request_line(ps, s->p, len, s->cb);
    else if (ps->st == S_RVER && ps->idx == 0 && ps->version == 0)
        k = ga__status_line(ps, s->p, len);
    ps->head_bytes += (uint32_t)k;
    return k;
}

/* The scan stops at line start ls: the lines before it are counted; returns the bytes
 * consumed from p. */
static size_t ga__stop(ga__scan *s, const uint8_t *ls)
{
    s->ps->head_bytes += (uint32_t)(ls - s->start);
    return (size_t)(ls - s->p);
}

/* A line that may name a followed field, its LF at e: 1 to go on, 0 after ERROR. */
static inline int ga__field_line(ga__scan *s, const uint8_t *ls, const uint8_t *e)
{
    return ga_h1_fast_field(s->ps, ls, e, s->off0 + (size_t)(ls - s->p), s->cb);
}

/* A line starting with CR or LF at ls: the blank line that ends the header section, if it
 * is CR LF or LF whole before lim (else the byte-by-byte path decides). Returns the bytes
 * consumed from p. */
static size_t ga__end(ga__scan *s, const uint8_t *ls)
{
    ga_h1_parser *ps = s->ps;
    size_t len = ls[0] == '\n' ? 1 : ls + 1 < s->lim && ls[1] == '\n' ? 2 : 0;
    if (len == 0)
        return ga__stop(s, ls);
    ps->head_bytes += (uint32_t)(ls - s->start + len);
    uint64_t off = s->off0 + (size_t)(ls - s->p);
    if (s->cb->blank)
        s->cb->blank(s->cb->ctx, ps, off);
    ps->off = off + len - 1;                    /* callbacks see the offset of the LF */
    ga_h1_head_end(ps, s->cb);
    ps->off = s->off0;
    return (size_t)(ls - s->p) + len;
}

/* The loop, once per window function (http1_scan.h). */
#ifdef GA_H1_LF_X86
#define GA__SCAN_NAME   ga__scan_sse2
#define GA__SCAN_WINDOW ga_h1_lf64_sse2
#define GA__SCAN_ATTR
#include "protocols/http1/http1_scan.h"
#undef GA__SCAN_NAME
#undef GA__SCAN_WINDOW
#undef GA__SCAN_ATTR
#define GA__SCAN_NAME   ga__scan_avx2
#define GA__SCAN_WINDOW ga_h1_lf64_avx2
#define GA__SCAN_ATTR   __attribute__((target("avx2,bmi")))
#include "protocols/http1/http1_scan.h"
#else
#define GA__SCAN_NAME   ga__scan_words
#define GA__SCAN_WINDOW ga_h1_lf64_words
#define GA__SCAN_ATTR
#include "protocols/http1/http1_scan.h"
#endif

size_t ga_h1_fast_line_with(ga_h1_parser *ps, const uint8_t *p, size_t n, const ga_h1_cb *cb, int avx2)
{
    size_t room = GA_H1_MAX_HEAD - ps->head_bytes;  /* head_bytes <= MAX outside ERROR */
    if (n < 2 || room < 2)
        return 0;
    ga__scan s = { ps, cb, p, p + (n < room ? n : room), p, ps->off };
#ifdef GA_H1_LF_X86
    return avx2 ? ga__scan_avx2(&s) : ga__scan_sse2(&s);
#else
    (void)avx2;
    return ga__scan_words(&s);
#endif
}

#ifdef GA_H1_LF_X86
#include <cpuid.h>

uint8_t ga_h1_lf_cpu;

uint8_t ga_h1_lf_cpu_probe(void)
{
    unsigned a, b, c, d, lo = 0, hi = 0;
    int avx = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_OSXSAVE) && (c & bit_AVX);
    if (avx)                                    /* the OS saves the XMM and YMM registers */
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    int ok = avx && (lo & 6) == 6 && __get_cpuid_count(7, 0, &a, &b, &c, &d) &&
             (b & bit_AVX2) && (b & bit_BMI);
    uint8_t v = ok ? 2 : 1;
    __atomic_store_n(&ga_h1_lf_cpu, v, __ATOMIC_RELAXED);   /* every thread finds the same */
    return v;
}
#endif

size_t ga_h1_fast_line(ga_h1_parser *ps, const uint8_t *p, size_t n, const ga_h1_cb *cb)
{
#ifdef GA_H1_LF_X86
    return ga_h1_fast_line_with(ps, p, n, cb, ga_h1_lf_avx2());
#else
    return ga_h1_fast_line_with(ps, p, n, cb, 0);
#endif
}
