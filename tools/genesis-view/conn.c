/* genesis-view: per-connection HTTP/1.1 request state machine (keep-alive, pipelining,
 * Content-Length and chunked bodies, Expect: 100-continue, fault actions). */
#include "tools/genesis-view/conn.h"

#include <stdlib.h>
#include <unistd.h>

#include "tools/genesis-view/export.h"

struct gv_conn *gv_conn_new(int fd)
{
    struct gv_conn *k = calloc(1, sizeof *k);
    if (!k) abort();
    k->fd = fd;
    k->state = GV_C_HEAD;
    return k;
}

void gv_conn_free(struct gv_conn *k)
{
    close(k->fd);
    gv_buf_free(&k->in);
    gv_buf_free(&k->out);
    gv_buf_free(&k->body);
    free(k);
}

int gv_conn_wants_write(const struct gv_conn *k, int64_t now_ms)
{
    return k->out.len > 0 && !(k->state == GV_C_HOLD && now_ms < k->hold_until);
}

/* Answer before the body was read (bad head, too large): the connection is closed after. */
static void fail(struct gv_conn *k, int status, const char *msg)
{
    struct gv_response r = {0};
    gv_status_response(&r, status, msg, 0);
    r.head.retry_after = -1;
    gv_http_write_response(&k->out, &r.head, r.body.p, r.body.len);
    gv_buf_free(&r.body);
    gv_buf_clear(&k->in);
    k->state = GV_C_CLOSING;
}

static void answer(struct gv_ctx *c, struct gv_conn *k, const uint8_t *body, size_t len, int64_t now)
{
    struct gv_response r = {0};
    gv_handle_request(c, &k->req, body ? body : (const uint8_t *)"", len, now, &r);
    if (r.action == GV_DROP) {
        k->dead = 1;
    } else if (r.action == GV_BLACKHOLE) {
        k->state = GV_C_BLACKHOLE;
    } else {
        gv_http_write_response(&k->out, &r.head, r.body.p, r.body.len);
        k->keep_after_hold = r.head.keep_alive;
        if (r.delay_ms > 0) {
            k->state = GV_C_HOLD;
            k->hold_until = now + r.delay_ms;
        } else {
            k->state = r.head.keep_alive ? GV_C_HEAD : GV_C_CLOSING;
        }
    }
    gv_buf_free(&r.body);
}

/* Returns 1 when a head was consumed and the body state entered. */
static int read_head(struct gv_conn *k)
{
    size_t skip = 0;
    while (skip + 1 < k->in.len && k->in.p[skip] == '\r' && k->in.p[skip + 1] == '\n')
        skip += 2; /* empty lines before a request line are ignored */
    gv_buf_consume(&k->in, skip);
    size_t hl = gv_http_head_len(k->in.p ? k->in.p : "", k->in.len);
    if (!hl) {
        if (k->in.len > GV_MAX_HEAD) fail(k, 431, "request head too large");
        return 0;
    }
    int rc = gv_http_parse_head(k->in.p, hl, &k->req);
    if (rc) {
        fail(k, rc, "malformed HTTP request");
        return 0;
    }
    gv_buf_consume(&k->in, hl);
    if (k->req.content_length > (int64_t)GV_MAX_BODY) {
        fail(k, 413, "request body over 64 MiB");
        return 0;
    }
    int has_body = k->req.chunked || k->req.content_length > 0;
    if (k->req.expect_continue && has_body)
        gv_buf_adds(&k->out, "HTTP/1.1 100 Continue\r\n\r\n");
    k->state = k->req.chunked ? GV_C_CHUNKED : GV_C_BODY;
    k->chunk = (struct gv_chunked){0};
    gv_buf_clear(&k->body);
    return 1;
}

static int read_body(struct gv_ctx *c, struct gv_conn *k, int64_t now)
{
    size_t need = k->req.content_length > 0 ? (size_t)k->req.content_length : 0;
    if (k->in.len < need) {
        gv_buf_reserve(&k->in, need - k->in.len); /* one allocation for big bodies */
        return 0;
    }
    answer(c, k, (const uint8_t *)k->in.p, need, now);
    gv_buf_consume(&k->in, need);
    return 1;
}

static int read_chunked(struct gv_ctx *c, struct gv_conn *k, int64_t now)
{
    size_t used = 0;
    int rc = gv_chunked_feed(&k->chunk, k->in.p ? k->in.p : "", k->in.len, &used, &k->body, GV_MAX_BODY);
    gv_buf_consume(&k->in, used);
    if (rc == GV_CHUNK_BAD) fail(k, 400, "malformed chunked body");
    if (rc == GV_CHUNK_TOO_BIG) fail(k, 413, "request body over 64 MiB");
    if (rc != GV_CHUNK_DONE) return 0;
    answer(c, k, (const uint8_t *)k->body.p, k->body.len, now);
    gv_buf_free(&k->body);
    return 1;
}

void gv_conn_process(struct gv_ctx *c, struct gv_conn *k, int64_t now_ms)
{
    for (int progress = 1; progress && !k->dead;) {
        switch (k->state) {
        case GV_C_HEAD: progress = read_head(k); break;
        case GV_C_BODY: progress = read_body(c, k, now_ms); break;
        case GV_C_CHUNKED: progress = read_chunked(c, k, now_ms); break;
        case GV_C_HOLD:
            progress = now_ms >= k->hold_until;
            if (progress) k->state = k->keep_after_hold ? GV_C_HEAD : GV_C_CLOSING;
            break;
        case GV_C_BLACKHOLE:
        case GV_C_CLOSING:
            gv_buf_clear(&k->in);
            progress = 0;
            break;
        }
    }
}
