/* ops.h — the exporter side of a protocol plug-in: how the exporter turns the plug-in's records
 * into spans (the span name, the attributes of the keys the plug-in owns) and metric points.
 *
 * A plug-in defines one `const struct ga_plugin_exp` in its <name>_ops.c and points its
 * descriptor (preload/plugin.h) at it; the exporter finds it through the record's protocol id,
 * so the exporter knows no protocol by name. Runs on the exporter thread only, for every
 * record (metrics) and every exported span (name, attributes): keep it cheap — no printf
 * family (exporter/fmt.h formats numbers and addresses), keys given with GA_K(), the peer
 * address through ga_attr_peer(), work derived from a text cached by the text
 * (exporter/memo.h) rather than redone per span. */
#ifndef GA_OPS_H
#define GA_OPS_H

#include "exporter/attrs.h"
#include "exporter/metrics.h"
#include "exporter/semconv.h"

typedef struct ga_op_desc {
    /* The span name into buf (NUL-terminated, at most cap bytes, cap >= 1); returns its
     * length. */
    size_t (*name)(const ga_rec *r, char *buf, size_t cap);
    /* Decode one TLV entry with a plug-in key (>= GA_A_PLUGIN_FIRST): hand its span
     * attributes to the writer w (ga_aw_str/ga_aw_int, exporter/attrs.h), in order; formatted
     * strings go in w->sc. NULL = keys are skipped. */
    void (*attr)(const ga_rec *r, uint8_t key, uint8_t type, const uint8_t *v, size_t len,
                 ga_aw *w);
    /* The histogram every record of this op feeds with its duration (sampled or not), or NULL;
     * and the attributes of its series: the semconv metric attributes only, never raw paths,
     * ids or literals. Instruments are matched by name, so two plug-ins may feed one.
     * metric_attrs starts with ga_attr_scratch_reset(sc). */
    const ga_instrument *metric;
    int (*metric_attrs)(const ga_rec *r, ga_attr *out, int max, ga_attr_scratch *sc);
    /* A counter every record of this op adds to (messages sent or consumed), or NULL: by
     * count_n(r) (NULL = 1), in the series of count_attrs(r) (NULL = metric_attrs). */
    const ga_instrument *count;
    int (*count_attrs)(const ga_rec *r, ga_attr *out, int max, ga_attr_scratch *sc);
    int64_t (*count_n)(const ga_rec *r);
    /* The conventions its spans follow (enum ga_semconv_domain, exporter/semconv.h): with
     * OTEL_SEMCONV_STABILITY_OPT_IN=database/dup or http/dup they also get the older names. */
    uint8_t semconv;
} ga_op_desc;

/* At most this many ops per plug-in (ga_op_find ignores a plug-in with more). */
#define GA_OPS_MAX 8

struct ga_plugin_exp {
    /* Fills ops[0 .. nops): record op i (1 .. nops) is ops[i - 1]. Called once per process,
     * by ga_op_find() before it answers for the first record. A function that writes the
     * descriptors rather than a table of them: every function pointer in a table is a
     * relocation the loader applies at every process start, exporting or not. */
    void (*fill)(ga_op_desc *ops);
    int nops;
    /* Before the instruments are read (a scrape, a push): bring the plug-in's own gauges up
     * to date (ga_metrics_series() below). NULL = nothing to do. */
    void (*collect)(void);
};

/* The descriptor of a plug-in record's op, or NULL (core records, unknown ops). */
const ga_op_desc *ga_op_find(const ga_rec *r);

/* The series of the instrument defined by `def` for attribute set a[0..n), registering the
 * instrument on first use; with create == 0 only an existing series (else NULL). For a
 * plug-in's collect(). */
ga_series *ga_metrics_series(const ga_instrument *def, const ga_attr *a, int n, int create);

/* Semantic-convention instruments that several plug-ins feed (exporter/instruments.c). */
extern const ga_instrument ga_inst_http_server_duration;   /* http.server.request.duration */
extern const ga_instrument ga_inst_http_client_duration;   /* http.client.request.duration */
extern const ga_instrument ga_inst_db_client_duration;     /* db.client.operation.duration */
extern const ga_instrument ga_inst_msg_client_duration;    /* messaging.client.operation.duration */
extern const ga_instrument ga_inst_msg_process_duration;   /* messaging.process.duration */
extern const ga_instrument ga_inst_msg_sent;               /* messaging.client.sent.messages */
extern const ga_instrument ga_inst_msg_consumed;           /* messaging.client.consumed.messages */

#endif
