/* exporter.h — the exporter thread: one per process, started lazily by the first record,
 * restarted lazily after fork. It drains the ring, keeps the self-metrics, and hands
 * sampled spans to the configured span exporters (console; OTLP in exporter/otlp*). */
#ifndef GA_EXPORTER_H
#define GA_EXPORTER_H

#include <stdint.h>
#include "preload/record.h"

/* Start the exporter thread if it is not running. Cheap (one load) once started;
 * safe to call from any application thread. Returns 1 once the thread's fate is settled
 * (running, parked or failed: every later call would return at once until a fork resets
 * it), 0 while it is not started yet or deferred. */
int ga_exporter_ensure(void);

/* Ask the thread to drain and export everything, wait at most `ms` for it, then let it
 * park for good. Called once, from the atexit handler. */
void ga_exporter_flush_at_exit(unsigned ms);

/* The forking thread, just before fork (pthread_atfork prepare): what the children must
 * share with this process is set up now (the Prometheus family region, metrics_family.h). */
void ga_exporter_before_fork(void);

/* Child after fork: the parent's thread does not exist here; start afresh on demand. */
void ga_exporter_after_fork(void);

/* Set in a child forked from a process (or an ancestor) whose exporter thread was running. */
extern int ga_exporter_forked_from_running;

/* Self-metrics, owned by the exporter thread (read by it or after it has parked). */
enum ga_fail_reason {
    GA_FAIL_CONNECT,            /* could not connect / connection dropped */
    GA_FAIL_TIMEOUT,            /* no answer within the export timeout */
    GA_FAIL_HTTP_4XX,           /* permanent rejection (400, 413, ...) */
    GA_FAIL_HTTP_5XX,           /* server errors after the retries ran out */
    GA_FAIL_THROTTLED,          /* 429/503 after the retries ran out */
    GA_FAIL_ENCODE,             /* could not encode (memory) */
    GA_FAIL_UNAVAILABLE,        /* transport not loadable (libcurl missing) */
    GA_FAIL_OTHER,
    GA_FAIL_COUNT
};

typedef struct ga_self_stats {
    uint64_t operations;        /* records drained + records dropped */
    uint64_t spans_exported;    /* spans handed to a span exporter */
    uint64_t spans_sampled_out;
    uint64_t dropped_queue_full;    /* ring full: dropped on the application thread */
    uint64_t spans_dropped_batch_full; /* exporter's own span queue (OTEL_BSP_MAX_QUEUE_SIZE) */
    uint64_t spans_dropped_export;  /* spans in batches that failed for good */
    uint64_t spans_rejected;        /* partial_success rejected_spans */
    uint64_t export_failures;       /* total of the array below */
    uint64_t export_failures_by[GA_FAIL_COUNT];
} ga_self_stats;

/* Count one failed export attempt that will not be retried. */
void ga_self_export_failed(enum ga_fail_reason why);

/* A part of the exporter thread: span exporters (console, OTLP), metrics, the Prometheus
 * listener. Every hook is optional (NULL) and runs on the exporter thread only. */
struct pollfd;
struct ga_logline;
typedef struct ga_component {
    const char *name;
    int  (*open)(void);                         /* at thread start; <0 = leave it out */
    void (*record)(const ga_rec *r);            /* every drained record (metrics) */
    void (*span)(const ga_rec *r);              /* every sampled span record */
    int  (*pollfds)(struct pollfd *p, int max); /* descriptors to wait on; returns count */
    void (*events)(const struct pollfd *p, int n); /* after poll, with the same entries */
    int  (*tick)(uint64_t now_ms);              /* periodic work; returns ms until next (-1: none) */
    void (*flush)(int final, uint64_t deadline_ms); /* end of a drain cycle / at exit */
    void (*after_fork)(void);                   /* child: forget the parent's state */
    void (*log)(const struct ga_logline *l);    /* every assembled log line (exporter/logs.h) */
} ga_component;

/* Components bracket every write that must not be cut in half by the process exiting
 * (a console line, an HTTP request) with these. ga_exporter_io_begin() returns 0 once the
 * process is exiting and the flush time is over: the component must then drop the output. */
int ga_exporter_io_begin(void);
void ga_exporter_io_end(void);

/* CLOCK_MONOTONIC in ms, for deadlines on the exporter thread. */
uint64_t ga_mono_ms(void);

void ga_console_component_get(ga_component *c);
extern ga_self_stats ga_self;

#endif
