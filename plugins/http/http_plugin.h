/* http_plugin.h — the HTTP plug-in's settings, shared by its descriptor (http_plugin.c) and
 * the files that use them. */
#ifndef GA_HTTP_PLUGIN_H
#define GA_HTTP_PLUGIN_H

/* GENESIS_HTTP_ROUTES as set (route templates, comma-separated), or NULL. Read-only after
 * the constructor: safe from the exporter thread. */
const char *ga_http_routes(void);

#endif
