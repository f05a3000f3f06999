/* genesis-view: turns one complete HTTP request into an OTLP collector answer (or a fault). */
#ifndef GV_EXPORT_H
#define GV_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "tools/genesis-view/buf.h"
#include "tools/genesis-view/ctx.h"
#include "tools/genesis-view/http.h"

enum gv_action { GV_RESPOND, GV_DROP, GV_BLACKHOLE };

struct gv_response {
    enum gv_action action;
    struct gv_resp_head head;
    int delay_ms;
    struct gv_buf body;
};

void gv_handle_request(struct gv_ctx *c, const struct gv_req *r, const uint8_t *body, size_t len,
                       int64_t now_ms, struct gv_response *out);

/* Fill out with an error answer carrying a google.rpc.Status body. */
void gv_status_response(struct gv_response *out, int status, const char *msg, int keep_alive);

/* Protobuf bodies: google.rpc.Status, and Export<Signal>ServiceResponse (partial success when
 * --partial-success was given, otherwise empty). */
void gv_pack_status(struct gv_buf *out, int http_status, const char *msg);
void gv_pack_export_response(struct gv_buf *out, enum gv_signal sig, const struct gv_opts *o);

#endif
