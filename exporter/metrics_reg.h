/* metrics_reg.h — the process's instruments and how records feed them.
 *
 * Instruments (docs/metrics.md has the full reference):
 *   genesis.network.connect.duration  histogram  s          every connect span (sampled or not)
 *   genesis.network.io                counter    By         bytes per peer and direction
 *   genesis.sdk.*                     counters/gauges       self-metrics from ga_self and the ring
 *   process.*                         counters/gauges       read from /proc/self at each collection
 *   the plug-ins' instruments         (http.*, db.*, ...)   registered on first use: records of
 *                                                           ops whose descriptor (exporter/ops.h)
 *                                                           names one, and the plug-ins' collect()
 *
 * Readers (Prometheus scrape, OTLP push) call ga_metrics_collect() first: it brings the byte
 * counters of still-open sockets and the self-metrics up to date. Everything runs on the
 * exporter thread. */
#ifndef GA_METRICS_REG_H
#define GA_METRICS_REG_H

#include "exporter/metrics.h"
#include "preload/record.h"

#define GA_METRICS_SCOPE_NAME "genesis-auto"

/* The core's instruments; plug-in instruments follow them, up to GA_MI_MAX. */
enum {
    GA_MI_CONNECT_DURATION, GA_MI_NET_IO,
    GA_MI_SDK_OPS, GA_MI_SDK_EXPORTED, GA_MI_SDK_SAMPLED_OUT, GA_MI_SDK_DROPPED,
    GA_MI_SDK_LOGS_EXPORTED, GA_MI_SDK_LOGS_DROPPED,
    GA_MI_SDK_EXPORT_FAILURES, GA_MI_SDK_QUEUE_DEPTH, GA_MI_SDK_QUEUE_CAPACITY,
    GA_MI_SDK_UNPARSED, GA_MI_SDK_METRIC_DROPPED, GA_MI_SDK_TAIL_SEGMENTS, GA_MI_SDK_TAIL_HELD,
    GA_MI_COUNT
};
#define GA_MI_MAX 48

/* Every instrument, in exposition order: ga_minst[0 .. ga_minst_count). Empty until
 * ga_metrics_define() has written the core ones (the exporter thread, before it opens its
 * components; ga_metrics_start() too). */
extern ga_instrument ga_minst[GA_MI_MAX];
extern int ga_minst_count;

/* Write the core instruments into ga_minst (once per process; any thread). */
void ga_metrics_define(void);

/* The instrument with def's name, registered (a copy of def) on first use; NULL when the
 * table is full. */
ga_instrument *ga_metrics_instrument(const ga_instrument *def);

/* Start time of every cumulative series (CLOCK_REALTIME ns): when aggregation began in this
 * process (or in this forked child). */
extern uint64_t ga_metrics_start_ns;

/* Is aggregation running (some metrics exporter is configured and open succeeded)? */
extern int ga_metrics_on;

/* Start aggregating now (sets the start time). */
void ga_metrics_start(void);

/* Feed one drained record: connect spans, socket close totals, protocol ops that name a
 * semantic-convention histogram; others are ignored. */
void ga_metrics_on_record(const ga_rec *r);

/* A plug-in op record into the histogram its descriptor names (exporter/ops.h; nothing when
 * d is NULL or names none). Called by ga_metrics_on_record. */
struct ga_op_desc;
void ga_metrics_observe_op(const ga_rec *r, const struct ga_op_desc *d);

/* Bring live byte counters and self-metrics up to date before reading the instruments. */
void ga_metrics_collect(void);

/* The process's own metrics (process.cpu.time, process.memory.usage, ...) read from
 * /proc/self (metrics_process.c). Called by ga_metrics_collect. */
void ga_metrics_process_collect(void);

/* Free every series and forget live sockets (tests); ga_metrics_after_fork leaks instead. */
void ga_metrics_clear(void);
void ga_metrics_after_fork(void);

/* --- byte accounting (metrics_bytes.c) ---------------------------------------------------
 * Final totals arrive in GA_OP_CONN_CLOSE records; open sockets are read from the fd table
 * at each collection. Both are paired by (fd, generation): what a scan already counted for a
 * socket is subtracted from its final totals, so no byte is counted twice. */
void ga_bytes_on_close(const ga_rec *r);
void ga_bytes_scan(void);
void ga_bytes_tick(void);           /* once per exporter loop: ages entries of closed sockets */
void ga_bytes_clear(int free_memory);

#endif
