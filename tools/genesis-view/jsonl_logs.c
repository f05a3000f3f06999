/* genesis-view: log records → JSON Lines (see jsonl.h). */
#include "tools/genesis-view/jsonl.h"

#include "tools/genesis-view/json.h"

static void log_line(struct gv_buf *b, const struct gv_buf *prefix, const PbLogRecord *r)
{
    gv_buf_add(b, prefix->p, prefix->len);
    gj_key(b, "time_unix_nano"); gj_u64(b, r->time_unix_nano);
    gj_key(b, "observed_time_unix_nano"); gj_u64(b, r->observed_time_unix_nano);
    gj_key(b, "severity_number"); gj_i64(b, r->severity_number);
    gj_key(b, "severity_text"); gj_str(b, r->severity_text);
    gj_key(b, "body"); gj_anyvalue(b, r->body);
    gj_key(b, "attributes"); gj_attrs(b, r->n_attributes, r->attributes);
    gj_key(b, "dropped_attributes_count"); gj_u64(b, r->dropped_attributes_count);
    gj_key(b, "flags"); gj_u64(b, r->flags);
    gj_key(b, "trace_id"); gj_hex(b, &r->trace_id);
    gj_key(b, "span_id"); gj_hex(b, &r->span_id);
    gj_key(b, "event_name"); gj_str(b, r->event_name);
    gv_buf_adds(b, "}\n");
}

void gv_jsonl_logs(struct gv_buf *out, const PbLogsReq *req)
{
    struct gv_buf prefix = {0};
    for (size_t i = 0; i < req->n_resource_logs; i++) {
        const PbResourceLogs *rl = req->resource_logs[i];
        for (size_t j = 0; j < rl->n_scope_logs; j++) {
            const PbScopeLogs *sl = rl->scope_logs[j];
            gv_buf_clear(&prefix);
            gv_jsonl_prefix(&prefix, "log", rl->resource, rl->schema_url, sl->scope, sl->schema_url);
            for (size_t k = 0; k < sl->n_log_records; k++)
                log_line(out, &prefix, sl->log_records[k]);
        }
    }
    gv_buf_free(&prefix);
}
