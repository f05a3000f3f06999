/* http_rec.h — what HTTP records carry: the plug-in's op ids and attribute keys, written on
 * the application thread (http_span.c) and decoded on the exporter thread (http_ops.c). Raw facts only: the exporter turns
 * them into semantic-convention attributes (url.full, url.path/query, server.address...). */
#ifndef GA_HTTP_KEYS_H
#define GA_HTTP_KEYS_H

#include "preload/record.h"

enum ga_http_op {
    GA_OP_HTTP_SERVER = 1,                  /* SERVER span: a request read on an accepted socket */
    GA_OP_HTTP_CLIENT,                      /* CLIENT span: a request written on a connected socket */
    GA_OP_HTTP_COUNT
};

enum ga_http_attr {
    GA_A_HTTP_METHOD = GA_A_PLUGIN_FIRST, /* int: enum ga_h1_method */
    GA_A_HTTP_METHOD_ORIG,  /* str: the method token, when it is not exactly a known method */
    GA_A_HTTP_TARGET,       /* str: the request-target as sent (may be truncated) */
    GA_A_HTTP_HOST,         /* str: the Host field value */
    GA_A_HTTP_STATUS,       /* int: final status code (absent when none was seen) */
    GA_A_HTTP_VERSION,      /* int: 10 or 11 */
    GA_A_HTTP_UA,           /* str: User-Agent */
    GA_A_HTTP_REQ_BODY,     /* int: request body bytes (without chunk framing) */
    GA_A_HTTP_RESP_BODY,    /* int: response body bytes (without chunk framing) */
    GA_A_HTTP_ERROR,        /* int: enum ga_http_err, a transport failure */
    GA_A_HTTP_XFF,          /* str: X-Forwarded-For value (first entry is the client) */
    GA_A_HTTP_TRUNC,        /* int: GA_HTTP_TRUNC_* bits: which texts were cut */
    GA_A_HTTP_FACTS,        /* bytes: an exchange's facts as the application thread keeps them
                             * (http_state.h: ga_http_xchg from GA_HTTP_FACTS_AT): method,
                             * status, version, request body size and the texts, in place of
                             * the entries above, which records made by hand may still use */
};

enum ga_http_err {
    GA_HTTP_ERR_NONE = 0,
    GA_HTTP_ERR_CLOSED,     /* the connection closed before the response was complete */
};

#define GA_HTTP_TRUNC_TARGET 0x1
#define GA_HTTP_TRUNC_HOST   0x2

#endif
