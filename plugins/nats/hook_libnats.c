/* hook_libnats.c — symbol hooks on libnats (the NATS C client) where the wire alone cannot
 * tell what a message belongs to (SPECS-2 §5):
 *
 *   natsConn_publish — every publish API reaches it through the PLT, on the publishing
 *     thread; libnats then sends the message later from its flusher thread, batched. The hook
 *     leaves the publishing thread's active span as a hint (nats_hint.h) that the wire takes
 *     when the message goes out, so the PRODUCER span is a child of the request that
 *     published it. The message itself is not touched: injection stays on the wire.
 *   natsConnection_Subscribe, _SubscribeTimeout, _QueueSubscribe, _QueueSubscribeTimeout —
 *     libnats reads messages on one thread and calls subscription callbacks on another. The
 *     hook hands libnats a trampoline in place of the callback; around each call the
 *     trampoline makes a CONSUMER span, a child of the message's context header (traceparent,
 *     or b3 / X-B3-* as OTEL_PROPAGATORS says: read as the wire reads a block, nats_ctx.h), and
 *     makes it the callback thread's active span, so what the callback does (database calls,
 *     publishes, HTTP) becomes its children. The wire then makes no CONSUMER span of its own
 *     for libnats connections.
 *
 * The callback and closure of a wrapped subscription live in a fixed table (dedupe by
 * callback, closure and queue; never freed: libnats may call a callback until its
 * subscription is destroyed, which the library cannot see). A full table means the next
 * subscriptions are not wrapped. The messages are read only through libnats' public API
 * (natsMsg_GetSubject, _GetReply, _GetDataLength, natsMsgHeader_Get, and natsMsgHeader_Keys
 * when a B3 format is configured), resolved in the same
 * object as the hooked function. Real functions are found as for hiredis: dlsym(RTLD_NEXT),
 * then a loaded libnats by soname, then the calling module; if none is found the hook returns
 * NATS_ERR and never calls NULL. GENESIS_NATS_LIBNATS=false makes every hook a pass-through. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hooks/hook.h"
#include "plugins/nats/nats_state.h"
#include "plugins/nats/nats_hint.h"
#include "plugins/nats/nats_rec.h"
#include "protocols/w3c/tp_fast.h"

typedef struct natsConnection natsConnection;
typedef struct natsSubscription natsSubscription;
typedef struct __natsMsg natsMsg;
typedef int natsStatus;
typedef void (*natsMsgHandler)(natsConnection *, natsSubscription *, natsMsg *, void *);

enum { GA__NATS_OK = 0, GA__NATS_ERR = 1 };

/* libnats 3.x: natsConn_publish(natsConnection *, natsMsg *, const char *reply, bool
 * directFlush). Declared with six register-sized arguments, all forwarded, so that an older
 * libnats with another signature (2.x: up to six) still gets exactly what its caller passed. */
GA_EXPORT natsStatus natsConn_publish(natsConnection *nc, natsMsg *msg, const char *reply,
                                      uintptr_t flush, uintptr_t a5, uintptr_t a6);
GA_EXPORT natsStatus natsConnection_Subscribe(natsSubscription **sub, natsConnection *nc,
                                              const char *subject, natsMsgHandler cb, void *cl);
GA_EXPORT natsStatus natsConnection_SubscribeTimeout(natsSubscription **sub, natsConnection *nc,
                                                     const char *subject, int64_t timeout,
                                                     natsMsgHandler cb, void *cl);
GA_EXPORT natsStatus natsConnection_QueueSubscribe(natsSubscription **sub, natsConnection *nc,
                                                   const char *subject, const char *queue,
                                                   natsMsgHandler cb, void *cl);
GA_EXPORT natsStatus natsConnection_QueueSubscribeTimeout(natsSubscription **sub,
                                                          natsConnection *nc, const char *subject,
                                                          const char *queue, int64_t timeout,
                                                          natsMsgHandler cb, void *cl);

/* ------------------------------------------------------------------ finding libnats */

enum { S_PUBLISH, S_SUB, S_SUB_TIMEOUT, S_QSUB, S_QSUB_TIMEOUT, S_HOOKED,
       S_GET_SUBJECT = S_HOOKED, S_GET_REPLY, S_GET_DATALEN, S_HDR_GET, S_CONNECTED_URL,
       S_HDR_KEYS, S_COUNT };
static const char ga__names[S_COUNT][37] = {
    "natsConn_publish", "natsConnection_Subscribe", "natsConnection_SubscribeTimeout",
    "natsConnection_QueueSubscribe", "natsConnection_QueueSubscribeTimeout",
    "natsMsg_GetSubject", "natsMsg_GetReply", "natsMsg_GetDataLength", "natsMsgHeader_Get",
    "natsConnection_GetConnectedUrl", "natsMsgHeader_Keys",
};
static const char ga__sonames[][16] = {
    "libnats.so.3.4", "libnats.so.3.5", "libnats.so.3.6", "libnats.so.3.7", "libnats.so.3.8",
    "libnats.so.3.9", "libnats.so.3.10", "libnats.so.3.3", "libnats.so",
};
static void *_Atomic ga__real[S_COUNT];
static _Atomic int ga__helpers;         /* 0 not looked for, 1 found, -1 missing */

static void *ga__sym_in(void *handle, int s)
{
    void *p = handle != NULL ? dlsym(handle, ga__names[s]) : NULL;
    return p != NULL && !ga_real_is_ours(p) ? p : NULL;
}

static void *ga__in_object(const void *addr, int s)
{
    Dl_info info;
    if (addr == NULL || dladdr(addr, &info) == 0 || info.dli_fname == NULL)
        return NULL;
    void *h = dlopen(info.dli_fname, RTLD_NOLOAD | RTLD_LAZY);
    void *p = ga__sym_in(h, s);
    if (h != NULL)
        dlclose(h);
    return p;
}

/* libnats' public helpers, from the object that holds the hooked function `real`. Only a
 * libnats 3.x is read (its natsConn_publish takes a natsMsg); with any other the hooks only
 * pass through. */
static void ga__find_helpers(const void *real)
{
    Dl_info info;
    int ok = dladdr(real, &info) != 0 && info.dli_fname != NULL &&
             strstr(info.dli_fname, "libnats.so.3") != NULL;
    for (int s = S_GET_SUBJECT; s < S_COUNT; s++) {
        void *p = ga__in_object(real, s);
        if (p == NULL && s != S_HDR_KEYS)       /* without it: the traceparent alone */
            ok = 0;
        atomic_store_explicit(&ga__real[s], p, memory_order_release);
    }
    atomic_store_explicit(&ga__helpers, ok ? 1 : -1, memory_order_release);
}

/* The lookup of ga__get(), once per symbol: kept out of line so the hooks' common path (one
 * load) does not save registers for it. */
static __attribute__((noinline)) void *ga__lookup(int s, const void *caller)
{
    void *p;
    int busy = ga_tls_busy;
    ga_tls_busy = 1;
    p = ga__sym_in(RTLD_NEXT, s);
    for (size_t i = 0; p == NULL && i < GA_ARRAY_LEN(ga__sonames); i++) {
        void *h = dlopen(ga__sonames[i], RTLD_NOLOAD | RTLD_LAZY);
        p = ga__sym_in(h, s);
        if (h != NULL)
            dlclose(h);
    }
    if (p == NULL)
        p = ga__in_object(caller, s);
    if (p != NULL) {
        atomic_store_explicit(&ga__real[s], p, memory_order_release);
        if (atomic_load_explicit(&ga__helpers, memory_order_acquire) == 0)
            ga__find_helpers(p);
    }
    ga_tls_busy = busy;
    return p;
}

/* The real function (never ours), or NULL. The lookup runs with the reentrancy guard set. */
static inline void *ga__get(int s, const void *caller)
{
    void *p = atomic_load_explicit(&ga__real[s], memory_order_acquire);
    return ga_likely(p != NULL) ? p : ga__lookup(s, caller);
}

#define GA__H(s) atomic_load_explicit(&ga__real[s], memory_order_acquire)

/* Should this call be observed: the library is on, the hooks too, the helpers are there. */
static int ga__watching(void)
{
    return ga_observing() && ga_nats_libnats_on() &&
           atomic_load_explicit(&ga__helpers, memory_order_acquire) == 1;
}

/* ------------------------------------------------------------------ publish */

/* The publishing thread's active span left as a hint for the message msg. Out of line: most
 * publishes come from a thread with no active span and should not pay for its frame. */
static __attribute__((noinline)) void ga__leave_hint(natsMsg *msg)
{
    const ga_span_ctx *a;
    if (!ga__watching() || (a = ga_active()) == NULL)
        return;                                 /* (a pending span that ended: none) */
    ga_tls_busy = 1;
    const char *(*subj_fn)(const natsMsg *) = GA__H(S_GET_SUBJECT);
    int (*len_fn)(const natsMsg *) = GA__H(S_GET_DATALEN);
    const char *subj = subj_fn(msg);
    int len = len_fn(msg);
    if (subj != NULL && len >= 0)
        ga_nats_hint_put(ga_nats_subject_hash((const uint8_t *)subj, strlen(subj)),
                         (uint64_t)len, a, ga_now_ns());
    ga_tls_busy = 0;
}

natsStatus natsConn_publish(natsConnection *nc, natsMsg *msg, const char *reply, uintptr_t flush,
                            uintptr_t a5, uintptr_t a6)
{
    typedef natsStatus (*fn_t)(natsConnection *, natsMsg *, const char *, uintptr_t, uintptr_t,
                               uintptr_t);
    fn_t fn = (fn_t)ga__get(S_PUBLISH, __builtin_return_address(0));
    if (fn == NULL)
        return GA__NATS_ERR;
    if (ga_unlikely(ga_tls_active.valid) && msg != NULL)
        ga__leave_hint(msg);
    return fn(nc, msg, reply, flush, a5, a6);
}

/* ------------------------------------------------------------------ subscriptions */

#define GA__SUBS 1024

typedef struct ga__sub {
    natsMsgHandler cb;
    void *closure;
    uint8_t qlen, srv_len;
    char queue[GA_NATS_QNAME_CAP];
    uint8_t srv[GA_NATS_SRV_CAP];   /* the server's record entries (ga_nats_encode_server) */
} ga__sub;

static ga__sub ga__subs[GA__SUBS];
static _Atomic uint32_t ga__nsubs;

/* The record entries for host and port of "nats://host:port" (or "tls://…"). */
static void ga__server(natsConnection *nc, ga__sub *s)
{
    natsStatus (*url_fn)(natsConnection *, char *, size_t) = GA__H(S_CONNECTED_URL);
    char url[256];
    s->srv_len = 0;
    if (url_fn == NULL || url_fn(nc, url, sizeof url) != GA__NATS_OK)
        return;
    const char *h = strstr(url, "://");
    h = h != NULL ? h + 3 : url;
    const char *at = strrchr(h, '@');
    if (at != NULL)
        h = at + 1;                             /* never keep credentials */
    const char *colon = strrchr(h, ':');
    size_t n = colon != NULL ? (size_t)(colon - h) : strlen(h);
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']')
        h++, n -= 2;
    int port = colon != NULL ? (uint16_t)atoi(colon + 1) : 0;
    s->srv_len = (uint8_t)ga_nats_encode_server(s->srv, h, n, port);
}

/* The table entry for (cb, closure, queue): an existing one, a new one, or NULL (full). */
static ga__sub *ga__entry(natsMsgHandler cb, void *closure, const char *queue)
{
    size_t ql = queue != NULL ? strnlen(queue, GA_NATS_QNAME_CAP) : 0;
    uint32_t n = atomic_load_explicit(&ga__nsubs, memory_order_acquire);
    for (uint32_t i = 0; i < n && i < GA__SUBS; i++) {
        ga__sub *s = &ga__subs[i];
        if (s->cb == cb && s->closure == closure && s->qlen == ql &&
            (ql == 0 || memcmp(s->queue, queue, ql) == 0))
            return s;
    }
    uint32_t i = atomic_fetch_add_explicit(&ga__nsubs, 1, memory_order_acq_rel);
    if (i >= GA__SUBS)
        return NULL;
    ga__sub *s = &ga__subs[i];
    s->cb = cb;
    s->closure = closure;
    s->qlen = (uint8_t)ql;
    if (ql > 0)
        memcpy(s->queue, queue, ql);
    return s;
}

/* The parent msg's headers give (valid = 0: none). Without a B3 format configured, or a libnats
 * without natsMsgHeader_Keys, the `traceparent` alone, as always. With one, every key is
 * looked at and its name classified as the wire's parser does (libnats 3 compares keys exactly,
 * so `X-B3-TraceId` and `x-b3-traceid` both need the list), the context fields ranked as for
 * a block read on the wire (nats_ctx.h). The key array is libnats' to allocate and ours to
 * free. */
static void ga__lib_parent(natsMsg *msg, ga_span_ctx *parent)
{
    natsStatus (*hdr_fn)(natsMsg *, const char *, const char **) = GA__H(S_HDR_GET);
    natsStatus (*keys_fn)(natsMsg *, const char ***, int *) = GA__H(S_HDR_KEYS);
    const char *v = NULL, **keys = NULL;
    int count = 0;
    parent->valid = 0;
    if (ga_nats_ctx.xo.b3 == GA_NATS_XR_OFF || keys_fn == NULL) {
        if (hdr_fn(msg, "traceparent", &v) == GA__NATS_OK && v != NULL &&
            ga_tp_parse(v, strlen(v), parent) != 0)
            parent->valid = 0;
        return;
    }
    if (keys_fn(msg, &keys, &count) != GA__NATS_OK || keys == NULL)
        return;
    ga_nats_xctx x;
    ga_nats_x_start(&x);
    for (int i = 0; i < count; i++) {
        int kind = keys[i] != NULL ? ga_nats_field_kind((const uint8_t *)keys[i], strlen(keys[i])) : 0;
        if (kind != 0 && hdr_fn(msg, keys[i], &v) == GA__NATS_OK && v != NULL)
            ga_nats_x_field(&x, &ga_nats_ctx.xo, kind, (const uint8_t *)v, strlen(v));
    }
    free((void *)keys);
    ga_nats_ctx_parent(&x, parent);
}

/* The callback libnats calls instead of the application's. */
static void ga__tramp(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    const ga__sub *s = closure;
    if (msg == NULL || !ga__watching()) {
        s->cb(nc, sub, msg, s->closure);
        return;
    }
    ga_tls_busy = 1;
    const char *(*subj_fn)(const natsMsg *) = GA__H(S_GET_SUBJECT);
    const char *(*reply_fn)(const natsMsg *) = GA__H(S_GET_REPLY);
    int (*len_fn)(const natsMsg *) = GA__H(S_GET_DATALEN);
    char subj[GA_NATS_SUBJ_CAP];
    const char *sp = subj_fn(msg), *rp = reply_fn(msg);
    size_t sl = sp != NULL ? strnlen(sp, sizeof subj + 1) : 0;
    uint8_t info = GA_NATS_I_LIBNATS | (rp != NULL && *rp ? GA_NATS_I_REPLY : 0) |
                   (sl > sizeof subj ? GA_NATS_I_CUT : 0);
    if (sl > sizeof subj)
        sl = sizeof subj;
    if (sl > 0)
        memcpy(subj, sp, sl);
    int len = len_fn(msg);
    ga_span_ctx parent;
    ga__lib_parent(msg, &parent);
    ga_span_ids ids;
    ga_nats_consumer_ids(&ids, &parent);
    ga_span_ctx saved = ga_tls_active;
    uint64_t start = ga_now_ns();
    ga_nats_set_active(&ids);
    ga_tls_busy = 0;
    s->cb(nc, sub, msg, s->closure);           /* msg belongs to the callback from here on */
    ga_tls_busy = 1;
    ga_nats_emit_process(GA_OP_NATS_PROCESS, &ids, start, ga_now_ns(), subj, sl,
                         len > 0 ? (uint64_t)len : 0, info, s->queue, s->qlen, NULL, s->srv,
                         s->srv_len);
    ga_tls_active = saved;
    ga_tls_busy = 0;
}

/* The callback and closure libnats should get for (cb, closure, queue). */
static void ga__wrap(natsConnection *nc, const char *queue, natsMsgHandler *cb, void **closure)
{
    if (*cb == NULL || *cb == ga__tramp || !ga__watching())
        return;
    ga_tls_busy = 1;
    ga__sub *s = ga__entry(*cb, *closure, queue);
    if (s != NULL) {
        ga__server(nc, s);
        *cb = ga__tramp;
        *closure = s;
        atomic_store_explicit(&ga_nats_lib_consumes, 1, memory_order_relaxed);
    }
    ga_tls_busy = 0;
}

natsStatus natsConnection_Subscribe(natsSubscription **sub, natsConnection *nc, const char *subject,
                                    natsMsgHandler cb, void *cl)
{
    typedef natsStatus (*fn_t)(natsSubscription **, natsConnection *, const char *,
                               natsMsgHandler, void *);
    fn_t fn = (fn_t)ga__get(S_SUB, __builtin_return_address(0));
    if (fn == NULL)
        return GA__NATS_ERR;
    ga__wrap(nc, NULL, &cb, &cl);
    return fn(sub, nc, subject, cb, cl);
}

natsStatus natsConnection_SubscribeTimeout(natsSubscription **sub, natsConnection *nc,
                                           const char *subject, int64_t timeout,
                                           natsMsgHandler cb, void *cl)
{
    typedef natsStatus (*fn_t)(natsSubscription **, natsConnection *, const char *, int64_t,
                               natsMsgHandler, void *);
    fn_t fn = (fn_t)ga__get(S_SUB_TIMEOUT, __builtin_return_address(0));
    if (fn == NULL)
        return GA__NATS_ERR;
    ga__wrap(nc, NULL, &cb, &cl);
    return fn(sub, nc, subject, timeout, cb, cl);
}

natsStatus natsConnection_QueueSubscribe(natsSubscription **sub, natsConnection *nc,
                                         const char *subject, const char *queue,
                                         natsMsgHandler cb, void *cl)
{
    typedef natsStatus (*fn_t)(natsSubscription **, natsConnection *, const char *, const char *,
                               natsMsgHandler, void *);
    fn_t fn = (fn_t)ga__get(S_QSUB, __builtin_return_address(0));
    if (fn == NULL)
        return GA__NATS_ERR;
    ga__wrap(nc, queue, &cb, &cl);
    return fn(sub, nc, subject, queue, cb, cl);
}

natsStatus natsConnection_QueueSubscribeTimeout(natsSubscription **sub, natsConnection *nc,
                                                const char *subject, const char *queue,
                                                int64_t timeout, natsMsgHandler cb, void *cl)
{
    typedef natsStatus (*fn_t)(natsSubscription **, natsConnection *, const char *, const char *,
                               int64_t, natsMsgHandler, void *);
    fn_t fn = (fn_t)ga__get(S_QSUB_TIMEOUT, __builtin_return_address(0));
    if (fn == NULL)
        return GA__NATS_ERR;
    ga__wrap(nc, queue, &cb, &cl);
    return fn(sub, nc, subject, queue, timeout, cb, cl);
}
