/* mysql_emit.c — a finished MySQL call → one record through the emit door (contracts in
 * mysql_rec.h). Application thread: no allocation, no lock. */
#include <string.h>
#include <sys/socket.h>
#include "plugins/mysql/mysql_rec.h"
#include "preload/emit.h"

void ga_my_rec_fill(ga_rec *r, const ga_my_span *s)
{
    r->h.status = s->error || (s->info & GA_MY_I_CLOSED) ? GA_STATUS_ERROR : GA_STATUS_UNSET;
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
    ga_rec *r = ga_emit_begin(GA_PROTO_MYSQL, s->op, GA_KIND_CLIENT, s->ids, s->start_ns, s->end_ns);
    if (r == NULL)
        return;
    ga_my_rec_fill(r, s);
    ga_emit_commit(r);
}
