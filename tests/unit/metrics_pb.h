/* metrics_pb.h — lookups in an ExportMetricsServiceRequest that protobuf-c decoded, for the unit
 * tests of the metrics encoder (test_metrics_otlp.c, test_metrics_wire.c). A metric or an
 * attribute that is not there fails the test: none of them expects an absence. Include after
 * cmocka.h. */
#ifndef GA_TEST_METRICS_PB_H
#define GA_TEST_METRICS_PB_H

#include <string.h>
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"

typedef Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest Req;
typedef Opentelemetry__Proto__Metrics__V1__Metric Metric;
typedef Opentelemetry__Proto__Common__V1__KeyValue KV;

/* The request p[0..n) decoded (protobuf-c); a request that does not decode fails the test. */
static inline Req *req_decode(const void *p, size_t n)
{
    Req *r = opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(
        NULL, n, (const uint8_t *)p);
    assert_non_null(r);
    return r;
}

/* The metric called name in the request's one scope. */
static inline const Metric *find(const Req *req, const char *name)
{
    const Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm = req->resource_metrics[0]->scope_metrics[0];
    for (size_t i = 0; i < sm->n_metrics; i++)
        if (strcmp(sm->metrics[i]->name, name) == 0)
            return sm->metrics[i];
    fail_msg("metric %s not encoded", name);
    return NULL;
}

/* The attribute key among kv[0..n). */
static inline const KV *attr(KV *const *kv, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(kv[i]->key, key) == 0)
            return kv[i];
    fail_msg("attribute %s missing", key);
    return NULL;
}

/* Its string value ("(not a string)" for another type). */
static inline const char *attr_str(KV *const *kv, size_t n, const char *key)
{
    const KV *a = attr(kv, n, key);
    return a->value->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE
           ? a->value->string_value : "(not a string)";
}

#endif
