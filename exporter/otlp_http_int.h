/* otlp_http_int.h — the OTLP/HTTP transport's state, shared by its two halves: the libcurl
 * glue (otlp_http_curl.c: callbacks, handles, sockets) and the send state machine
 * (otlp_http.c). Not an API: users go through otlp_http.h. */
#ifndef GA_OTLP_HTTP_INT_H
#define GA_OTLP_HTTP_INT_H

#include <stdint.h>
#include "exporter/otlp_curl.h"
#include "exporter/otlp_common.h"
#include "exporter/otlp_http.h"
#include "preload/fdtable.h"

enum { H_IDLE, H_RUNNING, H_BACKOFF, H_DONE };
#define GA_OTLP_HTTP_SOCKS 16          /* sockets curl may hold at once */

struct ga_otlp_http {
    ga_otlp_cfg cfg;
    const char *what;
    CURLM *multi;
    CURL *easy;
    struct curl_slist *hdrs;
    int state;
    ga_buf req, resp;               /* request body (sent from req_start); answer (capped) */
    size_t req_start, req_pos;      /* req_pos: what curl has read of it (read callback) */
    int (*gzip)(const void *in, size_t n, ga_buf *out);
    int resp_too_big;
    long retry_after_ms;            /* from the last answer; -1 = none */
    uint64_t end_ms;                /* all attempts end here; 0 = no limit */
    uint64_t retry_at;
    int attempts;
    long status;
    int curl_err;                   /* CURLcode of the last attempt */
    enum ga_fail_reason why;
    int gated;                      /* the send ended without trying: collector known down */
    int refused;                    /* the last attempt was refused before libcurl was loaded */
    int timer_on;
    uint64_t timer_at;
    struct { int fd; short events; } socks[GA_OTLP_HTTP_SOCKS];  /* what curl wants polled */
    int nsocks;
    ga_own fds[GA_OTLP_HTTP_SOCKS];      /* sockets we opened for curl and it has not closed */
    int nfds;
    ga_otlp_result res;
    int has_res;
};

/* The multi and easy handles, made once and kept for the process's life (the connection stays
 * alive between sends). 0, or -1 when curl refused one (nothing is left half made). */
int ga_otlp_http_handles(ga_otlp_http *h);

/* Did the application close or replace one of curl's sockets? Then the handles are dropped
 * (made anew by the next attempt) and 1 is returned. */
int ga_otlp_http_stolen(ga_otlp_http *h);

#endif
