/* tail.c — local tail sampling: the buffer of held segments and its decisions (contract in
 * tail.h, the guarantee and its holes in docs/sampling.md).
 *
 * Memory is allocated once, on the first held span, and bounded by GENESIS_TAIL_BUFFER: that
 * many record slots (512 bytes each), as many segment descriptors, and a hash table of twice
 * as many chain heads. A segment is a list of slots; segments are chained per hash bucket and
 * kept in an age list, oldest first. When no slot is free, the oldest segment makes room: it is
 * exported at once when it already holds an error (an early decision), else dropped and counted
 * as overflowed. A small direct-mapped table remembers the traces kept lately, so that a span
 * arriving after its segment was decided (an asynchronous server parenting a call on a request
 * already answered, a second visit of the same trace) follows the decision. */
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include "exporter/tail.h"
#include "exporter/exporter.h"
#include "preload/log.h"
#include "preload/vars.h"

#define GA__NIL (-1)
#define GA__KEPT 1024                   /* remembered kept traces (power of two) */
#define GA__AGE_MS 60000u               /* a root not ended by then will not be waited for */

typedef struct ga__slot {
    ga_rec rec;
    int32_t next;
} ga__slot;

typedef struct ga__seg {
    uint8_t trace[16];
    uint8_t root[8];
    int32_t first, last;                /* its slots */
    int32_t hnext;                      /* hash chain; free list */
    int32_t older, newer;               /* age list */
    uint8_t error;                      /* a span in it has status Error */
    uint64_t born_ms;
} ga__seg;

ga_tail_stats ga_tail_self;

static struct {
    int mode;                           /* bit 0: errors, bit 1: slow */
    uint64_t slow_ns;
    uint64_t age_ms;
    uint32_t cap, mask;                 /* slots = segments = cap; buckets = mask + 1 */
    int failed;                         /* the allocation failed: spans are let go */
    ga__slot *slot;
    ga__seg *seg;
    int32_t *bucket;
    int32_t free_slot, free_seg;
    int32_t oldest, newest;
    ga_tail_out out;
    struct { uint8_t trace[16]; uint8_t why; } kept[GA__KEPT];
} S;

int ga_tail_open(ga_tail_out out)
{
    static const int modes[] = { 0, 1, 2, 3, 3 };  /* off|errors|slow|errors,slow|slow,errors */
    int e = ga_var_enum(GA_VAR(GENESIS_TAIL_SAMPLING));
    S.mode = e >= 0 && e < 5 ? modes[e] : 0;
    S.slow_ns = (uint64_t)ga_var_int(GA_VAR(GENESIS_TAIL_SLOW_MS)) * 1000000u;
    S.age_ms = S.slow_ns / 1000000u * 4 > GA__AGE_MS ? S.slow_ns / 1000000u * 4 : GA__AGE_MS;
    S.cap = (uint32_t)ga_var_int(GA_VAR(GENESIS_TAIL_BUFFER));
    S.out = out;
    return S.mode != 0;
}

int ga_tail_on(void)
{
    return S.mode != 0;
}

static int ga__alloc(void)
{
    uint32_t nb = 1;
    while (nb < 2 * S.cap)
        nb <<= 1;
    S.slot = malloc((size_t)S.cap * sizeof *S.slot);
    S.seg = malloc((size_t)S.cap * sizeof *S.seg);
    S.bucket = malloc((size_t)nb * sizeof *S.bucket);
    if (S.slot == NULL || S.seg == NULL || S.bucket == NULL) {
        free(S.slot);
        free(S.seg);
        free(S.bucket);
        S.slot = NULL;                  /* all three NULL: ga_tail_clear frees what is set */
        S.seg = NULL;
        S.bucket = NULL;
        S.failed = 1;
        ga_warn_once("no memory for the tail-sampling buffer (GENESIS_TAIL_BUFFER=%u); "
                     "head-dropped spans are not held", S.cap);
        return -1;
    }
    S.mask = nb - 1;
    for (uint32_t i = 0; i < nb; i++)
        S.bucket[i] = GA__NIL;
    for (uint32_t i = 0; i < S.cap; i++) {
        S.slot[i].next = i + 1 < S.cap ? (int32_t)i + 1 : GA__NIL;
        S.seg[i].hnext = i + 1 < S.cap ? (int32_t)i + 1 : GA__NIL;
    }
    S.free_slot = S.free_seg = 0;
    S.oldest = S.newest = GA__NIL;
    return 0;
}

/* ---- segments ------------------------------------------------------------------------------ */

static uint32_t ga__hash(const uint8_t trace[16], const uint8_t root[8])
{
    uint64_t a, b;
    memcpy(&a, trace + 8, 8);           /* ids are random: a multiply spreads them enough */
    memcpy(&b, root, 8);
    return (uint32_t)(((a ^ b) * 0x9e3779b97f4a7c15ull) >> 32);
}

static int32_t ga__find(const uint8_t trace[16], const uint8_t root[8])
{
    for (int32_t i = S.bucket[ga__hash(trace, root) & S.mask]; i != GA__NIL; i = S.seg[i].hnext)
        if (memcmp(S.seg[i].root, root, 8) == 0 && memcmp(S.seg[i].trace, trace, 16) == 0)
            return i;
    return GA__NIL;
}

static int32_t ga__seg_new(const uint8_t trace[16], const uint8_t root[8])
{
    int32_t i = S.free_seg;
    if (i == GA__NIL)
        return GA__NIL;                 /* cannot be: a live segment holds a slot */
    ga__seg *g = &S.seg[i];
    S.free_seg = g->hnext;
    memcpy(g->trace, trace, 16);
    memcpy(g->root, root, 8);
    g->first = g->last = GA__NIL;
    g->error = 0;
    g->born_ms = ga_mono_ms();
    uint32_t b = ga__hash(trace, root) & S.mask;
    g->hnext = S.bucket[b];
    S.bucket[b] = i;
    g->older = S.newest;
    g->newer = GA__NIL;
    if (S.newest != GA__NIL)
        S.seg[S.newest].newer = i;
    else
        S.oldest = i;
    S.newest = i;
    return i;
}

/* Unlink segment i from its bucket and the age list and return it to the free list (not its
 * slots: the caller has taken or freed them). */
static void ga__seg_unlink(int32_t i)
{
    ga__seg *g = &S.seg[i];
    int32_t *p = &S.bucket[ga__hash(g->trace, g->root) & S.mask];
    while (*p != i && *p != GA__NIL)
        p = &S.seg[*p].hnext;
    if (*p == i)
        *p = g->hnext;
    if (g->older != GA__NIL)
        S.seg[g->older].newer = g->newer;
    else
        S.oldest = g->newer;
    if (g->newer != GA__NIL)
        S.seg[g->newer].older = g->older;
    else
        S.newest = g->older;
    g->hnext = S.free_seg;
    S.free_seg = i;
}

static void ga__kept_note(const uint8_t trace[16], uint8_t why)
{
    uint64_t a;
    memcpy(&a, trace + 8, 8);
    size_t k = (size_t)((a * 0x9e3779b97f4a7c15ull) >> 54) & (GA__KEPT - 1);
    memcpy(S.kept[k].trace, trace, 16);
    S.kept[k].why = why;
}

static uint8_t ga__kept_why(const uint8_t trace[16])
{
    uint64_t a;
    memcpy(&a, trace + 8, 8);
    size_t k = (size_t)((a * 0x9e3779b97f4a7c15ull) >> 54) & (GA__KEPT - 1);
    return S.kept[k].why && memcmp(S.kept[k].trace, trace, 16) == 0 ? S.kept[k].why : 0;
}

/* Export (why != 0) or discard segment i, then free it and its slots. */
static void ga__decide(int32_t i, uint8_t why)
{
    ga__seg *g = &S.seg[i];
    int32_t s = g->first, last = GA__NIL;
    while (s != GA__NIL) {
        if (why) {
            ga_rec_put_int(&S.slot[s].rec, GA_A_TAIL, why);
            S.out(&S.slot[s].rec);
        }
        ga_tail_self.spans_held--;
        last = s;
        s = S.slot[s].next;
    }
    if (last != GA__NIL) {
        S.slot[last].next = S.free_slot;
        S.free_slot = g->first;
    }
    if (why) {
        ga__kept_note(g->trace, why);
        ga_tail_self.kept++;
    }
    ga__seg_unlink(i);
}

/* A segment decided before its root ended: kept for an error it holds, else `counter`++. */
static void ga__decide_early(int32_t i, uint64_t *counter)
{
    if ((S.mode & 1) && S.seg[i].error) {
        ga__decide(i, GA_TAIL_ERROR);
        return;
    }
    (*counter)++;
    ga__decide(i, 0);
}

/* A free slot, made by deciding the oldest segments early when there is none. */
static int32_t ga__slot_get(void)
{
    while (S.free_slot == GA__NIL && S.oldest != GA__NIL)
        ga__decide_early(S.oldest, &ga_tail_self.overflowed);
    int32_t s = S.free_slot;
    if (s != GA__NIL)
        S.free_slot = S.slot[s].next;
    return s;
}

/* Segment j (the spans held under a span that has just arrived) joins segment i. */
static void ga__fold(int32_t i, int32_t j)
{
    ga__seg *a = &S.seg[i], *b = &S.seg[j];
    if (b->first != GA__NIL) {
        if (a->last != GA__NIL)
            S.slot[a->last].next = b->first;
        else
            a->first = b->first;
        a->last = b->last;
    }
    a->error |= b->error;
    ga__seg_unlink(j);
}

/* ---- the record's way in ------------------------------------------------------------------- */

void ga_tail_span(const ga_rec *r)
{
    if (S.mode == 0 || S.failed || (S.slot == NULL && ga__alloc() < 0))
        return;
    int32_t s = ga__slot_get();         /* first: making room may keep this span's trace */
    if (s == GA__NIL)
        return;
    ga_rec *c = &S.slot[s].rec;
    size_t al = r->h.attr_len <= GA_REC_ATTR_CAP ? r->h.attr_len : 0;
    memcpy(&c->h, &r->h, sizeof r->h);
    memcpy(c->attrs, r->attrs, al);
    c->h.attr_len = (uint16_t)al;
    uint8_t why = ga__kept_why(r->h.trace_id);
    if (why) {                          /* its trace was kept here: so is this span */
        ga_rec_put_int(c, GA_A_TAIL, why);
        S.out(c);
        S.slot[s].next = S.free_slot;
        S.free_slot = s;
        return;
    }
    S.slot[s].next = GA__NIL;
    ga_tail_self.spans_held++;

    int root = !r->h.has_parent || r->h.parent_remote;
    const uint8_t *key = root ? r->h.span_id : r->h.parent_id;
    int32_t g = ga__find(r->h.trace_id, key);
    if (g == GA__NIL && (g = ga__seg_new(r->h.trace_id, key)) == GA__NIL) {
        S.slot[s].next = S.free_slot;   /* defensive: no descriptor left */
        S.free_slot = s;
        ga_tail_self.spans_held--;
        return;
    }
    if (!root) {                        /* spans held under this one join its segment */
        int32_t sub = ga__find(r->h.trace_id, r->h.span_id);
        if (sub != GA__NIL && sub != g)
            ga__fold(g, sub);
    }
    ga__seg *seg = &S.seg[g];
    if (seg->last != GA__NIL)
        S.slot[seg->last].next = s;
    else
        seg->first = s;
    seg->last = s;
    seg->error |= r->h.status == GA_STATUS_ERROR;
    if (!root)
        return;
    why = 0;
    if ((S.mode & 1) && seg->error)
        why = GA_TAIL_ERROR;
    else if ((S.mode & 2) && r->h.end_ns - r->h.start_ns > S.slow_ns)
        why = GA_TAIL_SLOW;
    if (!why)
        ga_tail_self.discarded++;
    ga__decide(g, why);
}

int ga_tail_tick(uint64_t now_ms)
{
    if (S.slot == NULL)
        return -1;
    while (S.oldest != GA__NIL && S.seg[S.oldest].born_ms + S.age_ms <= now_ms)
        ga__decide_early(S.oldest, &ga_tail_self.discarded);
    if (S.oldest == GA__NIL)
        return -1;
    uint64_t due = S.seg[S.oldest].born_ms + S.age_ms - now_ms;
    return due > 60000 ? 60000 : (int)due;
}

void ga_tail_final(void)
{
    while (S.slot != NULL && S.oldest != GA__NIL)
        ga__decide_early(S.oldest, &ga_tail_self.discarded);
}

void ga_tail_after_fork(void)
{
    /* The parent's buffer is forgotten, never freed; the child's thread opens anew. Without
     * tail sampling only the fields before `kept` were written: the 17 KB table is left alone
     * (zero already, and each page written would be one more copy per forked child). */
    memset(&S, 0, S.mode != 0 ? sizeof S : offsetof(__typeof__(S), kept));
    memset(&ga_tail_self, 0, sizeof ga_tail_self);
}

/* One process's buffer is freed only here (tests reset between cases with it): in the
 * library it lives until exit, reachable from S, and a child forgets its parent's. */
void ga_tail_clear(void)
{
    free(S.slot);
    free(S.seg);
    free(S.bucket);
    memset(&S, 0, sizeof S);
    memset(&ga_tail_self, 0, sizeof ga_tail_self);
}
