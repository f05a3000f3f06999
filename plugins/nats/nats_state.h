/* nats_state.h — the per-connection state of a NATS client connection (in its ga_conn slot)
 * and the plug-in's internal API, shared by nats_handler.c (the wire: detection, both
 * directions), nats_span.c (records, the thread's active context), nats_inject*.c (the pre-send
 * step) and hook_libnats.c. Not an API outside plugins/nats/.
 *
 * Everything but `inject` is touched only with the connection locked. */
#ifndef GA_NATS_STATE_H
#define GA_NATS_STATE_H

#include <stdint.h>
#include "preload/conn.h"
#include "preload/fdtable.h"
#include "protocols/nats/nats.h"
#include "protocols/nats/nats_ctx.h"
#include "protocols/w3c/w3c.h"

#define GA_NATS_SUBJ_CAP    120     /* subject bytes kept for a span still open */
#define GA_NATS_OWE_CAP     448     /* the longest rewritten message head we inject into */
#define GA_NATS_QUEUES      4       /* queue-group subscriptions remembered per connection */
#define GA_NATS_QNAME_CAP   28

/* The trace context messages carry, fixed once at init from OTEL_PROPAGATORS
 * (ga_nats_ctx_setup, nats_plugin.c); read without a lock. */
typedef struct ga_nats_ctxcfg {
    uint8_t fmt;                /* GA_NATS_FMT_* the injector writes; 0: none (nothing added) */
    uint8_t own;                /* 1 << GA_NATS_F_* of the fields that make a message's context
                                 * its own (one of a configured format): nothing added to it */
    uint16_t fields;            /* bytes of the field lines: ga_nats_ctx_len(fmt) */
    uint16_t hdr_new;           /* bytes of a new block: "NATS/1.0\r\n" + fields + "\r\n" */
    uint16_t pub_fixed;         /* what a PUB's rewritten head adds but the total's digits:
                                 * `H`, hdr_txt, CR LF after the counts, the new block */
    uint8_t hdr_txt_len;        /* bytes of hdr_txt used */
    char hdr_txt[8];            /* hdr_new in decimal and a space ("82 "), as a PUB's new
                                 * HPUB line says it */
    ga_nats_xorder xo;          /* how a received block's fields rank */
} ga_nats_ctxcfg;
extern ga_nats_ctxcfg ga_nats_ctx;

/* Fill ga_nats_ctx from ga_cfg's propagators (the plug-in's init; tests call it again after
 * changing them). */
void ga_nats_ctx_setup(void);

/* A queue-group subscription: its sid and group (SUB <subject> <queue> <sid>). */
typedef struct ga_nats_queue {
    uint32_t sid;
    uint8_t len;
    char name[GA_NATS_QNAME_CAP];
} ga_nats_queue;

/* The message being received (MSG/HMSG seen, not yet complete) or delivered (its CONSUMER
 * span recorded, its context the active span of the thread that read it until that thread
 * reads the connection again or the next message begins). */
enum { GA_NATS_RX_NONE = 0, GA_NATS_RX_RECEIVING, GA_NATS_RX_ACTIVE };
typedef struct ga_nats_rx {
    uint8_t st;                 /* GA_NATS_RX_* */
    uint8_t subj_len;
    uint8_t info;               /* GA_NATS_I_* */
    uint8_t pad;
    uint32_t sid;
    uint64_t body;
    /* The two never live at once, so they share their bytes (the slot is 2 KiB for every
     * protocol): the context fields of the message's header block while it is received — they
     * may come in several reads, so this is where b3multi's fields wait for each other — then
     * the CONSUMER span made from them once it is delivered. */
    union {
        ga_nats_xctx x;         /* RECEIVING */
        ga_span_ids ids;        /* ACTIVE */
    };
    char subj[GA_NATS_SUBJ_CAP];
} ga_nats_rx;

/* A message head the injector rewrote and began to send, whose original head the application
 * has not been told went out yet (the send was cut inside our bytes). */
typedef struct ga_nats_cut {
    uint8_t on;
    uint64_t pos;               /* application stream offset of the message's first byte */
    uint64_t start_ns;
    ga_span_ids ids;
} ga_nats_cut;

typedef struct ga_nats_state {
    /* 1 while the pre-send step may have work: the server supports headers and the client
     * did not declare it does not, or bytes are owed. Read by the write hooks unlocked. */
    _Atomic uint8_t inject;
    uint8_t init;
    uint8_t dead;               /* a parser failed: nothing more is followed */
    uint8_t srv_headers;        /* INFO said "headers":true */
    int8_t cli_headers;         /* CONNECT's "headers": -1 not sent yet, 0, 1 */
    uint8_t lang_c;             /* CONNECT's "lang":"C": libnats */
    uint8_t nqueues;
    uint8_t hdr_forced;         /* the library made CONNECT declare headers (the server believes
                                 * 1 whatever the application wrote) */
    int fd;
    uint32_t fd_gen;
    uint32_t max_payload;       /* from INFO; 0 = unknown */
    ga_addr peer;
    uint64_t send_ns;           /* when the pre-send step began the current write */
    uint64_t out_fed;           /* application bytes handed to data(out): the pre-send step
                                 * feeds `out` itself, data(out) skips what it already saw */
    /* the pre-send step (nats_inject*.c) */
    uint64_t next_ok;           /* no new injection decision for a head starting before this */
    uint32_t del_len;           /* after the debt: application bytes to drop (the old head) */
    uint16_t owe_len, owe_off;  /* owe[owe_off..owe_len) must reach the socket first */
    ga_nats_cut cut;
    uint8_t owe[GA_NATS_OWE_CAP];
    /* consumer side */
    ga_nats_rx rx;
    ga_nats_queue q[GA_NATS_QUEUES];
    ga_nats_parser out;         /* what the application sent (as it believes) */
    ga_nats_parser in;          /* what the server sent */
} ga_nats_state;

_Static_assert(sizeof(ga_nats_state) <= GA_CONN_STATE_SIZE, "NATS state must fit ga_conn.state");

static inline ga_nats_state *ga_nats_st(ga_conn *c)
{
    return (ga_nats_state *)(void *)c->state;
}

/* GENESIS_NATS_CONNECT_REWRITE: make a CONNECT without headers declare them (nats_plugin.c) */
extern int ga_nats_connect_rewrite;

/* ---- nats_handler.c: the wire ---- */
int ga_nats_detect(const ga_fd *e, int out, const uint8_t *p, size_t n);
void ga_nats_data(int fd, ga_fd *e, ga_conn *c, int out, const uint8_t *p, size_t n);
void ga_nats_closed(ga_conn *c);
/* A round of the pre-send step sent n application bytes and fed the out parser with them
 * itself; the write hook will not pass them to ga_nats_data (preload/ga.h:
 * ga_tls_presend_fed), so this does what it would have: the count of bytes seen, the round's
 * start time cleared, giving up on a parser error. With the connection locked. */
void ga_nats_out_sent(ga_nats_state *st, ga_fd *e, size_t n);
/* Set up st for (fd, gen) if new. */
void ga_nats_state_init(ga_nats_state *st, const ga_fd *e, int fd, uint32_t gen);
/* Recompute st->inject after the facts or the debt changed. */
void ga_nats_update_inject(ga_nats_state *st);
/* The callbacks that follow the application's stream (out direction) for real: facts,
 * queue groups, PRODUCER records. `ids` (may be NULL) gives the identity of messages the
 * injector rewrote in the bytes being fed. */
typedef struct ga_nats_out_ctx {
    ga_nats_state *st;
    uint64_t now;
    int (*ids)(void *ud, uint64_t pos, ga_span_ids *ids, uint64_t *start, uint8_t *info);
    void *ud;
} ga_nats_out_ctx;
void ga_nats_out_feed(ga_nats_out_ctx *oc, const uint8_t *p, size_t n);

/* ---- nats_span.c: records and the thread's active context ---- */
/* A PRODUCER record for a PUB/HPUB line that went out. */
void ga_nats_emit_publish(const ga_nats_state *st, const ga_nats_line *l, const ga_span_ids *ids,
                          uint64_t start_ns, uint64_t end_ns, uint8_t info);
/* Identity of a new PRODUCER span: the libnats publisher's context for this message when one
 * was handed over (hook_libnats.c), else the thread's active span; *start_ns may be moved to
 * when the application published it. */
void ga_nats_producer_ids(const ga_nats_state *st, const ga_nats_line *l, ga_span_ids *ids,
                          uint64_t *start_ns);
/* The parent the context fields x of a header block give (valid = 0: none), a B3 one without
 * a sampling decision sampled by the root sampler (as HTTP and Kafka do). */
void ga_nats_ctx_parent(const ga_nats_xctx *x, ga_span_ctx *parent);
/* Identity of a CONSUMER span: a child of `parent` when valid, else a new trace. */
void ga_nats_consumer_ids(ga_span_ids *ids, const ga_span_ctx *parent);
/* Make ids the thread's active span; undo it if it still is. */
void ga_nats_set_active(const ga_span_ids *ids);
void ga_nats_clear_active(const ga_span_ids *ids);
/* The message being received was delivered at `now`: its CONSUMER record (the delivery, on the
 * wire; the processing cannot be seen there), and its context made the thread's active span. */
void ga_nats_rx_deliver(ga_nats_state *st, uint64_t now);
/* The delivered message's context stops being the thread's active span (if it still is). */
void ga_nats_rx_release(ga_nats_state *st);
/* A CONSUMER record: op GA_OP_NATS_DELIVER (wire) or GA_OP_NATS_PROCESS (hooks). `queue` may
 * be NULL; srv[0..srv_len) are server entries from ga_nats_encode_server (none: NULL, 0). */
void ga_nats_emit_process(int op, const ga_span_ids *ids, uint64_t start_ns, uint64_t end_ns,
                          const char *subj, size_t subj_len, uint64_t body, uint8_t info,
                          const char *queue, size_t queue_len, const ga_addr *peer,
                          const uint8_t *srv, size_t srv_len);
/* The record entries for a server known by name (the libnats hooks: no socket), encoded once per
 * subscription rather than per message: port (when > 0), then host (cut at GA_NATS_HOST_CAP).
 * Writes at most GA_NATS_SRV_CAP bytes at out; returns how many. */
#define GA_NATS_HOST_CAP    64
#define GA_NATS_SRV_CAP     (4 + 8 + 4 + GA_NATS_HOST_CAP)
size_t ga_nats_encode_server(uint8_t *out, const char *host, size_t host_len, int port);

/* ---- hook_libnats.c / nats_hint.c ---- */
/* 1 once the libnats subscription hooks deliver messages with CONSUMER spans of their own:
 * the wire then makes none for libnats connections. */
extern _Atomic int ga_nats_lib_consumes;
/* GENESIS_NATS_LIBNATS (nats_plugin.c). */
int ga_nats_libnats_on(void);

#endif
