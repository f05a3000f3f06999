/* resp_link.h — how a hiredis API hook and the wire parser share one span per command.
 *
 * The hook (plugins/redis/hook_hiredis.c) announces each command on its thread before it reaches the wire:
 * a pending op with the span identity, the caller and the redisContext. While the outermost
 * hook runs it names the context whose I/O is happening (`cur_ctx`). When the RESP session
 * sees a command written on this thread while a context is current, it claims the oldest op
 * pending for that context: the wire operation takes the hook's identity and start, and the
 * op is gone. An op nobody claimed (the wire could not see the bytes: TLS, a connection not
 * followed) is ended by the hook itself when the reply comes back. Either way: one span.
 *
 * The context table remembers the host (or unix path) and port each redisConnect* got, so a
 * span can say which server name the application asked for.
 *
 * Application thread only: thread-local state, a fixed lock-free table, no allocation. */
#ifndef GA_RESP_LINK_H
#define GA_RESP_LINK_H

#include <stddef.h>
#include <stdint.h>
#include "preload/ga.h"
#include "protocols/resp/resp_sess.h"
#include "preload/context.h"

#define GA_RESP_LINK_OPS   6   /* per thread: static TLS stays small (~0.6 KB) */
#define GA_RESP_LINK_NAME  24
#define GA_RESP_CTX_SLOTS  64

typedef struct ga_resp_link_op {
    const void *ctx;            /* the redisContext; NULL = free entry */
    uint32_t seq;               /* announcement order (oldest claimed first) */
    uint64_t announced_ns;      /* when the hook saw it (start of a hook-only span) */
    uint8_t name_len;
    char name[GA_RESP_LINK_NAME];   /* the command's name as the hook guessed it */
    ga_resp_hook_info info;
} ga_resp_link_op;

typedef struct ga_resp_link {
    const void *cur_ctx;        /* context whose I/O the outermost hook is doing, or NULL */
    uint32_t depth;             /* hook nesting (libhiredis calls its own exported functions) */
    uint32_t seq;
    ga_resp_link_op ops[GA_RESP_LINK_OPS];
} ga_resp_link;

extern GA_TLS ga_resp_link ga_resp_tls;

/* Hook side. Announce a command for ctx at time `now`; `sync` = the call also does the I/O
 * (its start is the span's start) rather than only queueing the command. Returns its seq, or
 * 0 when the table is full (the wire then handles the command alone). An entry left pending
 * for GA_RESP_LINK_STALE_NS (its context used from another thread) is reused when full. */
#define GA_RESP_LINK_STALE_NS 5000000000ull
uint32_t ga_resp_link_announce(const void *ctx, const char *name, size_t name_len,
                               uint64_t now, int sync, uint64_t caller);

/* The op `seq` if still pending (not claimed by the wire), else NULL. */
ga_resp_link_op *ga_resp_link_find(uint32_t seq);

/* The oldest op pending for ctx, or NULL. */
ga_resp_link_op *ga_resp_link_oldest(const void *ctx);

/* Forget one op, or every op of a context (redisFree). */
void ga_resp_link_drop(ga_resp_link_op *op);
void ga_resp_link_drop_ctx(const void *ctx);

/* Wire side (a ga_resp_env.claim): take the oldest op pending for the current context on
 * this thread, with the host the context was opened with when `host` is not NULL. */
int ga_resp_link_claim(void *ud, ga_resp_hook_info *h, char *host, uint8_t *host_len);

/* Context table. remember: after a successful redisConnect*; forget: redisFree. */
void ga_resp_ctx_remember(const void *ctx, const char *host, int port);
void ga_resp_ctx_forget(const void *ctx);
/* Copy the host of ctx into out (NUL-terminated, <= cap-1 bytes); returns its length and the
 * port through *port (0 for unix paths), or 0 when the context is unknown. */
size_t ga_resp_ctx_host(const void *ctx, char *out, size_t cap, int *port);

#endif
