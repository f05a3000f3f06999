/* otlp_health.c — collector reachability shared by a fork family (contract in otlp_health.h).
 *
 * Each endpoint is one slot of four atomic words in the family page. Members may die at any
 * point, so nothing is ever locked: a probe claim is a deadline (probe_until) that lapses by
 * itself, and a race between two members costs at most one extra connection attempt. */
#include <string.h>
#include "exporter/otlp_health.h"
#include "exporter/otlp_config.h"
#include "exporter/otlp_http.h"
#include "preload/config.h"
#include "preload/family.h"

static ga_family ga__local;             /* a process without a family page */

static ga_family *ga__fam(void)
{
    ga_family *f = atomic_load_explicit(&ga_family_page, memory_order_acquire);
    return f != NULL ? f : &ga__local;
}

uint64_t ga_otlp_health_key(const char *url)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = (size_t)(p - url) + strcspn(p, "/?#");
    uint64_t h = 0xcbf29ce484222325ull;         /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)url[i];
        h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32 : c)) * 0x100000001b3ull;
    }
    return h ? h : 1;
}

/* The slot of `key`; with `add`, a free one is taken for it. NULL when absent (or full). */
static ga_family_ep *ga__ep(uint64_t key, int add)
{
    ga_family *f = ga__fam();
    for (int i = 0; i < GA_FAMILY_EPS; i++) {
        uint64_t k = atomic_load(&f->ep[i].key);
        if (k == key)
            return &f->ep[i];
        if (k == 0 && add) {
            if (atomic_compare_exchange_strong(&f->ep[i].key, &k, key) || k == key)
                return &f->ep[i];
        }
    }
    return NULL;
}

int ga_otlp_health_gate(const char *url, uint64_t now, uint64_t probe_ms, uint64_t *until)
{
    ga_family_ep *e = ga__ep(ga_otlp_health_key(url), 0);
    if (e == NULL || atomic_load_explicit(&e->failures, memory_order_relaxed) == 0)
        return 1;
    uint64_t down = atomic_load(&e->down_until);
    if (now < down) {
        *until = down;
        return 0;
    }
    uint64_t probe = atomic_load(&e->probe_until);
    if (now < probe) {
        *until = probe;
        return 0;
    }
    if (atomic_compare_exchange_strong(&e->probe_until, &probe, now + (probe_ms ? probe_ms : 1)))
        return 1;
    *until = probe > now ? probe : now + 1;     /* another member just took the probe */
    return 0;
}

int ga_otlp_health_down(const char *url, uint64_t now)
{
    ga_family_ep *e = ga__ep(ga_otlp_health_key(url), 0);
    return e != NULL && atomic_load_explicit(&e->failures, memory_order_relaxed) != 0 &&
           (now < atomic_load(&e->down_until) || now < atomic_load(&e->probe_until));
}

/* The health keys of the signals exported over OTLP (0 = not exported), read from the
 * configuration once per process (the configuration never changes; a child inherits them). */
static _Atomic uint64_t ga__keys[GA_OTLP_NSIG];
static _Atomic int ga__keys_set;

static void ga__keys_load(void)
{
    static ga_otlp_cfg c;           /* 6 KB: not on an application thread's stack */
    unsigned on[GA_OTLP_NSIG] = { ga_cfg.traces_exporters, ga_cfg.metrics_exporters,
                                  ga_cfg.logs_capture ? ga_cfg.logs_exporters : 0 };
    for (int i = 0; i < GA_OTLP_NSIG; i++) {
        uint64_t k = 0;
        if (on[i] & GA_EXP_OTLP) {
            ga_otlp_cfg_load(i, &c);
            k = ga_otlp_health_key(c.url);
        }
        atomic_store(&ga__keys[i], k);
    }
    atomic_store(&ga__keys_set, 1);
}

void ga_otlp_health_prime(void)
{
    if (!atomic_load_explicit(&ga__keys_set, memory_order_acquire))
        ga__keys_load();
}

GA_FORK_PATH int ga_otlp_health_all_failing(void)
{
    ga_otlp_health_prime();
    for (int i = 0; i < GA_OTLP_NSIG; i++) {
        uint64_t k = atomic_load_explicit(&ga__keys[i], memory_order_relaxed);
        if (k == 0)
            continue;
        ga_family_ep *e = ga__ep(k, 0);
        if (e == NULL || atomic_load_explicit(&e->failures, memory_order_relaxed) == 0)
            return 0;
    }
    return 1;
}

GA_FORK_PATH int ga_otlp_health_all_down(uint64_t now, uint64_t *until)
{
    unsigned all = ga_cfg.traces_exporters | ga_cfg.metrics_exporters |
                   (ga_cfg.logs_capture ? ga_cfg.logs_exporters : 0);
    if (atomic_load_explicit(&ga_family_page, memory_order_acquire) == NULL ||
        (all & ~(unsigned)GA_EXP_OTLP) != 0 || !(all & GA_EXP_OTLP))
        return 0;
    ga_otlp_health_prime();
    uint64_t first = UINT64_MAX;
    for (int i = 0; i < GA_OTLP_NSIG; i++) {
        uint64_t k = atomic_load_explicit(&ga__keys[i], memory_order_relaxed);
        if (k == 0)
            continue;
        ga_family_ep *e = ga__ep(k, 0);
        if (e == NULL || atomic_load_explicit(&e->failures, memory_order_relaxed) == 0)
            return 0;
        uint64_t down = atomic_load(&e->down_until), probe = atomic_load(&e->probe_until);
        uint64_t t = down > probe ? down : probe;
        if (now >= t)
            return 0;
        if (t < first)
            first = t;
    }
    *until = first;
    return 1;
}

int ga_otlp_health_failing(const char *url)
{
    ga_family_ep *e = ga__ep(ga_otlp_health_key(url), 0);
    return e != NULL && atomic_load_explicit(&e->failures, memory_order_relaxed) != 0;
}

void ga_otlp_health_report(const char *url, int reachable, uint64_t now, uint64_t rnd)
{
    uint64_t key = ga_otlp_health_key(url);
    ga_family_ep *e = ga__ep(key, !reachable);
    if (e == NULL)
        return;
    if (reachable) {
        if (atomic_load_explicit(&e->failures, memory_order_relaxed) != 0) {
            atomic_store(&e->failures, 0);
            atomic_store(&e->down_until, 0);
            atomic_store(&e->probe_until, 0);
        }
        return;
    }
    uint32_t n = atomic_fetch_add(&e->failures, 1) + 1;
    uint64_t until = now + ga_otlp_backoff_ms((int)(n > 16 ? 16 : n), rnd);
    uint64_t cur = atomic_load(&e->down_until);
    while (cur < until && !atomic_compare_exchange_weak(&e->down_until, &cur, until))
        ;
    atomic_store(&e->probe_until, 0);
}
