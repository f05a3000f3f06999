/* metrics_family.c — the shared region of a family of forked processes: publication of each
 * member's series as deltas, and the summed view the serving member renders (contracts in
 * metrics_family.h).
 *
 * Layout: a header (lock, server pid, instrument table, counters), a hash index of
 * GA_FAM_INDEX chains, then entries appended one after the other (so walking the arena
 * gives creation order): hash, chain link, instrument, key length, the summed values, the
 * histogram buckets and the canonical attribute encoding (metrics_agg.c) of the series.
 * Entries are never removed; an entry is complete before the index and `used` point to it,
 * so a member dying mid-update leaves at worst one half-added delta. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "exporter/hash.h"
#include "exporter/metrics_family.h"
#include "exporter/exporter.h"
#include "preload/config.h"
#include "preload/ga.h"

#define GA__MAGIC 0x67612d66616d3031ull     /* "ga-fam01" */

typedef struct ga__finst {
    const char *name, *description, *unit; /* the library's read-only data */
    const double *bounds;
    const char *prom_name;                  /* the library's read-only data, or NULL */
    int kind, nbounds, max_series, is_double;
} ga__finst;

typedef struct ga__fhdr {
    uint64_t magic;
    pthread_mutex_t mu;
    _Atomic int server_pid;                 /* the member serving the endpoint, 0 = none */
    uint32_t ninst;
    ga__finst inst[GA_FAM_INSTS];
    uint64_t dropped;                       /* updates that found no room */
    uint32_t used;                          /* end of the last entry (offset from the base) */
    uint32_t index[GA_FAM_INDEX];           /* first entry of each chain, 0 = none */
} ga__fhdr;

typedef struct ga__fent {
    uint64_t hash;
    uint32_t next;                          /* next entry in the chain, 0 = none */
    uint16_t inst, klen;
    uint32_t nb;                            /* buckets (0 for sums) */
    int64_t value;
    uint64_t count;
    double sum, min, max;
    uint64_t b[];                           /* nb buckets, then klen key bytes */
} ga__fent;

/* What this process already published of one series (ga_series.pub). */
struct ga_series_pub {
    int64_t value;
    uint64_t count;
    double sum;
    uint64_t b[];
};

#define GA__ARENA ((uint32_t)((sizeof(ga__fhdr) + 63) & ~(size_t)63))

static ga__fhdr *_Atomic ga__fam;
static ga_instrument ga__view[GA_FAM_INSTS];    /* the sums, exporter thread only */
static ga_instrument *ga__last[GA_FAM_INSTS + 64];
static int ga__nlast;

static ga__fhdr *ga__h(void)
{
    return atomic_load_explicit(&ga__fam, memory_order_acquire);
}

int ga_family_on(void)
{
    return ga__h() != NULL;
}

void ga_exporter_before_fork(void)
{
    ga_family_create();
}

int ga_family_create(void)
{
    if (ga__h() != NULL)
        return 0;
    if (ga_cfg.disabled || !(ga_cfg.metrics_exporters & GA_EXP_PROMETHEUS))
        return -ENOTSUP;
    int saved = errno;
    void *p = mmap(NULL, GA_FAM_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        int err = errno;
        errno = saved;
        return -err;                        /* no family: each process serves alone */
    }
    ga__fhdr *h = p;                        /* fresh anonymous memory is zero */
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&h->mu, &a);
    pthread_mutexattr_destroy(&a);
    h->used = GA__ARENA;
    h->magic = GA__MAGIC;
    atomic_store_explicit(&ga__fam, h, memory_order_release);
    errno = saved;
    return 0;
}

/* Take the region's lock without ever waiting on it: up to `spins` tries, yielding between.
 * A member that died holding it leaves it to the next taker (robust mutex). */
static int ga__lock(ga__fhdr *h, int spins)
{
    for (int i = 0;; i++) {
        int rc = pthread_mutex_trylock(&h->mu);
        if (rc == 0)
            return 0;
        if (rc == EOWNERDEAD) {
            pthread_mutex_consistent(&h->mu);
            return 0;
        }
        if (rc != EBUSY || i >= spins)
            return -EBUSY;
        sched_yield();
    }
}

/* The region's index of instrument m (registered on first use), or -1 when the table is full. */
static int ga__inst(ga__fhdr *h, ga_instrument *m)
{
    if (m->fam_idx != 0)
        return m->fam_idx - 1;
    for (uint32_t i = 0; i < h->ninst; i++)
        if (h->inst[i].name == m->name || strcmp(h->inst[i].name, m->name) == 0) {
            m->fam_idx = (int)i + 1;
            return (int)i;
        }
    if (h->ninst == GA_FAM_INSTS)
        return -1;                          /* shown by the serving member alone, if it has it */
    h->inst[h->ninst] = (ga__finst){ .name = m->name, .description = m->description, .unit = m->unit,
                                     .bounds = m->bounds, .kind = m->kind, .nbounds = m->nbounds,
                                     .max_series = m->max_series, .is_double = m->is_double,
                                     .prom_name = m->prom_name };
    m->fam_idx = (int)++h->ninst;
    return m->fam_idx - 1;
}

static ga__fent *ga__at(ga__fhdr *h, uint32_t off)
{
    return (ga__fent *)((char *)h + off);
}

static const char *ga__key(const ga__fent *e)
{
    return (const char *)(e->b + e->nb);
}

static uint32_t ga__size(uint32_t nb, size_t klen)
{
    return (uint32_t)((sizeof(ga__fent) + nb * sizeof(uint64_t) + klen + 7) & ~(size_t)7);
}

/* The entry of (instrument, key), created when new; 0 when there is no room. */
static uint32_t ga__entry(ga__fhdr *h, int inst, const ga_instrument *m, const char *key, size_t klen)
{
    uint64_t hv = ga_hash_bytes(key, klen, (uint64_t)inst);
    uint32_t *slot = &h->index[hv & (GA_FAM_INDEX - 1)];
    for (uint32_t off = *slot; off != 0;) {
        ga__fent *e = ga__at(h, off);
        if (e->hash == hv && e->inst == inst && e->klen == klen && memcmp(ga__key(e), key, klen) == 0)
            return off;
        off = e->next;
    }
    uint32_t nb = m->kind == GA_MK_HISTOGRAM ? (uint32_t)m->nbounds + 1 : 0;
    if (klen > 0xffff)
        return 0;
    uint32_t sz = ga__size(nb, klen);
    if (h->used > GA_FAM_BYTES || GA_FAM_BYTES - h->used < sz)
        return 0;
    uint32_t off = h->used;
    ga__fent *e = ga__at(h, off);
    *e = (ga__fent){ .hash = hv, .next = *slot, .inst = (uint16_t)inst, .klen = (uint16_t)klen, .nb = nb };
    memset(e->b, 0, nb * sizeof(uint64_t));
    memcpy(e->b + nb, key, klen);
    h->used = off + sz;                     /* complete before anything points to it */
    *slot = off;
    return off;
}

/* Publish the growth of one series; returns 0, or -1 when it found no room. */
static int ga__publish_series(ga__fhdr *h, int inst, const ga_instrument *m, ga_series *s)
{
    int hist = m->kind == GA_MK_HISTOGRAM;
    uint32_t nb = hist ? (uint32_t)m->nbounds + 1 : 0;
    if (s->pub == NULL && (s->pub = calloc(1, sizeof *s->pub + nb * sizeof(uint64_t))) == NULL)
        return 0;                           /* no memory: published at a later turn */
    struct ga_series_pub *p = s->pub;
    if (hist ? s->count == p->count : s->value == p->value && s->sum == p->sum)
        return 0;
    if (s->fam_off == 0)
        s->fam_off = ga__entry(h, inst, m, s->key, s->klen);
    if (s->fam_off == 0)
        return -1;
    ga__fent *e = ga__at(h, s->fam_off);
    if (hist) {
        if (e->count == 0 || s->min < e->min)
            e->min = s->min;
        if (e->count == 0 || s->max > e->max)
            e->max = s->max;
        e->count += s->count - p->count;
        e->sum += s->sum - p->sum;
        for (uint32_t i = 0; i < nb && i < e->nb; i++)
            e->b[i] += s->buckets[i] - p->b[i];
        p->count = s->count;
        p->sum = s->sum;
        memcpy(p->b, s->buckets, nb * sizeof(uint64_t));
    } else {
        e->value += s->value - p->value;
        e->sum += s->sum - p->sum;          /* the value of an is_double instrument */
        p->value = s->value;
        p->sum = s->sum;
    }
    return 0;
}

int ga_family_publish(ga_instrument *arr, int n, int spins)
{
    ga__fhdr *h = ga__h();
    if (h == NULL)
        return 0;
    if (ga__lock(h, spins) < 0)
        return -EBUSY;
    for (int i = 0; i < n; i++) {
        ga_instrument *m = &arr[i];
        int inst = ga__inst(h, m);
        if (inst < 0 || m->kind == GA_MK_GAUGE)
            continue;
        for (ga_series *s = ga_series_first(m); s; s = ga_series_next(m, s))
            if (ga__publish_series(h, inst, m, s) < 0) {
                h->dropped++;
                if (s->pub != NULL) {       /* lost for good: not offered again */
                    s->pub->value = s->value;
                    s->pub->count = s->count;
                    s->pub->sum = s->sum;
                    if (s->buckets)
                        memcpy(s->pub->b, s->buckets, ((size_t)m->nbounds + 1) * sizeof(uint64_t));
                }
            }
    }
    pthread_mutex_unlock(&h->mu);
    return 0;
}

/* This process's instrument of that name in arr, or NULL. */
static ga_instrument *ga__local(ga_instrument *arr, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (arr[i].name == name || strcmp(arr[i].name, name) == 0)
            return &arr[i];
    return NULL;
}

/* Copy this process's exemplars of the same series (OpenMetrics shows them). */
static void ga__exemplars(const ga_instrument *local, const ga_instrument *v, ga_series *s)
{
    ga_series *ls = NULL;
    if (local == NULL || v->kind != GA_MK_HISTOGRAM)
        return;
    HASH_FIND(hh, local->map, s->key, s->klen, ls);
    if (ls == NULL || ls->ex == NULL)
        return;
    size_t sz = ((size_t)v->nbounds + 1) * sizeof *s->ex;
    if (s->ex == NULL && (s->ex = calloc(1, sz)) == NULL)
        return;
    memcpy(s->ex, ls->ex, sz);
}

/* Rebuild the sums under the lock: zero the view, add every entry. */
static void ga__rebuild(ga__fhdr *h, ga_instrument *arr, int n)
{
    for (uint32_t i = 0; i < h->ninst; i++) {
        ga_instrument *v = &ga__view[i];
        if (v->name == NULL)
            *v = (ga_instrument){ .name = h->inst[i].name, .description = h->inst[i].description,
                                  .unit = h->inst[i].unit, .kind = h->inst[i].kind,
                                  .bounds = h->inst[i].bounds, .nbounds = h->inst[i].nbounds,
                                  .max_series = h->inst[i].max_series,
                                  .is_double = h->inst[i].is_double, .prom_name = h->inst[i].prom_name };
        for (ga_series *s = ga_series_first(v); s; s = ga_series_next(v, s)) {
            s->value = 0;
            s->count = 0;
            s->sum = s->min = s->max = 0;
            if (s->buckets)
                memset(s->buckets, 0, ((size_t)v->nbounds + 1) * sizeof(uint64_t));
        }
    }
    for (uint32_t off = GA__ARENA; off < h->used;) {
        ga__fent *e = ga__at(h, off);
        off += ga__size(e->nb, e->klen);
        if (e->inst >= h->ninst)
            continue;
        ga_instrument *v = &ga__view[e->inst];
        ga_series *s = ga_series_get_key(v, ga__key(e), e->klen);
        if (s == NULL)
            continue;
        if (v->kind != GA_MK_HISTOGRAM) {
            s->value += e->value;
            s->sum += e->sum;
            continue;
        }
        if (e->count == 0)
            continue;
        if (s->count == 0 || e->min < s->min)
            s->min = e->min;
        if (s->count == 0 || e->max > s->max)
            s->max = e->max;
        s->count += e->count;
        s->sum += e->sum;
        for (uint32_t b = 0; b < e->nb && b <= (uint32_t)v->nbounds; b++)
            s->buckets[b] += e->b[b];
        ga__exemplars(ga__local(arr, n, v->name), v, s);
    }
    ga_instrument *d = NULL;
    for (uint32_t i = 0; i < h->ninst && d == NULL; i++)
        if (strcmp(ga__view[i].name, "genesis.sdk.metric_observations.dropped") == 0)
            d = &ga__view[i];
    if (d != NULL && h->dropped > 0) {
        ga_series *s = ga_series_get_key(d, "", 0);
        if (s != NULL)
            s->value += (int64_t)h->dropped;
    }
}

int ga_family_view(ga_instrument *arr, int n, ga_instrument **out, int max)
{
    ga__fhdr *h = ga__h();
    if (h != NULL && ga__lock(h, 1000) == 0) {
        uint32_t ninst = h->ninst;
        ga__rebuild(h, arr, n);
        pthread_mutex_unlock(&h->mu);
        int k = 0;
        for (uint32_t i = 0; i < ninst && k < (int)GA_ARRAY_LEN(ga__last); i++) {
            ga_instrument *l = ga__local(arr, n, ga__view[i].name);
            ga__last[k++] = ga__view[i].kind == GA_MK_GAUGE ? l : &ga__view[i];
            if (ga__last[k - 1] == NULL)
                k--;
        }
        for (int i = 0; i < n && k < (int)GA_ARRAY_LEN(ga__last); i++)
            if (arr[i].fam_idx <= 0)        /* not in the region (table full): this process's */
                ga__last[k++] = &arr[i];
        ga__nlast = k;
    } else if (ga__nlast == 0) {            /* busy before any view: this process alone */
        for (int i = 0; i < n && i < (int)GA_ARRAY_LEN(ga__last); i++)
            ga__last[ga__nlast++] = &arr[i];
    }
    int k = ga__nlast < max ? ga__nlast : max;
    memcpy(out, ga__last, (size_t)k * sizeof *out);
    return k;
}

uint64_t ga_family_dropped(void)
{
    ga__fhdr *h = ga__h();
    return h ? h->dropped : 0;
}

void ga_family_set_server(int serving)
{
    ga__fhdr *h = ga__h();
    if (h == NULL)
        return;
    int me = (int)syscall(SYS_getpid);
    if (serving) {
        atomic_store(&h->server_pid, me);
    } else {
        int expect = me;
        atomic_compare_exchange_strong(&h->server_pid, &expect, 0);
    }
}

int ga_family_server_alive(void)
{
    ga__fhdr *h = ga__h();
    if (h == NULL)
        return 1;
    int pid = atomic_load(&h->server_pid);
    if (pid <= 0)
        return 0;
    return kill(pid, 0) == 0 || errno != ESRCH;
}

void ga_family_after_fork(void)
{
    for (int i = 0; i < GA_FAM_INSTS; i++) {
        ga_instrument_forget(&ga__view[i]);     /* the parent's thread may have been in it */
        ga__view[i] = (ga_instrument){0};
    }
    ga__nlast = 0;
}

void ga_family_reset(void)
{
    ga__fhdr *h = ga__h();
    for (int i = 0; i < GA_FAM_INSTS; i++) {
        ga_instrument_clear(&ga__view[i]);
        ga__view[i] = (ga_instrument){0};
    }
    ga__nlast = 0;
    atomic_store(&ga__fam, NULL);
    if (h != NULL) {
        pthread_mutex_destroy(&h->mu);
        munmap(h, GA_FAM_BYTES);
    }
}
