/* otlp_traces.c — the OTLP traces exporter component (OTEL_TRACES_EXPORTER=otlp): a batch
 * span processor on the exporter thread.
 *
 * Sampled span records are copied into a bounded queue (OTEL_BSP_MAX_QUEUE_SIZE; beyond it
 * they are dropped and counted in spans_dropped_batch_full). A batch of up to
 * OTEL_BSP_MAX_EXPORT_BATCH_SIZE spans is encoded as one ExportTraceServiceRequest and handed
 * to the transport when the batch is full or the oldest queued span has waited
 * OTEL_BSP_SCHEDULE_DELAY; one request is in flight at a time and the transport never blocks
 * the drain loop. At exit, what is left is sent within the flush deadline; the rest is counted
 * as dropped. After fork the child forgets (never frees) the parent's queue and transport.
 * Requests are written straight from the queued records (exporter/otlp_span.h). */
#include <stdlib.h>
#include <string.h>
#include "exporter/components.h"
#include "exporter/exporter.h"
#include "exporter/attrs.h"
#include "exporter/otlp_batch.h"
#include "exporter/otlp_common.h"
#include "exporter/otlp_config.h"
#include "exporter/otlp_http.h"
#include "exporter/otlp_resp.h"
#include "exporter/otlp_span.h"
#include "exporter/resource.h"
#include "preload/config.h"
#include "preload/context.h"
#include "preload/log.h"

static struct {
    ga_otlp_batch b;                /* on, OTEL_BSP_*, transport, spans queued (otlp_batch.h) */
    ga_otlp_cfg cfg;
    ga_rec *q;                      /* ring of b.cfg.max_queue_size records, made on first use */
    unsigned head;
    unsigned inflight;              /* spans in the request being sent */
    ga_otlp_tr tr;                  /* the serialised resource and scope */
    int tr_ready;
    ga_buf body;                    /* the request: body.data[start .. len) */
    size_t start;
} T;

/* ---- encoding -------------------------------------------------------------------------------- */

/* The request for the n oldest queued spans into T.body[T.start ..). 0, or -1 (memory, size
 * limit). */
static int ga__encode(unsigned n)
{
    if (!T.tr_ready) {
        if (ga_otlp_tr_init(&T.tr, ga_res.attrs, ga_res.n, GA_SDK_NAME, GA_VERSION) < 0)
            return -1;
        T.tr_ready = 1;
    }
    ga_otlp_tr_begin(&T.tr, &T.body);
    for (unsigned i = 0; i < n; i++)
        if (ga_otlp_tr_span(&T.body, &T.q[(T.head + i) % T.b.cfg.max_queue_size]) < 0)
            return -1;
    return ga_otlp_tr_end(&T.tr, &T.body, &T.start);
}

/* ---- the batch processor --------------------------------------------------------------------- */

/* Spans left after a batch that are moved back to the queue's start rather than left where
 * they are: 64 records are 32 KiB, 64 bytes per span of a 512-span batch. */
#define GA__COMPACT 64

/* Drop the n oldest queued spans. The queue is used from its start again whenever it empties
 * or only a few spans are left: the pages it touches are then those of its deepest use, not all
 * of OTEL_BSP_MAX_QUEUE_SIZE records (1 MiB at the default 2,048) as a ring that turns would
 * touch in time. Measured on an nginx worker under wrk: about 1 MiB less resident. */
static void ga__dequeue(unsigned n)
{
    T.head = (T.head + n) % T.b.cfg.max_queue_size;
    T.b.count -= n;
    if (T.b.count == 0) {
        T.head = 0;
    } else if (T.head != 0 && T.b.count <= GA__COMPACT && T.head + T.b.count <= T.b.cfg.max_queue_size) {
        memmove(T.q, T.q + T.head, T.b.count * sizeof *T.q);
        T.head = 0;
    }
    if (T.b.count > 0)
        T.b.oldest_ms = ga_mono_ms();     /* the next batch waits at most one more delay */
}

static void ga__dropped(unsigned n, enum ga_fail_reason why)
{
    ga_self_export_failed(why);
    ga_self.spans_dropped_export += n;
}

/* A 2xx answer may still reject some spans (partial success): count them, say it once. */
static void ga__partial_success(const ga_otlp_result *res)
{
    char msg[256];
    int64_t rejected;
    if (ga_otlp_resp_partial(res->body, res->body_len, &rejected, msg, sizeof msg) <= 0)
        return;                         /* empty body, or not protobuf: full success */
    if (rejected > 0)
        ga_self.spans_rejected += (uint64_t)rejected;
    char url[256];
    if (rejected > 0 || msg[0])
        ga_warn(GA_LK_EXPORT_REJECT, "OTLP collector at %s rejected %lld of the spans sent: %.200s",
                ga_otlp_url_redacted(T.cfg.url, url, sizeof url), (long long)(rejected > 0 ? rejected : 0),
                msg);
}

/* Take the outcome of the request in flight, if it has finished. */
static void ga__collect(void)
{
    ga_otlp_result res;
    if (T.b.http == NULL || !ga_otlp_http_result(T.b.http, &res))
        return;
    if (res.ok)
        ga__partial_success(&res);
    else
        ga__dropped(T.inflight, res.why);
    T.inflight = 0;
}

/* Encode and send the next batch; all attempts end by `deadline_ms` when not 0, and within
 * OTEL_BSP_EXPORT_TIMEOUT (as well as the transport's OTEL_EXPORTER_OTLP_TIMEOUT). */
static void ga__export(uint64_t deadline_ms)
{
    unsigned n = T.b.count < T.b.cfg.max_export_batch_size ? T.b.count : T.b.cfg.max_export_batch_size;
    if (n == 0)
        return;
    if (T.b.cfg.export_timeout_ms) {
        uint64_t bsp_end = ga_mono_ms() + T.b.cfg.export_timeout_ms;
        if (deadline_ms == 0 || bsp_end < deadline_ms)
            deadline_ms = bsp_end;
    }
    if (T.b.http == NULL && (T.b.http = ga_otlp_http_new(&T.cfg, "traces")) != NULL)
        ga_otlp_http_set_gzip(T.b.http, ga_otlp_gzip_spans);
    if (T.b.http == NULL || ga__encode(n) < 0) {
        ga__dequeue(n);
        ga__dropped(n, GA_FAIL_ENCODE);
        return;
    }
    ga__dequeue(n);
    T.inflight = n;
    ga_otlp_http_send_from(T.b.http, &T.body, T.start, deadline_ms);
    ga__collect();                      /* it may have failed at once (no libcurl) */
}

/* At exit: n queued spans could not be sent in time. */
static void ga__drop_left(unsigned n)
{
    ga__dropped(n, GA_FAIL_TIMEOUT);
}

static const ga_otlp_batch_ops ga__ops = { ga__collect, ga__export, ga__drop_left };

/* ---- component hooks ------------------------------------------------------------------------- */

static int ga__tr_open(void)
{
    if (!(ga_cfg.traces_exporters & GA_EXP_OTLP))
        return -1;
    ga_bsp_cfg_load(&T.b.cfg);
    ga_otlp_cfg_load(GA_OTLP_TRACES, &T.cfg);
    (void)ga_otlp_http_warm(&T.cfg);    /* now, not at exit: see otlp_http.h */
    T.b.ops = &ga__ops;
    T.b.on = 1;
    return 0;
}

static void ga__tr_span(const ga_rec *r)
{
    if (T.q == NULL && (T.q = calloc(T.b.cfg.max_queue_size, sizeof *T.q)) == NULL) {
        ga_self.spans_dropped_batch_full++;
        return;
    }
    if (T.b.count == T.b.cfg.max_queue_size) {
        ga_self.spans_dropped_batch_full++;
        return;
    }
    ga_rec *slot = &T.q[(T.head + T.b.count) % T.b.cfg.max_queue_size];
    size_t attr_len = r->h.attr_len <= GA_REC_ATTR_CAP ? r->h.attr_len : 0;
    memcpy(&slot->h, &r->h, sizeof r->h);
    memcpy(slot->attrs, r->attrs, attr_len);
    slot->h.attr_len = (uint16_t)attr_len;
    if (T.b.count++ == 0)
        T.b.oldest_ms = ga_mono_ms();
    if (T.b.count >= T.b.cfg.max_export_batch_size && ga_otlp_batch_idle(&T.b))
        ga__export(0);
}

static int ga__tr_tick(uint64_t now)
{
    return ga_otlp_batch_tick(&T.b, now);
}

static int ga__tr_pollfds(struct pollfd *p, int max)
{
    return ga_otlp_batch_pollfds(&T.b, p, max);
}

static void ga__tr_events(const struct pollfd *p, int n)
{
    ga_otlp_batch_events(&T.b, p, n);
}

static void ga__tr_flush(int final, uint64_t deadline_ms)
{
    ga_otlp_batch_flush(&T.b, final, deadline_ms);
}

/* The parent's queue, transport and buffers may have been mid-use: forget, never free. */
static void ga__tr_after_fork(void)
{
    memset(&T, 0, sizeof T);
    ga_otlp_http_after_fork();
}

/* The component (exporter.h), described at the exporter thread's start: a function, not a
 * const struct, whose function pointers the loader would relocate in every process. */
void ga_otlp_traces_component_get(ga_component *c)
{
    *c = (ga_component){
        .name = "otlp-traces",
        .open = ga__tr_open,
        .span = ga__tr_span,
        .pollfds = ga__tr_pollfds,
        .events = ga__tr_events,
        .tick = ga__tr_tick,
        .flush = ga__tr_flush,
        .after_fork = ga__tr_after_fork,
    };
}
