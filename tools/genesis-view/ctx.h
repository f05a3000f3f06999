/* genesis-view: state shared by the request handler and the server loop. */
#ifndef GV_CTX_H
#define GV_CTX_H

#include <stdint.h>
#include <stdio.h>

#include "tools/genesis-view/opts.h"
#include "tools/genesis-view/waterfall.h"

enum gv_signal { GV_TRACES, GV_METRICS, GV_LOGS, GV_NSIGNALS };

struct gv_counts {
    uint64_t requests;                /* complete HTTP requests, any path */
    uint64_t exports[GV_NSIGNALS];    /* requests on /v1/traces, /v1/metrics, /v1/logs */
    uint64_t accepted;                /* exports answered 2xx and recorded */
    uint64_t failed;                  /* exports answered otherwise (or not at all) */
    uint64_t items[GV_NSIGNALS];      /* spans, metric data points, log records recorded */
    uint64_t bytes;                   /* request body bytes as received */
};

struct gv_ctx {
    const struct gv_opts *opts;
    FILE *jsonl; /* NULL without --jsonl */
    FILE *text;  /* stdout, NULL with --quiet */
    struct gv_waterfall wf;
    struct gv_counts counts;
};

/* Rewrite --count-file (if any) atomically with the current counters. */
void gv_counts_write(const struct gv_ctx *c);

/* Write decoded data to the JSONL file and stdout; returns the number of items. */
uint64_t gv_record(struct gv_ctx *c, enum gv_signal sig, const void *msg, int64_t now_ms);

#endif
