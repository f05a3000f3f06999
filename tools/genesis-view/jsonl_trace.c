/* genesis-view: spans → JSON Lines (see jsonl.h, docs/genesis-view.md). */
#include "tools/genesis-view/jsonl.h"

#include "tools/genesis-view/json.h"

void gv_jsonl_prefix(struct gv_buf *b, const char *signal, const PbResource *res,
                     const char *res_schema, const PbScope *scope, const char *scope_schema)
{
    gv_buf_adds(b, "{\"signal\":");
    gj_str(b, signal);
    gv_buf_adds(b, ",\"resource\":");
    gj_resource(b, res);
    if (res_schema && *res_schema) {
        gv_buf_adds(b, ",\"resource_schema_url\":");
        gj_str(b, res_schema);
    }
    gv_buf_adds(b, ",\"scope\":");
    gj_scope(b, scope);
    if (scope_schema && *scope_schema) {
        b->len--; /* reopen the scope object */
        gv_buf_adds(b, ",\"schema_url\":");
        gj_str(b, scope_schema);
        gv_buf_addc(b, '}');
    }
}

static const char *kind_name(int k)
{
    static const char *const names[] = {"UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER",
                                        "CONSUMER"};
    return k >= 0 && k <= 5 ? names[k] : NULL;
}

static void span_events(struct gv_buf *b, const PbSpan *s)
{
    gv_buf_adds(b, ",\"events\":[");
    for (size_t i = 0; i < s->n_events; i++) {
        const PbSpanEvent *e = s->events[i];
        gv_buf_adds(b, i ? ",{" : "{");
        gj_key(b, "time_unix_nano"); gj_u64(b, e->time_unix_nano);
        gj_key(b, "name"); gj_str(b, e->name);
        gj_key(b, "attributes"); gj_attrs(b, e->n_attributes, e->attributes);
        gj_key(b, "dropped_attributes_count"); gj_u64(b, e->dropped_attributes_count);
        gv_buf_addc(b, '}');
    }
    gv_buf_addc(b, ']');
}

static void span_links(struct gv_buf *b, const PbSpan *s)
{
    gv_buf_adds(b, ",\"links\":[");
    for (size_t i = 0; i < s->n_links; i++) {
        const PbSpanLink *l = s->links[i];
        gv_buf_adds(b, i ? ",{" : "{");
        gj_key(b, "trace_id"); gj_hex(b, &l->trace_id);
        gj_key(b, "span_id"); gj_hex(b, &l->span_id);
        gj_key(b, "trace_state"); gj_str(b, l->trace_state);
        gj_key(b, "attributes"); gj_attrs(b, l->n_attributes, l->attributes);
        gj_key(b, "dropped_attributes_count"); gj_u64(b, l->dropped_attributes_count);
        gj_key(b, "flags"); gj_u64(b, l->flags);
        gv_buf_addc(b, '}');
    }
    gv_buf_addc(b, ']');
}

static void span_ids(struct gv_buf *b, const PbSpan *s)
{
    gj_key(b, "trace_id"); gj_hex(b, &s->trace_id);
    gj_key(b, "span_id"); gj_hex(b, &s->span_id);
    if (s->parent_span_id.len) {
        gj_key(b, "parent_span_id"); gj_hex(b, &s->parent_span_id);
    }
    gj_key(b, "trace_state"); gj_str(b, s->trace_state);
    gj_key(b, "flags"); gj_u64(b, s->flags);
    gv_buf_printf(b, ",\"trace_flags\":\"%02x\"", s->flags & 0xFFu);
    if (s->parent_span_id.len && (s->flags & 0x100u))
        gv_buf_adds(b, (s->flags & 0x200u) ? ",\"parent_remote\":true" : ",\"parent_remote\":false");
}

static void span_status(struct gv_buf *b, const PbSpan *s)
{
    static const char *const codes[] = {"UNSET", "OK", "ERROR"};
    int c = s->status ? (int)s->status->code : 0;
    gv_buf_adds(b, ",\"status\":{\"code\":");
    if (c >= 0 && c <= 2)
        gj_str(b, codes[c]);
    else
        gj_i64(b, c);
    gv_buf_adds(b, ",\"message\":");
    gj_str(b, s->status ? s->status->message : "");
    gv_buf_addc(b, '}');
}

static void span_line(struct gv_buf *b, const struct gv_buf *prefix, const PbSpan *s)
{
    gv_buf_add(b, prefix->p, prefix->len);
    span_ids(b, s);
    gj_key(b, "name"); gj_str(b, s->name);
    gj_key(b, "kind");
    if (kind_name((int)s->kind)) gj_str(b, kind_name((int)s->kind)); else gj_i64(b, s->kind);
    gj_key(b, "start_time_unix_nano"); gj_u64(b, s->start_time_unix_nano);
    gj_key(b, "end_time_unix_nano"); gj_u64(b, s->end_time_unix_nano);
    gj_key(b, "attributes"); gj_attrs(b, s->n_attributes, s->attributes);
    gj_key(b, "dropped_attributes_count"); gj_u64(b, s->dropped_attributes_count);
    span_events(b, s);
    gj_key(b, "dropped_events_count"); gj_u64(b, s->dropped_events_count);
    span_links(b, s);
    gj_key(b, "dropped_links_count"); gj_u64(b, s->dropped_links_count);
    span_status(b, s);
    gv_buf_adds(b, "}\n");
}

void gv_jsonl_traces(struct gv_buf *out, const PbTraceReq *req)
{
    struct gv_buf prefix = {0};
    for (size_t i = 0; i < req->n_resource_spans; i++) {
        const PbResourceSpans *rs = req->resource_spans[i];
        for (size_t j = 0; j < rs->n_scope_spans; j++) {
            const PbScopeSpans *ss = rs->scope_spans[j];
            gv_buf_clear(&prefix);
            gv_jsonl_prefix(&prefix, "span", rs->resource, rs->schema_url, ss->scope, ss->schema_url);
            for (size_t k = 0; k < ss->n_spans; k++)
                span_line(out, &prefix, ss->spans[k]);
        }
    }
    gv_buf_free(&prefix);
}
