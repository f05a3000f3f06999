/* resp_sess_rep.c — the reply side of the RESP session: each complete top-level reply is
 * matched, in FIFO order, to the oldest operation still owed one; pub/sub messages and RESP3
 * pushes are not replies (contract in resp_sess.h). */
#include "protocols/resp/resp_sess_int.h"
#include "protocols/resp/resp_cmd.h"

void ga_resp__set_error(ga_resp_group *g, const char *msg, size_t len)
{
    if (g->flags & GA_RESP_GF_ERROR)
        return;
    g->code_len = (uint8_t)ga_resp_error_code(msg, len, g->code, GA_RESP_CODE_CAP);
    g->flags |= GA_RESP_GF_ERROR;
}

/* One reply owed to the oldest operation. */
static void ga__deliver(ga_resp_ctx *c, const ga_resp_reply *rep)
{
    ga_resp_sess *s = c->s;
    ga_resp_group *g = ga_resp__head(s);
    if (g == NULL)
        return;                               /* unsolicited (MONITOR feed, -DENIED ...) */
    if (g->left > 0) {
        g->left--;
        int is_err = rep->type == '-' || rep->type == '!';
        if (is_err) {
            ga_resp__set_error(g, rep->err, rep->err_len);
            if (g->flags & GA_RESP_GF_SELECT)
                s->db = g->db;                /* the SELECT failed: still on the old index */
        } else if (g->kind == GA_RESP_GK_MULTI && g->left == 0 && rep->nerr_len > 0) {
            ga_resp__set_error(g, rep->nerr, rep->nerr_len);   /* an EXEC element failed */
        }
        if (g->left == 0 && !(g->flags & GA_RESP_GF_OPEN))
            ga_resp__emit_head(c, 0);
    } else if (g->ghost > 0) {
        g->ghost--;
    } else {
        return;                               /* MULTI still open: nothing owed yet */
    }
    if ((g->flags & GA_RESP_GF_EMITTED) && g->ghost == 0)
        ga_resp__pop(s);
}

/* A pub/sub frame: a confirmation ends a SUBSCRIBE-family operation owed one; messages and
 * extra confirmations are nobody's reply. */
static void ga__pubsub(ga_resp_ctx *c, const ga_resp_reply *rep, int kind)
{
    ga_resp_sess *s = c->s;
    if (kind == GA_PS_UNSUBSCRIBED && rep->type == '*' && rep->has_third && rep->third == 0)
        s->flags &= (uint8_t)~GA_RESP_SF_PUBSUB;  /* no subscription left (RESP2) */
    if (kind == GA_PS_MESSAGE)
        return;
    ga_resp_group *g = ga_resp__head(s);
    if (g != NULL && g->kind == GA_RESP_GK_SUB && g->left > 0)
        ga__deliver(c, rep);
}

void ga_resp__on_reply(void *ud, const ga_resp_reply *rep)
{
    ga_resp_ctx *c = ud;
    ga_resp_sess *s = c->s;
    s->flags |= GA_RESP_SF_CONFIRMED;
    int push = rep->type == '>';
    if (push || (rep->type == '*' && (s->flags & GA_RESP_SF_PUBSUB))) {
        int kind = ga_resp_pubsub_kind(rep->first, rep->first_len);
        if (kind != GA_PS_NONE) {
            ga__pubsub(c, rep, kind);
            return;
        }
        if (push)
            return;                           /* other pushes: invalidations, monitor ... */
    }
    ga__deliver(c, rep);
}
