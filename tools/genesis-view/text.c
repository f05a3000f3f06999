/* genesis-view: sanitised text for stdout (see text.h). */
#include "tools/genesis-view/text.h"

#include <string.h>

#include "tools/genesis-view/json.h"

void gv_text_add(struct gv_buf *b, const char *s, size_t max)
{
    if (!s)
        return;
    size_t n = strlen(s), cut = n > max ? max : n;
    while (cut < n && cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--; /* do not split a UTF-8 sequence */
    gv_buf_reserve(b, cut + 3);
    for (size_t i = 0; i < cut; i++) {
        unsigned char c = (unsigned char)s[i];
        gv_buf_addc(b, (c < 0x20 || c == 0x7F) ? '?' : (char)c);
    }
    if (cut < n)
        gv_buf_adds(b, "...");
}

void gv_text_value(struct gv_buf *b, const PbAnyValue *v, size_t max)
{
    if (v && v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE) {
        int quote = v->string_value[0] == '\0' || strpbrk(v->string_value, " \t=") != NULL;
        if (quote) gv_buf_addc(b, '"');
        gv_text_add(b, v->string_value, max);
        if (quote) gv_buf_addc(b, '"');
        return;
    }
    struct gv_buf tmp = {0};
    gj_anyvalue(&tmp, v);
    gv_text_add(b, tmp.p, max);
    gv_buf_free(&tmp);
}

static int listed(const char *key, const char *const *first)
{
    for (size_t i = 0; first && first[i]; i++)
        if (strcmp(key, first[i]) == 0)
            return 1;
    return 0;
}

static void one_attr(struct gv_buf *b, const PbKeyValue *kv)
{
    if (b->len && b->p[b->len - 1] != ' ')
        gv_buf_addc(b, ' ');
    gv_text_add(b, kv->key, 64);
    gv_buf_addc(b, '=');
    gv_text_value(b, kv->value, 60);
}

void gv_text_attrs(struct gv_buf *b, size_t n, PbKeyValue *const *kv, const char *const *first,
                   size_t limit)
{
    size_t shown = 0;
    for (size_t f = 0; first && first[f] && shown < limit; f++)
        for (size_t i = 0; i < n && shown < limit; i++)
            if (kv[i]->key && strcmp(kv[i]->key, first[f]) == 0) {
                one_attr(b, kv[i]);
                shown++;
                break;
            }
    for (size_t i = 0; i < n && shown < limit; i++)
        if (kv[i]->key && !listed(kv[i]->key, first)) {
            one_attr(b, kv[i]);
            shown++;
        }
    if (n > shown)
        gv_buf_printf(b, " (+%zu)", n - shown);
}

void gv_text_hex(char *out, const uint8_t *p, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[p[i] >> 4];
        out[2 * i + 1] = hx[p[i] & 15];
    }
    out[2 * n] = '\0';
}
