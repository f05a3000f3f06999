/* genesis-view: incremental decoder for Transfer-Encoding: chunked request bodies. */
#include "tools/genesis-view/http.h"

#include <string.h>

enum { CH_SIZE, CH_DATA, CH_DATA_END, CH_TRAILER };

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* "hex[;ext]" → size; -1 malformed */
static int64_t chunk_size(const char *line, size_t n)
{
    int64_t v = 0;
    size_t i = 0;
    for (; i < n && hexval(line[i]) >= 0; i++) {
        if (i >= 15) return -1;
        v = v * 16 + hexval(line[i]);
    }
    if (i == 0) return -1;
    while (i < n && (line[i] == ' ' || line[i] == '\t')) i++;
    if (i < n && line[i] != ';') return -1;
    return v;
}

static int line_step(struct gv_chunked *c, const char *in, size_t n, size_t *pos, size_t limit,
                     size_t body_len)
{
    const char *eol = memmem(in + *pos, n - *pos, "\r\n", 2);
    if (!eol) return n - *pos > 4096 ? GV_CHUNK_BAD : GV_CHUNK_MORE;
    size_t len = (size_t)(eol - (in + *pos));
    if (c->state == CH_TRAILER) {
        *pos += len + 2;
        return len == 0 ? GV_CHUNK_DONE : 2; /* 2: keep going */
    }
    int64_t sz = chunk_size(in + *pos, len);
    if (sz < 0) return GV_CHUNK_BAD;
    if ((uint64_t)sz + body_len > limit) return GV_CHUNK_TOO_BIG;
    *pos += len + 2;
    c->remaining = (uint64_t)sz;
    c->state = sz ? CH_DATA : CH_TRAILER;
    return 2;
}

int gv_chunked_feed(struct gv_chunked *c, const char *in, size_t n, size_t *used,
                    struct gv_buf *body, size_t limit)
{
    size_t pos = 0;
    int rc = GV_CHUNK_MORE;
    for (;;) {
        if (c->state == CH_SIZE || c->state == CH_TRAILER) {
            rc = line_step(c, in, n, &pos, limit, body->len);
            if (rc != 2) break;
        } else if (c->state == CH_DATA) {
            size_t take = n - pos < c->remaining ? n - pos : (size_t)c->remaining;
            gv_buf_add(body, in + pos, take);
            pos += take;
            c->remaining -= take;
            if (c->remaining) { rc = GV_CHUNK_MORE; break; }
            c->state = CH_DATA_END;
        } else { /* CH_DATA_END: CRLF after the data */
            if (n - pos < 2) { rc = GV_CHUNK_MORE; break; }
            if (in[pos] != '\r' || in[pos + 1] != '\n') { rc = GV_CHUNK_BAD; break; }
            pos += 2;
            c->state = CH_SIZE;
        }
    }
    *used = pos;
    return rc;
}
