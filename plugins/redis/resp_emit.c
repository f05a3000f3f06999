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

/* One TLV entry's header at p; returns where its value goes. */
static inline uint8_t *ga__tlv(uint8_t *p, uint8_t key, uint8_t type, size_t len)
{
    uint16_t l16 = (uint16_t)len;
    p[0] = key;
    p[1] = type;
    memcpy(p + 2, &l16, 2);
    return p + 4;
}

static inline uint8_t *ga__int(uint8_t *p, uint8_t key, int64_t v)
{
    p = ga__tlv(p, key, GA_AT_INT, sizeof v);
    memcpy(p, &v, sizeof v);
    return p + sizeof v;
}

static inline uint8_t *ga__str(uint8_t *p, uint8_t key, const void *s, size_t len, size_t cap)
{
    len = len < cap ? len : cap;
    p = ga__tlv(p, key, GA_AT_STR, len);
    memcpy(p, s, len);
    return p + len;
}

/* Everything but the text, at most: info, peer, name, code, host, port, hook error, caller. */
#define GA__FIXED_MAX (3 * (4 + 8) + (4 + sizeof(ga_addr)) + (4 + GA_RESP_NAME_CAP) + \
                       (4 + GA_RESP_CODE_CAP) + (4 + GA_RESP_HOST_CAP) + (4 + 8))
_Static_assert(GA__FIXED_MAX < GA_REC_ATTR_CAP, "the fixed attributes always fit");

void ga_resp_fill(ga_rec *r, const ga_resp_op *op, const ga_resp_where *w)
{
    r->h.status = (op->flags & (GA_RESP_GF_ERROR | GA_RESP_GF_CLOSED)) ? GA_STATUS_ERROR : GA_STATUS_UNSET;
    int src = op->hook == NULL ? GA_RESP_SRC_WIRE : w->peer ? GA_RESP_SRC_HOOK_WIRE : GA_RESP_SRC_HOOK;
    uint8_t *p = r->attrs + r->h.attr_len;          /* a begun record: empty */
    p = ga__int(p, GA_A_RESP_INFO, GA_RESP_INFO(op->kind, op->flags, op->args_mode, src, op->db, op->ncmds));
    if (w->peer != NULL && w->peer->family != 0) {  /* the exporter adds network.transport */
        p = ga__tlv(p, GA_A_PEER, GA_AT_ADDR, sizeof(ga_addr));
        memcpy(p, w->peer, sizeof(ga_addr));
        p += sizeof(ga_addr);
    }
    if (op->name_len && !(op->flags & GA_RESP_GF_RAW))     /* raw: the text's first argument */
        p = ga__str(p, GA_A_RESP_NAME, op->name, op->name_len, GA_RESP_NAME_CAP);
    if ((op->flags & GA_RESP_GF_ERROR) && op->code_len)
        p = ga__str(p, GA_A_RESP_CODE, op->code, op->code_len, GA_RESP_CODE_CAP);
    if (op->host_len)
        p = ga__str(p, GA_A_RESP_HOST, op->host, op->host_len, GA_RESP_HOST_CAP);
    if (w->port)
        p = ga__int(p, GA_A_RESP_PORT, w->port);
    if (w->hookerr)
        p = ga__int(p, GA_A_RESP_HOOKERR, w->hookerr);
    if (op->hook != NULL && op->hook->caller)
        p = ga__int(p, GA_A_RESP_CALLER, (int64_t)op->hook->caller);
    r->h.attr_len = (uint16_t)(p - r->attrs);
    ga__put2(r, GA_A_RESP_TEXT, op->t1, op->l1, op->t2, op->l2);   /* last: takes what is left */
}

const ga_span_ids *ga_resp_ids(const ga_resp_op *op, ga_span_ids *fresh)
{
    if (op->hook != NULL)
        return &op->hook->ids;              /* the hiredis hook's: its code.function names it */
    ga_span_start_leaf(fresh);              /* a wire command: a leaf, ids drawn by the exporter */
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
