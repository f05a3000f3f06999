/* genesis-view: helpers for the human-readable stdout output (sanitised, truncated text). */
#ifndef GV_TEXT_H
#define GV_TEXT_H

#include <stddef.h>

#include "tools/genesis-view/buf.h"
#include "tools/genesis-view/pb.h"

/* Append s (at most max bytes, cut on a UTF-8 boundary + "...") with control bytes as '?'. */
void gv_text_add(struct gv_buf *b, const char *s, size_t max);
/* Append one value: strings bare (quoted when they contain spaces), others as JSON. */
void gv_text_value(struct gv_buf *b, const PbAnyValue *v, size_t max);
/* Append up to `limit` attributes "k=v k=v", the keys listed in `first` before the others. */
void gv_text_attrs(struct gv_buf *b, size_t n, PbKeyValue *const *kv, const char *const *first,
                   size_t limit);
/* Lowercase hex of up to n bytes into out (2n+1 bytes). */
void gv_text_hex(char *out, const uint8_t *p, size_t n);

#endif
