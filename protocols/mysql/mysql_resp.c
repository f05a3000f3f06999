/* mysql_resp.c — server packets of the MySQL command phase (see mysql.h): each one advances
 * the response state of the oldest command in flight: OK / ERR / EOF, result sets (column
 * count, definitions, [EOF], rows, terminator) with or without CLIENT_DEPRECATE_EOF, more
 * results (SERVER_MORE_RESULTS_EXISTS), LOCAL INFILE, COM_STMT_PREPARE_OK and its
 * definitions. Rows are counted, never kept. */
#include <string.h>
#include "protocols/mysql/mysql_int.h"

void ga_my__finish(ga_my_parser *ps, int outcome, const ga_my_sink *sink, void *ctx)
{
    ga_my_cmd *c = &ps->q[ps->qhead];
    int tag = c->tag;
    ps->qhead = (uint8_t)((ps->qhead + 1) % GA_MY_QMAX);
    ps->qn--;
    ps->res.outcome = outcome;
    if (sink->resp_end != NULL)
        sink->resp_end(ctx, tag, &ps->res);
    memset(&ps->res, 0, sizeof ps->res);
}

/* ERR_Packet: 0xff, code, ['#', SQLSTATE], message. */
int ga_my__err(ga_my_parser *ps, const uint8_t *h, size_t n)
{
    uint16_t code = n >= 3 ? ga_my_le16(h + 1) : 0;
    if (code == 0xffff)
        return 0;
    ps->res.error_code = code;
    ps->res.sqlstate[0] = 0;
    if (n >= 9 && h[3] == '#') {
        memcpy(ps->res.sqlstate, h + 4, 5);
        ps->res.sqlstate[5] = 0;
    }
    return 1;
}

/* Session-state changes of an OK packet, from h[o]: report SESSION_TRACK_SCHEMA. */
static void ga__session_state(const uint8_t *h, size_t n, size_t o, const ga_my_sink *sink,
                              void *ctx)
{
    uint64_t total;
    if (ga_my_lenenc(h, n, &o, &total) < 0)
        return;
    size_t end = total < n - o ? o + (size_t)total : n;
    while (o + 1 < end) {
        uint8_t type = h[o++];
        uint64_t len;
        if (ga_my_lenenc(h, end, &o, &len) < 0 || len > end - o)
            return;
        size_t data = o, next = o + (size_t)len;
        uint64_t nlen;
        if (type == 1 && ga_my_lenenc(h, next, &data, &nlen) == 0 && nlen <= next - data &&
            sink->schema != NULL)
            sink->schema(ctx, h + data, (size_t)nlen);
        o = next;
    }
}

uint16_t ga_my__ok_packet(ga_my_parser *ps, const uint8_t *h, size_t n,
                          const ga_my_sink *sink, void *ctx)
{
    size_t o = 1;
    uint64_t v;
    if (ga_my_lenenc(h, n, &o, &v) < 0 || ga_my_lenenc(h, n, &o, &v) < 0 || o + 4 > n)
        return 0;
    uint16_t status = ga_my_le16(h + o);
    o += 4;
    if ((ps->caps & GA_MY_CLIENT_SESSION_TRACK) && (status & GA_MY_STATUS_STATE_CHANGED) &&
        ga_my_skip_lenenc_str(h, n, &o) == 0)
        ga__session_state(h, n, o, sink, ctx);
    return status;
}

/* A terminator (EOF, or OK with 0xfe under CLIENT_DEPRECATE_EOF): its status flags. */
static uint16_t ga__terminator(ga_my_parser *ps, const uint8_t *h, size_t n,
                               const ga_my_sink *sink, void *ctx)
{
    if (ps->caps & GA_MY_CLIENT_DEPRECATE_EOF)
        return ga_my__ok_packet(ps, h, n, sink, ctx);
    return n >= 5 ? ga_my_le16(h + 3) : 0;
}

static int ga__is_eof(const ga_my_parser *ps, const uint8_t *h, size_t n, uint32_t plen)
{
    if (n == 0 || h[0] != 0xfe)
        return 0;
    return (ps->caps & GA_MY_CLIENT_DEPRECATE_EOF) ? plen < 0xffffff : plen < 9;
}

/* The end of one result: another follows, or the command is done. */
static void ga__result_end(ga_my_parser *ps, ga_my_cmd *c, uint16_t status,
                           const ga_my_sink *sink, void *ctx)
{
    if ((status & GA_MY_STATUS_MORE_RESULTS) && c->cmd != GA_MY_COM_STMT_FETCH)
        c->state = GA_MY_R_FIRST;
    else
        ga_my__finish(ps, GA_MY_OK, sink, ctx);
}

/* After `count` definitions: the EOF that follows them (unless DEPRECATE_EOF or none). */
static void ga__defs(ga_my_parser *ps, ga_my_cmd *c, uint32_t count, int defs, int eof)
{
    c->count = count;
    c->state = (uint8_t)(count > 0 ? defs : eof);
}

static int ga__eof_state(const ga_my_parser *ps, int eof_state, int next)
{
    return (ps->caps & GA_MY_CLIENT_DEPRECATE_EOF) ? next : eof_state;
}

/* Column count packet: [metadata follows] and the definitions to skip. */
static void ga__column_count(ga_my_parser *ps, ga_my_cmd *c, const uint8_t *h, size_t n,
                             const ga_my_sink *sink, void *ctx)
{
    size_t o = 0;
    uint64_t cols;
    if (ga_my_lenenc(h, n, &o, &cols) < 0 || cols == 0 || cols > 0xffff) {
        ga_my__stop(ps, GA_MY_STOP_DESYNC, sink, ctx);
        return;
    }
    int meta = 1;
    if (((ps->caps & GA_MY_CLIENT_OPTIONAL_META) ||
         ((ps->caps & GA_MY_MARIADB_CACHE_META) && c->cmd == GA_MY_COM_STMT_EXECUTE)) && o < n)
        meta = h[o] != 0;
    ps->res.result_sets++;
    ga__defs(ps, c, meta ? (uint32_t)cols : 0, GA_MY_R_COLS,
             ga__eof_state(ps, GA_MY_R_COLS_EOF, GA_MY_R_ROWS));
}

static void ga__first(ga_my_parser *ps, ga_my_cmd *c, const uint8_t *h, size_t n,
                      const ga_my_sink *sink, void *ctx)
{
    if (h[0] == 0x00)
        ga__result_end(ps, c, ga_my__ok_packet(ps, h, n, sink, ctx), sink, ctx);
    else if (h[0] == 0xff) {
        if (ga_my__err(ps, h, n))
            ga_my__finish(ps, GA_MY_ERR, sink, ctx);
    } else if (h[0] == 0xfb && c->cmd == GA_MY_COM_QUERY)
        c->state = GA_MY_R_INFILE;
    else
        ga__column_count(ps, c, h, n, sink, ctx);
}

static void ga__row(ga_my_parser *ps, ga_my_cmd *c, const uint8_t *h, size_t n, uint32_t plen,
                    const ga_my_sink *sink, void *ctx)
{
    if (h[0] == 0xff) {
        if (ga_my__err(ps, h, n))
            ga_my__finish(ps, GA_MY_ERR, sink, ctx);
    } else if (ga__is_eof(ps, h, n, plen)) {
        ga__result_end(ps, c, ga__terminator(ps, h, n, sink, ctx), sink, ctx);
    } else {
        ps->res.rows++;
    }
}

/* COM_STMT_PREPARE_OK: 0x00, id, columns, params, 0, warnings. */
static void ga__prepare_ok(ga_my_parser *ps, ga_my_cmd *c, const uint8_t *h, size_t n,
                           const ga_my_sink *sink, void *ctx)
{
    if (h[0] == 0xff) {
        if (ga_my__err(ps, h, n))
            ga_my__finish(ps, GA_MY_ERR, sink, ctx);
        return;
    }
    if (h[0] != 0x00 || n < 9) {
        ga_my__stop(ps, GA_MY_STOP_DESYNC, sink, ctx);
        return;
    }
    ps->res.stmt_id = ga_my_le32(h + 1);
    c->cols = ga_my_le16(h + 5);
    uint32_t params = ga_my_le16(h + 7);
    if ((ps->caps & GA_MY_CLIENT_OPTIONAL_META) && n > 12 && h[12] == 0)
        c->cols = params = 0;
    ga__defs(ps, c, params, GA_MY_R_PREP_PARAMS,
             params ? ga__eof_state(ps, GA_MY_R_PREP_PARAMS_EOF, GA_MY_R_PREP_COLS) : GA_MY_R_PREP_COLS);
    if (c->state == GA_MY_R_PREP_COLS)
        ga__defs(ps, c, c->cols, GA_MY_R_PREP_COLS,
                 c->cols ? ga__eof_state(ps, GA_MY_R_PREP_COLS_EOF, 0) : 0);
    if (c->state == 0)
        ga_my__finish(ps, GA_MY_OK, sink, ctx);
}

/* One definition packet skipped; move on when they are all there. */
static void ga__def(ga_my_parser *ps, ga_my_cmd *c, const ga_my_sink *sink, void *ctx)
{
    if (c->count > 0 && --c->count > 0)
        return;
    if (c->state == GA_MY_R_COLS) {
        c->state = (uint8_t)ga__eof_state(ps, GA_MY_R_COLS_EOF, GA_MY_R_ROWS);
    } else if (c->state == GA_MY_R_PREP_PARAMS) {
        c->state = (uint8_t)ga__eof_state(ps, GA_MY_R_PREP_PARAMS_EOF, GA_MY_R_PREP_COLS);
        if (c->state == GA_MY_R_PREP_COLS)
            ga__defs(ps, c, c->cols, GA_MY_R_PREP_COLS,
                     c->cols ? ga__eof_state(ps, GA_MY_R_PREP_COLS_EOF, 0) : 0);
    } else {
        c->state = (uint8_t)ga__eof_state(ps, GA_MY_R_PREP_COLS_EOF, 0);
    }
    if (c->state == 0)
        ga_my__finish(ps, GA_MY_OK, sink, ctx);
}

/* The EOF after definitions. */
static void ga__defs_eof(ga_my_parser *ps, ga_my_cmd *c, const uint8_t *h, size_t n,
                         uint32_t plen, const ga_my_sink *sink, void *ctx)
{
    if (!ga__is_eof(ps, h, n, plen)) {
        ga_my__stop(ps, GA_MY_STOP_DESYNC, sink, ctx);
        return;
    }
    uint16_t status = n >= 5 ? ga_my_le16(h + 3) : 0;
    if (c->state == GA_MY_R_COLS_EOF) {
        if (status & GA_MY_STATUS_CURSOR_EXISTS)
            ga_my__finish(ps, GA_MY_OK, sink, ctx);       /* rows come with COM_STMT_FETCH */
        else
            c->state = GA_MY_R_ROWS;
    } else if (c->state == GA_MY_R_PREP_PARAMS_EOF) {
        ga__defs(ps, c, c->cols, GA_MY_R_PREP_COLS,
                 c->cols ? GA_MY_R_PREP_COLS_EOF : 0);
        if (c->state == 0)
            ga_my__finish(ps, GA_MY_OK, sink, ctx);
    } else {
        ga_my__finish(ps, GA_MY_OK, sink, ctx);
    }
}

/* A single-packet answer (OK / ERR / EOF / a statistics string), or the end of
 * COM_FIELD_LIST / COM_CHANGE_USER. */
static void ga__simple(ga_my_parser *ps, ga_my_cmd *c, const uint8_t *h, size_t n,
                       uint32_t plen, const ga_my_sink *sink, void *ctx)
{
    if (h[0] == 0xff) {
        if (ga_my__err(ps, h, n))
            ga_my__finish(ps, GA_MY_ERR, sink, ctx);
        return;
    }
    if (c->state == GA_MY_R_FIELDS && !(h[0] == 0xfe && plen < 9))
        return;                                         /* a definition */
    if (c->state == GA_MY_R_AUTH && h[0] != 0x00)
        return;                                         /* auth switch / more data */
    if (h[0] == 0x00)
        ga_my__ok_packet(ps, h, n, sink, ctx);
    ga_my__finish(ps, GA_MY_OK, sink, ctx);
}

void ga_my__server_resp(ga_my_parser *ps, const uint8_t *h, size_t n, const ga_my_sink *sink,
                        void *ctx)
{
    ga_my_dir *d = &ps->d[GA_MY_DIR_SERVER];
    if (ps->qn == 0 || n == 0)
        return;                 /* unsolicited (an ERR before the server closes) or empty */
    ga_my_cmd *c = &ps->q[ps->qhead];
    switch (c->state) {
    case GA_MY_R_INFILE:
        c->state = GA_MY_R_FIRST;                       /* the server cut the upload short */
        /* fall through */
    case GA_MY_R_FIRST:
        ga__first(ps, c, h, n, sink, ctx);
        break;
    case GA_MY_R_ROWS:
        ga__row(ps, c, h, n, d->plen, sink, ctx);
        break;
    case GA_MY_R_COLS: case GA_MY_R_PREP_PARAMS: case GA_MY_R_PREP_COLS:
        ga__def(ps, c, sink, ctx);
        break;
    case GA_MY_R_COLS_EOF: case GA_MY_R_PREP_PARAMS_EOF: case GA_MY_R_PREP_COLS_EOF:
        ga__defs_eof(ps, c, h, n, d->plen, sink, ctx);
        break;
    case GA_MY_R_PREP:
        ga__prepare_ok(ps, c, h, n, sink, ctx);
        break;
    default:
        ga__simple(ps, c, h, n, d->plen, sink, ctx);
        break;
    }
}
