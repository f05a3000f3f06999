/* mysql_cmd.c — client packets of the MySQL command phase (see mysql.h): a new command
 * (sequence id 0) is queued with the response state it expects and its text is streamed;
 * packets that belong to a command in flight (LOCAL INFILE data, COM_CHANGE_USER auth data)
 * are recognised; anything else means the parser lost the thread. */
#include <string.h>
#include "protocols/mysql/mysql_int.h"

/* The response state a command starts in; 0 = no response; -1 = not followed (replication
 * streams and unknown commands: the parser stops). */
static int ga__first_state(uint8_t cmd)
{
    switch (cmd) {
    case GA_MY_COM_QUERY: case GA_MY_COM_STMT_EXECUTE: case GA_MY_COM_STMT_BULK_EXECUTE:
    case 0x0a /* PROCESS_INFO */:
        return GA_MY_R_FIRST;
    case GA_MY_COM_STMT_PREPARE:
        return GA_MY_R_PREP;
    case GA_MY_COM_STMT_FETCH:
        return GA_MY_R_ROWS;
    case GA_MY_COM_FIELD_LIST:
        return GA_MY_R_FIELDS;
    case GA_MY_COM_CHANGE_USER:
        return GA_MY_R_AUTH;
    case GA_MY_COM_QUIT: case GA_MY_COM_STMT_SEND_LONG_DATA: case GA_MY_COM_STMT_CLOSE:
        return 0;
    case GA_MY_COM_INIT_DB: case GA_MY_COM_PING: case GA_MY_COM_STATISTICS:
    case GA_MY_COM_STMT_RESET: case GA_MY_COM_SET_OPTION: case GA_MY_COM_RESET_CONNECTION:
    case 0x05: case 0x06: case 0x07: case 0x08: case 0x0c: case 0x0d: case 0x15:
        return GA_MY_R_ONE;
    default:
        return -1;
    }
}

static int ga__has_stmt_id(uint8_t cmd)
{
    return cmd == GA_MY_COM_STMT_EXECUTE || cmd == GA_MY_COM_STMT_CLOSE ||
           cmd == GA_MY_COM_STMT_RESET || cmd == GA_MY_COM_STMT_SEND_LONG_DATA ||
           cmd == GA_MY_COM_STMT_FETCH || cmd == GA_MY_COM_STMT_BULK_EXECUTE;
}

/* Size of one binary-protocol value of MySQL type `t` at h[o]; -1 when it does not fit. */
static int ga__value_size(uint8_t t, const uint8_t *h, size_t n, size_t o, size_t *size)
{
    switch (t) {
    case 1: *size = 1; break;                              /* TINY */
    case 2: case 13: *size = 2; break;                     /* SHORT, YEAR */
    case 3: case 9: case 4: *size = 4; break;              /* LONG, INT24, FLOAT */
    case 8: case 5: *size = 8; break;                      /* LONGLONG, DOUBLE */
    case 6: *size = 0; break;                              /* NULL */
    case 7: case 10: case 11: case 12:                     /* TIMESTAMP, DATE, TIME, DATETIME */
        if (o >= n)
            return -1;
        *size = 1u + h[o];
        break;
    default: {                                             /* strings, decimals, blobs */
        size_t p = o;
        uint64_t len;
        if (ga_my_lenenc(h, n, &p, &len) < 0)
            return -1;
        *size = (p - o) + (size_t)len;
        break;
    }
    }
    return o + *size <= n ? 0 : -1;
}

/* CLIENT_QUERY_ATTRIBUTES prefix of COM_QUERY, from h[1]: where the text starts, or -1 when
 * the prefix does not fit in the head (the text is then not reported). */
static int ga__query_attrs(const uint8_t *h, size_t n, size_t *text)
{
    size_t o = 1;
    uint64_t count, sets;
    if (ga_my_lenenc(h, n, &o, &count) < 0 || ga_my_lenenc(h, n, &o, &sets) < 0)
        return -1;
    if (count == 0) {
        *text = o;
        return 0;
    }
    if (count > 64)
        return -1;
    size_t nullmap = o, bytes = (size_t)(count + 7) / 8;
    o += bytes;
    if (o + 1 > n || h[o++] != 1)
        return -1;                                          /* types must be sent */
    uint8_t types[64];
    for (uint64_t i = 0; i < count; i++) {
        if (o + 2 > n)
            return -1;
        types[i] = h[o];
        o += 2;
        if (ga_my_skip_lenenc_str(h, n, &o) < 0)           /* parameter name */
            return -1;
    }
    for (uint64_t i = 0; i < count; i++) {
        if (h[nullmap + i / 8] & (1u << (i % 8)))
            continue;
        size_t size;
        if (ga__value_size(types[i], h, n, o, &size) < 0)
            return -1;
        o += size;
    }
    *text = o;
    return 0;
}

/* Where a command's text starts in its head, or -1 when it has none / cannot be found. */
static int ga__text_offset(const ga_my_parser *ps, uint8_t cmd, const uint8_t *h, size_t n,
                           size_t *off)
{
    if (cmd == GA_MY_COM_STMT_PREPARE || cmd == GA_MY_COM_INIT_DB) {
        *off = 1;
        return 0;
    }
    if (cmd != GA_MY_COM_QUERY)
        return -1;
    if (!(ps->caps & GA_MY_CLIENT_QUERY_ATTRS)) {
        *off = 1;
        return 0;
    }
    return ga__query_attrs(h, n, off);
}

/* A client packet that is not a new command: LOCAL INFILE data, COM_CHANGE_USER auth data.
 * Returns 1 when it was one of those. */
static int ga__continuation(ga_my_parser *ps)
{
    if (ps->qn == 0)
        return 0;
    ga_my_cmd *top = &ps->q[ps->qhead];
    if (top->state == GA_MY_R_INFILE) {
        if (ps->d[GA_MY_DIR_CLIENT].plen == 0)
            top->state = GA_MY_R_FIRST;               /* end of the file: OK / ERR follows */
        return 1;
    }
    return top->state == GA_MY_R_AUTH;
}

void ga_my__client_cmd(ga_my_parser *ps, const uint8_t *h, size_t n, const ga_my_sink *sink,
                       void *ctx)
{
    ga_my_dir *d = &ps->d[GA_MY_DIR_CLIENT];
    if (ga__continuation(ps))
        return;
    if (d->seq != 0 || n == 0) {
        ga_my__stop(ps, GA_MY_STOP_DESYNC, sink, ctx);
        return;
    }
    uint8_t cmd = h[0];
    int first = ga__first_state(cmd);
    if (first < 0 || (first > 0 && ps->qn == GA_MY_QMAX)) {
        ga_my__stop(ps, first < 0 ? GA_MY_STOP_UNSUPPORTED : GA_MY_STOP_DESYNC, sink, ctx);
        return;
    }
    uint32_t stmt = ga__has_stmt_id(cmd) && n >= 5 ? ga_my_le32(h + 1) : 0;
    int tag = sink->cmd_begin != NULL ? sink->cmd_begin(ctx, cmd, stmt) : -1;
    if (first == 0)
        return;
    if (ps->qn == 0)
        memset(&ps->res, 0, sizeof ps->res);
    ga_my_cmd *c = &ps->q[(ps->qhead + ps->qn) % GA_MY_QMAX];
    memset(c, 0, sizeof *c);
    c->cmd = cmd;
    c->tag = (int8_t)(tag < 0 || tag > 127 ? -1 : tag);
    c->state = (uint8_t)first;
    ps->qn++;
    size_t off;
    if (c->tag >= 0 && ga__text_offset(ps, cmd, h, n, &off) == 0) {
        d->text_from = (uint16_t)off;
        d->tag = c->tag;
        d->streaming = GA_MY_ST_TEXT;
    }
}
