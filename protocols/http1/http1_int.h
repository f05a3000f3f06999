/* http1_int.h — internals shared by the HTTP/1.x parser's files (http1.c: start line and
 * header fields; http1_body.c: framing decisions, bodies, chunks, trailers). Not an API. */
#ifndef GA_HTTP1_INT_H
#define GA_HTTP1_INT_H

#include "protocols/http1/http1.h"

enum ga_h1_state {
    S_IDLE = 0,
    /* start line */
    S_METHOD, S_TARGET, S_VER, S_RVER, S_STATUS, S_REASON, S_LINE_LF,
    /* header section */
    S_HLINE, S_HNAME, S_HOWS, S_HVAL, S_HVAL_LF, S_HSKIP, S_HEND_LF,
    /* bodies */
    S_BODY_LEN, S_BODY_CLOSE,
    S_CH_SIZE, S_CH_EXT, S_CH_LF, S_CH_DATA, S_CH_DCR, S_CH_DLF,
    S_TR_LINE, S_TR_SKIP, S_TR_END_LF,
    /* terminal or waiting */
    S_PAUSED, S_STOPPED, S_ERROR
};

/* Header fields the parser looks at (index into the name table + 1). */
enum ga_h1_hf {
    HF_NONE = 0, HF_HOST, HF_UA, HF_TP, HF_TS, HF_CL, HF_TE, HF_CONN, HF_XFF, HF_EXPECT,
    HF_B3, HF_BAG, HF_XB3T, HF_XB3S, HF_XB3SM, HF_XB3F,
    HF_COUNT
};

/* Bytes that may appear in a token (RFC 9110 tchar). */
extern const uint8_t ga_h1_tchar[256] __attribute__((visibility("hidden")));

/* Classes of a header line's first byte, per parser kind (ga_h1_line_class[kind]): a line
 * of class 0 is skipped to its LF without further checks. */
#define GA_H1_C_FIELD 1u            /* may start a field this kind of parser follows */
#define GA_H1_C_FIELD2 2u           /* the same, for a letter whose fields have two second
                                       bytes ('b': b3, baggage): no second-byte filter */
#define GA_H1_C_END   4u            /* CR or LF: the blank line ending the section */
#define GA_H1_C_ODD   8u            /* not a token byte: a folded line, or not HTTP */
extern const uint8_t ga_h1_line_class[2][256] __attribute__((visibility("hidden")));

/* For a line of class GA_H1_C_FIELD starting with byte c: its second and third bytes, each
 * | 0x20, as one little-endian 16-bit value, equal ga_h1_pair[c][0] or [c][1] when the line
 * may name a followed field ('b' has too many: its class is GA_H1_C_FIELD2 and it has none
 * here). A filter only: the field matcher decides. */
extern const uint16_t ga_h1_pair[256][2] __attribute__((visibility("hidden")));

/* The filter above for the line at ls (ls[1] and ls[2] readable). */
static inline int ga_h1_pair_may(const uint8_t *ls)
{
    uint16_t w = (uint16_t)((ls[1] | ls[2] << 8) | 0x2020);
    return w == ga_h1_pair[ls[0]][0] || w == ga_h1_pair[ls[0]][1];
}

static inline void ga_h1_error(ga_h1_parser *ps) { ps->st = S_ERROR; }

/* Head states (start line + header section): bytes count against GA_H1_MAX_HEAD. */
static inline int ga_h1_in_head(int st) { return st >= S_METHOD && st <= S_HEND_LF; }

/* A header name ended (':'): field is an enum ga_h1_hf; the value's OWS comes next. */
static inline void ga_h1_field_start(ga_h1_parser *ps, int field)
{
    /* the fields that set a flag; the common ones (Host, User-Agent, framing) take one test */
    const unsigned flagged = 1u << HF_TP | 1u << HF_TS | 1u << HF_EXPECT | 1u << HF_BAG | 1u << HF_B3 |
                             1u << HF_XB3T | 1u << HF_XB3S | 1u << HF_XB3SM | 1u << HF_XB3F;
    ps->field = (uint8_t)field;
    if (flagged >> field & 1) {
        if (field == HF_TP)
            ps->flags |= (ps->flags & GA_H1_F_TP) ? GA_H1_F_TP_DUP : GA_H1_F_TP;
        else if (field == HF_TS)
            ps->flags |= GA_H1_F_TS;
        else if (field == HF_EXPECT)
            ps->flags |= GA_H1_F_EXPECT;
        else if (field == HF_BAG)
            ps->flags |= (ps->flags & GA_H1_F_BAG) ? GA_H1_F_BAG_DUP : GA_H1_F_BAG;
        else
            ps->flags |= GA_H1_F_B3;
    }
    ps->idx = 0;
    ps->tlen = 0;
    ps->remain = 0;
    ps->st = S_HOWS;
}

/* Value bytes of the current field (no CR or LF among them): captured fields are reported
 * as a piece, framing fields are read byte by byte (may set ERROR). */
void ga_h1_value(ga_h1_parser *ps, const uint8_t *p, size_t n, const ga_h1_cb *cb);

/* The current field's line ended: commit what it said; back to S_HLINE (or ERROR). */
void ga_h1_value_end(ga_h1_parser *ps);

/* A whole start line or header line at p (fast path, http1_fast.c): returns the bytes
 * consumed, or 0 to let the byte-by-byte path take it (same outcome either way). */
size_t ga_h1_fast_line(ga_h1_parser *ps, const uint8_t *p, size_t n, const ga_h1_cb *cb);

/* A header line [ls, e) (e: its LF, whole in the buffer) in S_HLINE whose first byte is a
 * letter of a field the parser's kind follows; off: its stream offset (callbacks see it in
 * ps->off). Returns 1, or 0 after setting ERROR. (http1_fast_field.c) */
int ga_h1_fast_field(ga_h1_parser *ps, const uint8_t *ls, const uint8_t *e, uint64_t off,
                     const ga_h1_cb *cb);

/* The same with a chosen window function (tests compare them): avx2 = 1 only when the CPU
 * has it; ignored where there is no choice. */
size_t ga_h1_fast_line_with(ga_h1_parser *ps, const uint8_t *p, size_t n, const ga_h1_cb *cb, int avx2);

/* The header section just ended (after its blank line): choose the body framing, report
 * head() and, for bodiless messages, done(). (http1_body.c) */
void ga_h1_head_end(ga_h1_parser *ps, const ga_h1_cb *cb);

/* One step in a body, chunk or trailer state; returns bytes consumed. (http1_body.c) */
size_t ga_h1_body_step(ga_h1_parser *ps, const uint8_t *p, size_t n, const ga_h1_cb *cb);

/* n body bytes the caller could not see (sendfile). (http1_body.c) */
int ga_h1_feed_invisible(ga_h1_parser *ps, size_t n, const ga_h1_cb *cb);

/* The message is complete: report done() and wait for the next one. (http1_body.c) */
void ga_h1_msg_done(ga_h1_parser *ps, const ga_h1_cb *cb);

/* Take up to n bytes of a body of known extent (S_BODY_LEN, S_CH_DATA); the message or the
 * chunk may end. Returns the bytes taken. */
static inline size_t ga_h1_take(ga_h1_parser *ps, size_t n, const ga_h1_cb *cb)
{
    size_t k = n < ps->remain ? n : (size_t)ps->remain;
    ps->remain -= k;
    ps->body += k;
    if (ps->remain == 0) {
        if (ps->st == S_BODY_LEN)
            ga_h1_msg_done(ps, cb);
        else
            ps->st = S_CH_DCR;
    }
    return k;
}

#endif
