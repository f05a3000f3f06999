/* genesis-view: buffers spans and log records per trace and prints each trace as an indented
 * waterfall, followed by the trace's log lines, once nothing new arrived for it for settle_ms. */
#ifndef GV_WATERFALL_H
#define GV_WATERFALL_H

#include <stdint.h>
#include <stdio.h>

#include "tools/genesis-view/pb.h"

struct wf_trace;

struct gv_waterfall {
    FILE *out;               /* NULL: keep nothing, print nothing */
    int settle_ms;
    struct wf_trace *by_id;  /* uthash table */
    struct wf_trace *oldest; /* LRU list by last span arrival */
    struct wf_trace *newest;
    size_t n_spans;          /* spans held over all traces */
    size_t n_logs;           /* log records held over all traces */
    uint64_t log_seq;        /* arrival counter of log records */
};

void gv_wf_init(struct gv_waterfall *w, FILE *out, int settle_ms);
void gv_wf_add(struct gv_waterfall *w, const PbTraceReq *req, int64_t now_ms);
/* Keep the log records that carry a trace id with their trace (printed under its waterfall);
 * records without one are left to the caller (printed as they arrive). */
void gv_wf_add_logs(struct gv_waterfall *w, const PbLogsReq *req, int64_t now_ms);
/* 1 when the record carries a trace id (16 bytes, not all zero). */
int gv_wf_log_has_trace(const PbLogRecord *r);
/* Monotonic ms at which the next trace becomes printable, or -1 when none is pending. */
int64_t gv_wf_deadline(const struct gv_waterfall *w);
void gv_wf_tick(struct gv_waterfall *w, int64_t now_ms); /* print settled traces */
void gv_wf_flush(struct gv_waterfall *w);                 /* print everything pending */

#endif
