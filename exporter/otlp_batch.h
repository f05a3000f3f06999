/* otlp_batch.h — the timing every OTLP batch processor of the exporter thread shares (traces:
 * OTEL_BSP_*, logs: OTEL_BLRP_*): when to send, what to poll, and the send-what-is-left at exit.
 * What a batch holds and how it is encoded stay with the component (exporter/otlp_traces.c,
 * exporter/otlp_logs.c); it hands over three functions. Exporter thread only. */
#ifndef GA_OTLP_BATCH_H
#define GA_OTLP_BATCH_H

#include <poll.h>
#include <stdint.h>
#include "exporter/otlp_config.h"
#include "exporter/otlp_http.h"

typedef struct ga_otlp_batch_ops {
    void (*collect)(void);              /* take the answer of a finished request, if any */
    void (*send)(uint64_t deadline_ms); /* encode and hand over the next batch (0: no deadline) */
    void (*drop)(unsigned n);           /* at exit: n items could not be sent (count them) */
} ga_otlp_batch_ops;

typedef struct ga_otlp_batch {
    int on;                             /* opened: the signal's exporter names otlp */
    ga_bsp_cfg cfg;                     /* delay, timeout, queue and batch sizes */
    ga_otlp_http *http;                 /* the transport, made on the first send */
    unsigned count;                     /* items waiting to be sent */
    uint64_t oldest_ms;                 /* when the oldest of them arrived */
    const ga_otlp_batch_ops *ops;
} ga_otlp_batch;

/* 1 when no request is in flight (a new one may be handed over). */
static inline int ga_otlp_batch_idle(const ga_otlp_batch *b)
{
    return b->http == NULL || !ga_otlp_http_busy(b->http);
}

/* The component's tick: drive the transport, send when the batch is full or the oldest item
 * has waited the schedule delay. Returns the milliseconds until it wants the next tick (-1:
 * no wish). */
int ga_otlp_batch_tick(ga_otlp_batch *b, uint64_t now);

/* The transport's descriptors to poll (at most max), and what they reported. */
int ga_otlp_batch_pollfds(ga_otlp_batch *b, struct pollfd *p, int max);
void ga_otlp_batch_events(ga_otlp_batch *b, const struct pollfd *p, int n);

/* The component's flush: at exit (final), send what is left until shortly before deadline_ms
 * and count the rest as dropped; otherwise send a full batch when idle. */
void ga_otlp_batch_flush(ga_otlp_batch *b, int final, uint64_t deadline_ms);

#endif
