/* instruments.c — definitions of the semantic-convention instruments that several plug-ins
 * feed (exporter/ops.h), with the advisory bucket boundaries of the conventions (SPECS §5.2,
 * §5.4). A plug-in with an instrument of its own defines it in its own folder. */
#include "exporter/ops.h"

static const double ga__http_bounds[] = {
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
};
static const double ga__db_bounds[] = { 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10 };

#define GA_HIST(n, d, u, b, max) { .name = n, .description = d, .unit = u, .kind = GA_MK_HISTOGRAM, \
    .bounds = b, .nbounds = (int)GA_ARRAY_LEN(b), .max_series = max }

const ga_instrument ga_inst_http_server_duration = GA_HIST("http.server.request.duration",
    "Duration of HTTP server requests.", "s", ga__http_bounds, 512);
const ga_instrument ga_inst_http_client_duration = GA_HIST("http.client.request.duration",
    "Duration of HTTP client requests.", "s", ga__http_bounds, 512);
const ga_instrument ga_inst_db_client_duration = GA_HIST("db.client.operation.duration",
    "Duration of database client operations.", "s", ga__db_bounds, 512);

/* Messaging (SPECS-2 §4): the same advisory buckets as HTTP. */
const ga_instrument ga_inst_msg_client_duration = GA_HIST("messaging.client.operation.duration",
    "Duration of messaging operation initiated by a producer or consumer client.", "s",
    ga__http_bounds, 512);
const ga_instrument ga_inst_msg_process_duration = GA_HIST("messaging.process.duration",
    "Duration of processing operation.", "s", ga__http_bounds, 512);
const ga_instrument ga_inst_msg_sent = { .name = "messaging.client.sent.messages",
    .description = "Number of messages producer attempted to send to the broker.",
    .unit = "{message}", .kind = GA_MK_COUNTER, .max_series = 512 };
const ga_instrument ga_inst_msg_consumed = { .name = "messaging.client.consumed.messages",
    .description = "Number of messages that were delivered to the application.",
    .unit = "{message}", .kind = GA_MK_COUNTER, .max_series = 512 };
