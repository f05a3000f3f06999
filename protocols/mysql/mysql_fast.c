/* mysql_fast.c — the MySQL parser's fast path (see mysql.h, "Fast path"): the common case of
 * one command at a time, each direction's bytes arriving whole.
 *
 * A client library that waits for each response (libmariadb, libmysqlclient, PyMySQL, JDBC
 * without pipelining) writes one whole COM_QUERY packet while nothing is in flight and, for a
 * point select, usually reads the whole response — column count, definitions, [EOF], rows,
 * terminator — in one read. For exactly those bytes this file does in one pass what the
 * framing and the response state machine do packet by packet, and leaves the parser in the
 * same state, byte for byte. Anything else — a packet split across reads or over 16 MiB,
 * another command in flight, query attributes, LOCAL INFILE, an error or a progress report
 * among the rows, multiple results, cursors, optional metadata left out, a response cut or
 * followed by more bytes — is declined before anything changes and takes the general path.
 * tests/unit/test_mysql_fast.c and the MySQL fuzz target check both paths against each other. */
#include <string.h>
#include "protocols/mysql/mysql_int.h"

/* The physical packet at q (before end): its payload length, or -1 when it is not whole
 * here or is 0xffffff long (continued by another). */
static inline long ga__packet(const uint8_t *q, const uint8_t *end)
{
    size_t left = (size_t)(end - q);
    if (left < 4)
        return -1;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint32_t plen;
    memcpy(&plen, q, 4);                        /* one load: the header's 4 bytes */
    plen &= 0xffffff;
#else
    uint32_t plen = ga_my_le24(q);
#endif
    return plen < 0xffffff && plen <= left - 4 ? (long)plen : -1;
}

int ga_my__fast_cmd(ga_my_parser *ps, const uint8_t *p, size_t n, const ga_my_sink *sink, void *ctx)
{
    ga_my_dir *d = &ps->d[GA_MY_DIR_CLIENT];
    long plen = n > 5 ? ga__packet(p, p + n) : -1;
    if (plen < 1 || (size_t)plen + 4 != n || p[3] != 0 || p[4] != GA_MY_COM_QUERY ||
        ps->qn != 0 || (ps->caps & GA_MY_CLIENT_QUERY_ATTRS))
        return 0;
    /* What ga__whole_packet, ga__process_head and ga_my__client_cmd leave behind. */
    size_t hn = (size_t)plen < GA_MY_CHEAD ? (size_t)plen : GA_MY_CHEAD;
    d->plen = (uint32_t)plen;
    d->seq = 0;
    d->cont = 0;
    d->head_len = d->head_cap = (uint16_t)hn;
    d->head_done = 1;
    d->streaming = GA_MY_ST_NONE;
    int tag = sink->cmd_begin != NULL ? sink->cmd_begin(ctx, GA_MY_COM_QUERY, 0) : -1;
    memset(&ps->res, 0, sizeof ps->res);
    ga_my_cmd *c = &ps->q[ps->qhead];
    memset(c, 0, sizeof *c);
    c->cmd = GA_MY_COM_QUERY;
    c->tag = (int8_t)(tag < 0 || tag > 127 ? -1 : tag);
    c->state = GA_MY_R_FIRST;
    ps->qn = 1;
    if (c->tag >= 0) {
        d->text_from = 1;
        d->tag = c->tag;
        if (plen > 1 && sink->cmd_text != NULL)
            sink->cmd_text(ctx, c->tag, p + 5, (size_t)plen - 1);
    }
    return 1;
}

/* An OK packet's status flags, read without acting on its session-state changes (0 when it
 * is too short to tell, as ga_my__ok_packet). */
static uint16_t ga__ok_status(const uint8_t *h, size_t n)
{
    size_t o = 1;
    uint64_t v;
    if (ga_my_lenenc(h, n, &o, &v) < 0 || ga_my_lenenc(h, n, &o, &v) < 0 || o + 4 > n)
        return 0;
    return ga_my_le16(h + o);
}

/* A response whose first packet, at q (payload plen), is a column count: where its rows
 * start — after the definitions and, without CLIENT_DEPRECATE_EOF, the EOF after them — or
 * NULL to decline (definitions left out, not whole here, no EOF where one must be, a cursor). */
static const uint8_t *ga__result_head(const ga_my_parser *ps, const ga_my_cmd *c, const uint8_t *q,
                                      const uint8_t *end, long plen)
{
    const uint8_t *h = q + 4;
    size_t hn = (size_t)plen < GA_MY_SHEAD ? (size_t)plen : GA_MY_SHEAD, o = 0;
    uint64_t cols;
    if (ga_my_lenenc(h, hn, &o, &cols) < 0 || cols == 0 || cols > 0xffff)
        return NULL;
    if (((ps->caps & GA_MY_CLIENT_OPTIONAL_META) ||
         ((ps->caps & GA_MY_MARIADB_CACHE_META) && c->cmd == GA_MY_COM_STMT_EXECUTE)) && o < hn &&
        h[o] == 0)
        return NULL;                                   /* no definitions follow */
    q += 4 + plen;
    for (uint64_t left = cols; left > 0;) {             /* definitions: counted, not read */
        if ((plen = ga__packet(q, end)) < 0)
            return NULL;
        left -= plen > 0;                              /* empty packets count for nothing */
        q += 4 + plen;
    }
    if (ps->caps & GA_MY_CLIENT_DEPRECATE_EOF)
        return q;
    do {                                                /* the EOF after the definitions */
        if ((plen = ga__packet(q, end)) < 0)
            return NULL;
        q += 4 + plen;
    } while (plen == 0);
    h = q - plen;
    if (h[0] != 0xfe || plen >= 9 || (plen >= 5 && (ga_my_le16(h + 3) & GA_MY_STATUS_CURSOR_EXISTS)))
        return NULL;
    return q;
}

int ga_my__fast_resp(ga_my_parser *ps, const uint8_t *p, size_t n, const ga_my_sink *sink, void *ctx)
{
    ga_my_cmd *c = &ps->q[ps->qhead];
    const uint8_t *q = p, *end = p + n, *h = NULL;
    long plen = ga__packet(q, end);
    if (ps->qn != 1 || c->state != GA_MY_R_FIRST || plen < 1)
        return 0;
    uint8_t b0 = q[4];
    uint64_t rows = 0;
    uint32_t sets = 0;
    int deprecate = (ps->caps & GA_MY_CLIENT_DEPRECATE_EOF) != 0;
    if (b0 == 0x00) {                                   /* OK: the whole response */
        h = q + 4;
        q += 4 + plen;
    } else if (b0 == 0xff || b0 == 0xfb) {
        return 0;                                       /* ERR, LOCAL INFILE: general path */
    } else {
        if ((q = ga__result_head(ps, c, q, end, plen)) == NULL)
            return 0;
        sets = 1;
        for (;;) {                                      /* rows until the terminator */
            if ((plen = ga__packet(q, end)) < 0)
                return 0;
            h = q + 4;
            q += 4 + plen;
            if (plen == 0)
                continue;
            if (h[0] == 0xff)
                return 0;                               /* an error (or progress) mid-rows */
            if (h[0] == 0xfe && (deprecate || plen < 9))
                break;
            rows++;
        }
    }
    size_t hn = (size_t)plen < GA_MY_SHEAD ? (size_t)plen : GA_MY_SHEAD;
    int ok_form = b0 == 0x00 || deprecate;
    uint16_t status = ok_form ? ga__ok_status(h, hn) : hn >= 5 ? ga_my_le16(h + 3) : 0;
    if (q != end || (status & GA_MY_STATUS_MORE_RESULTS))
        return 0;
    /* Committed: the state the general path leaves, then the same callbacks. */
    ga_my_dir *d = &ps->d[GA_MY_DIR_SERVER];
    d->plen = (uint32_t)plen;
    d->seq = h[-1];
    if (sets) {
        c->state = GA_MY_R_ROWS;
        c->count = 0;
    }
    if (ok_form && (status & GA_MY_STATUS_STATE_CHANGED))
        ga_my__ok_packet(ps, h, hn, sink, ctx);         /* session state: the schema */
    ps->res.result_sets += sets;
    ps->res.rows += rows;
    ga_my__finish(ps, GA_MY_OK, sink, ctx);
    return 1;
}
