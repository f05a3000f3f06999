/* metrics_reg.c — instrument definitions, connect spans → duration histogram, and the
 * self-metrics refreshed at each collection (contract in metrics_reg.h). */
#include <pthread.h>
#include <string.h>
#include "exporter/exporter.h"
#include "exporter/metrics_conf.h"
#include "exporter/memo.h"
#include "exporter/metrics_reg.h"
#include "exporter/ops.h"
#include "exporter/tail.h"
#include "exporter/stack_sym.h"
#include "exporter/metrics.h"
#include "preload/conn.h"
#include "preload/emit.h"
#include "preload/plugin.h"
#include "preload/ring.h"
#include "exporter/logs.h"
#include "preload/logcap.h"

/* Connect latency spans loopback (a few µs) to remote timeouts (seconds): 1-2.5-5 steps. */
static const double ga__connect_bounds[] = {
    0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
    0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

#define GA_HIST(n, d, u, b, max) { .name = n, .description = d, .unit = u, .kind = GA_MK_HISTOGRAM, \
    .bounds = b, .nbounds = (int)GA_ARRAY_LEN(b), .max_series = max }
#define GA_COUNTER(n, d, u, max) { .name = n, .description = d, .unit = u, .kind = GA_MK_COUNTER, \
    .max_series = max }
#define GA_GAUGE(n, d, u) { .name = n, .description = d, .unit = u, .kind = GA_MK_GAUGE, .max_series = 4 }

ga_instrument ga_minst[GA_MI_MAX];
int ga_minst_count;

/* The core instruments into ga_minst[0 .. GA_MI_COUNT), once, before the exporter thread opens
 * its components (ga_metrics_define). Written by code rather than a static initialiser: each
 * string and bounds pointer there would be a relocation the loader applies in every process. */
static void ga__define(void)
{
    ga_minst[GA_MI_CONNECT_DURATION] = (ga_instrument)GA_HIST("genesis.network.connect.duration",
        "Duration of outbound connect() calls, until the connection was established or failed.",
        "s", ga__connect_bounds, 256);
    ga_minst[GA_MI_NET_IO] = (ga_instrument)GA_COUNTER("genesis.network.io",
        "Bytes sent and received on the application's sockets, by peer.", "By", 512);
    ga_minst[GA_MI_SDK_OPS] = (ga_instrument)GA_COUNTER("genesis.sdk.operations",
        "Operations observed by genesis-auto (exported, sampled out or dropped).", "{operation}", 4);
    ga_minst[GA_MI_SDK_EXPORTED] = (ga_instrument)GA_COUNTER("genesis.sdk.spans.exported",
        "Sampled spans handed to a span exporter.", "{span}", 4);
    ga_minst[GA_MI_SDK_LOGS_EXPORTED] = (ga_instrument)GA_COUNTER("genesis.sdk.logs.exported",
        "Log records in OTLP requests that succeeded.", "{log_record}", 4);
    ga_minst[GA_MI_SDK_LOGS_DROPPED] = (ga_instrument)GA_COUNTER("genesis.sdk.logs.dropped",
        "Captured output not exported, by reason (binary counts writes, the others records).",
        "{log_record}", 8);
    ga_minst[GA_MI_SDK_SAMPLED_OUT] = (ga_instrument)GA_COUNTER("genesis.sdk.spans.sampled_out",
        "Spans not recorded because the sampler dropped them.", "{span}", 4);
    ga_minst[GA_MI_SDK_DROPPED] = (ga_instrument)GA_COUNTER("genesis.sdk.spans.dropped",
        "Spans and operations lost, by reason.", "{span}", 8);
    ga_minst[GA_MI_SDK_EXPORT_FAILURES] = (ga_instrument)GA_COUNTER("genesis.sdk.export.failures",
        "Export attempts that failed for good, by error type.", "{failure}", 16);
    ga_minst[GA_MI_SDK_QUEUE_DEPTH] = (ga_instrument)GA_GAUGE("genesis.sdk.queue.depth",
        "Operations waiting in the queue between the application and the exporter.", "{operation}");
    ga_minst[GA_MI_SDK_QUEUE_CAPACITY] = (ga_instrument)GA_GAUGE("genesis.sdk.queue.capacity",
        "Capacity of that queue (GENESIS_QUEUE_SIZE).", "{operation}");
    ga_minst[GA_MI_SDK_UNPARSED] = (ga_instrument)GA_COUNTER("genesis.sdk.connections.unparsed",
        "Connections whose protocol was not followed because all 4096 parser states were in use.",
        "{connection}", 4);
    ga_minst[GA_MI_SDK_METRIC_DROPPED] = (ga_instrument)GA_COUNTER("genesis.sdk.metric_observations.dropped",
        "Metric observations lost because a new series could not be allocated.", "{observation}", 4);
    ga_minst[GA_MI_SDK_TAIL_SEGMENTS] = (ga_instrument)GA_COUNTER("genesis.sdk.tail.segments",
        "Local trace segments the head sampler dropped, by what tail sampling did with them "
        "(kept, discarded, overflowed).", "{segment}", 4);
    ga_minst[GA_MI_SDK_TAIL_HELD] = (ga_instrument)GA_GAUGE("genesis.sdk.tail.spans.held",
        "Spans held by tail sampling until their local root ends (at most GENESIS_TAIL_BUFFER).",
        "{span}");
    ga_minst_count = GA_MI_COUNT;
}

void ga_metrics_define(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, ga__define);
}

uint64_t ga_metrics_start_ns;
int ga_metrics_on;

ga_instrument *ga_metrics_instrument(const ga_instrument *def)
{
    for (int i = ga_minst_count - 1; i >= GA_MI_COUNT; i--)    /* the plug-ins' first, */
        if (ga_minst[i].name == def->name)                      /* by address: no strcmp */
            return &ga_minst[i];
    for (int i = 0; i < ga_minst_count; i++)
        if (ga_minst[i].name == def->name || strcmp(ga_minst[i].name, def->name) == 0)
            return &ga_minst[i];
    if (ga_minst_count == GA_MI_MAX)
        return NULL;
    ga_instrument *m = &ga_minst[ga_minst_count++];
    *m = *def;
    m->nseries = 0;
    m->map = m->overflow = NULL;
    m->cache = NULL;
    m->fam_idx = 0;
    return m;
}

ga_series *ga_metrics_series(const ga_instrument *def, const ga_attr *a, int n, int create)
{
    ga_instrument *m = ga_metrics_instrument(def);
    if (m == NULL)
        return NULL;
    if (create)
        return ga_series_get(m, a, n);
    return ga_series_find(m, a, n);
}

void ga_metrics_start(void)
{
    ga_metrics_define();
    ga_metrics_start_ns = ga_now_ns();
    ga_metrics_on = 1;
}

static int ga__want_exemplar(const ga_rec *r)
{
    switch (ga_mconf.exemplar_filter) {
    case GA_EXF_ALWAYS_ON:  return 1;
    case GA_EXF_ALWAYS_OFF: return 0;
    default:                return (r->h.trace_flags & GA_TF_SAMPLED) != 0;
    }
}

/* The span's duration (s) into series s of histogram m. */
static void ga__observe(ga_instrument *m, const ga_rec *r, ga_series *s)
{
    double v = r->h.end_ns > r->h.start_ns ? (double)(r->h.end_ns - r->h.start_ns) / 1e9 : 0.0;
    int b = ga_hist_observe(m, s, v);
    if (b >= 0 && ga__want_exemplar(r))
        ga_hist_exemplar(m, s, b, v, r->h.end_ns, r->h.trace_id, r->h.span_id);
}

/* The span's duration into histogram m, series by attributes a. */
static void ga__duration(ga_instrument *m, const ga_rec *r, const ga_attr *a, int n)
{
    if (m != NULL)
        ga__observe(m, r, ga_series_lookup(m, a, n));
}

/* The series a plug-in record feeds, kept per distinct record content: the op's series
 * attributes are a function of (protocol, op, the record's attribute bytes), and records repeat
 * (one endpoint, one connection), so the attributes are derived and looked up once per content. */
typedef struct ga__series_memo {
    ga_series *s;
    uint32_t generation;            /* ga_series_generation when s was found */
} ga__series_memo;

static ga_memo ga__series_memo_tab = GA_MEMO_INIT(GA_REC_ATTR_CAP, sizeof(ga__series_memo), 256);

typedef int (*ga__attrs_fn)(const ga_rec *r, ga_attr *out, int max, ga_attr_scratch *sc);

static ga_series *ga__op_series(ga_instrument *m, const ga_rec *r, ga__attrs_fn attrs)
{
    int fresh;
    uint32_t tag = r->h.proto | (uint32_t)r->h.op << 8 | (uint32_t)(m - ga_minst) << 16;
    size_t len = r->h.attr_len <= GA_REC_ATTR_CAP ? r->h.attr_len : 0;
    ga__series_memo *e = ga_memo_get_tagged(&ga__series_memo_tab, tag, r->attrs, len, &fresh);
    if (e != NULL && !fresh && e->s != NULL && e->generation == ga_series_generation)
        return e->s;
    ga_attr a[GA_MAX_ATTRS];
    ga_attr_scratch sc;
    ga_attr_scratch_reset(&sc);
    int n = attrs(r, a, GA_MAX_ATTRS, &sc);
    ga_series *s = ga_series_lookup(m, a, n);
    if (e != NULL)
        *e = (ga__series_memo){ .s = s, .generation = ga_series_generation };
    return s;
}

void ga_metrics_observe_op(const ga_rec *r, const ga_op_desc *d)
{
    if (d == NULL)
        return;
    if (d->metric != NULL && d->metric_attrs != NULL) {
        ga_instrument *m = ga_metrics_instrument(d->metric);
        if (m != NULL)
            ga__observe(m, r, ga__op_series(m, r, d->metric_attrs));
    }
    ga__attrs_fn cattrs = d->count_attrs != NULL ? d->count_attrs : d->metric_attrs;
    if (d->count != NULL && cattrs != NULL) {
        ga_instrument *m = ga_metrics_instrument(d->count);
        if (m != NULL)
            ga_counter_add(ga__op_series(m, r, cattrs), (uint64_t)(d->count_n ? d->count_n(r) : 1));
    }
}

void ga_metrics_on_record(const ga_rec *r)
{
    if (!ga_metrics_on)
        return;
    if (r->h.proto != GA_PROTO_CORE) {
        ga_metrics_observe_op(r, ga_op_find(r));
    } else if (r->h.op == GA_OP_CONNECT) {
        ga_attr a[GA_MAX_ATTRS];
        ga_attr_scratch sc;
        int n = ga_rec_attrs(r, a, GA_MAX_ATTRS, &sc);
        ga__duration(&ga_minst[GA_MI_CONNECT_DURATION], r, a, n);
    } else if (r->h.op == GA_OP_CONN_CLOSE) {
        ga_bytes_on_close(r);
    }
}

/* Set the value of the series {key=val} (or the attribute-less series when key is NULL). */
static void ga__set(int idx, const char *key, const char *val, uint64_t v)
{
    ga_attr a = { .key = key, .type = GA_V_STR, .s = val, .slen = val ? strlen(val) : 0 };
    ga_series_set(ga_series_get(&ga_minst[idx], &a, key ? 1 : 0), (int64_t)v);
}

static void ga__collect_self(void)
{
    static const char fail_names[GA_FAIL_COUNT][12] = {
        [GA_FAIL_CONNECT] = "connect", [GA_FAIL_TIMEOUT] = "timeout", [GA_FAIL_HTTP_4XX] = "http_4xx",
        [GA_FAIL_HTTP_5XX] = "http_5xx", [GA_FAIL_THROTTLED] = "throttled", [GA_FAIL_ENCODE] = "encode",
        [GA_FAIL_UNAVAILABLE] = "unavailable", [GA_FAIL_OTHER] = "other",
    };
    ga__set(GA_MI_SDK_OPS, NULL, NULL, ga_self.operations);
    ga__set(GA_MI_SDK_EXPORTED, NULL, NULL, ga_self.spans_exported);
    if (ga_logs_on) {
        ga__set(GA_MI_SDK_LOGS_EXPORTED, NULL, NULL, ga_logs_self.exported);
        ga__set(GA_MI_SDK_LOGS_DROPPED, "reason", "queue_full",
                atomic_load_explicit(&ga_logs_dropped_queue, memory_order_relaxed));
        ga__set(GA_MI_SDK_LOGS_DROPPED, "reason", "binary",
                atomic_load_explicit(&ga_logs_binary_writes, memory_order_relaxed));
        ga__set(GA_MI_SDK_LOGS_DROPPED, "reason", "invalid_utf8", ga_logs_self.invalid);
        ga__set(GA_MI_SDK_LOGS_DROPPED, "reason", "batch_queue_full", ga_logs_self.dropped_batch_full);
        ga__set(GA_MI_SDK_LOGS_DROPPED, "reason", "export_failed", ga_logs_self.dropped_export);
        ga__set(GA_MI_SDK_LOGS_DROPPED, "reason", "rejected", ga_logs_self.rejected);
    }
    ga__set(GA_MI_SDK_SAMPLED_OUT, NULL, NULL, ga_self.spans_sampled_out);
    ga__set(GA_MI_SDK_DROPPED, "reason", "queue_full", ga_self.dropped_queue_full);
    ga__set(GA_MI_SDK_DROPPED, "reason", "batch_queue_full", ga_self.spans_dropped_batch_full);
    ga__set(GA_MI_SDK_DROPPED, "reason", "export_failed", ga_self.spans_dropped_export);
    ga__set(GA_MI_SDK_DROPPED, "reason", "rejected", ga_self.spans_rejected);
    for (int i = 0; i < GA_FAIL_COUNT; i++)
        ga__set(GA_MI_SDK_EXPORT_FAILURES, "error.type", fail_names[i], ga_self.export_failures_by[i]);
    ga__set(GA_MI_SDK_QUEUE_DEPTH, NULL, NULL, ga_ring_depth());
    ga__set(GA_MI_SDK_QUEUE_CAPACITY, NULL, NULL, ga_ring_capacity());
    ga__set(GA_MI_SDK_UNPARSED, NULL, NULL, ga_conn_refused());
    ga__set(GA_MI_SDK_METRIC_DROPPED, NULL, NULL, ga_metrics_dropped);
    if (ga_tail_on()) {
        ga__set(GA_MI_SDK_TAIL_SEGMENTS, "outcome", "kept", ga_tail_self.kept);
        ga__set(GA_MI_SDK_TAIL_SEGMENTS, "outcome", "discarded", ga_tail_self.discarded);
        ga__set(GA_MI_SDK_TAIL_SEGMENTS, "outcome", "overflowed", ga_tail_self.overflowed);
        ga__set(GA_MI_SDK_TAIL_HELD, NULL, NULL, ga_tail_self.spans_held);
    }
}

void ga_metrics_collect(void)
{
    if (!ga_metrics_on)
        return;
    ga_bytes_scan();
    ga__collect_self();
    ga_metrics_process_collect();
    ga_stack_collect();
    ga_foreach_plugin(p)
        if (p != NULL && p->exp != NULL && p->exp->collect != NULL)
            p->exp->collect();
}

void ga_metrics_clear(void)
{
    ga_memo_free(&ga__series_memo_tab);
    for (int i = 0; i < ga_minst_count; i++)
        ga_instrument_clear(&ga_minst[i]);
    ga_bytes_clear(1);
    ga_metrics_on = 0;
}

void ga_metrics_after_fork(void)
{
    for (int i = 0; i < ga_minst_count; i++)
        ga_instrument_forget(&ga_minst[i]);
    ga_bytes_clear(0);
    ga_metrics_on = 0;
}
