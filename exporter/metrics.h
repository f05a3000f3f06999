/* metrics.h — metric aggregation on the exporter thread: instruments (explicit-bucket
 * histograms, monotonic counters, gauges) holding one series per distinct attribute set,
 * interned with uthash.
 *
 * Contracts:
 * - Exporter thread only (or a single test thread): nothing here locks.
 * - Temporality is cumulative: a series only grows from the instrument's start time until
 *   the process (or forked child) ends; readers (Prometheus, OTLP) never reset anything.
 * - Memory is bounded: an instrument holds at most `max_series` series; observations with a
 *   new attribute set beyond that land in one overflow series whose only attribute is
 *   `otel.metric.overflow=true` (OTel SDK cardinality-limit rule). String values longer
 *   than GA_MVAL_MAX bytes are truncated; at most GA_SERIES_MAX_ATTRS attributes.
 * - Histogram buckets are upper-inclusive: bucket i counts bounds[i-1] < v <= bounds[i],
 *   the last one v > bounds[n-1] (OTLP and Prometheus `le` semantics).
 * - Allocation failure drops the observation (counted in ga_metrics_dropped). */
#ifndef GA_METRICS_H
#define GA_METRICS_H

#include <stdint.h>
#include <uthash.h>
#include "exporter/attrs.h"

#define GA_SERIES_MAX_ATTRS 8
#define GA_MVAL_MAX 255

/* GA_MK_UPDOWN: a cumulative non-monotonic sum (OTel UpDownCounter): OTLP Sum with
 * is_monotonic false, a Prometheus gauge. */
enum ga_mkind { GA_MK_HISTOGRAM = 1, GA_MK_COUNTER, GA_MK_GAUGE, GA_MK_UPDOWN };

/* The latest exemplar of one histogram bucket. */
typedef struct ga_exemplar {
    uint64_t time_ns;
    double value;
    uint8_t trace_id[16];
    uint8_t span_id[8];
    int set;
} ga_exemplar;

typedef struct ga_series {
    UT_hash_handle hh;
    char *key;                      /* canonical attribute encoding; owns the strings below */
    size_t klen;
    int nattrs;
    ga_attr attrs[GA_SERIES_MAX_ATTRS]; /* sorted by key; .key and .s point into `key` */
    int64_t value;                  /* counter / gauge */
    uint64_t count;                 /* histogram */
    double sum, min, max;
    uint64_t *buckets;              /* nbounds + 1 per-bucket (not cumulative) counts */
    ga_exemplar *ex;                /* nbounds + 1, allocated with the first exemplar */
    struct ga_series_pub *pub;      /* what the process family already has (metrics_family.c) */
    uint32_t fam_off;               /* this series' entry in the family region, 0 = not yet */
} ga_series;

typedef struct ga_instrument {
    const char *name;               /* OTel name, e.g. "genesis.network.connect.duration" */
    const char *description;
    const char *unit;               /* UCUM: "s", "By", "{span}" */
    int kind;                       /* enum ga_mkind */
    int is_double;                  /* counter / gauge values are doubles (ga_series.sum) */
    const char *prom_name;          /* Prometheus family name when the translated one would not
                                     * do (exporter/prom_names.c); NULL = translated */
    const double *bounds;           /* histogram: strictly increasing */
    int nbounds;
    int max_series;                 /* cardinality limit, overflow series excluded */
    int nseries;                    /* in `map` */
    ga_series *map;                 /* uthash head; iteration = creation order */
    ga_series *overflow;            /* NULL until the limit was hit */
    struct ga_series_cache *cache;  /* ga_series_lookup()'s table (metrics_cache.c) */
    int fam_idx;                    /* its index in the family region + 1, 0 = not (yet)
                                     * there (metrics_family.c) */
} ga_instrument;

extern uint64_t ga_metrics_dropped;     /* observations lost to allocation failure */

/* Changes whenever series are freed or forgotten (ga_instrument_clear/forget): a series
 * pointer kept together with the generation it was found in is valid while they match. */
extern uint32_t ga_series_generation;

/* The series for this attribute set (order of `a` does not matter), created on first use;
 * the overflow series when the instrument is full; NULL when memory ran out. */
ga_series *ga_series_get(ga_instrument *m, const ga_attr *a, int n);

/* ga_series_get() for a canonical attribute encoding (a series' own `key`/`klen`, possibly
 * another process's): find or create; overflow series when full; NULL without memory. */
ga_series *ga_series_get_key(ga_instrument *m, const char *key, size_t klen);

/* The series for this attribute set if it exists (never creates one), else NULL. */
ga_series *ga_series_find(const ga_instrument *m, const ga_attr *a, int n);

/* ga_series_get() for the attributes of a record as an op produced them, cheaply: sets of
 * literal keys (GA_K) in the same order with the same values are found by a hash of the keys'
 * addresses and the values, confirmed byte for byte (metrics_cache.c). Same answer as
 * ga_series_get(). */
ga_series *ga_series_lookup(ga_instrument *m, const ga_attr *a, int n);

/* Free that table (ga_instrument_clear does it; ga_instrument_forget only drops it). */
void ga_series_cache_free(ga_instrument *m);

/* Index of the bucket v falls in: first i with v <= bounds[i], else n (upper-inclusive). */
int ga_hist_bucket(const double *bounds, int n, double v);

/* Record one histogram value (count, sum, min, max, bucket). Returns the bucket index. */
int ga_hist_observe(const ga_instrument *m, ga_series *s, double v);

/* Keep (trace_id, span_id, v, t) as the latest exemplar of bucket b. */
void ga_hist_exemplar(const ga_instrument *m, ga_series *s, int b, double v, uint64_t t_ns,
                      const uint8_t trace_id[16], const uint8_t span_id[8]);

static inline void ga_counter_add(ga_series *s, uint64_t v) { if (s) s->value += (int64_t)v; }
static inline void ga_series_set(ga_series *s, int64_t v) { if (s) s->value = v; }
/* The value of a series of an instrument with is_double set (kept in .sum). */
static inline void ga_series_set_double(ga_series *s, double v) { if (s) s->sum = v; }

/* Iterate series in creation order, the overflow series last:
 *     for (ga_series *s = ga_series_first(m); s; s = ga_series_next(m, s)) */
ga_series *ga_series_first(const ga_instrument *m);
ga_series *ga_series_next(const ga_instrument *m, const ga_series *s);

/* Free every series (the instrument definition stays). */
void ga_instrument_clear(ga_instrument *m);

/* Forget every series without freeing (child after fork: the parent thread may have been
 * mid-update, so its memory is left alone). */
void ga_instrument_forget(ga_instrument *m);

#endif
