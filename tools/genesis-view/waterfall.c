/* genesis-view: span buffering per trace, settle timer and eviction (see waterfall.h); the
 * log records of a trace are kept by waterfall_logs.c in the same trace table. */
#include "tools/genesis-view/waterfall.h"

#include <stdlib.h>
#include <string.h>

#include "tools/genesis-view/buf.h"
#include "tools/genesis-view/json.h"
#include "tools/genesis-view/text.h"
#include "tools/genesis-view/waterfall_store.h"

#define WF_MAX_SPANS_PER_TRACE 10000
#define WF_MAX_SPANS_TOTAL 200000
#define WF_MAX_LOGS_TOTAL 100000

static const char *const key_attrs[] = {
    "http.request.method", "url.full", "url.path", "http.route", "http.response.status_code",
    "server.address", "server.port", "network.peer.address", "network.peer.port",
    "db.system.name", "db.system", "db.namespace", "db.operation.name", "db.query.text",
    "db.response.status_code", "rpc.system", "rpc.method", "messaging.system", "error.type", NULL};

void gv_wf_init(struct gv_waterfall *w, FILE *out, int settle_ms)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->settle_ms = settle_ms;
}

char *gv_wf__clean_dup(const char *s, size_t max)
{
    struct gv_buf b = {0};
    gv_text_add(&b, s ? s : "", max);
    gv_buf_addc(&b, '\0');
    return b.p;
}

static void copy_id(uint8_t *dst, size_t n, const ProtobufCBinaryData *src)
{
    memset(dst, 0, n);
    if (src->len)
        memcpy(dst, src->data, src->len < n ? src->len : n);
}

static void lru_unlink(struct gv_waterfall *w, struct wf_trace *t)
{
    if (t->prev) t->prev->next = t->next; else w->oldest = t->next;
    if (t->next) t->next->prev = t->prev; else w->newest = t->prev;
    t->prev = t->next = NULL;
}

static void lru_append(struct gv_waterfall *w, struct wf_trace *t)
{
    t->prev = w->newest;
    t->next = NULL;
    if (w->newest) w->newest->next = t; else w->oldest = t;
    w->newest = t;
}

struct wf_trace *gv_wf__trace_for(struct gv_waterfall *w, const ProtobufCBinaryData *id, int64_t now)
{
    uint8_t key[16];
    copy_id(key, sizeof key, id);
    struct wf_trace *t;
    HASH_FIND(hh, w->by_id, key, sizeof key, t);
    if (!t) {
        t = calloc(1, sizeof *t);
        if (!t) abort();
        memcpy(t->trace_id, key, sizeof key);
        HASH_ADD(hh, w->by_id, trace_id, sizeof t->trace_id, t);
    } else {
        lru_unlink(w, t);
    }
    t->last_ms = now;
    lru_append(w, t);
    return t;
}

static void fill_span(struct wf_span *s, const PbSpan *p, const char *service)
{
    memset(s, 0, sizeof *s);
    copy_id(s->span_id, sizeof s->span_id, &p->span_id);
    copy_id(s->parent_id, sizeof s->parent_id, &p->parent_span_id);
    s->has_parent = p->parent_span_id.len > 0;
    s->flags = p->flags;
    s->kind = (int)p->kind;
    s->status = p->status ? (int)p->status->code : 0;
    s->start = p->start_time_unix_nano;
    s->end = p->end_time_unix_nano;
    s->name = gv_wf__clean_dup(p->name, 120);
    s->service = gv_wf__clean_dup(service, 60);
    s->status_msg = gv_wf__clean_dup(p->status ? p->status->message : "", 120);
    struct gv_buf a = {0};
    gv_text_attrs(&a, p->n_attributes, p->attributes, key_attrs, 5);
    gv_buf_addc(&a, '\0');
    s->attrs = a.p;
}

static void add_span(struct gv_waterfall *w, const PbSpan *p, const char *service, int64_t now)
{
    struct wf_trace *t = gv_wf__trace_for(w, &p->trace_id, now);
    if (t->n >= WF_MAX_SPANS_PER_TRACE) {
        t->not_kept++;
        return;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 8;
        struct wf_span *ns = realloc(t->spans, cap * sizeof *ns);
        if (!ns) abort();
        t->spans = ns;
        t->cap = cap;
    }
    fill_span(&t->spans[t->n++], p, service);
    w->n_spans++;
}

static void trace_done(struct gv_waterfall *w, struct wf_trace *t)
{
    gv_wf_print_trace(w->out, t);
    fflush(w->out);
    HASH_DEL(w->by_id, t);
    lru_unlink(w, t);
    for (size_t i = 0; i < t->n; i++) {
        free(t->spans[i].name);
        free(t->spans[i].service);
        free(t->spans[i].attrs);
        free(t->spans[i].status_msg);
    }
    w->n_spans -= t->n;
    w->n_logs -= t->n_logs;
    gv_wf_free_logs(t);
    free(t->spans);
    free(t);
}

void gv_wf_add(struct gv_waterfall *w, const PbTraceReq *req, int64_t now_ms)
{
    if (!w->out)
        return;
    for (size_t i = 0; i < req->n_resource_spans; i++) {
        const PbResourceSpans *rs = req->resource_spans[i];
        const char *svc = rs->resource ? gj_attr_str(rs->resource->n_attributes,
                                                     rs->resource->attributes, "service.name") : NULL;
        for (size_t j = 0; j < rs->n_scope_spans; j++)
            for (size_t k = 0; k < rs->scope_spans[j]->n_spans; k++)
                add_span(w, rs->scope_spans[j]->spans[k], svc ? svc : "?", now_ms);
    }
    gv_wf__bound(w);
}

void gv_wf__bound(struct gv_waterfall *w)
{
    while ((w->n_spans > WF_MAX_SPANS_TOTAL || w->n_logs > WF_MAX_LOGS_TOTAL) && w->oldest)
        trace_done(w, w->oldest); /* memory bound: print the oldest early */
}

int64_t gv_wf_deadline(const struct gv_waterfall *w)
{
    return w->oldest ? w->oldest->last_ms + w->settle_ms : -1;
}

void gv_wf_tick(struct gv_waterfall *w, int64_t now_ms)
{
    while (w->oldest && w->oldest->last_ms + w->settle_ms <= now_ms)
        trace_done(w, w->oldest);
}

void gv_wf_flush(struct gv_waterfall *w)
{
    while (w->oldest)
        trace_done(w, w->oldest);
}
