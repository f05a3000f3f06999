/* otlp_http.h — the OTLP/HTTP transport: POSTs one request body at a time to one URL, with
 * the retry policy of SPECS §1.4, without ever blocking the exporter thread.
 *
 * libcurl is not linked: it is dlopen'ed (RTLD_LOCAL | RTLD_DEEPBIND, unless a sanitizer
 * runtime forbids DEEPBIND) on the exporter thread by the first send, so processes that never
 * export never load it, and a host carrying its own OpenSSL (node) keeps its symbols apart
 * from the system OpenSSL that libcurl pulls in. The multi interface is driven through the
 * exporter's component hooks (pollfds / events / tick): the drain loop keeps running while a
 * request is in flight, and only ga_otlp_http_wait() (the exit flush) blocks, up to its
 * deadline. The sockets are opened and closed by the library itself (curl's open/close-socket
 * callbacks) as its own descriptors (ga_own tokens, preload/fdtable.h): never observed, closed
 * in forked children, polled only while still ours. Once the application takes one of their
 * numbers, curl's handles are dropped before curl runs again (a new connection is made), and
 * curl's close of that number does nothing.
 *
 * One instance per signal; every function runs on the exporter thread only. */
#ifndef GA_OTLP_HTTP_H
#define GA_OTLP_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "exporter/buf.h"
#include "exporter/exporter.h"
#include "exporter/otlp_config.h"

#define GA_OTLP_MAX_RESPONSE (4u << 20)     /* SPECS §1.3: bigger answers are errors */

typedef struct ga_otlp_http ga_otlp_http;

/* The outcome of one send (all its attempts). */
typedef struct ga_otlp_result {
    int ok;                         /* 1: the collector answered 2xx */
    enum ga_fail_reason why;        /* when !ok */
    long status;                    /* last HTTP status, 0 when none was received */
    int attempts;
    const uint8_t *body;            /* the 2xx answer's body (may be empty), valid until */
    size_t body_len;                /* the next send */
} ga_otlp_result;

/* A transport for cfg (copied). `what` names the signal in messages ("traces"). Loads
 * nothing yet. NULL when memory is short. */
ga_otlp_http *ga_otlp_http_new(const ga_otlp_cfg *cfg, const char *what);

/* Load and initialise libcurl if not done yet (once per process, thread-safe; warns once
 * when impossible); 0 when usable. Sending does it too, but exporters call it when they
 * open, i.e. when the exporter thread starts, long before the host exits, because libcurl's
 * global init (which initialises OpenSSL, and libssh2 on top of it) must never run during
 * or after OPENSSL_cleanup. OpenSSL registers that cleanup with atexit() at its first
 * initialisation, so it runs before the library's own exit flush (registered first, run
 * last). Hence:
 *  - OpenSSL, if libcurl brought it, is initialised first with OPENSSL_INIT_NO_ATEXIT: when
 *    the host initialises the same OpenSSL after us, no cleanup handler exists at all;
 *  - if OpenSSL was already shut down, libcurl is left alone (export is off, one warning);
 *  - the first call registers ga_otlp_http_exit_barrier() with atexit(). */
int ga_otlp_http_prepare(void);

/* What an exporter calls when it opens (on the exporter thread): ga_otlp_http_prepare(),
 * unless the collector at cfg->url is known unreachable or refuses a plain TCP connection
 * (otlp_probe.h) — then libcurl is left unloaded until a send finds the collector listening
 * (the process, and every child it forks, stays free of libcurl's thirty-odd libraries while
 * the collector is down). The OpenSSL ordering above holds whenever the collector answers at
 * start; a collector that comes up later is met by a load at that first send. */
int ga_otlp_http_warm(const ga_otlp_cfg *cfg);

/* atexit handler, any thread. Registered after the host's OpenSSL initialisation, it runs
 * before OpenSSL's cleanup: it finishes (or does) the libcurl initialisation — bounded by
 * GENESIS_EXIT_FLUSH_MS — so the two never overlap; and when an OTLP exporter uses https, it
 * runs the exit flush right there (ga_exporter_flush_at_exit; the library's own handler then
 * returns at once), since TLS after OPENSSL_cleanup is impossible. Plain http transfers do
 * not touch OpenSSL, so for http the exit flush stays where it was (after the application's
 * own exit handlers). Best registered by the application thread that starts the exporter
 * (see docs/otlp.md): prepare() registers it too, but from the exporter thread, which may
 * be too late for a host that exits right after its first socket operation. */
void ga_otlp_http_exit_barrier(void);

/* Release a transport, its libcurl handles (closing its connection) and buffers; a send in
 * flight is abandoned. Never for a transport inherited across fork (forget it instead). */
void ga_otlp_http_free(ga_otlp_http *h);

/* Start sending `body` (compressed here when the configuration says gzip; otherwise its
 * buffer is swapped with the transport's, so the caller gets a buffer to reuse). All the
 * attempts end by the export timeout, and by `deadline_ms` (CLOCK_MONOTONIC ms) when not 0.
 * Requires !busy. The outcome comes from ga_otlp_http_result(), possibly at once (libcurl
 * missing, ...). */
void ga_otlp_http_send(ga_otlp_http *h, ga_buf *body, uint64_t deadline_ms);

/* The same for the request body->data[start .. body->len) (what comes before is not sent). */
void ga_otlp_http_send_from(ga_otlp_http *h, ga_buf *body, size_t start, uint64_t deadline_ms);

/* The compressor used when the configuration says gzip (exporter/otlp_gzip.h; ga_otlp_gzip
 * unless set): trace requests have one of their own. */
void ga_otlp_http_set_gzip(ga_otlp_http *h, int (*gzip)(const void *in, size_t n, ga_buf *out));

/* 1 while a send is in flight or waiting to retry. */
int ga_otlp_http_busy(const ga_otlp_http *h);

/* 1 (and *out filled, once) when a send has finished. */
int ga_otlp_http_result(ga_otlp_http *h, ga_otlp_result *out);

/* Component plumbing: descriptors to poll, their events, and timers (returns the ms until
 * the transport needs the next tick, or -1). */
int  ga_otlp_http_pollfds(ga_otlp_http *h, struct pollfd *p, int max);
void ga_otlp_http_events(ga_otlp_http *h, const struct pollfd *p, int n);
int  ga_otlp_http_tick(ga_otlp_http *h, uint64_t now_ms);

/* Drive the send in flight until it finishes or `deadline_ms` passes (then it is abandoned
 * and fails as GA_FAIL_TIMEOUT). Blocks in poll(); for the exit flush. */
void ga_otlp_http_wait(ga_otlp_http *h, uint64_t deadline_ms);

/* Child after fork: the parent's instances must simply be forgotten (never freed: they may
 * have been in use); this resets the loader if the fork caught it half-way. */
void ga_otlp_http_after_fork(void);

/* --- pure helpers (unit-tested) ------------------------------------------------------- */

/* Retry-After value (delay-seconds or IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT")
 * → milliseconds from `now` (0 for a date in the past); -1 when it is neither. */
long ga_otlp_retry_after_ms(const char *v, size_t n, time_t now);

/* 1 for the HTTP statuses worth retrying: 429, 502, 503, 504. */
int ga_otlp_status_retryable(long status);

/* Backoff before attempt `attempt` + 1 (attempt >= 1 failures so far): exponential from
 * 1 s, capped at 5 s, with jitter drawn from `rnd` into [base/2, base]. */
uint64_t ga_otlp_backoff_ms(int attempt, uint64_t rnd);

/* The failure reason for a final HTTP status. */
enum ga_fail_reason ga_otlp_status_reason(long status);

#endif
