/* http_plugin.c — the HTTP/1.x plug-in: its descriptor (preload/plugin.h) and configuration
 * entries.
 *
 * Wire: http_handler.c (detection, dispatch to the parser of protocols/http1/), http_xchg.c
 * (requests and responses paired into exchanges), http_span.c (span identity, the thread's
 * active server span, records), http_inject*.c (the pre-send step that carries traceparent),
 * http_active.c (in-flight server requests). Exporter side: http_ops.c. */
#include "preload/plugin.h"
#include "plugins/http/http_active.h"
#include "plugins/http/http_inject.h"
#include "plugins/http/http_plugin.h"
#include "plugins/http/http_state.h"

/* The plug-in's configuration entries, X(NAME, TYPE, default, meaning[, type arguments]) as in
 * preload/env.h; the table keeps its texts in a string pool (no relocations). */
#define GA__VARS(X)                                                                            \
    X(GENESIS_HTTP_ROUTES, STR, "", "route templates giving http.route and the server span name") \
    X(GENESIS_HTTP_AWAIT_MS, INT, "10",                                                        \
      "ms a client's reader waits for the request another thread wrote to be recorded", 0, 1000)

GA_PLUGIN_VAR_TABLE(GA__VARS);

const char *ga_http_routes(void)
{
    return ga_var_raw(&ga__vtab.v[GA_V_GENESIS_HTTP_ROUTES]);
}

uint64_t ga_http_await_ns GA_START_DATA = 10000000ull;   /* set by the constructor */

GA_INIT_PATH static void ga__init(void)
{
    ga_http_await_ns = (uint64_t)ga_var_int(&ga__vtab.v[GA_V_GENESIS_HTTP_AWAIT_MS]) * 1000000ull;
}

extern const struct ga_plugin_exp ga_http_exp;

const ga_plugin ga_plugin_http = {
    .name = "http",
    .init = ga__init,
    .detect = ga_http_detect,
    .data = ga_http_data,
    .data_iov = ga_http_data_iov,
    .closed = ga_http_closed,
    .wants_eof = 1,
    .presend = ga_http_send,
    .presend_unknown = 1,
    .after_fork = ga_http_active_after_fork,
    .vars = ga__vtab.v,
    .exp = &ga_http_exp,
};
