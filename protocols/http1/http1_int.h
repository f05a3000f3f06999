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
    HF_COUNT
};

/* Bytes that may appear in a token (RFC 9110 tchar). */
extern const uint8_t ga_h1_tchar[256];

/* Bit 0: a byte that can start a request field we follow; bit 1: a response field. A header
 * line starting with any other token byte is skipped to its LF without further checks. */
extern const uint8_t ga_h1_first[256];

static inline void ga_h1_error(ga_h1_parser *ps) { ps->st = S_ERROR; }

/* Head states (start line + header section): bytes count against GA_H1_MAX_HEAD. */
static inline int ga_h1_in_head(int st) { return st >= S_METHOD && st <= S_HEND_LF; }

/* A header name ended (':'): field is an enum ga_h1_hf; the value's OWS comes next. */
void ga_h1_field_start(ga_h1_parser *ps, int field);

/* Value bytes of the current field (no CR or LF among them): captured fields are reported
 * as a piece, framing fields are read byte by byte (may set ERROR). */
void ga_h1_value(ga_h1_parser *ps, const uint8_t *p, size_t n, const ga_h1_cb *cb);

/* The current field's line ended: commit what it said; back to S_HLINE (or ERROR). */
void ga_h1_value_end(ga_h1_parser *ps);

/* A whole start line or header line at p (fast path, http1_fast.c): returns the bytes
 * consumed, or 0 to let the byte-by-byte path take it (same outcome either way). */
size_t ga_h1_fast_line(ga_h1_parser *ps, const uint8_t *p, size_t n, const ga_h1_cb *cb);

/* The header section just ended (after its blank line): choose the body framing, report
 * head() and, for bodiless messages, done(). (http1_body.c) */
void ga_h1_head_end(ga_h1_parser *ps, const ga_h1_cb *cb);

/* One step in a body, chunk or trailer state; returns bytes consumed. (http1_body.c) */
size_t ga_h1_body_step(ga_h1_parser *ps, const uint8_t *p, size_t n, const ga_h1_cb *cb);

/* n body bytes the caller could not see (sendfile). (http1_body.c) */
int ga_h1_feed_invisible(ga_h1_parser *ps, size_t n, const ga_h1_cb *cb);

/* The message is complete: report done() and wait for the next one. (http1_body.c) */
void ga_h1_msg_done(ga_h1_parser *ps, const ga_h1_cb *cb);

#endif
