/* nats_line.c — one NATS control line: the op name (case-insensitive, per direction), its
 * fields split at runs of spaces and tabs, and the byte counts (SPECS-2 §5). */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "protocols/nats/nats_int.h"

/* The first four bytes of p (n >= 4) lower-cased as one little-endian word: letters get bit
 * 0x20, '+' and '-' already have it, so an op name compares as one integer. */
static uint32_t ga__word(const uint8_t *p)
{
    return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24) |
           0x20202020u;
}

#define GA__W(a, b, c, d) ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

/* The op named by p[0..n) and the directions it may travel (bit 0 client to server, bit 1
 * server to client); GA_NATS_NONE when it is no op. */
static int ga__op(const uint8_t *p, size_t n, int *dirs)
{
    uint32_t w;
    switch (n) {
    case 3:
        w = ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16) | 0x202020u;
        if (w == GA__W('p', 'u', 'b', 0)) { *dirs = 1; return GA_NATS_PUB; }
        if (w == GA__W('m', 's', 'g', 0)) { *dirs = 2; return GA_NATS_MSG; }
        if (w == GA__W('s', 'u', 'b', 0)) { *dirs = 1; return GA_NATS_SUB; }
        if (w == GA__W('+', 'o', 'k', 0)) { *dirs = 2; return GA_NATS_OK; }
        return GA_NATS_NONE;
    case 4:
        w = ga__word(p);
        if (w == GA__W('h', 'p', 'u', 'b')) { *dirs = 1; return GA_NATS_HPUB; }
        if (w == GA__W('h', 'm', 's', 'g')) { *dirs = 2; return GA_NATS_HMSG; }
        if (w == GA__W('p', 'i', 'n', 'g')) { *dirs = 3; return GA_NATS_PING; }
        if (w == GA__W('p', 'o', 'n', 'g')) { *dirs = 3; return GA_NATS_PONG; }
        if (w == GA__W('i', 'n', 'f', 'o')) { *dirs = 2; return GA_NATS_INFO; }
        if (w == GA__W('-', 'e', 'r', 'r')) { *dirs = 2; return GA_NATS_ERR; }
        return GA_NATS_NONE;
    case 5:
        *dirs = 1;
        return ga__word(p) == GA__W('u', 'n', 's', 'u') && (p[4] | 0x20) == 'b' ? GA_NATS_UNSUB
                                                                               : GA_NATS_NONE;
    case 7:
        *dirs = 1;
        return ga__word(p) == GA__W('c', 'o', 'n', 'n') && ga__word(p + 3) == GA__W('n', 'e', 'c', 't')
                   ? GA_NATS_CONNECT : GA_NATS_NONE;
    default:
        return GA_NATS_NONE;
    }
}

int ga_nats_op_of(const uint8_t *p, size_t n, int dir)
{
    int dirs = 0, op = ga__op(p, n, &dirs);
    return (dirs & (1 << dir)) ? op : GA_NATS_NONE;
}

int ga_nats_info_prefix(const uint8_t *p, size_t n)
{
    static const char info[] = "info ";
    for (size_t i = 0; i < n && i < 5; i++) {
        uint8_t c = ga_nats_lower(p[i]);
        if (i == 4 ? !ga_nats_ws(c) : c != (uint8_t)info[i])
            return 0;
    }
    return n > 0;
}

/* A byte count: 1 to 10 digits, at most GA_NATS_MAX_SIZE; -1 otherwise. */
static int64_t ga__count(const uint8_t *p, size_t n)
{
    if (n == 0 || n > 10)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    return v <= GA_NATS_MAX_SIZE ? (int64_t)v : -1;
}

/* The end of the token that starts at p[i] (the first space or tab, or `end`). Eight bytes
 * at a time while eight remain before `end` (SWAR: a byte equal to ' ' or '\t' makes the
 * has-zero test of the word XOR that byte's pattern fire). */
static size_t ga__tok(const uint8_t *p, size_t i, size_t end)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (i + 8 <= end) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        uint64_t a = w ^ (ones * ' '), b = w ^ (ones * '\t');
        if ((((a - ones) & ~a) | ((b - ones) & ~b)) & highs)
            break;
        i += 8;
    }
    while (i < end && !ga_nats_ws(p[i]))
        i++;
    return i;
}

/* Lines shorter than 64 bytes (nearly all: `PUB <subject> <n>`, `MSG <subject> <sid> <n>`)
 * are split through a bitmap of their separators instead of a test per byte per scan: bit i
 * set when p[i] is a space or a tab, and every bit from the line's end on, so a field is a
 * run of clear bits and each field costs two count-trailing-zeros. The bitmap is built sixteen
 * bytes at a time (SSE2 where there is SSE2; elsewhere a byte loop gives the same bits). The
 * fields found are exactly those of the byte scan above, which longer lines keep. */
#define GA__SHORT 64

/* Separator bits of the sixteen bytes at p (all readable). */
static uint32_t ga__seps16(const uint8_t *p)
{
#ifdef __SSE2__
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i s = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
                             _mm_cmpeq_epi8(v, _mm_set1_epi8('\t')));
    return (uint32_t)_mm_movemask_epi8(s);
#else
    uint32_t m = 0;
    for (int i = 0; i < 16; i++)
        m |= (uint32_t)ga_nats_ws(p[i]) << i;
    return m;
#endif
}

/* The separator bitmap of p[0..end), end < GA__SHORT, bits from end on set. Reads nothing
 * outside p[0..end): a last block shorter than sixteen bytes is read as the sixteen bytes that
 * end at `end` (when the line has them) or from a zero-padded copy. */
static uint64_t ga__seps(const uint8_t *p, size_t end)
{
    uint64_t m = ~0ull << end;
    size_t j = 0;
    for (; j + 16 <= end; j += 16)
        m |= (uint64_t)ga__seps16(p + j) << j;
    if (j < end) {
        uint32_t t;
        if (end >= 16) {
            t = ga__seps16(p + end - 16) >> (16 - (end - j));
        } else {
            uint8_t pad[16] = { 0 };
            memcpy(pad, p, end);
            t = ga__seps16(pad);
        }
        m |= ((uint64_t)t & ((1ull << (end - j)) - 1)) << j;
    }
    return m;
}

#define GA__MAXTOK 6

/* The fields after the op: subject, reply/queue, sid and counts, by op and field count. */
static int ga__fields(ga_nats_line *l, const uint8_t *const *t, const uint16_t *tl, int nt)
{
    int sid_i = -1, subj_i = 0, reply_i = -1, ncounts = 0;
    switch (l->op) {
    case GA_NATS_PUB:   if (nt != 2 && nt != 3) return -1; reply_i = nt == 3 ? 1 : -1; ncounts = 1; break;
    case GA_NATS_HPUB:  if (nt != 3 && nt != 4) return -1; reply_i = nt == 4 ? 1 : -1; ncounts = 2; break;
    case GA_NATS_MSG:   if (nt != 3 && nt != 4) return -1; sid_i = 1; reply_i = nt == 4 ? 2 : -1; ncounts = 1; break;
    case GA_NATS_HMSG:  if (nt != 4 && nt != 5) return -1; sid_i = 1; reply_i = nt == 5 ? 2 : -1; ncounts = 2; break;
    case GA_NATS_SUB:   if (nt != 2 && nt != 3) return -1; reply_i = nt == 3 ? 1 : -1; sid_i = nt - 1; break;
    case GA_NATS_UNSUB: if (nt != 1 && nt != 2) return -1; subj_i = -1; sid_i = 0; break;
    default:            return nt == 0 ? 0 : -1;
    }
    if (subj_i >= 0)
        l->subj = t[subj_i], l->subj_len = tl[subj_i];
    if (reply_i >= 0)
        l->reply = t[reply_i], l->reply_len = tl[reply_i];
    if (sid_i >= 0)
        l->sid = t[sid_i], l->sid_len = tl[sid_i];
    if (ncounts == 0)
        return 0;
    int64_t last = ga__count(t[nt - 1], tl[nt - 1]);
    int64_t first = ncounts == 2 ? ga__count(t[nt - 2], tl[nt - 2]) : 0;
    if (last < 0 || first < 0 || first > last)
        return -1;
    l->total = (uint64_t)last;
    l->hdr = (uint64_t)first;
    l->size_at = (uint16_t)(t[nt - ncounts] - l->raw);
    return 0;
}

/* The fields of a short line p[0..end) from its separator bitmap m, after the op (which ends
 * at i): 0 with t, tl, *nt filled, -1 when there are more than GA__MAXTOK. */
static int ga__split_short(const uint8_t *p, uint64_t m, size_t i, const uint8_t **t,
                           uint16_t *tl, int *nt)
{
    *nt = 0;
    for (;;) {
        uint64_t f = ~m & (~0ull << i);         /* field bytes from i on (none past the end) */
        if (f == 0)
            return 0;
        size_t s = (size_t)__builtin_ctzll(f);
        i = (size_t)__builtin_ctzll(m & (~0ull << s));
        if (*nt == GA__MAXTOK)
            return -1;
        t[*nt] = p + s;
        tl[(*nt)++] = (uint16_t)(i - s);
    }
}

/* The same for any line, one byte at a time. */
static int ga__split_long(const uint8_t *p, size_t end, size_t i, const uint8_t **t,
                          uint16_t *tl, int *nt)
{
    *nt = 0;
    for (;;) {
        while (i < end && ga_nats_ws(p[i]))
            i++;
        if (i >= end)
            return 0;
        size_t s = i;
        i = ga__tok(p, i, end);
        if (*nt == GA__MAXTOK)
            return -1;
        t[*nt] = p + s;
        tl[(*nt)++] = (uint16_t)(i - s);
    }
}

/* The count token p[0..n), 1 to 4 digits (a payload of up to 9,999 bytes): its value, else -1
 * (longer counts take the general path). */
static inline int64_t ga__count4(const uint8_t *p, size_t n)
{
    int64_t v = 0;
    if (n - 1 > 3)                              /* n == 0 wraps */
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)p[i] - '0';
        if (d > 9)
            return -1;
        v = v * 10 + d;
    }
    return v;
}

/* The shapes nearly every message has, in upper case with single spaces and no reply:
 * `PUB <subject> <n>` and `HPUB <subject> <h> <n>` from a client, `MSG <subject> <sid> <n>` and
 * `HMSG <subject> <sid> <h> <n>` from a server, a short line whose separator bitmap m
 * (ga__seps) holds exactly those spaces. Fills l as the general path would
 * (tests/unit/test_nats_parser.c compares the two) and returns 1; 0 leaves the line to the
 * general path, untouched. */
static int ga__fast(ga_nats_line *l, const uint8_t *p, size_t n, size_t end, uint64_t m, int dir)
{
    uint32_t w;
    memcpy(&w, p, 4);
    int op;
    size_t at = 3;                              /* the op's space */
    if (dir == GA_NATS_C2S)
        op = w == GA__W('P', 'U', 'B', ' ') ? GA_NATS_PUB
           : w == GA__W('H', 'P', 'U', 'B') && p[4] == ' ' ? (at = 4, GA_NATS_HPUB) : GA_NATS_NONE;
    else
        op = w == GA__W('M', 'S', 'G', ' ') ? GA_NATS_MSG
           : w == GA__W('H', 'M', 'S', 'G') && p[4] == ' ' ? (at = 4, GA_NATS_HMSG) : GA_NATS_NONE;
    if (op == GA_NATS_NONE)
        return 0;
    int has_sid = op == GA_NATS_MSG || op == GA_NATS_HMSG, has_hdr = op == GA_NATS_HPUB || op == GA_NATS_HMSG;
    /* the separators after the op's, one after each token but the last: c0 ends the subject,
     * c1 and c2 the sid's and the header size's when the op has them (straight-line code: a
     * loop here costs PUB and MSG lines ~30 instructions more) */
    uint64_t seps = m & ((1ull << end) - 1) & ~(1ull << at);
    size_t want = 1 + (size_t)has_sid + (size_t)has_hdr, c0, c1 = 0, c2 = 0;
    if (seps == 0)
        return 0;
    c0 = (size_t)__builtin_ctzll(seps);
    seps &= seps - 1;
    if (want > 1) {
        if (seps == 0)
            return 0;
        c1 = (size_t)__builtin_ctzll(seps);
        seps &= seps - 1;
    }
    if (want > 2) {
        if (seps == 0)
            return 0;
        c2 = (size_t)__builtin_ctzll(seps);
        seps &= seps - 1;
    }
    size_t last = want == 1 ? c0 : want == 2 ? c1 : c2;
    if (seps != 0 || c0 == at + 1 || (want > 1 && c1 == c0 + 1) || (want > 2 && c2 == c1 + 1) ||
        last + 1 >= end)
        return 0;                               /* a reply, a separator too many, an empty token */
    int64_t total = ga__count4(p + last + 1, end - last - 1), hdr = 0;
    size_t size_at = last + 1;
    if (has_hdr) {
        size_t h = want == 2 ? c0 : c1;
        hdr = ga__count4(p + h + 1, last - h - 1);
        size_at = h + 1;
    }
    if (total < 0 || hdr < 0 || hdr > total)
        return 0;
    *l = (ga_nats_line){ .op = (uint8_t)op, .len = (uint16_t)n, .size_at = (uint16_t)size_at,
                         .raw = p, .subj = p + at + 1, .subj_len = (uint16_t)(c0 - at - 1),
                         .hdr = (uint64_t)hdr, .total = (uint64_t)total };
    if (has_sid) {
        l->sid = p + c0 + 1;
        l->sid_len = (uint16_t)(c1 - c0 - 1);
    }
    return 1;
}

int ga_nats_parse_line(ga_nats_line *l, const uint8_t *p, size_t n, int dir)
{
    size_t end = n - 1;                         /* p[end] is the LF */
    if (end > 0 && p[end - 1] == '\r')
        end--;
    uint64_t m = 0;
    size_t i = 0;
    if (end < GA__SHORT) {
        m = ga__seps(p, end);
        if (end >= 7 && ga__fast(l, p, n, end, m, dir))
            return 0;
        i = (size_t)__builtin_ctzll(m);         /* the end's bit is set: m is not 0 */
    } else {
        while (i < end && !ga_nats_ws(p[i]))
            i++;
    }
    l->op = (uint8_t)ga_nats_op_of(p, i, dir);
    l->in_place = 0;
    l->len = (uint16_t)n;
    l->size_at = 0;
    l->raw = p;
    l->subj = l->reply = l->sid = NULL;
    l->subj_len = l->reply_len = l->sid_len = 0;
    l->hdr = l->total = 0;
    if (l->op == GA_NATS_NONE || l->op == GA_NATS_INFO || l->op == GA_NATS_CONNECT)
        return -1;
    if (l->op == GA_NATS_ERR)
        return 0;                               /* the rest is a quoted message */
    const uint8_t *t[GA__MAXTOK];
    uint16_t tl[GA__MAXTOK];
    int nt;
    int rc = end < GA__SHORT ? ga__split_short(p, m, i, t, tl, &nt)
                             : ga__split_long(p, end, i, t, tl, &nt);
    if (rc != 0)
        return -1;
    return ga__fields(l, t, tl, nt);
}
