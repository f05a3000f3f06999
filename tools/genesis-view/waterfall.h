/* genesis-view: buffers spans per trace and prints each trace as an indented waterfall once
 * no new span arrived for it for settle_ms. */
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
};

void gv_wf_init(struct gv_waterfall *w, FILE *out, int settle_ms);
void gv_wf_add(struct gv_waterfall *w, const PbTraceReq *req, int64_t now_ms);
/* Monotonic ms at which the next trace becomes printable, or -1 when none is pending. */
int64_t gv_wf_deadline(const struct gv_waterfall *w);
void gv_wf_tick(struct gv_waterfall *w, int64_t now_ms); /* print settled traces */
void gv_wf_flush(struct gv_waterfall *w);                 /* print everything pending */

#endif
