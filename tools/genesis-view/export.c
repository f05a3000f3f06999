/* genesis-view: request routing, fault injection, decoding and the collector-like answers
 * (SPECS.md §1.4: 200 + Export*ServiceResponse, 400 + google.rpc.Status, 404, 405, 413, 415). */
#include "tools/genesis-view/export.h"

#include <string.h>

#include "tools/genesis-view/gunzip.h"
#include "tools/genesis-view/pb.h"
#include "tools/genesis-view/pbcheck.h"

static const struct {
    const char *path;
    const ProtobufCMessageDescriptor *desc;
    const char *what;
} signals[GV_NSIGNALS] = {
    [GV_TRACES] = {"/v1/traces",
                   &opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor,
                   "cannot decode ExportTraceServiceRequest"},
    [GV_METRICS] = {"/v1/metrics",
                    &opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__descriptor,
                    "cannot decode ExportMetricsServiceRequest"},
    [GV_LOGS] = {"/v1/logs",
                 &opentelemetry__proto__collector__logs__v1__export_logs_service_request__descriptor,
                 "cannot decode ExportLogsServiceRequest"},
};

static int route(const char *path)
{
    for (int s = 0; s < GV_NSIGNALS; s++)
        if (strcmp(path, signals[s].path) == 0)
            return s;
    return -1;
}

/* Decompress per Content-Encoding into plain (or point at body). Returns 0 or an HTTP status. */
static int decode_encoding(const struct gv_req *r, const uint8_t **data, size_t *n, struct gv_buf *plain)
{
    const char *ce = r->content_encoding;
    if (!ce[0] || strcmp(ce, "identity") == 0)
        return 0;
    int gzip = strcmp(ce, "gzip") == 0 || strcmp(ce, "x-gzip") == 0;
    if (!gzip && strcmp(ce, "deflate") != 0)
        return 415;
    int rc = gv_gunzip(*data, *n, gzip, GV_MAX_BODY, plain);
    *data = (const uint8_t *)plain->p;
    *n = plain->len;
    return rc;
}

static int media_type_ok(const char *ct)
{
    return !ct[0] || strcmp(ct, "application/x-protobuf") == 0 || strcmp(ct, "application/protobuf") == 0;
}

static void decode_and_record(struct gv_ctx *c, enum gv_signal sig, const struct gv_req *r,
                              const uint8_t *data, size_t n, int64_t now, struct gv_response *out)
{
    int keep = r->keep_alive;
    if (!media_type_ok(r->content_type)) {
        gv_status_response(out, 415, strcmp(r->content_type, "application/json") == 0
                           ? "OTLP/JSON is not supported; send application/x-protobuf"
                           : "unsupported Content-Type; send application/x-protobuf", keep);
        return;
    }
    if (c->opts->sink) {                        /* --sink: taken as it is, never looked into */
        out->head.status = 200;
        out->head.content_type = "application/x-protobuf";
        gv_pack_export_response(&out->body, sig, c->opts);
        return;
    }
    struct gv_buf plain = {0};
    int rc = decode_encoding(r, &data, &n, &plain);
    ProtobufCMessage *m = NULL;
    if (rc == 0 && gv_pb_too_deep(signals[sig].desc, data, n, GV_PB_MAX_DEPTH))
        rc = 400;
    else if (rc == 0 && !(m = protobuf_c_message_unpack(signals[sig].desc, NULL, n, data)))
        rc = 400;
    if (rc) {
        gv_status_response(out, rc, rc == 413 ? "decompressed body over 64 MiB"
                           : rc == 415 ? "unsupported Content-Encoding" : signals[sig].what, keep);
        gv_buf_free(&plain);
        return;
    }
    c->counts.items[sig] += gv_record(c, sig, m, now);
    protobuf_c_message_free_unpacked(m, NULL);
    gv_buf_free(&plain);
    out->head.status = c->opts->status ? c->opts->status : 200;
    out->head.content_type = "application/x-protobuf";
    gv_pack_export_response(&out->body, sig, c->opts);
}

static int fault(struct gv_ctx *c, const struct gv_req *r, struct gv_response *out)
{
    const struct gv_opts *o = c->opts;
    if (o->drop || o->blackhole) {
        out->action = o->drop ? GV_DROP : GV_BLACKHOLE;
        return 1;
    }
    if (o->status && (o->status < 200 || o->status > 299)) {
        gv_status_response(out, o->status, "failure injected by genesis-view --status", r->keep_alive);
        out->head.retry_after = o->retry_after;
        return 1;
    }
    return 0;
}

void gv_handle_request(struct gv_ctx *c, const struct gv_req *r, const uint8_t *body, size_t len,
                       int64_t now_ms, struct gv_response *out)
{
    out->action = GV_RESPOND;
    out->head.keep_alive = r->keep_alive;
    out->head.retry_after = -1;
    c->counts.requests++;
    c->counts.bytes += len;
    int sig = route(r->path);
    if (sig < 0) {
        gv_status_response(out, 404, "unknown path; OTLP paths are /v1/traces /v1/metrics /v1/logs",
                           r->keep_alive);
    } else if (strcmp(r->method, "POST") != 0) {
        gv_status_response(out, 405, "use POST", r->keep_alive);
        out->head.allow = "POST";
    } else {
        c->counts.exports[sig]++;
        out->delay_ms = c->opts->delay_ms;
        if (!fault(c, r, out))
            decode_and_record(c, (enum gv_signal)sig, r, body, len, now_ms, out);
        if (out->action == GV_RESPOND && out->head.status >= 200 && out->head.status <= 299)
            c->counts.accepted++;
        else
            c->counts.failed++;
    }
    gv_counts_write(c);
}
