/* Presence helpers for the proto3 `optional` fields of metrics.proto.
 *
 * protoc-c 1.4.1 cannot compile proto3 `optional`, so mk/proto.mk feeds it a copy where
 * `optional double sum = 5;` became `oneof _sum { double sum = 5; }` (same wire format and
 * presence). These macros hide the generated case names:
 *     OTLP_HDP_SET_SUM(&dp, 1.5);  if (OTLP_HDP_HAS_MIN(&dp)) use(dp.min);
 */
#ifndef GENESIS_PROTO_OTLP_OPTIONAL_H
#define GENESIS_PROTO_OTLP_OPTIONAL_H

#include "opentelemetry/proto/metrics/v1/metrics.pb-c.h"

#define OTLP_HDP_CASE_(f) OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT___##f##_##f
#define OTLP_EHDP_CASE_(f) \
    OPENTELEMETRY__PROTO__METRICS__V1__EXPONENTIAL_HISTOGRAM_DATA_POINT___##f##_##f

/* HistogramDataPoint: sum, min, max */
#define OTLP_HDP_SET_SUM(dp, v) ((dp)->_sum_case = OTLP_HDP_CASE_(SUM), (dp)->sum = (v))
#define OTLP_HDP_SET_MIN(dp, v) ((dp)->_min_case = OTLP_HDP_CASE_(MIN), (dp)->min = (v))
#define OTLP_HDP_SET_MAX(dp, v) ((dp)->_max_case = OTLP_HDP_CASE_(MAX), (dp)->max = (v))
#define OTLP_HDP_HAS_SUM(dp) ((dp)->_sum_case == OTLP_HDP_CASE_(SUM))
#define OTLP_HDP_HAS_MIN(dp) ((dp)->_min_case == OTLP_HDP_CASE_(MIN))
#define OTLP_HDP_HAS_MAX(dp) ((dp)->_max_case == OTLP_HDP_CASE_(MAX))

/* ExponentialHistogramDataPoint: sum, min, max */
#define OTLP_EHDP_SET_SUM(dp, v) ((dp)->_sum_case = OTLP_EHDP_CASE_(SUM), (dp)->sum = (v))
#define OTLP_EHDP_SET_MIN(dp, v) ((dp)->_min_case = OTLP_EHDP_CASE_(MIN), (dp)->min = (v))
#define OTLP_EHDP_SET_MAX(dp, v) ((dp)->_max_case = OTLP_EHDP_CASE_(MAX), (dp)->max = (v))
#define OTLP_EHDP_HAS_SUM(dp) ((dp)->_sum_case == OTLP_EHDP_CASE_(SUM))
#define OTLP_EHDP_HAS_MIN(dp) ((dp)->_min_case == OTLP_EHDP_CASE_(MIN))
#define OTLP_EHDP_HAS_MAX(dp) ((dp)->_max_case == OTLP_EHDP_CASE_(MAX))

#endif
