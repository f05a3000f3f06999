/* genesis-view: the span/trace records kept by the waterfall (shared by its two .c files). */
#ifndef GV_WATERFALL_STORE_H
#define GV_WATERFALL_STORE_H

#include <stdint.h>
#include <stdio.h>
#include <uthash.h>

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

struct wf_trace {
    uint8_t trace_id[16];
    struct wf_span *spans;
    size_t n, cap;
    size_t not_kept;  /* spans over the per-trace cap */
    int64_t last_ms;
    struct wf_trace *prev, *next; /* LRU list */
    UT_hash_handle hh;
};

/* Print one trace (sorts its spans in place). */
void gv_wf_print_trace(FILE *out, struct wf_trace *t);

#endif
