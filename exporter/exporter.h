/* exporter.h — the exporter thread: one per process, started lazily by the first record,
 * restarted lazily after fork. It drains the ring, keeps the self-metrics, and hands
 * sampled spans to the configured span exporters (console; OTLP in exporter/otlp*). */
#ifndef GA_EXPORTER_H
#define GA_EXPORTER_H

#include <stdint.h>
#include "preload/record.h"

/* Start the exporter thread if it is not running. Cheap (one load) once started;
 * safe to call from any application thread. */
void ga_exporter_ensure(void);

/* Ask the thread to drain and export everything, wait at most `ms` for it, then let it
 * park for good. Called once, from the atexit handler. */
void ga_exporter_flush_at_exit(unsigned ms);

/* Child after fork: the parent's thread does not exist here; start afresh on demand. */
void ga_exporter_after_fork(void);

/* Self-metrics, owned by the exporter thread (read by it or after it has parked). */
typedef struct ga_self_stats {
    uint64_t operations;        /* records drained + records dropped */
    uint64_t spans_exported;    /* spans handed successfully to a span exporter */
    uint64_t spans_sampled_out;
    uint64_t dropped_queue_full;
    uint64_t export_failures;
} ga_self_stats;

/* A span exporter: gets each sampled record, then a flush at the end of a drain cycle. */
typedef struct ga_span_sink {
    const char *name;
    int  (*open)(void);                         /* on the exporter thread; <0 = unusable */
    void (*span)(const ga_rec *r);
    void (*flush)(int final);                   /* final=1 at exit */
    void (*after_fork)(void);                   /* child: forget the parent's state */
} ga_span_sink;

extern const ga_span_sink ga_console_sink;
extern ga_self_stats ga_self;

#endif
