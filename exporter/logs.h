/* logs.h — log lines on the exporter thread: what the line assembler (plugins/logs/logs_ops.c)
 * hands to the components that export logs (exporter/otlp_logs.c, the console), and the logs'
 * self-counters.
 *
 * The application thread copies the bytes written to a captured stream into log-chunk records
 * (preload/logcap.h); the assembler joins them into lines per stream and thread, drops what is
 * not text, strips terminal escapes, finds the severity, and calls ga_exporter_log_line() once
 * per line: every component with a `log` slot (exporter.h) sees it. Exporter thread only. */
#ifndef GA_LOGS_H
#define GA_LOGS_H

#include <stddef.h>
#include <stdint.h>

typedef struct ga_logline {
    uint64_t time_ns;           /* when the write that began the line returned */
    const char *body;           /* the line: valid UTF-8, no escapes, no newline */
    size_t len;
    int severity;               /* OTLP SeverityNumber, 0 = unset */
    const char *sev_text;       /* the source's word for it (len 0 when unset) */
    size_t sev_len;
    uint8_t stream;             /* GA_LOGS_STDOUT, _STDERR, _SYSLOG, _FILE0 + i (logcap.h) */
    uint8_t has_ctx;            /* a span was active on the writing thread */
    uint8_t trace_flags;
    uint8_t cut;                /* the line was longer than GA_LOG_LINE_MAX and was cut */
    uint8_t trace_id[16];
    uint8_t span_id[8];
    const char *path;           /* log.file.path of a captured file, else NULL */
} ga_logline;

#define GA_LOG_LINE_MAX (16u << 10)

/* Append the LogRecord of line l (ScopeLogs.log_records field) to b, observed at observed_ns:
 * the OTLP logs encoder (exporter/otlp_logs.c), used inside a request begun with
 * ga_otlp_tr_begin() (exporter/otlp_span.h: the logs request has the trace request's layout).
 * 0, or -1 (memory). */
struct ga_buf;
int ga_otlp_log_record(struct ga_buf *b, const ga_logline *l, uint64_t observed_ns);

/* Hand one line to every running component that exports logs. */
void ga_exporter_log_line(const ga_logline *l);

/* Self-counters of the logs pipeline (exporter thread; the application-side ones are read
 * from preload/logcap.h when collected). */
typedef struct ga_logs_stats {
    uint64_t lines;             /* lines assembled and handed on */
    uint64_t exported;          /* records in OTLP requests that succeeded */
    uint64_t invalid;           /* lines dropped: NUL bytes or invalid UTF-8 */
    uint64_t cut;               /* lines cut at GA_LOG_LINE_MAX */
    uint64_t dropped_batch_full;/* OTEL_BLRP_MAX_QUEUE_SIZE reached */
    uint64_t dropped_export;    /* in requests that failed for good */
    uint64_t rejected;          /* partial_success rejected_log_records */
} ga_logs_stats;

extern ga_logs_stats ga_logs_self;

/* The name of a stream for log.iostream ("stdout", "stderr"), or NULL. */
static inline const char *ga_logs_iostream(uint8_t stream)
{
    return stream == 1 ? "stdout" : stream == 2 ? "stderr" : NULL;
}

#endif
