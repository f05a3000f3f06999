/* nats.h — a pure, incremental parser of the NATS client protocol (text protocol, one
 * direction of one connection): control lines INFO, CONNECT, PUB, HPUB, SUB, UNSUB, MSG, HMSG,
 * PING, PONG, +OK, -ERR; the payload that follows PUB/HPUB/MSG/HMSG, skipped by its byte count;
 * the header block of HPUB/HMSG (ADR-4: `NATS/1.0[ status]` line, `Name: value` lines, empty
 * line), of which the trace context fields are reported (traceparent, b3, X-B3-*); the JSON
 * objects of INFO and CONNECT, of which the few fields that matter are reported (headers,
 * max_payload, proto, verbose, no_responders, lang).
 *
 * Bytes may arrive split at any point, one at a time or many messages at once. Bounded state:
 * a control line other than INFO/CONNECT is kept up to GA_NATS_LINE_CAP bytes (longer is an
 * error: the server's own limit is 4096, real subjects are far shorter), a header line up to
 * GA_NATS_HLINE_CAP (longer ones are skipped); JSON is scanned as it streams, never kept.
 * Anything that cannot be this protocol puts the parser in GA_NATS_ERROR for good.
 *
 * Pure code: no allocation, no system call, no global state; safe to copy (a copy is an
 * independent parser — the injector dry-runs a copy over bytes not yet sent). */
#ifndef GA_NATS_H
#define GA_NATS_H

#include <stddef.h>
#include <stdint.h>

#define GA_NATS_LINE_CAP    320u    /* control line bytes kept when a line is split */
#define GA_NATS_HLINE_CAP   96u     /* header line bytes kept when a line is split */
#define GA_NATS_MAX_SIZE    0x7fffffffu /* largest byte count accepted in a control line */

enum ga_nats_op {
    GA_NATS_NONE = 0, GA_NATS_INFO, GA_NATS_CONNECT, GA_NATS_PUB, GA_NATS_HPUB, GA_NATS_SUB,
    GA_NATS_UNSUB, GA_NATS_MSG, GA_NATS_HMSG, GA_NATS_PING, GA_NATS_PONG, GA_NATS_OK,
    GA_NATS_ERR, GA_NATS_OP_COUNT
};

/* The direction one parser follows: what a client sends, or what a server sends. */
enum ga_nats_dir { GA_NATS_C2S = 0, GA_NATS_S2C = 1 };

enum ga_nats_phase {
    GA_NATS_P_LINE = 0,         /* in (or before) a control line */
    GA_NATS_P_JSON,             /* in the JSON of an INFO / CONNECT line */
    GA_NATS_P_HDR,              /* in the header block of an HPUB / HMSG */
    GA_NATS_P_BODY,             /* in a payload */
    GA_NATS_P_CR,               /* expecting the CR LF that ends a payload */
    GA_NATS_P_LF,
    GA_NATS_P_ERROR             /* not NATS, or over a bound: bytes ignored */
};

/* One control line, as reported by ga_nats_cb.line. Texts point into the caller's chunk
 * (in_place) or into the parser's copy of a split line; valid during the callback only. */
typedef struct ga_nats_line {
    uint8_t op;                 /* enum ga_nats_op */
    uint8_t in_place;           /* 1: raw..raw+len lies in the chunk being fed */
    uint16_t len;               /* bytes of the line, its CR LF included */
    uint16_t size_at;           /* offset in the line of the first byte-count token (the header
                                 * size of HPUB/HMSG, the payload size of PUB/MSG) */
    const uint8_t *raw;         /* the line's first byte */
    const uint8_t *subj;        /* subject (PUB, HPUB, SUB, MSG, HMSG) */
    const uint8_t *reply;       /* reply-to (PUB, HPUB, MSG, HMSG); queue group (SUB) */
    const uint8_t *sid;         /* subscription id (SUB, UNSUB, MSG, HMSG) */
    uint16_t subj_len, reply_len, sid_len;
    uint64_t hdr;               /* header block bytes (HPUB, HMSG) */
    uint64_t total;             /* header + payload bytes (PUB, HPUB, MSG, HMSG) */
} ga_nats_line;

/* What the JSON of an INFO (server) or a CONNECT (client) says about the fields we use. */
typedef struct ga_nats_facts {
    uint8_t op;                 /* GA_NATS_INFO or GA_NATS_CONNECT */
    int8_t headers;             /* -1 absent, 0 false, 1 true */
    int8_t verbose;
    int8_t no_responders;
    int8_t lang_len;            /* bytes in lang (a string value, cut at 15) */
    char lang[15];
    int64_t max_payload;        /* -1 absent or not a number */
    int64_t proto;
} ga_nats_facts;

/* The JSON scanner (nats_json.c): top-level keys and scalar values of one object. */
typedef struct ga_nats_json {
    uint8_t st, depth, klen, vlen, esc, vstr;
    char key[16];
    char val[24];
    ga_nats_facts f;
} ga_nats_json;

/* The trace context fields of a header block, as ga_nats_cb.field reports them: their names in
 * any ASCII case (NATS names are case-sensitive on the wire, but a `Traceparent` or an
 * `x-b3-traceid` is still the application's context). */
enum ga_nats_field {
    GA_NATS_F_TP = 1,           /* traceparent (W3C) */
    GA_NATS_F_B3,               /* b3 (B3 single) */
    GA_NATS_F_XTID,             /* X-B3-TraceId */
    GA_NATS_F_XSID,             /* X-B3-SpanId */
    GA_NATS_F_XSMP,             /* X-B3-Sampled */
    GA_NATS_F_XFLG,             /* X-B3-Flags */
    GA_NATS_F_XB3               /* any other X-B3-* (X-B3-ParentSpanId) */
};

/* The header block scanner (nats_hdr.c). */
typedef struct ga_nats_hscan {
    uint8_t first;              /* still in the NATS/1.0 line */
    uint8_t skip;               /* the current line is too long to matter */
    uint8_t seen;               /* the context fields seen in this block: 1 << GA_NATS_F_* */
    uint8_t len;                /* bytes of the current line kept in buf */
    uint8_t buf[GA_NATS_HLINE_CAP];
} ga_nats_hscan;

typedef struct ga_nats_parser {
    uint8_t dir;                /* enum ga_nats_dir */
    uint8_t phase;              /* enum ga_nats_phase */
    uint8_t op;                 /* the op whose header block / payload is being read */
    uint8_t stop;               /* set by a callback: ga_nats_feed returns after that event */
    uint16_t line_len;          /* bytes of a split control line kept in line[] */
    uint16_t pad;
    uint64_t off;               /* bytes consumed since the parser was set up */
    uint64_t line_off;          /* stream offset of the current control line's first byte */
    uint64_t hdr_left;          /* header block bytes still to come */
    uint64_t body_left;         /* payload bytes (after the header block) still to come */
    ga_nats_json js;
    ga_nats_hscan hs;           /* its buffer, then line[], last: ga_nats_copy copies what is used */
    uint8_t line[GA_NATS_LINE_CAP];
} ga_nats_parser;

/* Callbacks; each may be NULL. They must not feed the parser that calls them; they may set
 * ps->stop to make ga_nats_feed return after the current event. */
typedef struct ga_nats_cb {
    void *ctx;
    /* A complete control line (any op but INFO and CONNECT); `off` = stream offset of its
     * first byte. */
    void (*line)(void *ctx, ga_nats_parser *ps, const ga_nats_line *l, uint64_t off);
    /* The JSON of an INFO or CONNECT line, at the end of the line. */
    void (*facts)(void *ctx, ga_nats_parser *ps, const ga_nats_facts *f);
    /* A trace context field of the current header block: its kind (enum ga_nats_field) and
     * its value, whitespace trimmed. */
    void (*field)(void *ctx, ga_nats_parser *ps, int kind, const uint8_t *v, size_t n);
    /* The header block of the current HPUB/HMSG ended; `off` = stream offset after it. */
    void (*hdr_end)(void *ctx, ga_nats_parser *ps, uint64_t off);
    /* The current message (its payload and the CR LF after it) ended at stream offset `off`. */
    void (*msg_end)(void *ctx, ga_nats_parser *ps, uint64_t off);
} ga_nats_cb;

/* dst = src, copying only the used part of the line buffers (a parser is plain data; this is
 * the cheap way to take the injector's dry-run copy). */
void ga_nats_copy(ga_nats_parser *dst, const ga_nats_parser *src);

/* Start a parser for one direction (enum ga_nats_dir). */
void ga_nats_init(ga_nats_parser *ps, int dir);

/* Feed the next n bytes. Returns the bytes consumed: n, or fewer when a callback set
 * ps->stop (the flag is cleared on return). */
size_t ga_nats_feed(ga_nats_parser *ps, const uint8_t *p, size_t n, const ga_nats_cb *cb);

/* Payload bytes that may still come with no control line, header field or payload end in
 * between (the rest of a payload, without its final CR LF); 0 elsewhere. */
uint64_t ga_nats_quiet(const ga_nats_parser *ps);

/* The kind (enum ga_nats_field) of the header field named name[0..n), any ASCII case; 0 when
 * it is not a trace context field. */
int ga_nats_field_kind(const uint8_t *name, size_t n);

/* Fill l from one whole control line p[0..n) (its LF at p[n - 1], n >= 1), as ga_nats_feed
 * reports it but with in_place 0; 0, or -1 when it is not a well-formed line of direction
 * dir. INFO and CONNECT are not handled here (their JSON is streamed by ga_nats_feed). */
int ga_nats_parse_line(ga_nats_line *l, const uint8_t *p, size_t n, int dir);

/* Give up on this stream for good. */
void ga_nats_fail(ga_nats_parser *ps);

/* 1 when p[0..n) starts with, or is a prefix of, "INFO " — how a server greets a client. */
int ga_nats_info_prefix(const uint8_t *p, size_t n);

#endif
