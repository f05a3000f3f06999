/* context.c — span identity, sampling and traceparent handling (contracts in context.h). */
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <time.h>
#include <errno.h>
#include "preload/context.h"
#include "preload/config.h"
#include "preload/record.h"
#include "protocols/w3c/tp_fast.h"

GA_TLS ga_span_ctx ga_tls_active;
GA_TLS ga_resolve_fn ga_tls_resolve;

void ga_active_resolve(void)
{
    ga_resolve_fn f = ga_tls_resolve;
    if (f != NULL)
        f();
    if (ga_tls_active.valid == GA_CTX_PENDING)
        ga_tls_active.valid = 0;                /* no owner answered: no active span */
}

/* Per-thread generator state (wyrand: a Weyl sequence through one 64x64→128 multiply, a few
 * instructions per 64 bits, passes BigCrush); `gen` is the fork generation + 1 it was seeded in
 * (0 = never seeded). */
static GA_TLS uint64_t ga__rng;
static GA_TLS uint32_t ga__rng_gen;

static uint64_t ga__splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Seed from getrandom (raw syscall, non-blocking); if that fails (early boot, seccomp)
 * mix time, pid, tid and a stack address so two threads never share a sequence. */
static void ga__rng_seed(void)
{
    ga_lifecycle_arm();             /* ids drawn from now on must differ in a forked child */
    uint64_t seed[4] = {0};
    int saved = errno;
    long n = syscall(SYS_getrandom, seed, sizeof seed, 0x1 /* GRND_NONBLOCK */);
    errno = saved;
    if (n != (long)sizeof seed) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32)
                   ^ ((uint64_t)syscall(SYS_gettid) << 16) ^ (uint64_t)(uintptr_t)&ts;
        for (int i = 0; i < 4; i++)
            seed[i] = ga__splitmix(&x);
    }
    ga__rng = seed[0] ^ seed[1] ^ seed[2] ^ seed[3];
    ga__rng_gen = atomic_load_explicit(&ga_fork_generation, memory_order_relaxed) + 1;
}

/* This thread's generator state, seeded first when it was not seeded in this process (a
 * new thread, or a forked child). Callers draw from a local copy and store it back once. */
static inline uint64_t ga__rng_load(void)
{
    if (ga_unlikely(ga__rng_gen != atomic_load_explicit(&ga_fork_generation, memory_order_relaxed) + 1))
        ga__rng_seed();
    return ga__rng;
}

static inline uint64_t ga__rng_step(uint64_t *st)
{
    uint64_t s = (*st += 0xa0761d6478bd642full);
    __uint128_t m = (__uint128_t)s * (s ^ 0xe7037ed1a0b428dbull);
    return (uint64_t)(m >> 64) ^ (uint64_t)m;
}

/* A non-zero trace id (two draws) and a non-zero span id (one) from the state *st. */
static inline void ga__draw_trace_id(uint64_t *st, uint8_t id[16])
{
    uint64_t a, b;
    do { a = ga__rng_step(st); b = ga__rng_step(st); } while ((a | b) == 0);
    memcpy(id, &a, 8);
    memcpy(id + 8, &b, 8);
}

static inline void ga__draw_span_id(uint64_t *st, uint8_t id[8])
{
    uint64_t a;
    do { a = ga__rng_step(st); } while (a == 0);
    memcpy(id, &a, 8);
}

void ga_random_trace_id(uint8_t id[16])
{
    uint64_t st = ga__rng_load();
    ga__draw_trace_id(&st, id);
    ga__rng = st;
}

void ga_random_span_id(uint8_t id[8])
{
    uint64_t st = ga__rng_load();
    ga__draw_span_id(&st, id);
    ga__rng = st;
}

GA_FORK_PATH void ga_context_after_fork(void)
{
    atomic_fetch_add(&ga_fork_generation, 1);
    memset(&ga_tls_active, 0, sizeof ga_tls_active);
}

int ga_ratio_sample(const uint8_t trace_id[16], double ratio)
{
    if (ratio >= 1.0)
        return 1;
    if (ratio <= 0.0)
        return 0;
    uint64_t r = 0;
    for (int i = 9; i < 16; i++)
        r = (r << 8) | trace_id[i];
    const double two56 = 72057594037927936.0;
    uint64_t threshold = (uint64_t)((1.0 - ratio) * two56);
    return r >= threshold;
}

int ga_sample(const uint8_t trace_id[16], const ga_span_ctx *parent)
{
    switch (ga_cfg.sampler) {
    case GA_SAMPLER_ALWAYS_ON:  return 1;
    case GA_SAMPLER_ALWAYS_OFF: return 0;
    case GA_SAMPLER_RATIO:      return ga_ratio_sample(trace_id, ga_cfg.sampler_ratio);
    case GA_SAMPLER_PB_ALWAYS_ON:
        return parent ? (parent->flags & GA_TF_SAMPLED) != 0 : 1;
    case GA_SAMPLER_PB_ALWAYS_OFF:
        return parent ? (parent->flags & GA_TF_SAMPLED) != 0 : 0;
    case GA_SAMPLER_PB_RATIO:
        return parent ? (parent->flags & GA_TF_SAMPLED) != 0
                      : ga_ratio_sample(trace_id, ga_cfg.sampler_ratio);
    }
    return 1;
}

/* The parent of a span started without one of its own: the thread's active span, else the
 * process's from TRACEPARENT, else none (a root). */
static inline const ga_span_ctx *ga__default_parent(void)
{
    const ga_span_ctx *a = ga_active();
    return a != NULL ? a : ga_cfg.env_parent.valid ? &ga_cfg.env_parent : NULL;
}

/* A child of `parent`, or a new root when it is NULL: the ids drawn with one seed check. */
static inline __attribute__((always_inline)) void ga__start(ga_span_ids *out, const ga_span_ctx *parent)
{
    uint64_t st = ga__rng_load();       /* one seed check for all the draws */
    if (parent != NULL) {
        memcpy(out->trace_id, parent->trace_id, 16);
        memcpy(out->parent_id, parent->span_id, 8);
        out->has_parent = 1;
        out->parent_remote = parent->remote;
    } else {
        ga__draw_trace_id(&st, out->trace_id);
        memset(out->parent_id, 0, 8);
        out->has_parent = 0;
        out->parent_remote = 0;
    }
    ga__draw_span_id(&st, out->span_id);
    ga__rng = st;
    out->flags = ga_sample(out->trace_id, parent) ? GA_TF_SAMPLED : 0;
}

void ga_span_start(ga_span_ids *out, const ga_span_ctx *parent)
{
    if (parent == NULL || !parent->valid)
        parent = ga__default_parent();
    ga__start(out, parent);
}

void ga_span_start_own(ga_span_ids *out, const ga_span_ctx *parent)
{
    ga__start(out, parent != NULL && parent->valid ? parent : NULL);
}

void ga_span_start_leaf(ga_span_ids *out)
{
    const ga_span_ctx *parent = ga__default_parent();
    memset(out->span_id, 0, 8);
    if (parent != NULL) {
        memcpy(out->trace_id, parent->trace_id, 16);
        memcpy(out->parent_id, parent->span_id, 8);
        out->has_parent = 1;
        out->parent_remote = parent->remote;
        out->flags = ga_sample(out->trace_id, parent) ? GA_TF_SAMPLED : 0;
        return;
    }
    memset(out->trace_id, 0, 16);
    memset(out->parent_id, 0, 8);
    out->has_parent = 0;
    out->parent_remote = 0;
    out->flags = 0;
}

/* The GA_A_PARENT_TP attribute of r decoded into *p (p->valid 0 when absent or invalid). */
static void ga__raw_parent(const ga_rec *r, ga_span_ctx *p)
{
    size_t off = 0, len;
    uint8_t key, type;
    const uint8_t *v;
    p->valid = 0;
    while (ga_rec_next(r, &off, &key, &type, &v, &len))
        if (key == GA_A_PARENT_TP && type == GA_AT_STR) {
            ga_tp_parse((const char *)v, len, p);
            return;
        }
}

void ga_rec_draw_ids(ga_rec *r)
{
    uint64_t st = ga__rng_load(), t0, t1;
    memcpy(&t0, r->h.trace_id, 8);
    memcpy(&t1, r->h.trace_id + 8, 8);
    if ((t0 | t1) == 0) {                       /* a root, or a parent still to decode */
        ga_span_ctx p;
        if (r->h.has_parent == GA_PARENT_RAW)
            ga__raw_parent(r, &p);
        else
            p.valid = 0;
        if (p.valid) {
            memcpy(r->h.trace_id, p.trace_id, 16);
            memcpy(r->h.parent_id, p.span_id, 8);
            r->h.has_parent = 1;
            r->h.parent_remote = p.remote;
            r->h.trace_flags = ga_sample(r->h.trace_id, &p) ? GA_TF_SAMPLED : 0;
        } else {
            ga__draw_trace_id(&st, r->h.trace_id);
            memset(r->h.parent_id, 0, 8);
            r->h.has_parent = 0;
            r->h.parent_remote = 0;
            r->h.trace_flags = ga_sample(r->h.trace_id, NULL) ? GA_TF_SAMPLED : 0;
        }
    }
    ga__draw_span_id(&st, r->h.span_id);
    ga__rng = st;
}
