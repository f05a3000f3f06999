/* http1_scan.h — the fast path's loop over a start line and the header lines after it, for
 * one window function (http1_lf.h). Included by http1_fast.c once per window function, with
 *   GA__SCAN_NAME    the function's name
 *   GA__SCAN_ATTR    its attributes (the target of the window function)
 *   GA__SCAN_WINDOW  the window function
 * defined, so that each copy is compiled for its own instruction set. Not an API.
 *
 * GA__SCAN_NAME(s): s->ps in S_METHOD, S_RVER (a fresh start line) or S_HLINE; the head may
 * take the bytes s->p[0 .. s->lim). Takes the lines whose line feed comes before lim - 1 (a
 * line ending with the last byte is left to the byte-by-byte path, which keeps the loop free
 * of bound checks) and the blank line, and stops at anything unusual. Returns the bytes
 * consumed (0: nothing was touched), ps->head_bytes counted. A line the parser does not
 * follow costs a byte load, a table load and the next bit of the mask. */

static GA__SCAN_ATTR size_t GA__SCAN_NAME(ga__scan *s)
{
    const uint8_t *const last = s->lim - 1;     /* no line feed at `last` or after is taken */
    const uintptr_t full = (uintptr_t)last - 64;
    const uint8_t *blk = (const uint8_t *)((uintptr_t)s->p & ~(uintptr_t)63);
    uint64_t m = GA__SCAN_WINDOW(blk) & (~0ull << (s->p - blk)) & ga_h1_lf_below(blk, last);
    const uint8_t *ls = s->p, *e;

/* e = the next line feed, or `goto out` when none is left before `last`. Windows wholly
 * before `last` (at or below `full`) need no mask. */
#define GA__NEXT(out)                                                   \
    do {                                                                \
        while (m == 0) {                                                \
            blk += 64;                                                  \
            if ((uintptr_t)blk <= full)                                 \
                m = GA__SCAN_WINDOW(blk);                               \
            else if (blk < last)                                        \
                m = GA__SCAN_WINDOW(blk) & ga_h1_lf_below(blk, last);   \
            else                                                        \
                goto out;                                               \
        }                                                               \
        e = blk + (unsigned)__builtin_ctzll(m);                         \
        m &= m - 1;                                                     \
    } while (0)

    if (s->ps->st != S_HLINE) {
        GA__NEXT(none);
        if (ga__start_line(s, (size_t)(e - s->p) + 1) == 0)
            return 0;
        ls = e + 1;
    }
    s->start = ls;
    const uint8_t *const cls_of = ga_h1_line_class[s->ps->kind];
    for (;;) {                                  /* ls <= last here */
        unsigned cls = cls_of[*ls];
        if (cls == 0) {                         /* the common line: not followed, skipped */
            GA__NEXT(out);
            ls = e + 1;
        } else if (cls == GA_H1_C_FIELD) {
            GA__NEXT(out);
            if (ga_h1_pair_may(ls) && !ga__field_line(s, ls, e))
                return ga__stop(s, ls) + 1;     /* ERROR: the caller counts the rest */
            ls = e + 1;
        } else if (cls == GA_H1_C_END) {
            return ga__end(s, ls);
        } else if (cls == GA_H1_C_FIELD2) {     /* rare: b3, baggage */
            GA__NEXT(out);
            if (!ga__field_line(s, ls, e))
                return ga__stop(s, ls) + 1;
            ls = e + 1;
        } else {
            break;                              /* fold or garbage: byte by byte */
        }
    }
out:
    return ga__stop(s, ls);
none:
    return 0;
#undef GA__NEXT
}
