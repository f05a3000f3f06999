/* metrics_cache.c — finding the series of a record's attribute set without building its
 * canonical key (contract in metrics.h, ga_series_lookup).
 *
 * The canonical key (metrics_agg.c) sorts the attributes by name and copies every name and
 * value: exact, but it costs more than the rest of a record's aggregation. Records of one op
 * produce their attributes in the same order with the same literal keys (GA_K), so a cheaper
 * key identifies the set just as well: each key's address, type and value, in the order given.
 * That key is hashed and looked up in a table of the instrument's own; an entry holds a copy
 * of the key, so a hit is confirmed byte for byte and is exact. A miss asks ga_series_get()
 * and remembers its answer — the overflow series included: series are never removed, so a
 * set that overflowed once always does. Sets whose keys are not literals (klen 0), or too big,
 * always take the canonical path. The table holds at most 4 entries per series allowed. */
#include <stdlib.h>
#include <string.h>
#include "exporter/hash.h"
#include "exporter/metrics.h"

#define GA__FKEY_MAX 1024

typedef struct ga__fent {
    uint64_t hash;
    ga_series *s;
    uint32_t len;
    unsigned char *key;             /* NULL = empty slot */
} ga__fent;

struct ga_series_cache {
    unsigned cap;                   /* a power of two */
    unsigned used;
    ga__fent e[];
};

/* The fast key of a[0..n) into buf; its length, or 0 when the set cannot be cached. */
static size_t ga__fkey(const ga_attr *a, int n, unsigned char *buf)
{
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        if (a[i].klen == 0 || a[i].key == NULL)
            return 0;
        size_t vl = a[i].type == GA_V_STR ? (a[i].slen > GA_MVAL_MAX ? GA_MVAL_MAX : a[i].slen) : 8;
        if (o + sizeof(void *) + 3 + vl > GA__FKEY_MAX)
            return 0;
        memcpy(buf + o, &a[i].key, sizeof(void *));
        o += sizeof(void *);
        buf[o++] = (unsigned char)a[i].type;
        buf[o++] = (unsigned char)vl;
        buf[o++] = (unsigned char)(vl >> 8);
        if (a[i].type == GA_V_STR) {
            if (vl)
                memcpy(buf + o, a[i].s, vl);
        } else if (a[i].type == GA_V_DOUBLE) {
            memcpy(buf + o, &a[i].d, 8);
        } else {
            memcpy(buf + o, &a[i].i, 8);
        }
        o += vl;
    }
    if (o == 0)
        buf[o++] = 0;               /* the empty set has a key too: one byte */
    return o;
}

static ga__fent *ga__slot(struct ga_series_cache *c, uint64_t h, const unsigned char *k, size_t len)
{
    for (unsigned i = (unsigned)h & (c->cap - 1);; i = (i + 1) & (c->cap - 1)) {
        ga__fent *e = &c->e[i];
        if (e->key == NULL || (e->hash == h && e->len == len && memcmp(e->key, k, len) == 0))
            return e;
    }
}

/* A table twice as big, holding the same entries. */
static struct ga_series_cache *ga__grow(struct ga_series_cache *c)
{
    unsigned cap = c ? c->cap * 2 : 16;
    struct ga_series_cache *g = calloc(1, sizeof *g + cap * sizeof g->e[0]);
    if (g == NULL)
        return NULL;
    g->cap = cap;
    for (unsigned i = 0; c && i < c->cap; i++)
        if (c->e[i].key != NULL) {
            *ga__slot(g, c->e[i].hash, c->e[i].key, c->e[i].len) = c->e[i];
            g->used++;
        }
    free(c);
    return g;
}

/* Remember that fast key k names series s (when there is room). */
static void ga__remember(ga_instrument *m, uint64_t h, const unsigned char *k, size_t len, ga_series *s)
{
    struct ga_series_cache *c = m->cache;
    if (c == NULL || (c->used + 1) * 2 > c->cap) {
        if ((c == NULL ? 0u : c->used) >= 4u * (unsigned)m->max_series + 16u)
            return;
        if ((c = ga__grow(c)) == NULL)
            return;
        m->cache = c;
    }
    unsigned char *copy = malloc(len);
    if (copy == NULL)
        return;
    memcpy(copy, k, len);
    ga__fent *e = ga__slot(c, h, k, len);
    *e = (ga__fent){ .hash = h, .s = s, .len = (uint32_t)len, .key = copy };
    c->used++;
}

ga_series *ga_series_lookup(ga_instrument *m, const ga_attr *a, int n)
{
    unsigned char k[GA__FKEY_MAX];
    size_t len = ga__fkey(a, n, k);
    if (len == 0)
        return ga_series_get(m, a, n);
    uint64_t h = ga_hash_bytes(k, len, (uintptr_t)m);
    if (m->cache != NULL) {
        ga__fent *e = ga__slot(m->cache, h, k, len);
        if (e->key != NULL)
            return e->s;
    }
    ga_series *s = ga_series_get(m, a, n);
    if (s != NULL)
        ga__remember(m, h, k, len, s);
    return s;
}

void ga_series_cache_free(ga_instrument *m)
{
    struct ga_series_cache *c = m->cache;
    for (unsigned i = 0; c && i < c->cap; i++)
        free(c->e[i].key);
    free(c);
    m->cache = NULL;
}
