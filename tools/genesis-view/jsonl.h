/* genesis-view: decoded OTLP requests → JSON Lines (one object per span / data point / log
 * record, each carrying its resource attributes and scope). Format: docs/genesis-view.md. */
#ifndef GV_JSONL_H
#define GV_JSONL_H

#include "tools/genesis-view/buf.h"
#include "tools/genesis-view/pb.h"

void gv_jsonl_traces(struct gv_buf *out, const PbTraceReq *req);
void gv_jsonl_metrics(struct gv_buf *out, const PbMetricsReq *req);
void gv_jsonl_logs(struct gv_buf *out, const PbLogsReq *req);

/* Shared by the three: {"signal":S,"resource":{...},["resource_schema_url":U,]"scope":{...}
 * without the closing brace. */
void gv_jsonl_prefix(struct gv_buf *b, const char *signal, const PbResource *res,
                     const char *res_schema, const PbScope *scope, const char *scope_schema);

#endif
