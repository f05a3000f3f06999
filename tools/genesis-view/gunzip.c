/* genesis-view: zlib inflate of request bodies (see gunzip.h). */
#include "tools/genesis-view/gunzip.h"

#include <stdint.h>
#include <zlib.h>

static int inflate_all(z_stream *zs, size_t limit, struct gv_buf *out)
{
    for (;;) {
        gv_buf_reserve(out, 65536);
        size_t room = out->cap - out->len - 1;
        if (room > limit + 1 - out->len) room = limit + 1 - out->len; /* overshoot by 1 at most */
        zs->next_out = (Bytef *)out->p + out->len;
        zs->avail_out = (uInt)(room > 1u << 30 ? 1u << 30 : room);
        uInt before = zs->avail_out;
        int rc = inflate(zs, Z_NO_FLUSH);
        out->len += before - zs->avail_out;
        out->p[out->len] = '\0';
        if (out->len > limit) return 413;
        if (rc == Z_STREAM_END) return 0;
        if (rc != Z_OK && rc != Z_BUF_ERROR) return 400;
        if (rc == Z_BUF_ERROR && zs->avail_in == 0) return 400; /* truncated input */
    }
}

int gv_gunzip(const void *in, size_t n, int gzip, size_t limit, struct gv_buf *out)
{
    z_stream zs = {0};
    if (inflateInit2(&zs, gzip ? 16 + MAX_WBITS : MAX_WBITS) != Z_OK) return 400;
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)n;
    if ((size_t)zs.avail_in != n) { inflateEnd(&zs); return 413; }
    int rc;
    do {
        rc = inflate_all(&zs, limit, out);
        if (rc == 0 && zs.avail_in > 0 && gzip && inflateReset(&zs) != Z_OK)
            rc = 400; /* another gzip member follows */
    } while (rc == 0 && zs.avail_in > 0 && gzip);
    if (rc == 0 && zs.avail_in > 0) rc = 400; /* trailing garbage after a zlib stream */
    inflateEnd(&zs);
    return rc;
}
