/* genesis-view: the span/log/trace records kept by the waterfall (shared by waterfall.c,
 * waterfall_print.c and waterfall_logs.c). */
#ifndef GV_WATERFALL_STORE_H
#define GV_WATERFALL_STORE_H

#include <stdint.h>
#include <stdio.h>
#include <uthash.h>

#include "tools/genesis-view/buf.h"
#include "tools/genesis-view/waterfall.h"

struct wf_span {
    uint8_t span_id[8];
    uint8_t parent_id[8];
    int has_parent;
    uint32_t flags;
    int kind;
    int status;
    uint64_t start, end;
    char *name;       /* sanitised for the terminal */
    char *service;
    char *attrs;      /* preformatted "k=v k=v" */
    char *status_msg;
};

/* One log record of a trace, kept until the trace is printed. */
struct wf_log {
    uint64_t time;        /* time_unix_nano, else observed_time_unix_nano; 0: unknown */
    uint64_t seq;         /* arrival order: ties in time keep it */
    uint8_t span_id[8];
    int has_span;
    char *severity;       /* severity_text, else the name of severity_number, else "-" */
    char *service;
    char *body;           /* sanitised for the terminal, cut */
};

struct wf_trace {
    uint8_t trace_id[16];
    struct wf_span *spans;
    size_t n, cap;
    size_t not_kept;  /* spans over the per-trace cap */
    struct wf_log *logs;
    size_t n_logs, cap_logs;
    size_t logs_not_kept; /* log records over the per-trace cap */
    int64_t last_ms;
    struct wf_trace *prev, *next; /* LRU list */
    UT_hash_handle hh;
};

/* Print one trace (sorts its spans and log records in place). */
void gv_wf_print_trace(FILE *out, struct wf_trace *t);

/* waterfall.c: the trace of id (created when new), moved to the newest end of the LRU list. */
struct wf_trace *gv_wf__trace_for(struct gv_waterfall *w, const ProtobufCBinaryData *id, int64_t now);
/* waterfall.c: print the oldest traces early until the buffered spans and logs fit the bounds. */
void gv_wf__bound(struct gv_waterfall *w);
/* waterfall.c: copy of s (at most max bytes) sanitised for the terminal; never NULL. */
char *gv_wf__clean_dup(const char *s, size_t max);

/* waterfall_logs.c: the log lines printed under the spans (nothing when the trace has none). */
void gv_wf_print_logs(struct gv_buf *b, struct wf_trace *t, uint64_t t0);
/* waterfall_logs.c: free the trace's log records. */
void gv_wf_free_logs(struct wf_trace *t);

#endif
