/* mysql_emit.c — a finished MySQL call → one record on the ring (contracts in mysql_rec.h).
 * Application thread: no allocation, no lock; the thread id is read once per thread. */
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include "plugins/mysql/mysql_rec.h"
#include "preload/ring.h"
#include "exporter/exporter.h"

static GA_TLS uint32_t ga__my_tid;

static uint32_t ga__tid(void)
{
    if (ga_unlikely(ga__my_tid == 0))
        ga__my_tid = (uint32_t)syscall(SYS_gettid);
    return ga__my_tid;
}

static void ga__header(ga_rec *r, const ga_my_span *s)
{
    r->h.op = s->op;
    r->h.kind = GA_KIND_CLIENT;
    r->h.status = s->error || (s->info & GA_MY_I_CLOSED) ? GA_STATUS_ERROR : GA_STATUS_UNSET;
    r->h.trace_flags = s->ids->flags;
    r->h.has_parent = s->ids->has_parent;
    r->h.parent_remote = s->ids->parent_remote;
    r->h.start_ns = s->start_ns;
    r->h.end_ns = s->end_ns >= s->start_ns ? s->end_ns : s->start_ns;
    memcpy(r->h.trace_id, s->ids->trace_id, 16);
    memcpy(r->h.span_id, s->ids->span_id, 8);
    memcpy(r->h.parent_id, s->ids->parent_id, 8);
}

void ga_my_rec_fill(ga_rec *r, const ga_my_span *s)
{
    ga__header(r, s);
    if (s->peer != NULL && s->peer->family != 0) {
        ga_rec_put_addr(r, GA_A_PEER, s->peer);
        ga_rec_put_int(r, GA_A_TRANSPORT, SOCK_STREAM);
    }
    if (s->error)
        ga_rec_put_int(r, GA_A_MY_ERROR, s->error);
    if (s->db != NULL && s->db_len > 0)
        ga_rec_put(r, GA_A_MY_DB, GA_AT_STR, s->db, s->db_len);
    if (s->host != NULL && s->host_len > 0)
        ga_rec_put(r, GA_A_MY_HOST, GA_AT_STR, s->host, s->host_len);
    if (s->port != 0)
        ga_rec_put_int(r, GA_A_MY_PORT, s->port);
    uint32_t info = s->info;
    size_t text = s->text != NULL ? s->text_len : 0;
    size_t used = r->h.attr_len + 4 + sizeof(int64_t) + 4;      /* info, then the text TLV */
    size_t room = GA_REC_ATTR_CAP > used ? GA_REC_ATTR_CAP - used : 0;
    if (text > room) {
        text = room;
        info |= GA_MY_I_TRUNCATED;
    }
    ga_rec_put_int(r, GA_A_MY_INFO, info);
    if (text > 0)
        ga_rec_put(r, GA_A_MY_TEXT, GA_AT_STR, s->text, text);
}

void ga_my_emit(const ga_my_span *s)
{
    ga_exporter_ensure();
    ga_rec *r = ga_ring_reserve();
    if (r == NULL)
        return;
    r->h.tid = ga__tid();
    ga_my_rec_fill(r, s);
    ga_ring_commit(r);
}
