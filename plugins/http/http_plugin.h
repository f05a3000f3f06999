/* http_plugin.h — the HTTP plug-in's settings, shared by its descriptor (http_plugin.c) and
 * the files that use them. */
#ifndef GA_HTTP_PLUGIN_H
#define GA_HTTP_PLUGIN_H

#include <stdint.h>

/* GENESIS_HTTP_ROUTES as set (route templates, comma-separated), or NULL. Read-only after
 * the constructor: safe from the exporter thread. */
const char *ga_http_routes(void);

/* GENESIS_HTTP_AWAIT_MS in ns: how long a client's reader that found an answer before the
 * writer's request was recorded waits for it (http_handler.c). Set by the plug-in's init. */
extern uint64_t ga_http_await_ns __attribute__((visibility("hidden")));

#endif
