/* otlp_logs.c — the OTLP logs exporter component (OTEL_LOGS_EXPORTER=otlp): a batch log record
 * processor on the exporter thread, POSTing ExportLogsServiceRequest to /v1/logs.
 *
 * Each assembled line (exporter/logs.h) is written as a LogRecord straight into the request
 * being built — no copy of the line is kept — with the resource and scope serialised once
 * (exporter/otlp_span.h: the logs request has the trace request's layout, field for field).
 * The request is sent when it holds OTEL_BLRP_MAX_EXPORT_BATCH_SIZE records or its oldest has
 * waited OTEL_BLRP_SCHEDULE_DELAY; one request is in flight at a time, and while it is, new
 * records go on building the next one, up to OTEL_BLRP_MAX_QUEUE_SIZE (beyond: dropped and
 * counted). At exit what is left is sent within the flush deadline.
 *
 * LogRecord (logs.proto): time_unix_nano = 1 (fixed64), severity_number = 2, severity_text = 3,
 * body = 5 (AnyValue.string_value = 1), attributes = 6, flags = 8 (fixed32), trace_id = 9,
 * span_id = 10, observed_time_unix_nano = 11 (fixed64). */
#include <stdlib.h>
#include <string.h>
#include "exporter/components.h"
#include "exporter/exporter.h"
#include "exporter/logs.h"
#include "exporter/otlp_batch.h"
#include "exporter/otlp_common.h"
#include "exporter/otlp_config.h"
#include "exporter/otlp_http.h"
#include "exporter/otlp_resp.h"
#include "exporter/otlp_span.h"
#include "exporter/pbw.h"
#include "exporter/resource.h"
#include "preload/config.h"
#include "preload/log.h"
#include "preload/logcap.h"
#include "preload/vars.h"

static struct {
    ga_otlp_batch b;                /* on, OTEL_BLRP_*, transport, records built (otlp_batch.h) */
    ga_otlp_cfg cfg;
    ga_otlp_tr tr;                  /* resource and scope, serialised once */
    int tr_ready;
    ga_buf body;                    /* the request being built */
    int building;                   /* b.count records in it */
    unsigned inflight;
} G;

/* ---- one LogRecord ----------------------------------------------------------------------- */

/* The attributes of a line but log.iostream (ga__iostream_field): log.file.path, the cut mark. */
static int ga__attrs(const ga_logline *l, ga_attr *a)
{
    int n = 0;
    if (l->path != NULL)
        a[n++] = (ga_attr){ .key = "log.file.path", .klen = 13, .type = GA_V_STR, .s = l->path,
                            .slen = strlen(l->path) };
    if (l->cut)
        a[n++] = (ga_attr){ .key = "genesis.log.truncated", .klen = 21, .type = GA_V_BOOL, .i = 1 };
    return n;
}

/* The attributes field (tag, length, KeyValue) of log.iostream for stdout and stderr, written
 * once: every line of the standard streams carries one of the two. */
static struct { uint8_t b[40]; size_t n; } ga__io_kv[3];

static const uint8_t *ga__iostream_field(uint8_t stream, size_t *n)
{
    if (stream != 1 && stream != 2)
        return NULL;
    if (ga__io_kv[stream].n == 0) {
        static char key[32] = "log.iostream", val[32];     /* room for the writer's wide copies */
        strcpy(val, ga_logs_iostream(stream));
        ga_attr a = { .key = key, .klen = 12, .type = GA_V_STR, .s = val, .slen = strlen(val) };
        ga_pbw_kvsize z;
        ga_pbw_kv_size(&a, &z);
        uint8_t *p = ga__io_kv[stream].b;
        *p++ = GA_PB_TAG(6, GA_PB_LEN);
        p = ga_pb_varint(p, z.kv);
        p = ga_pbw_kv(p, &a, &z);
        ga__io_kv[stream].n = (size_t)(p - ga__io_kv[stream].b);
    }
    *n = ga__io_kv[stream].n;
    return ga__io_kv[stream].b;
}

int ga_otlp_log_record(ga_buf *b, const ga_logline *l, uint64_t observed_ns)
{
    ga_attr a[3];
    ga_pbw_kvsize z[3];
    int na = ga__attrs(l, a);
    size_t io_n = 0;
    const uint8_t *io = ga__iostream_field(l->stream, &io_n);
    size_t body_any = ga_pb_field_size(l->len);         /* AnyValue { string_value } */
    size_t rec = 9 + 9 + ga_pb_field_size(body_any);
    if (l->severity)
        rec += 1 + ga_pb_varint_size((uint64_t)l->severity);
    if (l->sev_len)
        rec += ga_pb_field_size(l->sev_len);
    for (int i = 0; i < na; i++) {
        ga_pbw_kv_size(&a[i], &z[i]);
        rec += ga_pb_field_size(z[i].kv);
    }
    rec += io_n;
    if (l->has_ctx)
        rec += 5 + ga_pb_field_size(16) + ga_pb_field_size(8);
    uint8_t *p0 = ga_buf_room(b, 1 + 10 + rec);
    if (p0 == NULL)
        return -1;
    uint8_t *p = p0;
    *p++ = GA_PB_TAG(2, GA_PB_LEN);                     /* ScopeLogs.log_records */
    p = ga_pb_varint(p, rec);
    *p++ = GA_PB_TAG(1, GA_PB_I64);
    p = ga_pb_fixed64(p, l->time_ns);
    if (l->severity) {
        *p++ = GA_PB_TAG(2, GA_PB_VARINT);
        p = ga_pb_varint(p, (uint64_t)l->severity);
    }
    if (l->sev_len)
        p = ga_pb_bytes(p, GA_PB_TAG(3, GA_PB_LEN), l->sev_text, l->sev_len);
    *p++ = GA_PB_TAG(5, GA_PB_LEN);
    p = ga_pb_varint(p, body_any);
    p = ga_pb_bytes(p, GA_PB_TAG(1, GA_PB_LEN), l->body, l->len);
    if (io_n) {
        memcpy(p, io, io_n);
        p += io_n;
    }
    for (int i = 0; i < na; i++) {
        *p++ = GA_PB_TAG(6, GA_PB_LEN);
        p = ga_pb_varint(p, z[i].kv);
        p = ga_pbw_kv(p, &a[i], &z[i]);
    }
    if (l->has_ctx) {
        *p++ = GA_PB_TAG(8, GA_PB_I32);
        p = ga_pb_fixed32(p, l->trace_flags);
        p = ga_pb_bytes(p, GA_PB_TAG(9, GA_PB_LEN), l->trace_id, 16);
        p = ga_pb_bytes(p, GA_PB_TAG(10, GA_PB_LEN), l->span_id, 8);
    }
    *p++ = GA_PB_TAG(11, GA_PB_I64);
    p = ga_pb_fixed64(p, observed_ns);
    b->len += (size_t)(p - p0);
    return 0;
}

/* ---- the batch processor ----------------------------------------------------------------- */

static void ga__partial_success(const ga_otlp_result *res)
{
    char msg[256];
    int64_t rejected;
    if (ga_otlp_resp_partial(res->body, res->body_len, &rejected, msg, sizeof msg) <= 0)
        return;                         /* empty body, or not protobuf: full success */
    if (rejected > 0)
        ga_logs_self.rejected += (uint64_t)rejected;
    char url[256];
    if (rejected > 0 || msg[0])
        ga_warn(GA_LK_EXPORT_REJECT, "OTLP collector at %s rejected %lld of the log records sent: %.200s",
                ga_otlp_url_redacted(G.cfg.url, url, sizeof url), (long long)(rejected > 0 ? rejected : 0),
                msg);
}

static void ga__collect(void)
{
    ga_otlp_result res;
    if (G.b.http == NULL || !ga_otlp_http_result(G.b.http, &res))
        return;
    if (res.ok) {
        ga_logs_self.exported += G.inflight;
        ga__partial_success(&res);
    } else {
        ga_self_export_failed(res.why);
        ga_logs_self.dropped_export += G.inflight;
    }
    G.inflight = 0;
}

static void ga__export(uint64_t deadline_ms)
{
    if (G.b.count == 0 || !G.building)
        return;
    if (G.b.cfg.export_timeout_ms) {
        uint64_t end = ga_mono_ms() + G.b.cfg.export_timeout_ms;
        if (deadline_ms == 0 || end < deadline_ms)
            deadline_ms = end;
    }
    unsigned n = G.b.count;
    size_t start;
    G.b.count = 0;
    G.building = 0;
    if (G.b.http == NULL)
        G.b.http = ga_otlp_http_new(&G.cfg, "logs");
    if (G.b.http == NULL || ga_otlp_tr_end(&G.tr, &G.body, &start) < 0) {
        ga_self_export_failed(GA_FAIL_ENCODE);
        ga_logs_self.dropped_export += n;
        return;
    }
    G.inflight = n;
    ga_otlp_http_send_from(G.b.http, &G.body, start, deadline_ms);
    ga__collect();
}

/* At exit: n built records could not be sent in time. */
static void ga__drop_left(unsigned n)
{
    ga_logs_self.dropped_export += n;
}

static const ga_otlp_batch_ops ga__ops = { ga__collect, ga__export, ga__drop_left };

static void ga__log(const ga_logline *l)
{
    if (G.b.count >= G.b.cfg.max_queue_size) {
        ga_logs_self.dropped_batch_full++;
        return;
    }
    if (!G.tr_ready) {
        if (ga_otlp_tr_init(&G.tr, ga_res.attrs, ga_res.n, GA_SDK_NAME, GA_VERSION) < 0) {
            ga_logs_self.dropped_batch_full++;
            return;
        }
        G.tr_ready = 1;
    }
    if (!G.building) {
        ga_otlp_tr_begin(&G.tr, &G.body);
        G.building = 1;
    }
    size_t before = G.body.len;
    if (ga_otlp_log_record(&G.body, l, l->time_ns) < 0) {
        G.body.len = before;
        G.body.failed = 0;
        ga_logs_self.dropped_batch_full++;
        return;
    }
    if (G.b.count++ == 0)
        G.b.oldest_ms = ga_mono_ms();
    if (G.b.count >= G.b.cfg.max_export_batch_size && ga_otlp_batch_idle(&G.b))
        ga__export(0);
}

/* ---- component hooks --------------------------------------------------------------------- */

/* OTEL_BLRP_* with the span processor's rules (the batch at most the queue). */
static void ga__blrp_load(ga_bsp_cfg *out)
{
    out->schedule_delay_ms = (unsigned)ga_var_int(GA_VAR(OTEL_BLRP_SCHEDULE_DELAY));
    out->export_timeout_ms = (unsigned)ga_var_int(GA_VAR(OTEL_BLRP_EXPORT_TIMEOUT));
    out->max_queue_size = (unsigned)ga_var_int(GA_VAR(OTEL_BLRP_MAX_QUEUE_SIZE));
    out->max_export_batch_size = (unsigned)ga_var_int(GA_VAR(OTEL_BLRP_MAX_EXPORT_BATCH_SIZE));
    if (out->max_export_batch_size > out->max_queue_size) {
        if (ga_var_raw(GA_VAR(OTEL_BLRP_MAX_EXPORT_BATCH_SIZE)) != NULL)
            ga_var_warn(GA_VAR(OTEL_BLRP_MAX_EXPORT_BATCH_SIZE), "at most OTEL_BLRP_MAX_QUEUE_SIZE",
                        "OTEL_BLRP_MAX_QUEUE_SIZE");
        out->max_export_batch_size = out->max_queue_size;
    }
}

static int ga__open(void)
{
    if (!ga_logs_on || !(ga_cfg.logs_exporters & GA_EXP_OTLP))
        return -1;
    ga__blrp_load(&G.b.cfg);
    ga_otlp_cfg_load(GA_OTLP_LOGS, &G.cfg);
    (void)ga_otlp_http_warm(&G.cfg);    /* libcurl not loaded for a collector that refuses */
    G.b.ops = &ga__ops;
    G.b.on = 1;
    return 0;
}

static int ga__tick(uint64_t now)
{
    return ga_otlp_batch_tick(&G.b, now);
}

static int ga__pollfds(struct pollfd *p, int max)
{
    return ga_otlp_batch_pollfds(&G.b, p, max);
}

static void ga__events(const struct pollfd *p, int n)
{
    ga_otlp_batch_events(&G.b, p, n);
}

static void ga__flush(int final, uint64_t deadline_ms)
{
    ga_otlp_batch_flush(&G.b, final, deadline_ms);
}

static void ga__after_fork(void)
{
    memset(&G, 0, sizeof G);
    ga_otlp_http_after_fork();
}

/* The component (exporter.h), described at the exporter thread's start: a function, not a
 * const struct, whose function pointers the loader would relocate in every process. */
void ga_otlp_logs_component_get(ga_component *c)
{
    *c = (ga_component){
        .name = "otlp-logs",
        .open = ga__open,
        .pollfds = ga__pollfds,
        .events = ga__events,
        .tick = ga__tick,
        .flush = ga__flush,
        .after_fork = ga__after_fork,
        .log = ga__log,
    };
}
