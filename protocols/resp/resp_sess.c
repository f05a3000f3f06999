/* resp_sess.c — the RESP session's entry points and its FIFO of operations in flight
 * (contract in resp_sess.h). */
#include "protocols/resp/resp_sess_int.h"

ga_resp_group *ga_resp__new_group(ga_resp_sess *s)
{
    if (s->ng == GA_RESP_GROUPS)
        return NULL;
    ga_resp_group *prev = ga_resp__newest(s);
    if (prev != NULL)
        prev->flags &= (uint8_t)~GA_RESP_GF_OPEN;
    ga_resp_group *g = ga_resp__group(s, s->ng);
    s->ng++;
    memset(g, 0, sizeof *g);
    g->db = s->db;
    return g;
}

void ga_resp__pop(ga_resp_sess *s)
{
    ga_resp_group *g = ga_resp__head(s);
    if (g == NULL)
        return;
    s->a_head = (uint16_t)((s->a_head + g->text_len) % GA_RESP_ARENA);
    s->a_used = (uint16_t)(s->a_used - g->text_len);
    if (g->hook)
        s->hooks_used &= (uint8_t)~(1u << (g->hook - 1));
    s->gh = (uint8_t)((s->gh + 1) % GA_RESP_GROUPS);
    s->ng--;
    if (s->a_used == 0 && s->cmd.text_len == 0)
        s->a_head = 0;                        /* empty: texts start at 0 again, unwrapped */
}

/* The text [pos, pos + len) of the arena as one or two pieces. */
static void ga__text(const ga_resp_sess *s, size_t pos, size_t len, ga_resp_op *op)
{
    size_t first = GA_RESP_ARENA - pos < len ? GA_RESP_ARENA - pos : len;
    op->t1 = s->arena + pos;
    op->l1 = first;
    op->t2 = s->arena;
    op->l2 = len - first;
}

static void ga__op_common(ga_resp_ctx *c, ga_resp_op *op)
{
    op->end_ns = ga_resp__now(c);
    op->args_mode = c->env->args_mode;
    op->host = c->s->host;
    op->host_len = c->s->host_len;
}

void ga_resp__emit_head(ga_resp_ctx *c, int closed)
{
    ga_resp_sess *s = c->s;
    ga_resp_group *g = ga_resp__head(s);
    ga_resp_op op = {
        .start_ns = g->start_ns, .end_ns = ga_resp__now(c), .ncmds = g->ncmds, .db = g->db,
        .kind = g->kind, .flags = (uint8_t)(g->flags | (closed ? GA_RESP_GF_CLOSED : 0)),
        .args_mode = c->env->args_mode, .name_len = g->name_len, .code_len = g->code_len,
        .host_len = s->host_len, .name = g->name, .code = g->code, .host = s->host,
        .hook = g->hook ? &s->hooks[g->hook - 1] : NULL,
    };
    ga__text(s, s->a_head, g->text_len, &op);
    c->env->emit(c->env->ud, &op);
    g->flags |= GA_RESP_GF_EMITTED;
}

void ga_resp__emit_now(ga_resp_ctx *c)
{
    ga_resp_sess *s = c->s;
    ga_resp_hook_info hook;
    int hooked = c->env->claim != NULL &&
                 c->env->claim(c->env->ud, &hook, s->host_len ? NULL : s->host, &s->host_len);
    ga_resp_op op = {0};
    ga__op_common(c, &op);
    op.start_ns = s->cmd.start_ns;
    op.ncmds = 1;
    op.db = s->db;
    op.name = s->cmd.name;
    op.name_len = s->cmd.name_len;
    op.hook = hooked ? &hook : NULL;
    if (s->cmd.text_ok)
        ga__text(s, ga_resp__tail(s, 0), s->cmd.text_len, &op);
    c->env->emit(c->env->ud, &op);
}

/* The general path: the parsers and their callbacks, any split. Kept out of
 * ga_resp_sess_feed so that the fast path does not pay for its frame. */
__attribute__((noinline))
static void ga__feed(ga_resp_ctx *c, int out, const uint8_t *p, size_t n)
{
    ga_resp_sess *s = c->s;
    int rc = out ? ga_resp_req_feed(&s->req, p, n, &ga_resp__req_cb, c) :
                   ga_resp_rep_feed(&s->rep, p, n, ga_resp__on_reply, c);
    if (rc != GA_RESP_OK)
        s->flags |= GA_RESP_SF_DEAD;
}

void ga_resp_sess_feed(ga_resp_sess *s, int out, const uint8_t *p, size_t n, const ga_resp_env *env)
{
    if (s->flags & GA_RESP_SF_DEAD)
        return;
    ga_resp_ctx c = { .s = s, .env = env, .now = 0 };
    if (!out) {
        /* Reading replies ends the batch being written: later commands form a new one. */
        ga_resp_group *g = ga_resp__newest(s);
        if (g != NULL && g->kind == GA_RESP_GK_BATCH)
            g->flags &= (uint8_t)~GA_RESP_GF_OPEN;
    }
    if (!env->general_only && (out ? ga_resp__fast_req(&c, p, n) : ga_resp__fast_rep(&c, p, n)))
        return;
    ga__feed(&c, out, p, n);
}

void ga_resp_sess_close(ga_resp_sess *s, const ga_resp_env *env)
{
    ga_resp_ctx c = { .s = s, .env = env, .now = 0 };
    int report = (s->flags & (GA_RESP_SF_CONFIRMED | GA_RESP_SF_DEAD)) == GA_RESP_SF_CONFIRMED;
    while (s->ng > 0) {
        ga_resp_group *g = ga_resp__head(s);
        if (report && !(g->flags & GA_RESP_GF_EMITTED))
            ga_resp__emit_head(&c, 1);
        ga_resp__pop(s);
    }
    s->flags |= GA_RESP_SF_DEAD;
}
