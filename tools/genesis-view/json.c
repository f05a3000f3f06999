/* genesis-view: JSON text writers (see json.h). Output is strict JSON, valid UTF-8. */
#include "tools/genesis-view/json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GJ_MAX_DEPTH 64

/* Length of the valid UTF-8 sequence at s (n bytes available), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len;
    uint32_t cp;
    if (s[0] < 0x80) return 1;
    if ((s[0] & 0xE0) == 0xC0) { len = 2; cp = s[0] & 0x1F; }
    else if ((s[0] & 0xF0) == 0xE0) { len = 3; cp = s[0] & 0x0F; }
    else if ((s[0] & 0xF8) == 0xF0) { len = 4; cp = s[0] & 0x07; }
    else return 0;
    if (len > n) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

void gj_strn(struct gv_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    gv_buf_reserve(b, n + 2);
    gv_buf_addc(b, '"');
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        if (c == '"' || c == '\\') {
            gv_buf_addc(b, '\\');
            gv_buf_addc(b, (char)c);
        } else if (c == '\n') {
            gv_buf_adds(b, "\\n");
        } else if (c == '\t') {
            gv_buf_adds(b, "\\t");
        } else if (c == '\r') {
            gv_buf_adds(b, "\\r");
        } else if (c < 0x20 || c == 0x7F) {
            gv_buf_printf(b, "\\u%04x", c);
        } else {
            size_t l = utf8_len(p + i, n - i);
            if (l == 0) {
                gv_buf_adds(b, "\\ufffd");
                i++;
                continue;
            }
            gv_buf_add(b, p + i, l);
            i += l;
            continue;
        }
        i++;
    }
    gv_buf_addc(b, '"');
}

void gj_str(struct gv_buf *b, const char *s)
{
    gj_strn(b, s ? s : "", s ? strlen(s) : 0);
}

void gj_hex(struct gv_buf *b, const ProtobufCBinaryData *d)
{
    static const char hx[] = "0123456789abcdef";
    gv_buf_reserve(b, d->len * 2 + 2);
    gv_buf_addc(b, '"');
    for (size_t i = 0; i < d->len; i++) {
        gv_buf_addc(b, hx[d->data[i] >> 4]);
        gv_buf_addc(b, hx[d->data[i] & 15]);
    }
    gv_buf_addc(b, '"');
}

void gj_base64(struct gv_buf *b, const ProtobufCBinaryData *d)
{
    static const char tb[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const uint8_t *p = d->data;
    gv_buf_addc(b, '"');
    for (size_t i = 0; i < d->len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        size_t rem = d->len - i;
        if (rem > 1) v |= (uint32_t)p[i + 1] << 8;
        if (rem > 2) v |= p[i + 2];
        char q[4] = {tb[(v >> 18) & 63], tb[(v >> 12) & 63],
                     rem > 1 ? tb[(v >> 6) & 63] : '=', rem > 2 ? tb[v & 63] : '='};
        gv_buf_add(b, q, 4);
    }
    gv_buf_addc(b, '"');
}

void gj_double(struct gv_buf *b, double v)
{
    if (isnan(v)) { gv_buf_adds(b, "\"NaN\""); return; }
    if (isinf(v)) { gv_buf_adds(b, v > 0 ? "\"Infinity\"" : "\"-Infinity\""); return; }
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    gv_buf_adds(b, tmp);
    if (!strpbrk(tmp, ".eE"))
        gv_buf_adds(b, ".0"); /* keep it a float for JSON readers */
}

void gj_u64(struct gv_buf *b, uint64_t v) { gv_buf_printf(b, "%" PRIu64, v); }
void gj_i64(struct gv_buf *b, int64_t v) { gv_buf_printf(b, "%" PRId64, v); }

void gj_key(struct gv_buf *b, const char *key)
{
    if (b->len && b->p[b->len - 1] != '{' && b->p[b->len - 1] != '[')
        gv_buf_addc(b, ',');
    gj_str(b, key);
    gv_buf_addc(b, ':');
}

static void anyvalue_depth(struct gv_buf *b, const PbAnyValue *v, int depth);

static void attrs_depth(struct gv_buf *b, size_t n, PbKeyValue *const *kv, int depth)
{
    gv_buf_addc(b, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            gv_buf_addc(b, ',');
        gj_str(b, kv[i]->key);
        gv_buf_addc(b, ':');
        anyvalue_depth(b, kv[i]->value, depth + 1);
    }
    gv_buf_addc(b, '}');
}

static void array_depth(struct gv_buf *b, const Opentelemetry__Proto__Common__V1__ArrayValue *a,
                        int depth)
{
    gv_buf_addc(b, '[');
    for (size_t i = 0; a && i < a->n_values; i++) {
        if (i)
            gv_buf_addc(b, ',');
        anyvalue_depth(b, a->values[i], depth + 1);
    }
    gv_buf_addc(b, ']');
}

static void anyvalue_depth(struct gv_buf *b, const PbAnyValue *v, int depth)
{
    if (!v || depth > GJ_MAX_DEPTH) {
        gv_buf_adds(b, "null");
        return;
    }
    switch (v->value_case) {
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE: gj_str(b, v->string_value); break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
        gv_buf_adds(b, v->bool_value ? "true" : "false");
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE: gj_i64(b, v->int_value); break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE: gj_double(b, v->double_value); break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE:
        array_depth(b, v->array_value, depth);
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE:
        if (v->kvlist_value)
            attrs_depth(b, v->kvlist_value->n_values, v->kvlist_value->values, depth);
        else
            gv_buf_adds(b, "{}");
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE: gj_base64(b, &v->bytes_value); break;
    default: gv_buf_adds(b, "null"); break;
    }
}

void gj_anyvalue(struct gv_buf *b, const PbAnyValue *v) { anyvalue_depth(b, v, 0); }

void gj_attrs(struct gv_buf *b, size_t n, PbKeyValue *const *kv) { attrs_depth(b, n, kv, 0); }

void gj_resource(struct gv_buf *b, const PbResource *r)
{
    if (r)
        gj_attrs(b, r->n_attributes, r->attributes);
    else
        gv_buf_adds(b, "{}");
}

void gj_scope(struct gv_buf *b, const PbScope *s)
{
    gv_buf_adds(b, "{\"name\":");
    gj_str(b, s ? s->name : "");
    gv_buf_adds(b, ",\"version\":");
    gj_str(b, s ? s->version : "");
    gv_buf_adds(b, ",\"attributes\":");
    if (s)
        gj_attrs(b, s->n_attributes, s->attributes);
    else
        gv_buf_adds(b, "{}");
    gv_buf_addc(b, '}');
}

const char *gj_attr_str(size_t n, PbKeyValue *const *kv, const char *key)
{
    for (size_t i = 0; i < n; i++) {
        const PbAnyValue *v = kv[i]->value;
        if (kv[i]->key && strcmp(kv[i]->key, key) == 0 && v &&
            v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE)
            return v->string_value;
    }
    return NULL;
}
