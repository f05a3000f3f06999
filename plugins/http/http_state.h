/* http_state.h — the per-connection HTTP state that lives in ga_conn.state (2048 bytes),
 * shared by the handler (http_handler.c), span emission (http_span.c) and the injector
 * (http_inject.c). Everything but `quiet` is touched only with the connection locked.
 *
 * A connection has one side: CLIENT (we write requests, read responses) or SERVER (we read
 * requests, write responses). Requests in flight form a FIFO (pipelining: responses come
 * back in request order); the first GA_HTTP_SLOTS of them carry what their span needs,
 * later ones only their method (they are counted, not traced). */
#ifndef GA_HTTP_STATE_H
#define GA_HTTP_STATE_H

#include <stddef.h>
#include <stdint.h>
#include "preload/conn.h"
#include "preload/baggage.h"
#include "preload/context.h"
#include "preload/fdtable.h"
#include "preload/record.h"
#include "protocols/http1/http1.h"

#define GA_HTTP_SLOTS       3       /* requests in flight with a span, in this state */
#define GA_HTTP_QUEUE       32      /* requests in flight at most (more: stop parsing) */
#define GA_HTTP_TEXT_CAP    208     /* a request's texts, shared (per-field caps below) */
#define GA_HTTP_TP_CAP      64      /* a traceparent value (55 + OWS) */
#define GA_HTTP_TS_CAP      256     /* tracestate kept/propagated (W3C SHOULD 512: see docs) */
#define GA_HTTP_INJ_POINTS  10      /* headers injected by one write call at most */
#define GA_HTTP_INJ_WAIT    (GA_HTTP_INJ_POINTS + 1) /* sent, not yet read by the parser */
#define GA_HTTP_BAG_CAP     GA_BAG_CAP  /* baggage kept/propagated (preload/baggage.h) */
#define GA_HTTP_B3_CAP      72      /* a b3 value (68 + OWS) */
#define GA_HTTP_XB3_CAP     40      /* an X-B3-* value (32 + OWS) */
/* Our header lines for one request, at most (traceparent + tracestate, or with other
 * formats configured whatever fits: what the injector owes after a short write). */
#define GA_HTTP_OWE_CAP     (70 + 14 + GA_HTTP_TS_CAP + 32)

enum { GA_HTTP_SIDE_CLIENT = 1, GA_HTTP_SIDE_SERVER = 2 };

/* The texts a request's span keeps, in one shared area. */
enum ga_http_txt { GA_HT_METHOD, GA_HT_TARGET, GA_HT_HOST, GA_HT_UA, GA_HT_XFF, GA_HT_COUNT };

/* One request in flight (a slot). Its second part, from req_body to the last text byte used,
 * is what the span's record carries: ga_http_emit copies it as it is (one attribute,
 * GA_A_HTTP_FACTS) and the exporter thread reads it back (http_ops.c), so the application
 * thread writes no attribute of its own for them. */
typedef struct ga_http_xchg {
    uint64_t start_ns;          /* first byte of the request */
    ga_span_ids ids;
    uint8_t has_ids;
    uint8_t idx;                /* its slot number */
    uint8_t t_cur, t_seen;      /* field being filled, fields started */
    uint8_t ows;                /* a header text's piece ended with a space or tab: trim at
                                 * the head's end (rare: optional whitespace before CR LF) */
    /* ---- the facts (GA_HTTP_FACTS_AT ..) ---- */
    uint64_t req_body;
    uint16_t status;            /* final status, 0 until known */
    uint8_t method;             /* enum ga_h1_method */
    uint8_t version;            /* 10 / 11 */
    uint8_t trunc;              /* GA_HTTP_TRUNC_* */
    uint8_t t_off[GA_HT_COUNT]; /* field f is text[t_off[f] .. + t_len[f]) */
    uint8_t t_len[GA_HT_COUNT];
    uint8_t t_used;             /* text bytes used */
    char text[GA_HTTP_TEXT_CAP];
} ga_http_xchg;

/* Where the facts a record carries begin, and their size before the texts. */
#define GA_HTTP_FACTS_AT    offsetof(ga_http_xchg, req_body)
#define GA_HTTP_FACTS_HEAD  (offsetof(ga_http_xchg, text) - GA_HTTP_FACTS_AT)

static inline const char *ga_http_txt(const ga_http_xchg *x, int f) { return x->text + x->t_off[f]; }

/* Deeper pipelines borrow one more pool slot for GA_HTTP_EXT_SLOTS more exchanges. */
#define GA_HTTP_EXT_SLOTS   ((int)(GA_CONN_STATE_SIZE / sizeof(ga_http_xchg)))
#define GA_HTTP_ALL_SLOTS   (GA_HTTP_SLOTS + GA_HTTP_EXT_SLOTS)

/* Server, with OTEL_PROPAGATORS naming b3, b3multi or baggage: those fields of the request
 * being read (a length past its cap: too long, not used). */
enum { GA_XB3_TID, GA_XB3_SID, GA_XB3_SMP, GA_XB3_FLG, GA_XB3_N };
typedef struct ga_http_pin {
    uint16_t bag_len;
    uint8_t b3_len;
    uint8_t xb3_len[GA_XB3_N];
    char b3[GA_HTTP_B3_CAP];
    char xb3[GA_XB3_N][GA_HTTP_XB3_CAP];
    char bag[GA_HTTP_BAG_CAP];
} ga_http_pin;

/* A traceparent the injector has put on the wire (or partly): inserted before the blank
 * line at stream offset `pos`, or written over a forwarded value starting at `pos`. The
 * request whose header section contains `pos` takes these ids when the parser ends it. */
typedef struct __attribute__((packed)) ga_http_injected {
    uint64_t pos;
    ga_span_ids ids;
} ga_http_injected;

/* Client side: what the injector owes the socket and what it has done. */
typedef struct ga_http_inj {
    uint64_t next_ok;           /* no injection at stream offsets below this (done already) */
    uint16_t owe_len, owe_off;  /* owe[owe_off..owe_len) must reach the socket first */
    uint8_t n_injected;
    uint8_t rep_on;             /* stream bytes [rep_pos, rep_pos + 55) become rep_ids' value */
    uint64_t rep_pos;
    ga_span_ids rep_ids;
    uint8_t owe[GA_HTTP_OWE_CAP];
    ga_http_injected injected[GA_HTTP_INJ_WAIT];
} ga_http_inj;

typedef struct ga_http_state {
    /* App bytes the next write may carry straight through (no header due, nothing owed).
     * Read without the lock by the write hooks: must stay first. */
    _Atomic uint64_t quiet;
    uint8_t init, side, dead;
    uint8_t cur;                /* slot of the request being read/written, 0xff = none */
    uint8_t q_head, q_len;      /* FIFO of requests in flight, q[] entries: */
    uint16_t used;              /* bit per slot */
    uint8_t tp_len;
    uint16_t ts_len;
    uint8_t ts_slot;            /* the slot u.ts belongs to (server), 0xff = none */
    uint64_t rq_begin;          /* stream offset of the current request's first byte */
    uint64_t send_ns;           /* client: time before the write being observed (0: none) */
    int fd;                     /* the owner, for the extension slot */
    uint32_t fd_gen;
    ga_conn *ext;               /* slots GA_HTTP_SLOTS.. (NULL until a deep pipeline) */
    uint8_t q[GA_HTTP_QUEUE];   /* bits 0-3: slot + 1 (0 = untraced), bits 4-7: method */
    ga_addr peer;
    ga_h1_parser rq;            /* requests */
    ga_h1_parser rs;            /* responses */
    char tp[GA_HTTP_TP_CAP];    /* traceparent of the request being read */
    union {
        struct {
            char ts[GA_HTTP_TS_CAP];    /* server: tracestate of the request being read */
            ga_http_pin pin;            /* server: its other propagation fields */
        };
        ga_http_inj inj;        /* client: the injector's state */
    } u;
    ga_http_xchg slot[GA_HTTP_SLOTS];
} ga_http_state;

_Static_assert(sizeof(ga_http_state) <= GA_CONN_STATE_SIZE, "HTTP state must fit in ga_conn.state");
_Static_assert(GA_HTTP_ALL_SLOTS < 16, "slot + 1 must fit in 4 bits of a queue entry");
_Static_assert(offsetof(ga_http_state, quiet) == 0, "quiet is read at offset 0 by the hooks");

static inline ga_http_state *ga_http_st(ga_conn *c) { return (ga_http_state *)(void *)c->state; }

/* The plug-in's wire entry points (http_handler.c; contracts in preload/plugin.h). */
int ga_http_detect(const ga_fd *e, int out, const uint8_t *p, size_t n);
void ga_http_data(int fd, ga_fd *e, ga_conn *c, int out, const uint8_t *p, size_t n);
void ga_http_closed(ga_conn *c);
int ga_http_data_iov(int fd, ga_fd *e, ga_conn *c, int out, const struct iovec *iov, int cnt,
                     size_t n);

/* Set up a fresh state (zeroed memory) for one side of connection fd (generation gen). */
void ga_http_state_init(ga_http_state *st, int side, const ga_addr *peer, int fd, uint32_t gen);

/* Slot i (0 .. GA_HTTP_ALL_SLOTS-1); slots past GA_HTTP_SLOTS exist once st->ext does. */
static inline ga_http_xchg *ga_http_slot(ga_http_state *st, int i)
{
    if (i < GA_HTTP_SLOTS)
        return &st->slot[i];
    return &((ga_http_xchg *)(void *)st->ext->state)[i - GA_HTTP_SLOTS];
}

/* The connection is going away: give the extension slot back. */
void ga_http_state_free(ga_http_state *st);

/* Recompute `quiet` after anything that changes the request stream or the debt. */
void ga_http_update_quiet(ga_http_state *st);

/* After an injecting send was accounted (locked): a debt it left sends every later write through
 * the pre-send step (quiet 0). Without one, quiet stays: the request parser has not moved since
 * it was computed (the data hook feeds it next, and computes it again), so the value is still
 * right, or 0 from an earlier debt, which only costs a later write a look. */
void ga_http_quiet_after_send(ga_http_state *st);

/* Stop following the connection (garbage, tunnel, queue overflow): spans in flight are
 * dropped; once nothing is owed the fd's protocol becomes NONE (the hooks' fast path). */
void ga_http_give_up(ga_http_state *st, ga_fd *e);

/* ---- span side (http_span.c) ---- */

/* Identity of a server span: child of the incoming traceparent when valid, else a root. */
void ga_http_server_ids(ga_span_ids *ids, const ga_span_ctx *incoming);

/* The request in `x` is over (response complete at `end_ns`, or the transport failed:
 * err = enum ga_http_err): write its record. `resp_body` = response body bytes. */
void ga_http_emit(const ga_http_state *st, const ga_http_xchg *x, uint64_t end_ns,
                  int err, uint64_t resp_body);

/* The attributes of x's record into r (begun, empty): what ga_http_emit writes. */
void ga_http_rec_fill(ga_rec *r, const ga_http_state *st, const ga_http_xchg *x, int err,
                      uint64_t resp_body);

/* Server requests make the reading thread's active span; these keep its tracestate and the
 * traceparent value it came with (tp: 55 bytes, or NULL). */
void ga_http_set_active(const ga_span_ids *ids, const char *ts, size_t ts_len, const char *tp);
void ga_http_clear_active(const ga_span_ids *ids);


/* 1 when v[0..55) is, byte for byte, the traceparent the thread's active server request
 * came with: a proxy forwarding it, not an SDK of the application's own. */
int ga_http_forwarded_tp(const uint8_t *v);

/* The tracestate to send with a request whose parent is the thread's active span (or the
 * process's TRACEPARENT): pointer and length, or length 0. */
size_t ga_http_outgoing_tracestate(const char **ts);

#endif
