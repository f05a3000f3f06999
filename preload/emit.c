/* emit.c — the emit door (contracts in emit.h). */
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "preload/emit.h"
#include "preload/ring.h"
#include "preload/stack.h"
#include "exporter/exporter.h"

uint64_t ga_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static GA_TLS uint32_t ga__tid;
static GA_TLS uint32_t ga__tid_fork;     /* fork generation + 1 the id was read in */

/* This thread's id: one gettid per thread, and again in a forked child (its only thread has
 * the parent's TLS but a new id). */
static uint32_t ga__gettid(void)
{
    uint32_t fg = atomic_load_explicit(&ga_fork_generation, memory_order_relaxed) + 1;
    if (ga_unlikely(ga__tid_fork != fg)) {
        ga__tid = (uint32_t)syscall(SYS_gettid);
        ga__tid_fork = fg;
    }
    return ga__tid;
}

/* ga_rec_init's body, inlined into the door (a call less per record). */
static inline __attribute__((always_inline)) void ga__rec_fill(ga_rec *r, uint8_t proto, uint8_t op,
                                                               uint8_t kind, const ga_span_ids *ids,
                                                               uint64_t start_ns, uint64_t end_ns,
                                                               uint32_t tid)
{
    /* Whole-header stores, no memset call: this runs once per traced operation. */
    r->h = (ga_rec_hdr){ .proto = proto, .op = op, .kind = kind, .tid = tid,
                         .start_ns = start_ns, .end_ns = end_ns >= start_ns ? end_ns : start_ns };
    if (ids != NULL) {
        r->h.trace_flags = ids->flags;
        r->h.has_parent = ids->has_parent;
        r->h.parent_remote = ids->parent_remote;
        memcpy(r->h.trace_id, ids->trace_id, 16);
        memcpy(r->h.span_id, ids->span_id, 8);
        memcpy(r->h.parent_id, ids->parent_id, 8);
    }
}

void ga_rec_init(ga_rec *r, uint8_t proto, uint8_t op, uint8_t kind, const ga_span_ids *ids,
                 uint64_t start_ns, uint64_t end_ns)
{
    ga__rec_fill(r, proto, op, kind, ids, start_ns, end_ns, ga__gettid());
}

/* 1 once the fork handlers are armed and the exporter thread's start is settled: from then on
 * the door skips both calls (one load instead of two calls a record). Cleared in a forked
 * child (ga_emit_after_fork), whose exporter must be started again. */
static _Atomic int ga__ready;

/* Arm the fork handlers and start the exporter thread (each once); sets ga__ready when
 * nothing is left to do. */
static __attribute__((noinline)) void ga__prepare(void)
{
    ga_lifecycle_arm();
    if (ga_exporter_ensure())
        atomic_store_explicit(&ga__ready, 1, memory_order_relaxed);
}

static inline void ga__door(void)
{
    if (ga_unlikely(!atomic_load_explicit(&ga__ready, memory_order_relaxed)))
        ga__prepare();
}

GA_FORK_PATH void ga_emit_after_fork(void)
{
    atomic_store_explicit(&ga__ready, 0, memory_order_relaxed);
}

/* ga_emit_begin whenever its fast path cannot run: the door not settled, the ring not mapped,
 * the thread id not read in this process. Out of line, so that the fast path calls nothing
 * (a tail jump here) and saves no register. */
static __attribute__((noinline)) ga_rec *ga__begin_slow(uint8_t proto, uint8_t op, uint8_t kind,
                                                        const ga_span_ids *ids, uint64_t start_ns,
                                                        uint64_t end_ns)
{
    ga__door();
    ga_rec *r = ga_ring_reserve();
    if (r != NULL)
        ga__rec_fill(r, proto, op, kind, ids, start_ns, end_ns, ga__gettid());
    return r;
}

ga_rec *ga_emit_begin(uint8_t proto, uint8_t op, uint8_t kind, const ga_span_ids *ids,
                      uint64_t start_ns, uint64_t end_ns)
{
    uint32_t fg = atomic_load_explicit(&ga_fork_generation, memory_order_relaxed) + 1;
    if (ga_unlikely(!atomic_load_explicit(&ga__ready, memory_order_relaxed) || ga__tid_fork != fg))
        return ga__begin_slow(proto, op, kind, ids, start_ns, end_ns);
    ga_rec *r = ga_ring_reserve_mapped();
    if (ga_unlikely(r == GA_RING_UNMAPPED))
        return ga__begin_slow(proto, op, kind, ids, start_ns, end_ns);
    if (r != NULL)
        ga__rec_fill(r, proto, op, kind, ids, start_ns, end_ns, ga__tid);   /* read in this process */
    return r;
}

/* ga_rec_copy's body, inlined into ga_emit_copy. */
static inline __attribute__((always_inline)) void ga__rec_copy(ga_rec *dst, const ga_rec *src,
                                                               uint64_t end_ns)
{
    memcpy(dst, src, sizeof src->h + src->h.attr_len);
    dst->h.tid = ga__gettid();
    dst->h.end_ns = end_ns >= src->h.start_ns ? end_ns : src->h.start_ns;
}

void ga_rec_copy(ga_rec *dst, const ga_rec *src, uint64_t end_ns)
{
    ga__rec_copy(dst, src, end_ns);
}

void ga_emit_copy(const ga_rec *src, uint64_t end_ns)
{
    ga_rec *r = ga_unlikely(!atomic_load_explicit(&ga__ready, memory_order_relaxed))
                    ? GA_RING_UNMAPPED : ga_ring_reserve_mapped();
    if (ga_unlikely(r == GA_RING_UNMAPPED)) {
        ga__door();
        r = ga_ring_reserve();
    }
    if (r == NULL)
        return;
    ga__rec_copy(r, src, end_ns);
    ga_emit_commit(r);
}

ga_rec *ga_emit_begin_log(uint64_t t)
{
    ga__door();
    ga_rec *r = ga_ring_reserve_half();
    if (r != NULL) {
        /* proto, op, kind, status, trace_flags, has_parent, parent_remote, reserved: one store */
        uint64_t w0 = (uint64_t)GA_PROTO_CORE | (uint64_t)GA_OP_LOG << 8;
        memcpy(&r->h, &w0, 8);
        r->h.attr_len = 0;
        r->h.tid = ga__gettid();
        r->h.start_ns = r->h.end_ns = t;
        memset(r->h.trace_id, 0, sizeof r->h.trace_id);
        memset(r->h.span_id, 0, sizeof r->h.span_id);
    }
    return r;
}

void ga_emit_commit(ga_rec *r)
{
    if (ga_unlikely(ga_stack_wanted(r)))        /* slow or failed: the caller's stack */
        ga_stack_attach(r);
    ga_ring_commit(r);
}
