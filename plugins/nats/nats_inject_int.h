/* nats_inject_int.h — the injector's plan for one real send call (nats_inject_plan.c), shared
 * with its driver (nats_inject.c). Not an API.
 *
 * Offsets called "call offsets" count the application's bytes offered in this round, from 0.
 * A plan is a list of pieces, each standing for wire bytes and application bytes:
 *   APP   application bytes sent as they are (wire = app);
 *   OURS  a rewritten head, whole, in the plan's memory (wire only; its subject and header
 *         block are copies of the application's bytes, but count as ours);
 *   DEL   the original head it replaces (app only): counted as sent once every byte of the
 *         new head went out;
 *   OWE   the rest of a new head an earlier call began to send (wire only);
 *   ODEL  the original head of that message, which the application sends again (app only). */
#ifndef GA_NATS_INJECT_INT_H
#define GA_NATS_INJECT_INT_H

#include <string.h>
#include <sys/uio.h>
#include "plugins/nats/nats_state.h"

#define GA_NP_MSGS      8           /* PUB/HPUB messages one round plans at most */
#define GA_NP_PIECES    (4 + GA_NP_MSGS * 4)    /* a message: the bytes before it, its new head,
                                                 * its old head; more iovecs than that cut the
                                                 * plan (the rest goes in the next round) */

enum { GA_NP_APP = 0, GA_NP_OURS, GA_NP_DEL, GA_NP_OWE, GA_NP_ODEL };

typedef struct ga_np_piece {
    const uint8_t *p;
    size_t len;                     /* wire bytes */
    size_t app;                     /* application bytes it stands for */
    uint8_t kind;
    int8_t msg;                     /* OURS / DEL: the message */
} ga_np_piece;

/* A PUB/HPUB message the dry run found in this round's bytes. */
typedef struct ga_np_msg {
    ga_nats_line line;              /* valid while the application's buffer is (in place) */
    size_t at;                      /* call offset of its first byte */
    size_t head_len;                /* bytes of its original head: the line (+ header block) */
    uint8_t inject;                 /* its head is rewritten */
    uint8_t info;                   /* GA_NATS_I_* */
    uint16_t head_new;              /* bytes of the new head (decided in the dry run) */
    uint64_t start_ns;
    ga_span_ids ids;
    /* The new head, whole: `HPUB <subject> [reply] <h> <t>\r\n`, the header block with the
     * context fields. One piece of the send (one iovec), written once its identity is known;
     * bounded by the debt buffer, since it may become the debt. */
    uint8_t head[GA_NATS_OWE_CAP];
} ga_np_msg;

typedef struct ga_np_plan {
    uint64_t base;                  /* stream offset of the round's first application byte */
    size_t total;                   /* application bytes offered in this round */
    size_t end;                     /* application bytes the plan covers */
    size_t skip0;                   /* bytes dropped after the debt (ODEL) */
    uint64_t now;                   /* when the write began */
    uint8_t refeed;                 /* feed the real parser the bytes sent (not the dry copy) */
    uint8_t fast;                   /* planned by the dry run's shortcut (tests look) */
    uint8_t injects;                /* some head is rewritten */
    uint8_t conn_sent;              /* a rewritten CONNECT began to go out */
    int8_t cli_headers;             /* the client's headers declaration, as of the dry run */
    int nmsg;
    int nv;                         /* pieces */
    int niov;                       /* iovecs: the pieces that carry wire bytes */
    int cut;                        /* the message whose new head was cut short, or -1 */
    size_t owe_len;
    size_t wire_total, app_total;   /* of the pieces */
    ga_np_msg m[GA_NP_MSGS];
    ga_np_piece pc[GA_NP_PIECES];
    struct iovec v[GA_NP_PIECES];
    uint8_t owe[GA_NATS_OWE_CAP];   /* copy of the debt (the lock is not held while sending) */
    ga_nats_parser after;           /* the dry copy at `end` */
} ga_np_plan;

/* An iovec array with a starting point: the round's application bytes. */
typedef struct ga_np_src {
    const struct iovec *v;
    size_t cnt;
    size_t i;                       /* first iovec */
    size_t off;                     /* first byte in it */
} ga_np_src;

/* Tests: 1 makes ga_np_find always take the dry run (never its shortcut for whole PUBs). */
extern int ga_np_fast_off;

/* With the connection locked: copy the debt, dry-run a copy of the out parser over the
 * round's bytes and decide which heads to rewrite. Returns 0 when there is nothing to do
 * (nothing owed, nothing to rewrite, the whole offer planned). */
int ga_np_find(ga_nats_state *st, const ga_np_src *src, ga_np_plan *pl);

/* Unlocked: identities and texts of the rewritten heads, then the pieces and, for those that
 * carry wire bytes, the iovecs of the real call (pl->v, pl->niov). */
void ga_np_compose(const ga_nats_state *st, ga_np_plan *pl, const ga_np_src *src);

/* With the connection locked: `w` wire bytes of the plan went out. Records the new debt and
 * the message cut inside its new head; returns how many application bytes went out. st may be
 * NULL (the state went away): only count. */
size_t ga_np_account(ga_nats_state *st, ga_np_plan *pl, size_t w);

/* With the connection locked: the real out parser after `app` application bytes went out
 * (the dry copy when it is exact, else a real feed), and their PRODUCER records. */
void ga_np_commit(ga_nats_state *st, ga_np_plan *pl, const ga_np_src *src, size_t app,
                  uint64_t now);

/* The whole PUB message (upper case, its line under GA_NATS_LINE_CAP, its payload and CR LF
 * all in q[0..left)) at q: its length, with its line in *l (in place); 0 when q holds anything
 * else. Inline: it is most of a shortcut's reading of the bytes. */
static inline size_t ga_np_pub_at(const uint8_t *q, size_t left, ga_nats_line *l)
{
    if (left < 9 || memcmp(q, "PUB ", 4) != 0)
        return 0;
    const uint8_t *nl = memchr(q, '\n', left < GA_NATS_LINE_CAP ? left : GA_NATS_LINE_CAP);
    size_t k = nl != NULL ? (size_t)(nl - q) + 1 : 0;
    if (k == 0 || ga_nats_parse_line(l, q, k, GA_NATS_C2S) != 0 || l->total > left - k ||
        left - k - l->total < 2 || q[k + l->total] != '\r' || q[k + l->total + 1] != '\n')
        return 0;                               /* not whole, or not well-formed */
    l->in_place = 1;
    return k + (size_t)l->total + 2;
}

/* With st's connection locked: its out parser stands between messages and both sides declared
 * headers (the server in INFO, the client in CONNECT, perhaps rewritten): a PUB here may get a
 * new head. */
static inline int ga_np_between(const ga_nats_state *st)
{
    const ga_nats_parser *o = &st->out;
    return o->phase == GA_NATS_P_LINE && o->line_len == 0 && !o->stop && st->srv_headers &&
           st->cli_headers == 1;
}

/* The size of PUB line l's rewritten head (`H`, the line to its count, the counts, CR LF, a
 * new block with the context fields); 0 when it may not be rewritten: the message would pass
 * max_payload (0: the default, 1 MiB) or the head would not fit GA_NATS_OWE_CAP. */
size_t ga_np_pub_size(const ga_nats_line *l, uint32_t max_payload);

/* The rewritten head of PUB line l, carrying ids, at h: `need` bytes, as ga_np_pub_size(l, ...)
 * said. */
void ga_np_pub_text(uint8_t *h, const ga_nats_line *l, const ga_span_ids *ids, size_t need);

/* The shortcut (nats_inject_one.c) for a call of one buffer that holds exactly one whole PUB,
 * on a connection where nothing is owed and the out parser stands between messages: plans,
 * writes the new head, sends and commits as ga_np_find, ga_np_compose, ga_np_account and
 * ga_np_commit would, without a plan. Returns -1 when the call is not of that shape or the
 * message is not to be rewritten (nothing was done: the caller plans it); else 1, with *ret
 * as the pre-send step reports it (contracts in nats_inject.h). */
int ga_np_one(int fd, ga_fd *e, ga_conn *c, const struct msghdr *m, int flags, int use_msg,
              ssize_t *ret);

/* What the shortcut knew of its message when its send was short. */
typedef struct ga_np_one_msg {
    ga_nats_line line;              /* in the caller's buffer */
    uint64_t base;                  /* stream offset of the buffer's first byte */
    uint64_t now;                   /* when the write began */
    uint64_t start_ns;
    ga_span_ids ids;
    const uint8_t *head;            /* the new head, head_new bytes */
    size_t head_new;
} ga_np_one_msg;

/* The plan ga_np_find and ga_np_compose would have made for the shortcut's message om in the
 * buffer src: its new head in place of its old one, then the rest (for a short send). */
void ga_np_plan_one(ga_np_plan *pl, const ga_np_one_msg *om, const ga_np_src *src);

/* nats_inject.c: the shortcut's send of m's new head and message took only w (>= 0) of its
 * wire bytes. Accounts and commits what went out as a round of the plan find and compose
 * would have made, then goes on as the rounds do after their first. Returns 1 with *ret. */
int ga_np_one_short(int fd, ga_fd *e, ga_conn *c, const struct msghdr *m, int flags,
                    int use_msg, uint32_t gen, const ga_np_one_msg *om, ssize_t w, ssize_t *ret);

#endif
