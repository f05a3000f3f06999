/* logs_ops.c — the exporter side of log capture: log-chunk records (preload/logcap.h) joined
 * into lines, checked, stripped and given a severity (protocols/logline/), then handed to the
 * components that export logs (exporter/logs.h). Exporter thread only.
 *
 * Lines are assembled per (stream, writing thread): a write holding several lines gives several
 * records without a copy; a partial line waits in one of GA__SLOTS buffers until its newline,
 * an idle of GA__IDLE_MS, the next flush at exit, or GA_LOG_LINE_MAX bytes (then it is cut,
 * marked, and the rest up to its newline is skipped). A syslog message is one record whatever
 * it holds. Text that is not UTF-8 or holds a NUL byte is counted, not exported. */
#include <stdlib.h>
#include <string.h>
#include "exporter/components.h"
#include "exporter/exporter.h"
#include "exporter/logs.h"
#include "preload/logcap.h"
#include "preload/record.h"
#include "protocols/logline/logline.h"

#define GA__SLOTS 64
#define GA__IDLE_MS 500

typedef struct ga__part {
    uint32_t tid;
    uint8_t stream, used, cut, discard;
    uint8_t prio;                   /* syslog priority + 1, 0 = none */
    uint8_t has_ctx, flags;
    uint8_t trace_id[16], span_id[8];
    uint64_t time_ns;
    uint64_t last_ms;
    size_t len;
    char *buf;                      /* GA_LOG_LINE_MAX bytes, made on first use */
} ga__part;

static struct {
    int on;
    int nused;
    ga__part p[GA__SLOTS];
    char *scratch;                  /* the stripped line */
} L;

/* The metadata of a line: from the record that began it. */
typedef struct ga__meta {
    uint64_t time_ns;
    uint8_t stream, prio, has_ctx, flags, cut;
    const uint8_t *trace_id, *span_id;
} ga__meta;

static void ga__line(const char *s, size_t n, const ga__meta *m)
{
    if (n > GA_LOG_LINE_MAX)
        n = GA_LOG_LINE_MAX;
    if (L.scratch == NULL && (L.scratch = malloc(GA_LOG_LINE_MAX)) == NULL)
        return;
    long cl = ga_ll_clean(L.scratch, s, n);    /* checked and stripped in one pass */
    if (cl < 0) {
        ga_logs_self.invalid++;
        return;
    }
    size_t k = (size_t)cl;
    if (k == 0)
        return;                     /* an empty line is no record */
    ga_logline l = { .time_ns = m->time_ns, .body = L.scratch, .len = k, .stream = m->stream,
                     .has_ctx = m->has_ctx, .trace_flags = m->flags, .cut = m->cut };
    ga_ll_sev sev;
    if (m->prio)
        ga_ll_syslog_severity(m->prio - 1, &sev);
    else
        ga_ll_severity(L.scratch, k, &sev);
    l.severity = sev.number;
    l.sev_text = sev.text;
    l.sev_len = sev.text_len;
    if (m->has_ctx) {
        memcpy(l.trace_id, m->trace_id, 16);
        memcpy(l.span_id, m->span_id, 8);
    }
    if (m->stream >= GA_LOGS_FILE0)
        l.path = ga_logcap_path(m->stream - GA_LOGS_FILE0);
    if (m->cut)
        ga_logs_self.cut++;
    ga_exporter_log_line(&l);
}

static ga__meta ga__rec_meta(const ga_rec *r)
{
    return (ga__meta){ .time_ns = r->h.start_ns, .stream = r->h.reserved, .prio = r->h.status,
                       .has_ctx = r->h.span_id[0] | r->h.span_id[1] | r->h.span_id[2] |
                                  r->h.span_id[3] | r->h.span_id[4] | r->h.span_id[5] |
                                  r->h.span_id[6] | r->h.span_id[7] ? 1 : 0,
                       .flags = r->h.trace_flags, .trace_id = r->h.trace_id,
                       .span_id = r->h.span_id };
}

static void ga__emit_part(ga__part *p)
{
    if (!p->discard && p->len > 0) {
        ga__meta m = { .time_ns = p->time_ns, .stream = p->stream, .prio = p->prio,
                       .has_ctx = p->has_ctx, .flags = p->flags, .cut = p->cut,
                       .trace_id = p->trace_id, .span_id = p->span_id };
        ga__line(p->buf, p->len, &m);
    }
    p->used = 0;
    p->len = 0;
    p->cut = p->discard = 0;
    L.nused--;
}

static ga__part *ga__find(uint32_t tid, uint8_t stream)
{
    if (L.nused == 0)
        return NULL;
    for (int i = 0; i < GA__SLOTS; i++)
        if (L.p[i].used && L.p[i].tid == tid && L.p[i].stream == stream)
            return &L.p[i];
    return NULL;
}

/* A slot for a new partial line: a free one, else the oldest is handed on as it is. */
static ga__part *ga__claim(const ga_rec *r)
{
    ga__part *p = NULL, *oldest = NULL;
    for (int i = 0; i < GA__SLOTS && p == NULL; i++) {
        if (!L.p[i].used)
            p = &L.p[i];
        else if (oldest == NULL || L.p[i].last_ms < oldest->last_ms)
            oldest = &L.p[i];
    }
    if (p == NULL) {
        ga__emit_part(oldest);
        p = oldest;
    }
    if (p->buf == NULL && (p->buf = malloc(GA_LOG_LINE_MAX)) == NULL)
        return NULL;
    ga__meta m = ga__rec_meta(r);
    p->tid = r->h.tid;
    p->stream = r->h.reserved;
    p->prio = r->h.status;
    p->has_ctx = m.has_ctx;
    p->flags = r->h.trace_flags;
    memcpy(p->trace_id, r->h.trace_id, 16);
    memcpy(p->span_id, r->h.span_id, 8);
    p->time_ns = r->h.start_ns;
    p->len = 0;
    p->cut = p->discard = 0;
    p->used = 1;
    L.nused++;
    return p;
}

/* Append n bytes to a partial line; past GA_LOG_LINE_MAX the line is handed on cut and the
 * rest of it is skipped. */
static void ga__append(ga__part *p, const ga_rec *r, const char *s, size_t n)
{
    p->last_ms = ga_mono_ms();
    if (!p->has_ctx && ga__rec_meta(r).has_ctx) {   /* the line's context: its first one */
        p->has_ctx = 1;
        p->flags = r->h.trace_flags;
        memcpy(p->trace_id, r->h.trace_id, 16);
        memcpy(p->span_id, r->h.span_id, 8);
    }
    if (p->discard)
        return;
    size_t room = GA_LOG_LINE_MAX - p->len;
    if (n > room) {
        memcpy(p->buf + p->len, s, room);
        p->len = GA_LOG_LINE_MAX;
        p->cut = 1;
        ga__meta m = { .time_ns = p->time_ns, .stream = p->stream, .prio = p->prio,
                       .has_ctx = p->has_ctx, .flags = p->flags, .cut = 1,
                       .trace_id = p->trace_id, .span_id = p->span_id };
        ga__line(p->buf, p->len, &m);
        p->discard = 1;
        return;
    }
    memcpy(p->buf + p->len, s, n);
    p->len += n;
}

/* Every drained record (the component's record hook): log chunks are taken, others ignored
 * (they are not spans, and the metrics ignore the core's log op). */
static void ga__logs_record(const ga_rec *r)
{
    if (r->h.op != GA_OP_LOG || r->h.proto != GA_PROTO_CORE || !L.on)
        return;
    const char *s = (const char *)r->attrs;
    size_t n = r->h.attr_len <= GA_REC_ATTR_CAP ? r->h.attr_len : 0;
    uint8_t stream = r->h.reserved, more = r->h.has_parent & GA_LOGF_MORE;
    ga__part *p = ga__find(r->h.tid, stream);
    if (stream == GA_LOGS_SYSLOG) {         /* one message per call, whatever it holds */
        if (p == NULL && !more) {
            ga__meta m = ga__rec_meta(r);
            ga__line(s, n, &m);
            return;
        }
        if (p == NULL && (p = ga__claim(r)) == NULL)
            return;
        ga__append(p, r, s, n);
        if (!more)
            ga__emit_part(p);
        return;
    }
    while (n > 0) {
        const char *nl = memchr(s, '\n', n);
        if (nl == NULL) {
            if (p == NULL && (p = ga__claim(r)) == NULL)
                return;
            ga__append(p, r, s, n);
            break;
        }
        size_t seg = (size_t)(nl - s);
        if (p != NULL) {
            ga__append(p, r, s, seg);
            ga__emit_part(p);
            p = NULL;
        } else {
            ga__meta m = ga__rec_meta(r);
            ga__line(s, seg, &m);
        }
        s = nl + 1;
        n -= seg + 1;
    }
    if ((r->h.has_parent & GA_LOGF_SKIP) && (p = ga__find(r->h.tid, stream)) != NULL) {
        p->cut = 1;                         /* bytes of this write were left out */
        ga__emit_part(p);
    }
}

/* ---- component hooks --------------------------------------------------------------------- */

static int ga__logs_open(void)
{
    L.on = ga_logs_on;
    return L.on ? 0 : -1;
}

/* Partial lines idle for GA__IDLE_MS are handed on as they are. */
static int ga__logs_tick(uint64_t now)
{
    if (L.nused == 0)
        return -1;
    int next = GA__IDLE_MS;
    for (int i = 0; i < GA__SLOTS; i++) {
        if (!L.p[i].used)
            continue;
        if (now >= L.p[i].last_ms + GA__IDLE_MS)
            ga__emit_part(&L.p[i]);
        else if ((int)(L.p[i].last_ms + GA__IDLE_MS - now) < next)
            next = (int)(L.p[i].last_ms + GA__IDLE_MS - now);
    }
    return L.nused ? next : -1;
}

static void ga__logs_flush(int final, uint64_t deadline_ms)
{
    (void)deadline_ms;
    if (!final)
        return;
    for (int i = 0; i < GA__SLOTS && L.nused > 0; i++)
        if (L.p[i].used)
            ga__emit_part(&L.p[i]);
}

/* The parent's buffers may have been mid-use: forget them (a leak per fork, bounded). */
static void ga__logs_after_fork(void)
{
    memset(&L, 0, sizeof L);
    memset(&ga_logs_self, 0, sizeof ga_logs_self);
}

/* The component (exporter.h), described at the exporter thread's start: a function, not a
 * const struct, whose function pointers the loader would relocate in every process. */
void ga_logs_component_get(ga_component *c)
{
    *c = (ga_component){
        .name = "log-lines",
        .open = ga__logs_open,
        .record = ga__logs_record,
        .tick = ga__logs_tick,
        .flush = ga__logs_flush,
        .after_fork = ga__logs_after_fork,
    };
}
