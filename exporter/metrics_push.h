/* metrics_push.h — pushing the instruments to OTLP /v1/metrics (OTEL_METRICS_EXPORTER=otlp)
 * through the shared OTLP/HTTP transport (exporter/otlp_http.h, OTEL_EXPORTER_OTLP_METRICS_*).
 *
 * Contracts: one request in flight at a time (a push that comes due while the previous one
 * is still being sent is skipped: the next cumulative snapshot carries the same data);
 * nothing blocks the exporter loop except ga_metrics_push_final(), bounded by its deadline.
 * Failures are counted in ga_self (export_failures by reason) by the transport's outcome;
 * the transport itself reports them once on stderr. Exporter thread only. */
#ifndef GA_METRICS_PUSH_H
#define GA_METRICS_PUSH_H

#include <stdint.h>

struct pollfd;

/* Load the transport configuration. Returns 0. */
int ga_metrics_push_open(void);

/* Collect, encode and start one POST; all its attempts end by deadline_ms (ga_mono_ms). */
void ga_metrics_push_start(uint64_t deadline_ms);

/* The bound of one periodic push: OTEL_METRIC_EXPORT_TIMEOUT (0 = the transport's own). */
uint64_t ga_metrics_push_timeout_ms(void);

/* Transport plumbing for the component hooks (see otlp_http.h). */
int  ga_metrics_push_pollfds(struct pollfd *p, int max);
void ga_metrics_push_events(const struct pollfd *p, int n);
int  ga_metrics_push_tick(uint64_t now_ms);

/* At exit: let a push in flight finish, then push the final snapshot, all by deadline_ms. */
void ga_metrics_push_final(uint64_t deadline_ms);

/* Child after fork: forget (never free) the parent's transport and buffers. */
void ga_metrics_push_after_fork(void);

#endif
