/* baggage.h — W3C baggage on the application thread (OTEL_PROPAGATORS=...,baggage): the baggage
 * that came with the thread's active span — the request of an HTTP server span, the message of a
 * Kafka CONSUMER span — and the process's own from the BAGGAGE environment variable (the
 * OpenTelemetry environment carrier), for requests and messages sent with no active span.
 *
 * The plug-in that makes a span active sets its baggage here; the plug-ins that send requests
 * or messages read it here. Plug-ins share nothing but the core, which is why it lives in it.
 *
 * A value is kept whole or not at all: at most GA_BAG_CAP bytes, every byte printable ASCII or a
 * tab (what a `baggage` header line may hold; anything else would let a message's bytes break an
 * HTTP head it is copied into), blanks trimmed at both ends. Members are not parsed: the value
 * travels as it came (W3C lets a hop pass baggage on unchanged). Application thread, no lock:
 * the state is the thread's own. */
#ifndef GA_BAGGAGE_H
#define GA_BAGGAGE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "preload/ga.h"
#include "preload/context.h"

#define GA_BAG_CAP 256              /* bytes kept (W3C asks 8192 of a full SDK: docs/http.md) */

typedef struct ga_bag {
    uint16_t len;                   /* 0: none */
    uint8_t span[8];                /* the span it belongs to */
    char v[GA_BAG_CAP];
} ga_bag;

extern GA_TLS ga_bag ga_tls_bag;
extern ga_bag ga_env_bag;           /* BAGGAGE (span unused); set once at start-up */

/* The value v[0..n) trimmed and checked as above into *out; returns its length, 0 when it is
 * empty or not kept. */
size_t ga_baggage_clean(const char *v, size_t n, char *out);

/* The baggage of the span `span_id` (just made the thread's active span) is v[0..n) — or none
 * when n is 0 or the value is not kept. */
void ga_baggage_set(const uint8_t span_id[8], const char *v, size_t n);

/* The baggage to send with a request or message whose parent is the thread's active span: that
 * span's, else (no active span) the process's from BAGGAGE. Returns its length (0: none) and
 * points *v at it. Inline: every injecting send with `baggage` configured asks. */
static inline size_t ga_baggage_outgoing(const char **v)
{
    const ga_span_ctx *a = ga_active();
    if (a != NULL) {
        if (ga_tls_bag.len == 0 || memcmp(a->span_id, ga_tls_bag.span, 8) != 0)
            return 0;
        *v = ga_tls_bag.v;
        return ga_tls_bag.len;
    }
    *v = ga_env_bag.v;
    return ga_env_bag.len;
}

/* Keep the thread's baggage in *out before a nested span replaces it, and put it back when that
 * span ends and the outer one is active again (the copy is its length, not the whole buffer). */
void ga_baggage_save(ga_bag *out);
void ga_baggage_restore(const ga_bag *in);

/* Start-up: BAGGAGE (NULL: unset) into ga_env_bag; returns 0, or -1 when it is set but not kept
 * (the caller warns). */
int ga_baggage_env(const char *v);

#endif
