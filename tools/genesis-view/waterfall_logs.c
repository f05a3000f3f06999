/* genesis-view: the log records of a trace, kept with its spans and printed under its waterfall:
 *
 *   trace 4bf92f3577b34da6a3ce929d0e0e4736  3 spans  12.345 ms  2 log lines
 *   [====================] GET /users [shop] SERVER 12.345 ms  http.request.method=GET
 *   ...
 *     log 12:00:00.123457 +1.000 ms INFO  [shop] user 7 loaded  <- GET /users (span b7ad6b7169203331)
 *     log 12:00:00.125001 +2.544 ms ERROR [shop] cache down  <- span 1111111111111111, not received
 *
 * A record joins the trace of its trace_id; its span_id names the span it was written under
 * (the span's name when that span is in the trace). Records without a trace id are not kept
 * here: record.c prints them as they arrive. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tools/genesis-view/json.h"
#include "tools/genesis-view/text.h"
#include "tools/genesis-view/waterfall_store.h"

#define WF_MAX_LOGS_PER_TRACE 1000
#define WF_BODY_MAX 300

int gv_wf_log_has_trace(const PbLogRecord *r)
{
    if (r->trace_id.len != 16)
        return 0;
    for (size_t i = 0; i < 16; i++)
        if (r->trace_id.data[i])
            return 1;
    return 0;
}

/* The OTLP short name of a severity number (SeverityNumber: 1-4 TRACE, 5-8 DEBUG, ...). */
static void severity_name(char *out, size_t cap, int n)
{
    static const char *const names[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
    if (n < 1 || n > 24)
        snprintf(out, cap, "%s", n == 0 ? "-" : "SEV?");
    else if ((n - 1) % 4 == 0)
        snprintf(out, cap, "%s", names[(n - 1) / 4]);
    else
        snprintf(out, cap, "%s%d", names[(n - 1) / 4], (n - 1) % 4 + 1);
}

static char *body_text(const PbAnyValue *v)
{
    struct gv_buf b = {0}, tmp = {0};
    if (v && v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE) {
        gv_text_add(&b, v->string_value, WF_BODY_MAX);
    } else if (v && v->value_case != OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE__NOT_SET) {
        gj_anyvalue(&tmp, v);
        gv_buf_addc(&tmp, '\0');
        gv_text_add(&b, tmp.p, WF_BODY_MAX);
        gv_buf_free(&tmp);
    }
    gv_buf_addc(&b, '\0');
    return b.p;
}

static void fill_log(struct wf_log *l, const PbLogRecord *r, const char *service, uint64_t seq)
{
    char sev[16];
    memset(l, 0, sizeof *l);
    l->time = r->time_unix_nano ? r->time_unix_nano : r->observed_time_unix_nano;
    l->seq = seq;
    l->has_span = r->span_id.len == 8;
    if (l->has_span)
        memcpy(l->span_id, r->span_id.data, 8);
    severity_name(sev, sizeof sev, (int)r->severity_number);
    l->severity = gv_wf__clean_dup(r->severity_text && r->severity_text[0] ? r->severity_text : sev, 20);
    l->service = gv_wf__clean_dup(service, 60);
    l->body = body_text(r->body);
}

static void add_log(struct gv_waterfall *w, const PbLogRecord *r, const char *service, int64_t now)
{
    struct wf_trace *t = gv_wf__trace_for(w, &r->trace_id, now);
    if (t->n_logs >= WF_MAX_LOGS_PER_TRACE) {
        t->logs_not_kept++;
        return;
    }
    if (t->n_logs == t->cap_logs) {
        size_t cap = t->cap_logs ? t->cap_logs * 2 : 8;
        struct wf_log *nl = realloc(t->logs, cap * sizeof *nl);
        if (!nl) abort();
        t->logs = nl;
        t->cap_logs = cap;
    }
    fill_log(&t->logs[t->n_logs++], r, service, w->log_seq++);
    w->n_logs++;
}

void gv_wf_add_logs(struct gv_waterfall *w, const PbLogsReq *req, int64_t now_ms)
{
    if (!w->out)
        return;
    for (size_t i = 0; i < req->n_resource_logs; i++) {
        const PbResourceLogs *rl = req->resource_logs[i];
        const char *svc = rl->resource ? gj_attr_str(rl->resource->n_attributes,
                                                     rl->resource->attributes, "service.name") : NULL;
        for (size_t j = 0; j < rl->n_scope_logs; j++)
            for (size_t k = 0; k < rl->scope_logs[j]->n_log_records; k++)
                if (gv_wf_log_has_trace(rl->scope_logs[j]->log_records[k]))
                    add_log(w, rl->scope_logs[j]->log_records[k], svc ? svc : "?", now_ms);
    }
    gv_wf__bound(w);
}

void gv_wf_free_logs(struct wf_trace *t)
{
    for (size_t i = 0; i < t->n_logs; i++) {
        free(t->logs[i].severity);
        free(t->logs[i].service);
        free(t->logs[i].body);
    }
    free(t->logs);
    t->logs = NULL;
    t->n_logs = t->cap_logs = 0;
}

static int cmp_time(const void *a, const void *b)
{
    const struct wf_log *x = a, *y = b;
    if (x->time != y->time) return x->time < y->time ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* "12:00:00.123457" (UTC), or dashes when the record has no time. */
static void time_of_day(struct gv_buf *b, uint64_t ns)
{
    if (!ns) {
        gv_buf_adds(b, "--:--:--.------");
        return;
    }
    time_t secs = (time_t)(ns / 1000000000u);
    struct tm tm;
    gmtime_r(&secs, &tm);
    gv_buf_printf(b, "%02d:%02d:%02d.%06u", tm.tm_hour, tm.tm_min, tm.tm_sec,
                  (unsigned)(ns % 1000000000u / 1000u));
}

/* The span a record was written under: its name when the trace holds it (linear: a trace keeps
 * at most 10000 spans and 1000 records, and this runs once per printed trace). */
static void span_mark(struct gv_buf *b, const struct wf_trace *t, const struct wf_log *l)
{
    char hex[17];
    if (!l->has_span)
        return;
    gv_text_hex(hex, l->span_id, 8);
    for (size_t i = 0; i < t->n; i++)
        if (memcmp(t->spans[i].span_id, l->span_id, 8) == 0) {
            gv_buf_printf(b, "  <- %s (span %s)", t->spans[i].name, hex);
            return;
        }
    gv_buf_printf(b, "  <- span %s, not received", hex);
}

void gv_wf_print_logs(struct gv_buf *b, struct wf_trace *t, uint64_t t0)
{
    if (t->n_logs)
        qsort(t->logs, t->n_logs, sizeof *t->logs, cmp_time);
    for (size_t i = 0; i < t->n_logs; i++) {
        const struct wf_log *l = &t->logs[i];
        gv_buf_adds(b, "  log ");
        time_of_day(b, l->time);
        if (t->n && l->time)
            gv_buf_printf(b, " %+.3f ms", l->time >= t0 ? (double)(l->time - t0) / 1e6
                                                        : -(double)(t0 - l->time) / 1e6);
        gv_buf_printf(b, " %-5s [%s] %s", l->severity, l->service, l->body);
        span_mark(b, t, l);
        gv_buf_addc(b, '\n');
    }
    if (t->logs_not_kept)
        gv_buf_printf(b, "  (+%zu log lines not shown)\n", t->logs_not_kept);
}
