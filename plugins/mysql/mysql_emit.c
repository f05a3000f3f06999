/* mysql_emit.c — a finished MySQL call → one record through the emit door (contracts in
 * mysql_rec.h). Application thread: no allocation, no lock. */
#include <string.h>
#include <sys/socket.h>
#include "plugins/mysql/mysql_rec.h"
#include "preload/emit.h"

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

static inline uint8_t *ga__str(uint8_t *p, uint8_t key, const void *v, size_t len)
{
    p = ga__tlv(p, key, GA_AT_STR, len);
    memcpy(p, v, len);
    return p + len;
}

/* Everything but the text, at most: peer, transport, error, database, host, port, info, and
 * the text's own header. */
#define GA__FIXED_MAX ((4 + sizeof(ga_addr)) + 4 * (4 + 8) + 2 * (4 + GA_MY_NAME_MAX) + 4 + 8 + 4)
_Static_assert(GA__FIXED_MAX < GA_REC_ATTR_CAP, "the fixed attributes always fit");

void ga_my_rec_fill(ga_rec *r, const ga_my_span *s)
{
    r->h.status = s->error || (s->info & GA_MY_I_CLOSED) ? GA_STATUS_ERROR : GA_STATUS_UNSET;
    uint8_t *p = r->attrs + r->h.attr_len;          /* a begun record: empty */
    if (s->peer != NULL && s->peer->family != 0) {
        p = ga__tlv(p, GA_A_PEER, GA_AT_ADDR, sizeof(ga_addr));
        memcpy(p, s->peer, sizeof(ga_addr));
        p = ga__int(p + sizeof(ga_addr), GA_A_TRANSPORT, SOCK_STREAM);
    }
    if (s->error)
        p = ga__int(p, GA_A_MY_ERROR, s->error);
    if (s->db != NULL && s->db_len > 0)
        p = ga__str(p, GA_A_MY_DB, s->db, s->db_len < GA_MY_NAME_MAX ? s->db_len : GA_MY_NAME_MAX);
    if (s->host != NULL && s->host_len > 0)
        p = ga__str(p, GA_A_MY_HOST, s->host, s->host_len < GA_MY_NAME_MAX ? s->host_len : GA_MY_NAME_MAX);
    if (s->port != 0)
        p = ga__int(p, GA_A_MY_PORT, s->port);
    uint32_t info = s->info;
    size_t text = s->text != NULL ? s->text_len : 0;
    size_t room = (size_t)(r->attrs + GA_REC_ATTR_CAP - p) - (4 + 8) - 4;  /* info, text header */
    if (text > room) {
        text = room;
        info |= GA_MY_I_TRUNCATED;
    }
    p = ga__int(p, GA_A_MY_INFO, info);
    if (text > 0)
        p = ga__str(p, GA_A_MY_TEXT, s->text, text);
    r->h.attr_len = (uint16_t)(p - r->attrs);
}

void ga_my_emit(const ga_my_span *s)
{
    ga_rec *r = ga_emit_begin(GA_PROTO_MYSQL, s->op, GA_KIND_CLIENT, s->ids, s->start_ns, s->end_ns);
    if (r == NULL)
        return;
    ga_my_rec_fill(r, s);
    ga_emit_commit(r);
}
