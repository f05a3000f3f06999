/* genesis-view: one client connection: buffers and the HTTP request state machine. */
#ifndef GV_CONN_H
#define GV_CONN_H

#include <stdint.h>

#include "tools/genesis-view/buf.h"
#include "tools/genesis-view/ctx.h"
#include "tools/genesis-view/http.h"

enum gv_conn_state {
    GV_C_HEAD,      /* waiting for a request head */
    GV_C_BODY,      /* Content-Length body */
    GV_C_CHUNKED,   /* chunked body */
    GV_C_HOLD,      /* answer queued, held back until hold_until (--delay-ms) */
    GV_C_BLACKHOLE, /* read and discard forever (--blackhole) */
    GV_C_CLOSING,   /* answer queued, close once written */
};

struct gv_conn {
    int fd;
    enum gv_conn_state state;
    struct gv_buf in, out, body;
    struct gv_req req;
    struct gv_chunked chunk;
    int64_t hold_until;
    int keep_after_hold; /* state after the hold: 1 → HEAD, 0 → CLOSING */
    int peer_eof;
    int shut;            /* CLOSING: our side shut down, draining input until linger_until */
    int64_t linger_until;
    int dead;            /* close and free at the end of this loop turn */
};

struct gv_conn *gv_conn_new(int fd);
void gv_conn_free(struct gv_conn *k);
/* Parse and answer whatever complete requests are buffered in k->in. */
void gv_conn_process(struct gv_ctx *c, struct gv_conn *k, int64_t now_ms);
/* 1 when there are queued bytes that may be written now. */
int gv_conn_wants_write(const struct gv_conn *k, int64_t now_ms);

#endif
