/* genesis-view: JSON text writers for OTLP values (strings, ids, numbers, attributes). */
#ifndef GV_JSON_H
#define GV_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "tools/genesis-view/buf.h"
#include "tools/genesis-view/pb.h"

void gj_strn(struct gv_buf *b, const char *s, size_t n); /* quoted, escaped, invalid UTF-8 → U+FFFD */
void gj_str(struct gv_buf *b, const char *s);            /* NULL → "" */
void gj_hex(struct gv_buf *b, const ProtobufCBinaryData *d); /* quoted lowercase hex */
void gj_base64(struct gv_buf *b, const ProtobufCBinaryData *d);
void gj_double(struct gv_buf *b, double v); /* shortest round-trip; NaN/±Inf as strings */
void gj_u64(struct gv_buf *b, uint64_t v);
void gj_i64(struct gv_buf *b, int64_t v);
void gj_key(struct gv_buf *b, const char *key); /* ,"key": (comma unless after '{' or '[') */
void gj_anyvalue(struct gv_buf *b, const PbAnyValue *v);
void gj_attrs(struct gv_buf *b, size_t n, PbKeyValue *const *kv); /* flat {"k":v,...} */
void gj_resource(struct gv_buf *b, const PbResource *r);          /* resource attributes */
void gj_scope(struct gv_buf *b, const PbScope *s);                /* {"name","version","attributes"} */

/* String value of attribute `key`, or NULL when absent / not a string. */
const char *gj_attr_str(size_t n, PbKeyValue *const *kv, const char *key);

#endif
