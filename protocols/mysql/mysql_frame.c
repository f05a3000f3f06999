/* mysql_frame.c — MySQL packet framing per direction (see mysql.h): 4-byte headers, payloads
 * split across reads, payloads of 2^24-1 bytes continued by further packets (one logical
 * packet), the first bytes of each logical packet kept as its head and handed to the phase
 * logic, the rest streamed (command text, handshake response) or skipped. */
#include <string.h>
#include "protocols/mysql/mysql_int.h"

void ga_my__stop(ga_my_parser *ps, int why, const ga_my_sink *sink, void *ctx)
{
    if (ps->phase == GA_MY_PH_STOPPED)
        return;
    ps->phase = GA_MY_PH_STOPPED;
    ps->stop = (uint8_t)why;
    ps->qn = 0;
    if (sink->stopped != NULL)
        sink->stopped(ctx, why);
}

static size_t ga__head_cap(const ga_my_parser *ps, int fc)
{
    if (!fc)
        return GA_MY_SHEAD;
    return ps->phase == GA_MY_PH_LOGIN ? 32 : GA_MY_CHEAD;
}

/* The head of a logical packet is complete: hand it to the phase it belongs to. */
static void ga__head(ga_my_parser *ps, int fc, const uint8_t *h, size_t n,
                     const ga_my_sink *sink, void *ctx)
{
    switch (ps->phase) {
    case GA_MY_PH_GREETING:
        if (fc)
            ga_my__stop(ps, GA_MY_STOP_DESYNC, sink, ctx);
        else
            ga_my__greeting(ps, h, n, sink, ctx);
        break;
    case GA_MY_PH_LOGIN:
        if (fc)
            ga_my__login_head(ps, h, n, sink, ctx);
        else
            ga_my__auth_reply(ps, h, n, sink, ctx);    /* refused before the login was read */
        break;
    case GA_MY_PH_AUTH:
        if (!fc)
            ga_my__auth_reply(ps, h, n, sink, ctx);
        break;                                        /* client auth data: nothing to see */
    case GA_MY_PH_CMD:
        if (fc)
            ga_my__client_cmd(ps, h, n, sink, ctx);
        else
            ga_my__server_resp(ps, h, n, sink, ctx);
        break;
    default:
        break;
    }
}

static void ga__stream(ga_my_parser *ps, ga_my_dir *d, const uint8_t *p, size_t n,
                       const ga_my_sink *sink, void *ctx)
{
    if (n == 0)
        return;
    if (d->streaming == GA_MY_ST_LOGIN)
        ga_my__login_bytes(ps, p, n, sink, ctx);
    else if (d->streaming == GA_MY_ST_TEXT && sink->cmd_text != NULL && d->tag >= 0)
        sink->cmd_text(ctx, d->tag, p, n);
}

/* h: the head's n bytes (the caller's buffer or our copy). */
static void ga__process_head(ga_my_parser *ps, int fc, const uint8_t *h, size_t n,
                             const ga_my_sink *sink, void *ctx)
{
    ga_my_dir *d = &ps->d[fc];
    d->head_done = 1;
    d->streaming = GA_MY_ST_NONE;
    ga__head(ps, fc, h, n, sink, ctx);
    if (ps->phase != GA_MY_PH_STOPPED && d->streaming && d->text_from < n)
        ga__stream(ps, d, h + d->text_from, n - d->text_from, sink, ctx);
}

/* A physical packet's header is complete. */
static void ga__packet_start(ga_my_parser *ps, int fc)
{
    ga_my_dir *d = &ps->d[fc];
    uint32_t plen = ga_my_le24(d->hdr);
    d->cont = d->more;
    d->more = plen == 0xffffff;
    d->left = plen;
    d->hdr_have = 4;
    if (!d->cont) {
        d->plen = plen;
        d->seq = d->hdr[3];
        d->head_len = 0;
        d->head_done = 0;
        d->streaming = GA_MY_ST_NONE;
        size_t cap = ga__head_cap(ps, fc);
        d->head_cap = (uint16_t)(plen < cap ? plen : cap);
    }
}

/* Payload bytes of the current physical packet. The head is read in place when this chunk
 * holds all of it (the usual case), else gathered in the head buffer. */
static void ga__payload(ga_my_parser *ps, int fc, const uint8_t *p, size_t k,
                        const ga_my_sink *sink, void *ctx)
{
    ga_my_dir *d = &ps->d[fc];
    if (!d->head_done) {
        uint8_t *buf = fc ? ps->chead : ps->shead;
        size_t want = d->head_cap > d->head_len ? (size_t)(d->head_cap - d->head_len) : 0;
        size_t take = k < want ? k : want;
        const uint8_t *h = p;
        if (d->head_len > 0 || take < want) {
            memcpy(buf + d->head_len, p, take);
            h = buf;
        }
        d->head_len = (uint16_t)(d->head_len + take);
        p += take;
        k -= take;
        if (take == want)
            ga__process_head(ps, fc, h, d->head_len, sink, ctx);
    }
    if (k > 0 && ps->phase != GA_MY_PH_STOPPED && d->streaming)
        ga__stream(ps, d, p, k, sink, ctx);
}

/* A physical packet ended; the logical packet ends with it unless it was 0xffffff long. */
static void ga__packet_done(ga_my_parser *ps, int fc, const ga_my_sink *sink, void *ctx)
{
    ga_my_dir *d = &ps->d[fc];
    d->hdr_have = 0;
    if (d->more)
        return;
    if (!d->head_done)
        ga__process_head(ps, fc, NULL, 0, sink, ctx);   /* empty packet */
    if (fc && d->streaming == GA_MY_ST_LOGIN && ps->phase == GA_MY_PH_LOGIN)
        ps->phase = GA_MY_PH_AUTH;               /* handshake response complete */
    d->streaming = GA_MY_ST_NONE;
}

/* Header bytes at p (n > 0); returns how many were used. */
static size_t ga__header(ga_my_parser *ps, int fc, const uint8_t *p, size_t n)
{
    ga_my_dir *d = &ps->d[fc];
    size_t k = 4u - d->hdr_have;
    if (k == 4 && n >= 4) {
        memcpy(d->hdr, p, 4);                     /* the usual case: one load */
    } else {
        k = k < n ? k : n;
        memcpy(d->hdr + d->hdr_have, p, k);
    }
    d->hdr_have = (uint8_t)(d->hdr_have + k);
    if (d->hdr_have == 4)
        ga__packet_start(ps, fc);
    return k;
}

/* The usual case: a whole packet (header and payload, under 16 MiB) inside the chunk, none
 * in progress. Handled in place, without copying. Returns the bytes used, 0 when the general
 * path must take the bytes. */
static size_t ga__whole_packet(ga_my_parser *ps, int fc, const uint8_t *p, size_t n,
                               const ga_my_sink *sink, void *ctx)
{
    ga_my_dir *d = &ps->d[fc];
    if (d->hdr_have != 0 || d->more || n < 4)
        return 0;
    uint32_t plen = ga_my_le24(p);
    if (plen >= 0xffffff || plen > n - 4)
        return 0;
    size_t cap = ga__head_cap(ps, fc), hn = plen < cap ? plen : cap;
    d->plen = plen;
    d->seq = p[3];
    if (!fc && ps->phase == GA_MY_PH_CMD) {     /* responses: nothing streamed, no state kept */
        ga_my__server_resp(ps, p + 4, hn, sink, ctx);
        return 4 + (size_t)plen;
    }
    d->cont = 0;
    d->head_len = d->head_cap = (uint16_t)hn;
    ga__process_head(ps, fc, p + 4, hn, sink, ctx);
    if (ps->phase != GA_MY_PH_STOPPED && d->streaming && plen > hn)
        ga__stream(ps, d, p + 4 + hn, plen - hn, sink, ctx);
    if (fc && d->streaming == GA_MY_ST_LOGIN && ps->phase == GA_MY_PH_LOGIN)
        ps->phase = GA_MY_PH_AUTH;
    d->streaming = GA_MY_ST_NONE;
    return 4 + (size_t)plen;
}

/* The general path: packet by packet, any split. Kept out of ga_my_feed so that the fast
 * path does not pay for its frame. */
__attribute__((noinline))
static void ga__feed(ga_my_parser *ps, int fc, const uint8_t *p, size_t n,
                     const ga_my_sink *sink, void *ctx)
{
    ga_my_dir *d = &ps->d[fc];
    while (n > 0 && ps->phase != GA_MY_PH_STOPPED) {
        size_t used = ga__whole_packet(ps, fc, p, n, sink, ctx);
        if (used > 0) {
            p += used;
            n -= used;
            continue;
        }
        if (d->hdr_have < 4) {
            used = ga__header(ps, fc, p, n);
            p += used;
            n -= used;
            if (d->hdr_have == 4 && d->left == 0)
                ga__packet_done(ps, fc, sink, ctx);
            continue;
        }
        size_t k = n < d->left ? n : d->left;
        ga__payload(ps, fc, p, k, sink, ctx);
        p += k;
        n -= k;
        d->left -= (uint32_t)k;
        if (d->left == 0 && ps->phase != GA_MY_PH_STOPPED)
            ga__packet_done(ps, fc, sink, ctx);
    }
}

void ga_my_feed(ga_my_parser *ps, int from_client, const uint8_t *p, size_t n,
                const ga_my_sink *sink, void *ctx)
{
    int fc = from_client ? GA_MY_DIR_CLIENT : GA_MY_DIR_SERVER;
    const ga_my_dir *d = &ps->d[fc];
    if (ps->phase == GA_MY_PH_CMD && d->hdr_have == 0 && !d->more && !ps->general_only &&
        (fc ? ga_my__fast_cmd(ps, p, n, sink, ctx) : ga_my__fast_resp(ps, p, n, sink, ctx)))
        return;
    ga__feed(ps, fc, p, n, sink, ctx);
}
void ga_my_close(ga_my_parser *ps, const ga_my_sink *sink, void *ctx)
{
    if (ps->phase == GA_MY_PH_CMD) {
        ga_my_result r;
        memset(&r, 0, sizeof r);
        r.outcome = GA_MY_CLOSED;
        while (ps->qn > 0) {
            int tag = ps->q[ps->qhead].tag;
            ps->qhead = (uint8_t)((ps->qhead + 1) % GA_MY_QMAX);
            ps->qn--;
            if (sink->resp_end != NULL)
                sink->resp_end(ctx, tag, &r);
        }
    }
    ps->phase = GA_MY_PH_STOPPED;
}

void ga_my_give_up(ga_my_parser *ps)
{
    ps->phase = GA_MY_PH_STOPPED;
    ps->stop = GA_MY_STOP_DESYNC;
    ps->qn = 0;
}

int ga_my_looks_like_greeting(const uint8_t *p, size_t n)
{
    if (n < 4)
        return 0;
    uint32_t len = ga_my_le24(p);
    if (p[3] != 0 || len < 20 || len > 1024)
        return 0;
    if (n == 4)
        return 1;
    if (p[4] != 0x0a)
        return 0;
    /* A printable version string starting with a digit, NUL-terminated. */
    size_t end = n < 4 + (size_t)len ? n : 4 + (size_t)len;
    if (end > 5 && (p[5] < '0' || p[5] > '9'))
        return 0;
    for (size_t i = 5; i < end; i++) {
        if (p[i] == 0)
            return i > 5;
        if (p[i] < 0x20 || p[i] > 0x7e)
            return 0;
    }
    return end < 4 + (size_t)len;       /* version cut by the end of the chunk */
}
