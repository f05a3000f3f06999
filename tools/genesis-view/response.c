/* genesis-view: protobuf answer bodies (google.rpc.Status, Export*ServiceResponse). */
#include "tools/genesis-view/export.h"

#include <string.h>

#include "tools/genesis-view/pb.h"

static int rpc_code(int http_status)
{
    switch (http_status) {
    case 400: case 413: case 415: return 3;  /* INVALID_ARGUMENT */
    case 404: case 405: return 12;           /* UNIMPLEMENTED */
    case 429: return 8;                      /* RESOURCE_EXHAUSTED */
    case 502: case 503: case 504: return 14; /* UNAVAILABLE */
    case 500: return 13;                     /* INTERNAL */
    default: return 2;                       /* UNKNOWN */
    }
}

static void pack(struct gv_buf *out, const ProtobufCMessage *m)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    gv_buf_reserve(out, n);
    out->len += protobuf_c_message_pack(m, (uint8_t *)out->p + out->len);
    out->p[out->len] = '\0';
}

void gv_pack_status(struct gv_buf *out, int http_status, const char *msg)
{
    Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
    st.code = rpc_code(http_status);
    st.message = (char *)(uintptr_t)msg;
    pack(out, &st.base);
}

static void pack_traces(struct gv_buf *out, const struct gv_opts *o)
{
    Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse r =
        OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_RESPONSE__INIT;
    Opentelemetry__Proto__Collector__Trace__V1__ExportTracePartialSuccess ps =
        OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_PARTIAL_SUCCESS__INIT;
    if (o->partial) {
        ps.rejected_spans = o->partial_rejected;
        ps.error_message = (char *)(uintptr_t)o->partial_msg;
        r.partial_success = &ps;
    }
    pack(out, &r.base);
}

static void pack_metrics(struct gv_buf *out, const struct gv_opts *o)
{
    Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceResponse r =
        OPENTELEMETRY__PROTO__COLLECTOR__METRICS__V1__EXPORT_METRICS_SERVICE_RESPONSE__INIT;
    Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsPartialSuccess ps =
        OPENTELEMETRY__PROTO__COLLECTOR__METRICS__V1__EXPORT_METRICS_PARTIAL_SUCCESS__INIT;
    if (o->partial) {
        ps.rejected_data_points = o->partial_rejected;
        ps.error_message = (char *)(uintptr_t)o->partial_msg;
        r.partial_success = &ps;
    }
    pack(out, &r.base);
}

static void pack_logs(struct gv_buf *out, const struct gv_opts *o)
{
    Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceResponse r =
        OPENTELEMETRY__PROTO__COLLECTOR__LOGS__V1__EXPORT_LOGS_SERVICE_RESPONSE__INIT;
    Opentelemetry__Proto__Collector__Logs__V1__ExportLogsPartialSuccess ps =
        OPENTELEMETRY__PROTO__COLLECTOR__LOGS__V1__EXPORT_LOGS_PARTIAL_SUCCESS__INIT;
    if (o->partial) {
        ps.rejected_log_records = o->partial_rejected;
        ps.error_message = (char *)(uintptr_t)o->partial_msg;
        r.partial_success = &ps;
    }
    pack(out, &r.base);
}

void gv_pack_export_response(struct gv_buf *out, enum gv_signal sig, const struct gv_opts *o)
{
    if (sig == GV_TRACES) pack_traces(out, o);
    else if (sig == GV_METRICS) pack_metrics(out, o);
    else pack_logs(out, o);
}

void gv_status_response(struct gv_response *out, int status, const char *msg, int keep_alive)
{
    out->action = GV_RESPOND;
    out->head.status = status;
    out->head.content_type = "application/x-protobuf";
    out->head.keep_alive = keep_alive;
    gv_buf_clear(&out->body);
    gv_pack_status(&out->body, status, msg);
}
