/* resp.h — the pure incremental RESP parser (Redis serialisation protocol, RESP2 and RESP3).
 *
 * Two independent machines, one per direction of a connection:
 *  - the request parser follows what a client sends: arrays of bulk strings
 *    (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) and inline commands (`PING\r\n`), reporting each
 *    command and its arguments as they stream by (arguments of any size are never buffered);
 *  - the reply parser follows what a server sends: every RESP2/RESP3 type (simple and bulk
 *    strings and errors, integers, nulls, doubles, booleans, big numbers, verbatim strings,
 *    arrays, maps, sets, attributes, pushes, streamed strings and aggregates), nested to any
 *    depth, and reports one event per complete top-level value.
 *
 * Contract: bytes in (any split, one byte at a time or megabytes at once), callbacks out; the
 * state is a fixed-size struct, zeroed to start; no allocation, no libc call besides
 * memchr/memcpy, O(n) in the bytes fed. After a protocol violation the parser returns
 * GA_RESP_EBAD and stays there: the caller stops following the connection. */
#ifndef GA_RESP_H
#define GA_RESP_H

#include <stddef.h>
#include <stdint.h>

enum { GA_RESP_OK = 0, GA_RESP_EBAD = -1 };

#define GA_RESP_LINE_CAP   24   /* bytes of a header line kept: lengths, counts, integers */
#define GA_RESP_ERR_CAP    24   /* bytes of an error message kept (its prefix is the code) */
#define GA_RESP_FIRST_CAP  16   /* bytes of the first element of an aggregate kept */
#define GA_RESP_STACK      8    /* aggregates tracked level by level; deeper ones are counted */
#define GA_RESP_INLINE_MAX (64 * 1024)   /* Redis' own limit for an inline request */
#define GA_RESP_BULK_MAX   (1ull << 42)  /* larger declared lengths are a protocol violation */
#define GA_RESP_COUNT_MAX  (1ll << 31)   /* largest aggregate / multibulk count accepted */

/* ------------------------------------------------------------------ requests */

typedef struct ga_resp_req_cb {
    void (*begin)(void *ud);                               /* a command starts */
    void (*arg_begin)(void *ud, uint32_t idx, uint64_t len);  /* len unknown (inline) = 0 */
    void (*arg_data)(void *ud, const uint8_t *p, size_t n);   /* next bytes of the argument */
    void (*arg_end)(void *ud);
    void (*end)(void *ud, uint32_t nargs);                 /* the command's last byte was seen */
} ga_resp_req_cb;

typedef struct ga_resp_req {
    uint8_t st;                 /* internal state */
    uint8_t in_word;            /* inline: inside an argument */
    uint8_t line_len;
    uint8_t pad;
    uint32_t nargs, idx;        /* multibulk: declared count, current argument */
    uint32_t inline_len;        /* inline: bytes of the current line */
    uint64_t left;              /* bulk bytes (+ CRLF) still to come */
    char line[GA_RESP_LINE_CAP];
} ga_resp_req;

/* Feed the next n bytes sent by the client. Returns GA_RESP_OK or GA_RESP_EBAD. */
int ga_resp_req_feed(ga_resp_req *r, const uint8_t *p, size_t n, const ga_resp_req_cb *cb, void *ud);

/* 1 when the request parser is between commands (its start state is 0, resp_req.c). */
static inline int ga_resp_req_idle(const ga_resp_req *r) { return r->st == 0; }

/* ------------------------------------------------------------------ replies */

/* What the reply parser tells about one complete top-level value. */
typedef struct ga_resp_reply {
    uint8_t type;               /* type byte of the value ('+', '-', '*', '>', '%', ...) */
    uint8_t is_null;            /* `_`, `$-1`, `*-1` */
    uint8_t err_len;            /* top-level error ('-' or '!'): first bytes of the message */
    uint8_t nerr_len;           /* first error among the elements of a top-level aggregate */
    uint8_t first_len;          /* first element of a top-level aggregate, when a string */
    uint8_t has_third;          /* third element of a top-level aggregate is an integer */
    char err[GA_RESP_ERR_CAP];
    char nerr[GA_RESP_ERR_CAP];
    char first[GA_RESP_FIRST_CAP];
    int64_t third;
} ga_resp_reply;

typedef void (*ga_resp_reply_fn)(void *ud, const ga_resp_reply *rep);

typedef struct ga_resp_level {
    int64_t left;               /* elements still to come; -1 = streamed (ends with `.`) */
    uint8_t attr;               /* an attribute: completing it completes no element */
    uint8_t pad[7];
} ga_resp_level;

typedef struct ga_resp_rep {
    uint8_t st;                 /* internal state */
    uint8_t type;               /* type byte of the value being read */
    uint8_t depth;              /* levels in use in stack[] */
    uint8_t line_len;
    uint8_t cap;                /* where bulk bytes being read are captured (internal) */
    uint8_t cap_len;
    uint8_t attrs;              /* attribute levels open (their contents are not captured) */
    uint8_t after_bulk;         /* state after a bulk payload's CRLF */
    uint8_t in_frame;           /* a top-level value (or its attribute) has started */
    uint8_t deep_attr;          /* the aggregate that went below the stack is an attribute */
    uint8_t pad[2];
    uint32_t top_idx;           /* index of the element being read in the top-level aggregate */
    int64_t deep;               /* elements still to come below the deepest tracked level */
    uint64_t left;              /* bulk payload bytes (+ CRLF) still to come */
    char line[GA_RESP_LINE_CAP];
    ga_resp_level stack[GA_RESP_STACK];
    ga_resp_reply cur;          /* the value being assembled */
} ga_resp_rep;

/* Feed the next n bytes sent by the server; `fn` runs once per complete top-level value (an
 * attribute preceding a value is part of it). Returns GA_RESP_OK or GA_RESP_EBAD. */
int ga_resp_rep_feed(ga_resp_rep *r, const uint8_t *p, size_t n, ga_resp_reply_fn fn, void *ud);

/* 1 when the reply parser is between top-level values (its type state is 0, resp_rep.c). */
static inline int ga_resp_rep_idle(const ga_resp_rep *r)
{
    return r->st == 0 && !r->in_frame && r->depth == 0 && r->deep == 0;
}

/* 1 when b can start a RESP value (the first byte of a reply). */
int ga_resp_is_type(uint8_t b);

#endif
