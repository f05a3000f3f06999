/* genesis-view: Content-Encoding: gzip / deflate request bodies, with a size cap. */
#ifndef GV_GUNZIP_H
#define GV_GUNZIP_H

#include <stddef.h>

#include "tools/genesis-view/buf.h"

/* gzip != 0: gzip framing (several members allowed), else zlib ("deflate").
 * Returns 0 (out holds the data), 413 when the output would exceed limit, 400 when corrupt. */
int gv_gunzip(const void *in, size_t n, int gzip, size_t limit, struct gv_buf *out);

#endif
