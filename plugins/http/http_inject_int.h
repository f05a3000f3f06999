/* http_inject_int.h — the injector's plan for one real send call (http_inject_plan.c),
 * shared with its driver (http_inject.c). Not an API. */
#ifndef GA_HTTP_INJECT_INT_H
#define GA_HTTP_INJECT_INT_H

#include <sys/uio.h>
#include "plugins/http/http_state.h"

#define GA_INJ_MAXV     64          /* iovecs in one composed call */
#define GA_INJ_OWED     (-2)        /* kind of an iovec: bytes owed from before */
#define GA_INJ_APP      (-1)        /* the application's bytes; 0..n-1 = header j */
#define GA_INJ_REP      (-3)        /* our value written over a forwarded traceparent */
#define GA_INJ_TP_VAL   55          /* a version-00 traceparent value */
#define GA_INJ_TP_LEN   70          /* "traceparent: " + 55 + CRLF */
#define GA_INJ_B3_LEN   57          /* "b3: " + 51 + CRLF */
#define GA_INJ_B3M_LEN  96          /* X-B3-TraceId, X-B3-SpanId, X-B3-Sampled lines */
#define GA_INJ_BAG_LINE (9 + GA_HTTP_BAG_CAP + 2)   /* "baggage: " value CRLF */

/* The header lines to insert before the app byte at offset `at` of this call: traceparent
 * (and tracestate), b3 or X-B3-* (`xtra`), baggage — each as OTEL_PROPAGATORS says. */
typedef struct ga_inj_hdr {
    size_t at;
    ga_span_ids ids;
    uint8_t with_ts, with_bag;
    uint8_t tp_len, xtra_len;
    char tp[GA_INJ_TP_LEN + 2];
    char xtra[GA_INJ_B3_LEN + GA_INJ_B3M_LEN + 3];
} ga_inj_hdr;

/* What one real call sends: owed bytes, then the app's bytes with headers inserted and a
 * forwarded traceparent value overwritten (same length: app bytes for the accounting). */
typedef struct ga_inj_plan {
    uint64_t base;                      /* stream offset of this call's first app byte */
    size_t owe_len;
    uint8_t owe[GA_HTTP_OWE_CAP];       /* copy of the debt (the lock is not held while sending) */
    int nh;
    ga_inj_hdr h[GA_HTTP_INJ_POINTS];
    int rep;                            /* 0 none, 1 going on from before, 2 new in this call */
    uint64_t rep_pos;                   /* stream offset of the overwritten value */
    ga_span_ids rep_ids;
    char rep_val[GA_INJ_TP_VAL + 1];
    uint8_t other;                      /* formats beyond tracecontext: h[].tp_len etc. used */
    size_t ts_line_len;
    char ts_line[14 + GA_HTTP_TS_CAP];  /* "tracestate: " value CRLF, shared by the headers */
    size_t bag_line_len;
    char bag_line[GA_INJ_BAG_LINE];     /* "baggage: " value CRLF, shared likewise */
    int nv;
    struct iovec v[GA_INJ_MAXV];
    int8_t kind[GA_INJ_MAXV];
    size_t app_total;                   /* app bytes in v[] */
    size_t one_total;                   /* composed directly (ga__compose_one): all its bytes;
                                         * else 0 */
} ga_inj_plan;

/* With the connection locked: copy the debt and find where headers are due in the app's
 * bytes (a dry run of a copy of the request parser). Returns 0 when nothing is owed or due. */
int ga_inj_find(ga_http_state *st, const struct iovec *iov, size_t cnt, ga_inj_plan *pl);

/* For tests: 0 composes every call through the general path (the reference for the direct
 * composition of a one-buffer, one-header call). */
extern int ga_inj_one_on;

/* Unlocked: give each header its span identity and text, and compose pl->v. */
void ga_inj_compose(ga_inj_plan *pl, const struct iovec *iov, size_t cnt);

/* With the connection locked: `w` bytes of pl->v reached the socket. Record the new debt
 * and the headers that went out (fully or partly); returns how many app bytes went out.
 * st == NULL (the state went away): only count the app bytes. */
size_t ga_inj_account(ga_http_state *st, const ga_inj_plan *pl, size_t w);

#endif
