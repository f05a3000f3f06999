/* resp_link.c — pending hook ops per thread and the redisContext → host table
 * (contract in resp_link.h). */
#include <string.h>
#include "plugins/redis/resp_link.h"

GA_TLS ga_resp_link ga_resp_tls;

/* A free entry; when none, the oldest one if it is stale. */
static ga_resp_link_op *ga__free_op(uint64_t now)
{
    ga_resp_link_op *oldest = NULL;
    for (int i = 0; i < GA_RESP_LINK_OPS; i++) {
        ga_resp_link_op *op = &ga_resp_tls.ops[i];
        if (op->ctx == NULL)
            return op;
        if (oldest == NULL || (int32_t)(op->seq - oldest->seq) < 0)
            oldest = op;
    }
    return now - oldest->announced_ns > GA_RESP_LINK_STALE_NS ? oldest : NULL;
}

uint32_t ga_resp_link_announce(const void *ctx, const char *name, size_t name_len,
                               uint64_t now, int sync, uint64_t caller)
{
    ga_resp_link *l = &ga_resp_tls;
    ga_resp_link_op *op = ga__free_op(now);
    if (op == NULL)
        return 0;
    if (++l->seq == 0)
        l->seq = 1;
    op->ctx = ctx;
    op->seq = l->seq;
    op->announced_ns = now;
    op->name_len = (uint8_t)(name_len < GA_RESP_LINK_NAME ? name_len : GA_RESP_LINK_NAME);
    memcpy(op->name, name, op->name_len);
    ga_span_start(&op->info.ids, NULL);
    op->info.start_ns = sync ? now : 0;
    op->info.caller = caller;
    return op->seq;
}

ga_resp_link_op *ga_resp_link_find(uint32_t seq)
{
    for (int i = 0; seq != 0 && i < GA_RESP_LINK_OPS; i++)
        if (ga_resp_tls.ops[i].ctx != NULL && ga_resp_tls.ops[i].seq == seq)
            return &ga_resp_tls.ops[i];
    return NULL;
}

ga_resp_link_op *ga_resp_link_oldest(const void *ctx)
{
    ga_resp_link_op *best = NULL;
    for (int i = 0; ctx != NULL && i < GA_RESP_LINK_OPS; i++) {
        ga_resp_link_op *op = &ga_resp_tls.ops[i];
        /* seq wraps: compare by distance, not value */
        if (op->ctx == ctx && (best == NULL || (int32_t)(op->seq - best->seq) < 0))
            best = op;
    }
    return best;
}

void ga_resp_link_drop(ga_resp_link_op *op)
{
    if (op != NULL)
        op->ctx = NULL;
}

void ga_resp_link_drop_ctx(const void *ctx)
{
    for (int i = 0; i < GA_RESP_LINK_OPS; i++)
        if (ga_resp_tls.ops[i].ctx == ctx)
            ga_resp_tls.ops[i].ctx = NULL;
}

int ga_resp_link_claim(void *ud, ga_resp_hook_info *h, char *host, uint8_t *host_len)
{
    (void)ud;
    const void *ctx = ga_resp_tls.cur_ctx;
    if (ctx == NULL)
        return 0;                               /* no hiredis call on this thread */
    ga_resp_link_op *op = ga_resp_link_oldest(ctx);
    if (op == NULL)
        return 0;
    *h = op->info;
    op->ctx = NULL;
    if (host != NULL && host_len != NULL) {
        int port;
        *host_len = (uint8_t)ga_resp_ctx_host(ctx, host, GA_RESP_HOST_CAP, &port);
    }
    return 1;
}

/* ------------------------------------------------------------------ context table */

typedef struct ga_resp_ctx_slot {
    const void *_Atomic ctx;
    _Atomic int ready;
    int port;
    char host[GA_RESP_HOST_CAP];
} ga_resp_ctx_slot;

static ga_resp_ctx_slot ga__ctx[GA_RESP_CTX_SLOTS];

static ga_resp_ctx_slot *ga__slot_of(const void *ctx)
{
    for (int i = 0; i < GA_RESP_CTX_SLOTS; i++)
        if (atomic_load_explicit(&ga__ctx[i].ctx, memory_order_acquire) == ctx)
            return &ga__ctx[i];
    return NULL;
}

void ga_resp_ctx_remember(const void *ctx, const char *host, int port)
{
    if (ctx == NULL || host == NULL)
        return;
    ga_resp_ctx_slot *s = ga__slot_of(ctx);        /* an address reused without redisFree */
    for (int i = 0; s == NULL && i < GA_RESP_CTX_SLOTS; i++) {
        const void *expected = NULL;
        if (atomic_compare_exchange_strong(&ga__ctx[i].ctx, &expected, ctx))
            s = &ga__ctx[i];
    }
    if (s == NULL)
        return;                                     /* table full: no host names */
    atomic_store_explicit(&s->ready, 0, memory_order_relaxed);
    size_t n = strnlen(host, GA_RESP_HOST_CAP - 1);
    memcpy(s->host, host, n);
    s->host[n] = '\0';
    s->port = port;
    atomic_store_explicit(&s->ready, 1, memory_order_release);
}

void ga_resp_ctx_forget(const void *ctx)
{
    ga_resp_ctx_slot *s = ctx ? ga__slot_of(ctx) : NULL;
    if (s == NULL)
        return;
    atomic_store_explicit(&s->ready, 0, memory_order_relaxed);
    atomic_store_explicit(&s->ctx, NULL, memory_order_release);
}

size_t ga_resp_ctx_host(const void *ctx, char *out, size_t cap, int *port)
{
    ga_resp_ctx_slot *s = ctx ? ga__slot_of(ctx) : NULL;
    if (s == NULL || !atomic_load_explicit(&s->ready, memory_order_acquire) || cap == 0)
        return 0;
    size_t n = strnlen(s->host, GA_RESP_HOST_CAP - 1);
    if (n > cap - 1)
        n = cap - 1;
    memcpy(out, s->host, n);
    out[n] = '\0';
    *port = s->port;
    return n;
}
