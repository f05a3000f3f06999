/* metrics_otlp.h — the instruments of metrics_reg.h as an OTLP ExportMetricsServiceRequest
 * (protobuf), for the push to /v1/metrics. Exporter thread only.
 *
 * One ResourceMetrics (ga_res) with one ScopeMetrics (genesis-auto, GA_VERSION); one Metric
 * per instrument that has series: histograms and monotonic sums with CUMULATIVE temporality
 * and start_time = ga_metrics_start_ns; gauges without start time. Histogram points carry
 * count, sum, min/max (when count > 0), per-bucket counts, the explicit bounds and one
 * exemplar per bucket that has one. Call ga_metrics_collect() first. */
#ifndef GA_METRICS_OTLP_H
#define GA_METRICS_OTLP_H

#include <stdint.h>
#include "exporter/buf.h"

/* Replace the content of `out` with the packed request; `now_ns` is every point's
 * time_unix_nano. Returns the number of data points, or -1 when memory ran out or the
 * request would exceed the OTLP size limit (`out` is then empty). */
int ga_metrics_otlp_encode(ga_buf *out, uint64_t now_ns);

/* Child after fork: forget the parent's encoding memory. */
void ga_metrics_otlp_after_fork(void);

#endif
