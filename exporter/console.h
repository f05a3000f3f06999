/* console.h — the console exporters: spans (console.c, a component) and metric points
 * (metrics_console.c, run by the metrics component), one JSON object per line, both written to
 * the one destination console.c owns (GENESIS_CONSOLE_FILE, else stderr). Exporter thread. */
#ifndef GA_CONSOLE_H
#define GA_CONSOLE_H

#include <stddef.h>
#include "exporter/attrs.h"
#include "exporter/buf.h"

/* Write whole lines to the console destination, opening it on first use (console.c). */
void ga_console_write(const char *p, size_t n);

/* Append {"key":value,...} for n attributes (console.c). */
void ga_console_json_attrs(ga_buf *b, const ga_attr *a, int n);

/* Write one line per data point of every instrument (metrics_console.c). */
void ga_metrics_console_export(void);

/* Child after fork: forget the parent's buffers. */
void ga_metrics_console_after_fork(void);

#endif
