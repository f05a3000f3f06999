/* resp_sess_int.h — internals shared by resp_sess*.c: the per-call context, the argument text
 * ring (arena) and the FIFO of operations in flight. Not for use outside the session. */
#ifndef GA_RESP_SESS_INT_H
#define GA_RESP_SESS_INT_H

#include <string.h>
#include "protocols/resp/resp_sess.h"

/* One feed/close call: the session, its environment, the clock read at most once. */
typedef struct ga_resp_ctx {
    ga_resp_sess *s;
    const ga_resp_env *env;
    uint64_t now;
} ga_resp_ctx;

static inline uint64_t ga_resp__now(ga_resp_ctx *c)
{
    if (c->now == 0)
        c->now = c->env->now(c->env->ud);
    return c->now;
}

/* ---- arena: committed texts [a_head, a_head + a_used), then the command being written */

static inline size_t ga_resp__arena_free(const ga_resp_sess *s)
{
    return GA_RESP_ARENA - s->a_used - s->cmd.text_len;
}

/* Position in the arena of byte `off` of the tentative command text. */
static inline size_t ga_resp__tail(const ga_resp_sess *s, size_t off)
{
    return (s->a_head + s->a_used + off) % GA_RESP_ARENA;
}

static inline void ga_resp__arena_set(ga_resp_sess *s, size_t off, uint8_t b)
{
    s->arena[ga_resp__tail(s, off)] = b;
}

static inline void ga_resp__arena_put(ga_resp_sess *s, size_t off, const uint8_t *p, size_t n)
{
    size_t pos = ga_resp__tail(s, off);
    size_t first = GA_RESP_ARENA - pos < n ? GA_RESP_ARENA - pos : n;
    memcpy(s->arena + pos, p, first);
    if (first < n)
        memcpy(s->arena, p + first, n - first);
}

/* ---- groups: a ring of GA_RESP_GROUPS, oldest at gh */

static inline ga_resp_group *ga_resp__group(ga_resp_sess *s, unsigned k)
{
    return &s->g[(s->gh + k) % GA_RESP_GROUPS];
}

static inline ga_resp_group *ga_resp__head(ga_resp_sess *s)
{
    return s->ng ? ga_resp__group(s, 0) : NULL;
}

static inline ga_resp_group *ga_resp__newest(ga_resp_sess *s)
{
    return s->ng ? ga_resp__group(s, s->ng - 1u) : NULL;
}

/* A new newest group (zeroed, OPEN clear) or NULL when GA_RESP_GROUPS are in flight. */
ga_resp_group *ga_resp__new_group(ga_resp_sess *s);

/* Hand the oldest group to emit() (end = now); closed = the connection went away first. */
void ga_resp__emit_head(ga_resp_ctx *c, int closed);

/* Forget the oldest group and its text. */
void ga_resp__pop(ga_resp_sess *s);

/* A command that gets no reply (CLIENT REPLY OFF/SKIP) ends as soon as it is written. */
void ga_resp__emit_now(ga_resp_ctx *c);

/* Record the error code of the operation (the first error wins). */
void ga_resp__set_error(ga_resp_group *g, const char *msg, size_t len);

/* The fast path (resp_sess_fast.c): 1 when p[0..n) was taken whole — exactly one command
 * written while nothing is in flight, or exactly one reply to the only command in flight —
 * with the same effects as the general path; 0 when declined, nothing changed. */
int ga_resp__fast_req(ga_resp_ctx *c, const uint8_t *p, size_t n);
int ga_resp__fast_rep(ga_resp_ctx *c, const uint8_t *p, size_t n);

/* A raw text (GA_RESP_GF_RAW: always the only group in flight, its text at the start of the
 * arena) becomes the blob the general path keeps, before the general path writes another
 * command: that one may join the group, and every later text must find the same room. */
void ga_resp__unraw(ga_resp_sess *s, ga_resp_group *g);

/* Request-parser callbacks (resp_sess_req.c) and the reply callback (resp_sess_rep.c). */
extern const ga_resp_req_cb ga_resp__req_cb;
void ga_resp__on_reply(void *ud, const ga_resp_reply *rep);

#endif
