/* http1.h — a pure, incremental HTTP/1.x message parser (RFC 9112 framing).
 *
 * One parser follows one direction of one connection: requests (GA_H1_REQ) or responses
 * (GA_H1_RESP). Bytes may arrive split at any point, one at a time or many messages at once
 * (pipelining); the parser keeps a small fixed state and never buffers message bytes. It
 * reports what it sees through callbacks: the first byte of a message, pieces of the few
 * text fields worth keeping (method, target, Host, User-Agent, traceparent, tracestate,
 * X-Forwarded-For, b3, baggage, X-B3-TraceId/SpanId/Sampled/Flags), the start of the blank line that ends the header section, the end of
 * the header section and the end of the message.
 *
 * Framing: Content-Length, chunked (with extensions and trailers), read-until-close
 * responses, no body for HEAD / 1xx / 204 / 304, interim 1xx before the final response
 * (100-continue), 101 and 2xx-to-CONNECT stop the parser (the connection is no longer HTTP),
 * HTTP/1.0 and 1.1. Bounded: a header section over GA_H1_MAX_HEAD bytes, a chunk line over
 * GA_H1_MAX_LINE, a Content-Length over 2^60, conflicting framing or any byte that cannot be
 * HTTP/1.x (TLS records, the HTTP/2 preface) put the parser in GA_H1_ERROR for good.
 *
 * Pure code: no allocation, no system call, no global state; safe to copy (a copy is an
 * independent parser — the injector "dry-runs" a copy over bytes not yet sent). */
#ifndef GA_HTTP1_H
#define GA_HTTP1_H

#include <stddef.h>
#include <stdint.h>

#define GA_H1_MAX_HEAD  65536u      /* request/status line + header fields (+ trailers) */
#define GA_H1_MAX_LINE  4096u       /* one chunk-size line */

enum ga_h1_kind { GA_H1_REQ = 0, GA_H1_RESP = 1 };

/* Methods the semantic conventions know; anything else is OTHER (`_OTHER`). */
enum ga_h1_method {
    GA_H1_M_NONE = 0, GA_H1_M_CONNECT, GA_H1_M_DELETE, GA_H1_M_GET, GA_H1_M_HEAD,
    GA_H1_M_OPTIONS, GA_H1_M_PATCH, GA_H1_M_POST, GA_H1_M_PUT, GA_H1_M_QUERY, GA_H1_M_TRACE,
    GA_H1_M_OTHER, GA_H1_M_COUNT
};

/* Text fields reported through ga_h1_cb.piece (raw bytes; values may carry trailing OWS). */
enum ga_h1_field {
    GA_H1_FLD_METHOD = 1, GA_H1_FLD_TARGET, GA_H1_FLD_HOST, GA_H1_FLD_UA,
    GA_H1_FLD_TRACEPARENT, GA_H1_FLD_TRACESTATE, GA_H1_FLD_XFF,
    /* other propagation formats (OTEL_PROPAGATORS): b3, baggage, X-B3-* */
    GA_H1_FLD_B3, GA_H1_FLD_BAGGAGE, GA_H1_FLD_XB3_TRACEID, GA_H1_FLD_XB3_SPANID,
    GA_H1_FLD_XB3_SAMPLED, GA_H1_FLD_XB3_FLAGS
};

/* Parser states visible to callers (the rest are internal steps). */
enum ga_h1_phase {
    GA_H1_IDLE = 0,             /* between messages */
    GA_H1_HEAD,                 /* in the start line or the header section */
    GA_H1_BODY,                 /* in the body (or trailers) */
    GA_H1_PAUSED,               /* request: after a CONNECT head, until ga_h1_resume() */
    GA_H1_STOPPED,              /* 101 / CONNECT tunnel: no longer HTTP; bytes ignored */
    GA_H1_ERROR                 /* not HTTP/1.x or over a bound: bytes ignored */
};

/* Message flags (reset at each message). */
#define GA_H1_F_CL          0x0001u     /* Content-Length seen */
#define GA_H1_F_TE          0x0002u     /* Transfer-Encoding seen */
#define GA_H1_F_CHUNKED     0x0004u     /* final transfer coding is chunked */
#define GA_H1_F_CLOSE       0x0008u     /* Connection: close */
#define GA_H1_F_KEEPALIVE   0x0010u     /* Connection: keep-alive */
#define GA_H1_F_UPGRADE     0x0020u     /* Connection: upgrade */
#define GA_H1_F_TP          0x0040u     /* a traceparent field was seen */
#define GA_H1_F_TP_DUP      0x0080u     /* more than one traceparent field */
#define GA_H1_F_TS          0x0100u     /* a tracestate field was seen */
#define GA_H1_F_UNTIL_CLOSE 0x0200u     /* response body delimited by the connection close */
#define GA_H1_F_EXPECT      0x0400u     /* Expect: 100-continue (any Expect field) */
#define GA_H1_F_B3          0x0800u     /* a b3 or X-B3-* field was seen */
#define GA_H1_F_BAG         0x1000u     /* a baggage field was seen */
#define GA_H1_F_BAG_DUP     0x2000u     /* more than one baggage field */

typedef struct ga_h1_parser {
    uint8_t  kind;              /* enum ga_h1_kind */
    uint8_t  st;                /* internal state (http1.c) */
    uint8_t  field;             /* header being read (internal id) */
    uint8_t  method;            /* request: enum ga_h1_method; response: the request's */
    uint8_t  version;           /* 10 or 11 (0 until known) */
    uint8_t  tlen;              /* bytes in tok[] */
    uint16_t status;            /* response status code */
    uint16_t flags;             /* GA_H1_F_* */
    uint16_t cand;              /* header-name candidates still matching (bit per name) */
    uint16_t idx;               /* position inside the current token */
    uint8_t  tok[10];           /* method / version / transfer-coding / connection token */
    uint32_t head_bytes;        /* bytes of the current start line + header section */
    uint32_t line_bytes;        /* bytes of the current chunk line */
    uint64_t clen;              /* Content-Length value */
    uint64_t remain;            /* body or chunk bytes still expected */
    uint64_t body;              /* body bytes of this message seen so far */
    uint64_t off;               /* bytes consumed since the parser was set up */
} ga_h1_parser;

/* Callbacks; each may be NULL. `ctx` is passed back untouched. Callbacks must not feed the
 * parser that calls them. */
typedef struct ga_h1_cb {
    void *ctx;
    /* First byte of a message (a response's status line, also for each interim 1xx). A
     * response parser's handler sets ps->method to the request's method here. */
    void (*begin)(void *ctx, ga_h1_parser *ps);
    /* Bytes of a text field; a field may come in several pieces. While the method's pieces
     * come, ps->method is either already the method or still GA_H1_M_NONE. */
    void (*piece)(void *ctx, ga_h1_parser *ps, int field, const uint8_t *p, size_t n);
    /* The blank line ending a header section (not trailers) starts at stream offset `off`. */
    void (*blank)(void *ctx, ga_h1_parser *ps, uint64_t off);
    /* The header section is complete (ps->status, ps->version, ps->flags are final). */
    void (*head)(void *ctx, ga_h1_parser *ps);
    /* The message is complete (ps->body holds its body size); 1xx interim responses are
     * reported by head() only. After a 101 or a CONNECT tunnel the parser is STOPPED. */
    void (*done)(void *ctx, ga_h1_parser *ps);
    /* 1: a handler that keeps only a method it does not know (GA_H1_M_OTHER) — the fast path
     * then does not report the method's piece when the method is a known one (the byte path,
     * which reports it before it knows, still does). */
    uint8_t other_method_only;
} ga_h1_cb;

/* Start a parser for one direction. */
void ga_h1_init(ga_h1_parser *ps, int kind);

/* Feed the next n bytes. p == NULL means n body bytes the caller could not see (sendfile):
 * accepted inside a body of known extent, an error elsewhere. Returns the phase after. */
int ga_h1_feed(ga_h1_parser *ps, const uint8_t *p, size_t n, const ga_h1_cb *cb);

/* The peer closed this direction. A read-until-close response is complete (done() is
 * called, returns 1); anything else in flight is incomplete (returns 0). */
int ga_h1_eof(ga_h1_parser *ps, const ga_h1_cb *cb);

/* The phase (enum ga_h1_phase). */
extern const uint8_t ga_h1_phase_of[] __attribute__((visibility("hidden")));
static inline int ga_h1_phase(const ga_h1_parser *ps) { return ga_h1_phase_of[ps->st]; }

/* A paused request parser (CONNECT answered with a non-2xx) goes on with the next message. */
void ga_h1_resume(ga_h1_parser *ps);

/* Give up on this stream for good (the caller found it inconsistent). */
void ga_h1_fail(ga_h1_parser *ps);

/* Body bytes that may still come without any framing byte in between: the rest of a
 * Content-Length body or of the current chunk's data; 0 elsewhere. */
uint64_t ga_h1_quiet(const ga_h1_parser *ps);

/* The method of a request token (case-sensitive), GA_H1_M_OTHER when unknown. */
int ga_h1_method_of(const uint8_t *p, size_t n);

/* The method's name ("GET"); "_OTHER" for OTHER. */
const char *ga_h1_method_name(int m);

/* 1 when p[0..n) is a prefix of, or starts with, `<known method> ` — how a request stream
 * begins. Used by detection on the first bytes of a connection. */
int ga_h1_request_prefix(const uint8_t *p, size_t n);

/* 1 when p[0..n) is a prefix of, or starts with, "HTTP/1." — how a response begins. */
int ga_h1_response_prefix(const uint8_t *p, size_t n);

#endif
