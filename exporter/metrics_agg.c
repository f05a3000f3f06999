/* metrics_agg.c — series interning and histogram/counter arithmetic (contract in metrics.h).
 *
 * A series is found by the canonical encoding of its attribute set: attributes sorted by
 * key, each written as `key NUL type value` (strings: u16 length, bytes, NUL; numbers: 8
 * bytes). The series owns a copy of that encoding and its ga_attr array points into it. */
#include <stdlib.h>
#include <string.h>
#include "exporter/metrics.h"

uint64_t ga_metrics_dropped;
uint32_t ga_series_generation;

#define GA_KEY_MAX (GA_SERIES_MAX_ATTRS * (128 + 1 + 1 + 2 + GA_MVAL_MAX + 1))

/* Sort a copy of the attributes by key (n is tiny: insertion sort). */
static int ga__sorted(const ga_attr *a, int n, const ga_attr **out)
{
    if (n > GA_SERIES_MAX_ATTRS)
        n = GA_SERIES_MAX_ATTRS;
    for (int i = 0; i < n; i++) {
        int j = i;
        while (j > 0 && strcmp(out[j - 1]->key, a[i].key) > 0) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = &a[i];
    }
    return n;
}

static size_t ga__put(char *buf, size_t off, const void *p, size_t n)
{
    memcpy(buf + off, p, n);
    return off + n;
}

/* Canonical encoding of the set into buf (GA_KEY_MAX bytes); returns its length. */
static size_t ga__encode(const ga_attr *a, int n, char *buf)
{
    const ga_attr *s[GA_SERIES_MAX_ATTRS];
    n = ga__sorted(a, n, s);
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        size_t kl = strnlen(s[i]->key, 128);
        off = ga__put(buf, off, s[i]->key, kl);
        buf[off++] = '\0';
        buf[off++] = (char)s[i]->type;
        if (s[i]->type == GA_V_STR) {
            uint16_t l = (uint16_t)(s[i]->slen > GA_MVAL_MAX ? GA_MVAL_MAX : s[i]->slen);
            off = ga__put(buf, off, &l, 2);
            off = ga__put(buf, off, s[i]->s, l);
            buf[off++] = '\0';
        } else if (s[i]->type == GA_V_DOUBLE) {
            off = ga__put(buf, off, &s[i]->d, 8);
        } else {
            off = ga__put(buf, off, &s[i]->i, 8);
        }
    }
    return off;
}

/* Rebuild the ga_attr array of a series from its own copy of the encoding. */
static void ga__decode(ga_series *s)
{
    size_t off = 0;
    s->nattrs = 0;
    while (off < s->klen && s->nattrs < GA_SERIES_MAX_ATTRS) {
        ga_attr *a = &s->attrs[s->nattrs++];
        memset(a, 0, sizeof *a);
        a->key = s->key + off;
        off += strlen(a->key) + 1;
        a->type = (unsigned char)s->key[off++];
        if (a->type == GA_V_STR) {
            uint16_t l;
            memcpy(&l, s->key + off, 2);
            a->s = s->key + off + 2;
            a->slen = l;
            off += 2 + (size_t)l + 1;
        } else {
            memcpy(a->type == GA_V_DOUBLE ? (void *)&a->d : (void *)&a->i, s->key + off, 8);
            off += 8;
        }
    }
}

static ga_series *ga__new(const ga_instrument *m, const char *key, size_t klen)
{
    ga_series *s = calloc(1, sizeof *s);
    char *k = malloc(klen + 1);
    uint64_t *b = m->kind == GA_MK_HISTOGRAM ? calloc((size_t)m->nbounds + 1, sizeof *b) : NULL;
    if (s == NULL || k == NULL || (m->kind == GA_MK_HISTOGRAM && b == NULL)) {
        free(s);
        free(k);
        free(b);
        ga_metrics_dropped++;
        return NULL;
    }
    memcpy(k, key, klen);
    k[klen] = '\0';
    s->key = k;
    s->klen = klen;
    s->buckets = b;
    ga__decode(s);
    return s;
}

static ga_series *ga__overflow(ga_instrument *m)
{
    if (m->overflow == NULL) {
        ga_attr a = { .key = "otel.metric.overflow", .type = GA_V_BOOL, .i = 1 };
        char buf[64];
        m->overflow = ga__new(m, buf, ga__encode(&a, 1, buf));
    }
    return m->overflow;
}

ga_series *ga_series_find(const ga_instrument *m, const ga_attr *a, int n)
{
    char buf[GA_KEY_MAX];
    size_t klen = ga__encode(a, n, buf);
    ga_series *s = NULL;
    HASH_FIND(hh, m->map, buf, klen, s);
    return s;
}

ga_series *ga_series_get(ga_instrument *m, const ga_attr *a, int n)
{
    char buf[GA_KEY_MAX];
    size_t klen = ga__encode(a, n, buf);
    ga_series *s = NULL;
    HASH_FIND(hh, m->map, buf, klen, s);
    if (s != NULL)
        return s;
    if (m->nseries >= m->max_series)
        return ga__overflow(m);
    s = ga__new(m, buf, klen);
    if (s == NULL)
        return NULL;
    HASH_ADD_KEYPTR(hh, m->map, s->key, s->klen, s);
    m->nseries++;
    return s;
}

ga_series *ga_series_get_key(ga_instrument *m, const char *key, size_t klen)
{
    ga_attr ov = { .key = "otel.metric.overflow", .type = GA_V_BOOL, .i = 1 };
    char obuf[64];
    size_t olen = ga__encode(&ov, 1, obuf);
    if (klen == olen && memcmp(key, obuf, olen) == 0)
        return ga__overflow(m);         /* another process's overflow series: the same one */
    ga_series *s = NULL;
    HASH_FIND(hh, m->map, key, klen, s);
    if (s != NULL)
        return s;
    if (m->nseries >= m->max_series)
        return ga__overflow(m);
    s = ga__new(m, key, klen);
    if (s == NULL)
        return NULL;
    HASH_ADD_KEYPTR(hh, m->map, s->key, s->klen, s);
    m->nseries++;
    return s;
}

int ga_hist_bucket(const double *bounds, int n, double v)
{
    int lo = 0, hi = n;             /* answer in [lo, hi] */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (v <= bounds[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

int ga_hist_observe(const ga_instrument *m, ga_series *s, double v)
{
    if (s == NULL)
        return -1;
    int b = ga_hist_bucket(m->bounds, m->nbounds, v);
    if (s->count == 0 || v < s->min)
        s->min = v;
    if (s->count == 0 || v > s->max)
        s->max = v;
    s->count++;
    s->sum += v;
    s->buckets[b]++;
    return b;
}

void ga_hist_exemplar(const ga_instrument *m, ga_series *s, int b, double v, uint64_t t_ns,
                      const uint8_t trace_id[16], const uint8_t span_id[8])
{
    if (s == NULL || b < 0 || b > m->nbounds)
        return;
    if (s->ex == NULL && (s->ex = calloc((size_t)m->nbounds + 1, sizeof *s->ex)) == NULL)
        return;
    ga_exemplar *e = &s->ex[b];
    e->time_ns = t_ns;
    e->value = v;
    memcpy(e->trace_id, trace_id, 16);
    memcpy(e->span_id, span_id, 8);
    e->set = 1;
}

ga_series *ga_series_first(const ga_instrument *m)
{
    return m->map ? m->map : m->overflow;
}

ga_series *ga_series_next(const ga_instrument *m, const ga_series *s)
{
    if (s == m->overflow)
        return NULL;
    ga_series *n = s->hh.next;
    return n ? n : m->overflow;
}

static void ga__free(ga_series *s)
{
    if (s == NULL)
        return;
    free(s->key);
    free(s->buckets);
    free(s->ex);
    free(s->pub);
    free(s);
}

void ga_instrument_clear(ga_instrument *m)
{
    ga_series *s, *tmp;
    HASH_ITER(hh, m->map, s, tmp) {
        HASH_DEL(m->map, s);
        ga__free(s);
    }
    ga__free(m->overflow);
    ga_series_cache_free(m);
    ga_instrument_forget(m);
}

void ga_instrument_forget(ga_instrument *m)
{
    ga_series_generation++;
    m->map = NULL;
    m->overflow = NULL;
    m->cache = NULL;
    m->nseries = 0;
}
