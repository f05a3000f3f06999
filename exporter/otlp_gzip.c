/* otlp_gzip.c — gzip for OTLP bodies (contract in otlp_gzip.h): libdeflate for any body, and
 * a DEFLATE encoder that knows trace requests: fixed Huffman codes, back-references from each
 * span to the one before it.
 *
 * The span encoder walks the request as protobuf: ExportTraceServiceRequest.resource_spans (1)
 * → ResourceSpans.scope_spans (2) → ScopeSpans.spans (2). A span of the same length as the
 * previous one is compared with it byte for byte; otherwise their fields are paired in order
 * and fields of equal length are compared. Runs of at least 3 equal bytes become matches at
 * the distance between the two spans (≤ 32 KiB), adjacent ones merged; all other bytes are
 * literals. libdeflate computes the CRC-32 (carry-less multiplication, a fraction of an
 * instruction per byte). */
#include <stdint.h>
#include <string.h>
#include <libdeflate.h>
#include "exporter/otlp_gzip.h"

/* ---- gzip of any body ---------------------------------------------------------------------- */

static struct libdeflate_compressor *ga__ld;      /* level 1, made on first use */

int ga_otlp_gzip(const void *in, size_t n, ga_buf *out)
{
    ga_buf_reset(out);
    if (ga__ld == NULL && (ga__ld = libdeflate_alloc_compressor(1)) == NULL)
        return -1;
    size_t bound = libdeflate_gzip_compress_bound(ga__ld, n);
    char *p = ga_buf_room(out, bound);
    if (p == NULL)
        return -1;
    out->len = libdeflate_gzip_compress(ga__ld, in, n, p, bound);
    return out->len > 0 ? 0 : -1;
}

/* ---- fixed-Huffman codes ------------------------------------------------------------------- */

typedef struct ga__code {
    uint32_t bits;          /* the code bit-reversed (DEFLATE sends Huffman codes MSB first into
                             * an LSB-first stream), with the extra bits above it */
    uint8_t len;
} ga__code;

static ga__code ga__lit[288];           /* literal/length symbols */
static ga__code ga__len[259];           /* match length 3..258: symbol + extra bits */
static uint8_t ga__dsym[512];           /* distance - 1 → symbol (small), (d - 1) >> 7 (large) */
static int ga__ready;

static const uint16_t ga__len_base[29] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27,
    31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const uint8_t ga__len_extra[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3,
    3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const uint16_t ga__dist_base[30] = { 1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129,
    193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577 };
static const uint8_t ga__dist_extra[30] = { 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7,
    8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };

static uint32_t ga__reverse(uint32_t code, unsigned len)
{
    uint32_t r = 0;
    for (unsigned i = 0; i < len; i++)
        r |= ((code >> i) & 1u) << (len - 1 - i);
    return r;
}

/* RFC 1951 §3.2.6: 0-143 → 8 bits from 0x30, 144-255 → 9 bits from 0x190, 256-279 → 7 bits
 * from 0, 280-287 → 8 bits from 0xc0; distances: 5 bits, the symbol itself. */
static void ga__tables(void)
{
    for (unsigned v = 0; v < 288; v++) {
        unsigned code = v < 144 ? 0x30 + v : v < 256 ? 0x190 + (v - 144)
                      : v < 280 ? v - 256 : 0xc0 + (v - 280);
        unsigned len = v < 144 ? 8 : v < 256 ? 9 : v < 280 ? 7 : 8;
        ga__lit[v] = (ga__code){ ga__reverse(code, len), (uint8_t)len };
    }
    for (unsigned s = 0; s < 29; s++) {
        unsigned hi = s == 28 ? 258 : ga__len_base[s + 1] - 1u;
        for (unsigned l = ga__len_base[s]; l <= hi; l++) {
            const ga__code *c = &ga__lit[257 + s];
            ga__len[l] = (ga__code){ c->bits | (uint32_t)(l - ga__len_base[s]) << c->len,
                                     (uint8_t)(c->len + ga__len_extra[s]) };
        }
    }
    for (unsigned s = 0; s < 30; s++)
        for (unsigned d = ga__dist_base[s]; d < (s == 29 ? 32769u : ga__dist_base[s + 1]); d++) {
            if (d <= 256)
                ga__dsym[d - 1] = (uint8_t)s;
            else
                ga__dsym[256 + ((d - 1) >> 7)] = (uint8_t)s;
        }
    ga__ready = 1;
}

/* ---- the bit writer and the pending match --------------------------------------------------- */

typedef struct ga__enc {
    uint8_t *o;             /* output position */
    uint64_t bits;
    unsigned nbits;
    const uint8_t *in;
    size_t mpos, mlen, mdist;   /* a match not written yet (mlen 0: none) */
} ga__enc;

static inline void ga__put(ga__enc *e, uint32_t bits, unsigned len)
{
    e->bits |= (uint64_t)bits << e->nbits;
    e->nbits += len;
    if (e->nbits >= 32) {
        uint32_t w = (uint32_t)e->bits;
        memcpy(e->o, &w, 4);
        e->o += 4;
        e->bits >>= 32;
        e->nbits -= 32;
    }
}

static void ga__put_match(ga__enc *e, size_t len, size_t dist)
{
    unsigned ds = dist <= 256 ? ga__dsym[dist - 1] : ga__dsym[256 + ((dist - 1) >> 7)];
    uint32_t dbits = ga__reverse(ds, 5) | (uint32_t)(dist - ga__dist_base[ds]) << 5;
    unsigned dlen = 5 + ga__dist_extra[ds];
    while (len >= 3) {
        size_t l = len <= 258 ? len : len - 258 < 3 ? len - 3 : 258;
        ga__put(e, ga__len[l].bits, ga__len[l].len);
        ga__put(e, dbits, dlen);
        len -= l;
    }
}

static void ga__flush_match(ga__enc *e)
{
    if (e->mlen > 0) {
        ga__put_match(e, e->mlen, e->mdist);
        e->mlen = 0;
    }
}

static void ga__literals(ga__enc *e, size_t pos, size_t n)
{
    ga__flush_match(e);
    uint64_t bits = e->bits;                        /* the bit buffer kept in registers */
    unsigned nbits = e->nbits;
    uint8_t *o = e->o;
    for (const uint8_t *p = e->in + pos, *end = p + n; p < end; p++) {
        bits |= (uint64_t)ga__lit[*p].bits << nbits;
        nbits += ga__lit[*p].len;
        if (nbits >= 32) {
            uint32_t w = (uint32_t)bits;
            memcpy(o, &w, 4);
            o += 4;
            bits >>= 32;
            nbits -= 32;
        }
    }
    e->bits = bits;
    e->nbits = nbits;
    e->o = o;
}

/* in[pos .. pos+len) equals in[pos-dist ..): a match, merged with the pending one when they
 * touch at the same distance. */
static void ga__match(ga__enc *e, size_t pos, size_t len, size_t dist)
{
    if (e->mlen > 0 && e->mdist == dist && e->mpos + e->mlen == pos) {
        e->mlen += len;
        return;
    }
    ga__flush_match(e);
    e->mpos = pos;
    e->mlen = len;
    e->mdist = dist;
}

/* The end of the run of equal bytes of x and y from j (at most n), eight at a time. */
static inline size_t ga__equal_to(const uint8_t *x, const uint8_t *y, size_t j, size_t n)
{
    for (; j + 8 <= n; j += 8) {
        uint64_t u, v;
        memcpy(&u, x + j, 8);
        memcpy(&v, y + j, 8);
        if (u != v)
            return j + (size_t)__builtin_ctzll(u ^ v) / 8;
    }
    while (j < n && x[j] == y[j])
        j++;
    return j;
}

/* in[a .. a+n) against in[b .. b+n) (b < a, a - b <= 32768): equal runs of 3 or more bytes
 * (or touching the pending match) as matches, the bytes between them as literals. */
static void ga__diff(ga__enc *e, size_t a, size_t b, size_t n)
{
    const uint8_t *x = e->in + a, *y = e->in + b;
    size_t dist = a - b, lit = 0, i = 0;
    if (a <= b || dist > 32768) {                   /* out of DEFLATE's window */
        ga__literals(e, a, n);
        return;
    }
    while (i < n) {
        if (x[i] != y[i]) {                         /* a differing byte: a literal */
            i++;
            continue;
        }
        size_t j = ga__equal_to(x, y, i + 1, n);    /* the equal run from i */
        if (j - i >= 3 || (lit == i && e->mlen > 0 && e->mdist == dist && e->mpos + e->mlen == a + i)) {
            if (i > lit)
                ga__literals(e, a + lit, i - lit);
            ga__match(e, a + i, j - i, dist);
            lit = j;
        }
        i = j;
    }
    if (n > lit)
        ga__literals(e, a + lit, n - lit);
}

/* ---- walking the protobuf ------------------------------------------------------------------ */

/* A varint at in[*p .. end); 0 (and *p unchanged) when it is cut or too long. */
static int ga__varint(const uint8_t *in, size_t *p, size_t end, uint64_t *v)
{
    uint64_t x = 0;
    for (size_t i = *p, s = 0; i < end && s < 64; i++, s += 7) {
        x |= (uint64_t)(in[i] & 0x7f) << s;
        if (!(in[i] & 0x80)) {
            *v = x;
            *p = i + 1;
            return 1;
        }
    }
    return 0;
}

/* The field at in[p ..): its tag in *tag, where its content starts in *body (for LEN fields;
 * the field's end otherwise) and its end in *next. 0 when it does not parse within end. */
static int ga__field(const uint8_t *in, size_t p, size_t end, uint64_t *tag, size_t *body, size_t *next)
{
    uint64_t t, l;
    if (!ga__varint(in, &p, end, &t))
        return 0;
    *tag = t;
    switch (t & 7) {
    case 0: *body = p; return ga__varint(in, &p, end, &l) && (*next = p, 1);
    case 1: l = 8; break;
    case 5: l = 4; break;
    case 2: if (!ga__varint(in, &p, end, &l)) return 0; break;
    default: return 0;
    }
    if (l > end - p)
        return 0;
    *body = p;
    *next = p + l;
    return 1;
}

/* One span's content in[s .. s_end) against the previous one's in[p .. p_end) (p_end 0: none). */
static void ga__span(ga__enc *e, size_t s, size_t s_end, size_t p, size_t p_end)
{
    if (p_end == 0 || s - p > 32768) {
        ga__literals(e, s, s_end - s);
        return;
    }
    if (s_end - s == p_end - p) {                   /* same layout, nearly always */
        ga__diff(e, s, p, s_end - s);
        return;
    }
    while (s < s_end) {                             /* pair the fields in order */
        uint64_t ts, tp;
        size_t bs, ns, bp, np;
        if (!ga__field(e->in, s, s_end, &ts, &bs, &ns)) {
            ga__literals(e, s, s_end - s);
            return;
        }
        if (p < p_end && ga__field(e->in, p, p_end, &tp, &bp, &np) && tp == ts && np - p == ns - s) {
            ga__diff(e, s, p, ns - s);
            p = np;
        } else {
            ga__literals(e, s, ns - s);
            p = p_end;                              /* out of step: the rest are literals */
        }
        s = ns;
    }
}

/* The content of a message in[a .. b): `want` is the field number whose content `inner` walks
 * (NULL: the spans), all else literals. */
typedef struct ga__walk { uint64_t want; const struct ga__walk *inner; } ga__walk;

static void ga__message(ga__enc *e, size_t a, size_t b, const ga__walk *w, size_t *prev, size_t *prev_end)
{
    while (a < b) {
        uint64_t tag;
        size_t body, next;
        if (!ga__field(e->in, a, b, &tag, &body, &next)) {
            ga__literals(e, a, b - a);
            return;
        }
        if (tag != (w->want << 3 | 2)) {
            ga__literals(e, a, next - a);
        } else if (w->inner != NULL) {
            ga__literals(e, a, body - a);           /* the tag and length */
            ga__message(e, body, next, w->inner, prev, prev_end);
        } else {
            ga__literals(e, a, body - a);
            ga__span(e, body, next, *prev, *prev_end);
            *prev = body;
            *prev_end = next;
        }
        a = next;
    }
}

static const ga__walk ga__w_spans = { 2, NULL };                   /* ScopeSpans.spans */
static const ga__walk ga__w_scope_spans = { 2, &ga__w_spans };     /* ResourceSpans.scope_spans */
static const ga__walk ga__w_request = { 1, &ga__w_scope_spans };  /* request.resource_spans */

int ga_otlp_gzip_spans(const void *in, size_t n, ga_buf *out)
{
    if (!ga__ready)
        ga__tables();
    ga_buf_reset(out);
    if (n > UINT32_MAX)
        return -1;
    uint8_t *o = ga_buf_room(out, 10 + n + n / 2 + 64);  /* at worst 31 bits per 3 bytes */
    if (o == NULL)
        return -1;
    static const uint8_t head[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255 };
    memcpy(o, head, sizeof head);
    ga__enc e = { .o = o + 10, .in = in };
    ga__put(&e, 1 | 1 << 1, 3);                     /* BFINAL, BTYPE 01: fixed Huffman */
    size_t prev = 0, prev_end = 0;
    ga__message(&e, 0, n, &ga__w_request, &prev, &prev_end);
    ga__flush_match(&e);
    ga__put(&e, ga__lit[256].bits, ga__lit[256].len);    /* end of block */
    while (e.nbits > 0) {
        *e.o++ = (uint8_t)e.bits;
        e.bits >>= 8;
        e.nbits = e.nbits > 8 ? e.nbits - 8 : 0;
    }
    uint32_t crc = libdeflate_crc32(0, in, n), size = (uint32_t)n;
    memcpy(e.o, &crc, 4);
    memcpy(e.o + 4, &size, 4);
    out->len = (size_t)(e.o + 8 - o);
    return 0;
}
