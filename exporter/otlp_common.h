/* otlp_common.h — what the OTLP encoders (traces, metrics, logs) share on the exporter
 * thread: the client-side request size limit, and gzip (exporter/otlp_gzip.h). The requests
 * are written in the wire format directly (exporter/pbw.h); the collector's answers are read
 * by exporter/otlp_resp.h. Nothing of protobuf-c is in the library (the tests keep it as
 * their oracle: tests/unit/otlp_pbc.h). */
#ifndef GA_OTLP_COMMON_H
#define GA_OTLP_COMMON_H

/* Client-side request limit (SPECS §1.3): a bigger request is not sent, and counted. */
#define GA_OTLP_MAX_REQUEST (64u << 20)

/* gzip: exporter/otlp_gzip.h. */
#include "exporter/otlp_gzip.h"

#endif
