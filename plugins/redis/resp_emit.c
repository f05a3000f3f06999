/* resp_emit.c — one Redis operation → one record (contract in resp_emit.h). Hot path: no
 * allocation, no lock, no syscall but a gettid once per thread. */
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "plugins/redis/resp_emit.h"
#include "plugins/redis/resp_rec.h"
#include "preload/ring.h"
#include "exporter/exporter.h"

static GA_TLS uint32_t ga__resp_tid;

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

static void ga__header(ga_rec *r, const ga_resp_op *op)
{
    ga_span_ids fresh;
    const ga_span_ids *ids = op->hook ? &op->hook->ids : &fresh;
    if (op->hook == NULL)
        ga_span_start(&fresh, NULL);
    if (ga_unlikely(ga__resp_tid == 0))
        ga__resp_tid = (uint32_t)syscall(SYS_gettid);   /* once per thread */
    r->h.op = GA_OP_RESP;
    r->h.kind = GA_KIND_CLIENT;
    r->h.status = (op->flags & (GA_RESP_GF_ERROR | GA_RESP_GF_CLOSED)) ? GA_STATUS_ERROR : GA_STATUS_UNSET;
    r->h.trace_flags = ids->flags;
    r->h.has_parent = ids->has_parent;
    r->h.parent_remote = ids->parent_remote;
    r->h.tid = ga__resp_tid;
    r->h.start_ns = op->start_ns;
    r->h.end_ns = op->end_ns >= op->start_ns ? op->end_ns : op->start_ns;
    memcpy(r->h.trace_id, ids->trace_id, 16);
    memcpy(r->h.span_id, ids->span_id, 8);
    memcpy(r->h.parent_id, ids->parent_id, 8);
}

void ga_resp_fill(ga_rec *r, const ga_resp_op *op, const ga_resp_where *w)
{
    ga__header(r, op);
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

void ga_resp_emit(const ga_resp_op *op, const ga_resp_where *w)
{
    ga_exporter_ensure();
    ga_rec *r = ga_ring_reserve();
    if (r == NULL)
        return;
    ga_resp_fill(r, op, w);
    ga_ring_commit(r);
}
