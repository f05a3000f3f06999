/* nats_strip.c — HMSG back to MSG, in place, across reads (contracts in nats_strip.h). */
#include <string.h>
#include "protocols/nats/nats_strip.h"

#define GA__TOKENS 8                /* HMSG subject sid reply h t: 6; more is malformed */
#define GA__MAX_COUNT 0x7fffffffu   /* the parser's own bound on a byte count */

void ga_nats_strip_init(ga_nats_strip *s, int mid_line)
{
    memset(s, 0, sizeof *s);
    s->mode = mid_line ? GA_NATS_SX_PASSLINE : GA_NATS_SX_LINE;
}

static int ga__ws(uint8_t c)
{
    return c == ' ' || c == '\t';
}

/* A byte count token; -1 when it is not one. */
static int64_t ga__count(const uint8_t *p, size_t n)
{
    if (n == 0 || n > 10)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)p[i] - '0';
        if (d > 9)
            return -1;
        v = v * 10 + d;
    }
    return v > GA__MAX_COUNT ? -1 : (int64_t)v;
}

/* The op of the line's first token: 1 MSG, 2 HMSG, 0 other (case as the parser: any). */
static int ga__op(const uint8_t *p, size_t n)
{
    if (n == 3 && (p[0] | 0x20) == 'm' && (p[1] | 0x20) == 's' && (p[2] | 0x20) == 'g')
        return 1;
    if (n == 4 && (p[0] | 0x20) == 'h' && ga__op(p + 1, 3) == 1)
        return 2;
    return 0;
}

/* Split line[0..n) (no CR LF) into at most GA__TOKENS tokens; -1 when there are more. */
static int ga__split(const uint8_t *line, size_t n, size_t *at, size_t *len)
{
    int k = 0;
    size_t i = 0;
    while (i < n) {
        while (i < n && ga__ws(line[i]))
            i++;
        if (i == n)
            break;
        if (k == GA__TOKENS)
            return -1;
        at[k] = i;
        while (i < n && !ga__ws(line[i]))
            i++;
        len[k] = i - at[k];
        k++;
    }
    return k;
}

static uint8_t *ga__put_u(uint8_t *out, uint64_t v)
{
    uint8_t tmp[20], *p = tmp + sizeof tmp;
    do {
        *--p = (uint8_t)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    size_t n = (size_t)(tmp + sizeof tmp - p);
    memcpy(out, p, n);
    return out + n;
}

/* The whole line b[i..j] (j = its LF) as output at b[w..]: returns the new w and sets the mode
 * for what follows. w <= i. */
static size_t ga__line(ga_nats_strip *s, uint8_t *b, size_t w, size_t i, size_t j)
{
    size_t end = j > i && b[j - 1] == '\r' ? j - 1 : j, at[GA__TOKENS], len[GA__TOKENS];
    const uint8_t *line = b + i;
    int k = ga__split(line, end - i, at, len);
    int op = k > 0 ? ga__op(line + at[0], len[0]) : 0;
    int64_t n = -1, h = -1;
    if (op == 1 && (k == 4 || k == 5))
        n = ga__count(line + at[k - 1], len[k - 1]);
    if (op == 2 && (k == 5 || k == 6)) {
        h = ga__count(line + at[k - 2], len[k - 2]);
        n = ga__count(line + at[k - 1], len[k - 1]);
        if (h < 0 || h > n)
            n = -1;
    }
    if (op != 0 && n < 0) {
        s->mode = GA_NATS_SX_OFF;               /* not a message the parser would accept */
        memmove(b + w, line, j + 1 - i);
        return w + (j + 1 - i);
    }
    if (op != 2) {                              /* MSG or any other line: as it is */
        memmove(b + w, line, j + 1 - i);
        if (op == 1) {
            s->mode = GA_NATS_SX_PASS;
            s->left = (uint64_t)n + 2;
        }
        return w + (j + 1 - i);
    }
    /* HMSG subject sid [reply] h t  ->  MSG subject sid [reply] t-h; every token moves left */
    uint8_t *o = b + w;
    memcpy(o, "MSG", 3);
    o += 3;
    for (int t = 1; t < k - 2; t++) {
        *o++ = ' ';
        memmove(o, line + at[t], len[t]);
        o += len[t];
    }
    *o++ = ' ';
    o = ga__put_u(o, (uint64_t)(n - h));
    *o++ = '\r';
    *o++ = '\n';
    s->mode = h > 0 ? GA_NATS_SX_SKIP : GA_NATS_SX_PASS;
    s->left = h > 0 ? (uint64_t)h : (uint64_t)(n - h) + 2;
    s->after = (uint64_t)(n - h) + 2;
    return (size_t)(o - b);
}

size_t ga_nats_strip_run(ga_nats_strip *s, uint8_t *b, size_t n, size_t *tail)
{
    size_t i = 0, w = 0;
    *tail = 0;
    while (i < n) {
        size_t k;
        const uint8_t *nl;
        switch (s->mode) {
        case GA_NATS_SX_PASS:
        case GA_NATS_SX_SKIP:
            k = n - i < s->left ? n - i : (size_t)s->left;
            if (s->mode == GA_NATS_SX_PASS) {
                memmove(b + w, b + i, k);
                w += k;
            }
            i += k;
            s->left -= k;
            if (s->left == 0) {
                s->mode = s->mode == GA_NATS_SX_SKIP ? GA_NATS_SX_PASS : GA_NATS_SX_LINE;
                s->left = s->mode == GA_NATS_SX_PASS ? s->after : 0;
            }
            break;
        case GA_NATS_SX_PASSLINE:
            nl = memchr(b + i, '\n', n - i);
            k = nl ? (size_t)(nl - (b + i)) + 1 : n - i;
            memmove(b + w, b + i, k);
            w += k;
            i += k;
            if (nl)
                s->mode = GA_NATS_SX_LINE;
            break;
        case GA_NATS_SX_LINE:
            if ((b[i] | 0x20) != 'm' && (b[i] | 0x20) != 'h') {
                s->mode = GA_NATS_SX_PASSLINE;  /* not a message: no need to see it whole */
                break;
            }
            nl = memchr(b + i, '\n', n - i);
            if (nl == NULL) {
                if (n - i > GA_NATS_STRIP_LINE) {
                    s->mode = GA_NATS_SX_OFF;   /* no control line is that long */
                    break;
                }
                memmove(b + w, b + i, n - i);   /* the tail: presented again next time */
                *tail = n - i;
                return w;
            }
            w = ga__line(s, b, w, i, (size_t)(nl - b));
            i = (size_t)(nl - b) + 1;
            break;
        default:                                /* OFF */
            memmove(b + w, b + i, n - i);
            w += n - i;
            i = n;
            break;
        }
    }
    return w;
}
