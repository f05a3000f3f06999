/* resp_emit.c — one Redis operation → one record through the emit door (contract in
 * resp_emit.h). Hot path: no allocation, no lock. */
#include <string.h>
#include "plugins/redis/resp_emit.h"
#include "plugins/redis/resp_rec.h"
#include "preload/emit.h"

/* A string value in two pieces (the arena may wrap), truncated to what is left. */
static void ga__put2(ga_rec *r, uint8_t key, const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
    size_t room = GA_REC_ATTR_CAP - r->h.attr_len;
    if (room < 5 || la + lb == 0)
        return;
    room -= 4;
    if (la > room)
        la = room;
    if (lb > room - la)
        lb = room - la;
    uint8_t *p = r->attrs + r->h.attr_len;
    uint16_t l16 = (uint16_t)(la + lb);
    p[0] = key;
    p[1] = GA_AT_STR;
    memcpy(p + 2, &l16, 2);
    memcpy(p + 4, a, la);
    if (lb)
        memcpy(p + 4 + la, b, lb);
    r->h.attr_len = (uint16_t)(r->h.attr_len + 4 + la + lb);
}

void ga_resp_fill(ga_rec *r, const ga_resp_op *op, const ga_resp_where *w)
{
    r->h.status = (op->flags & (GA_RESP_GF_ERROR | GA_RESP_GF_CLOSED)) ? GA_STATUS_ERROR : GA_STATUS_UNSET;
    int src = op->hook == NULL ? GA_RESP_SRC_WIRE : w->peer ? GA_RESP_SRC_HOOK_WIRE : GA_RESP_SRC_HOOK;
    ga_rec_put_int(r, GA_A_RESP_INFO, GA_RESP_INFO(op->kind, op->flags, op->args_mode, src, op->db, op->ncmds));
    if (w->peer != NULL && w->peer->family != 0)
        ga_rec_put_addr(r, GA_A_PEER, w->peer);       /* the exporter adds network.transport */
    if (op->name_len)
        ga_rec_put(r, GA_A_RESP_NAME, GA_AT_STR, op->name, op->name_len);
    if ((op->flags & GA_RESP_GF_ERROR) && op->code_len)
        ga_rec_put(r, GA_A_RESP_CODE, GA_AT_STR, op->code, op->code_len);
    if (op->host_len)
        ga_rec_put(r, GA_A_RESP_HOST, GA_AT_STR, op->host, op->host_len);
    if (w->port)
        ga_rec_put_int(r, GA_A_RESP_PORT, w->port);
    if (w->hookerr)
        ga_rec_put_int(r, GA_A_RESP_HOOKERR, w->hookerr);
    if (op->hook != NULL && op->hook->caller)
        ga_rec_put_int(r, GA_A_RESP_CALLER, (int64_t)op->hook->caller);
    ga__put2(r, GA_A_RESP_TEXT, op->t1, op->l1, op->t2, op->l2);   /* last: takes what is left */
}

const ga_span_ids *ga_resp_ids(const ga_resp_op *op, ga_span_ids *fresh)
{
    if (op->hook != NULL)
        return &op->hook->ids;
    ga_span_start(fresh, NULL);
    return fresh;
}

void ga_resp_emit(const ga_resp_op *op, const ga_resp_where *w)
{
    ga_span_ids fresh;
    const ga_span_ids *ids = ga_resp_ids(op, &fresh);
    ga_rec *r = ga_emit_begin(GA_PROTO_REDIS, GA_OP_RESP, GA_KIND_CLIENT, ids, op->start_ns, op->end_ns);
    if (r == NULL)
        return;
    ga_resp_fill(r, op, w);
    ga_emit_commit(r);
}
