/* im_form.c — decoding and encoding of application/x-www-form-urlencoded text. */
#include "im_form.h"

#include <stdlib.h>
#include <string.h>

void im_params_init(im_params *p)
{
    p->count = 0;
}

void im_params_free(im_params *p)
{
    for (size_t i = 0; i < p->count; i++) {
        free(p->items[i].name);
        free(p->items[i].value);
    }
    p->count = 0;
}

static int im_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes n bytes into a new string; *out is NULL on failure (malformed or no memory). */
static int im_form_decode(const char *s, size_t n, char **out)
{
    char *d = malloc(n + 1), *w = d;
    *out = NULL;
    if (!d)
        return IM_FORM_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            *w++ = ' ';
        } else if (s[i] != '%') {
            *w++ = s[i];
        } else {
            int hi = i + 2 < n ? im_hex(s[i + 1]) : -1;
            int lo = hi >= 0 ? im_hex(s[i + 2]) : -1;
            if (lo < 0 || (hi == 0 && lo == 0)) {
                free(d);
                return IM_FORM_EMALFORMED;
            }
            *w++ = (char)(hi * 16 + lo);
            i += 2;
        }
    }
    *w = '\0';
    *out = d;
    return IM_FORM_OK;
}

/* Adds one `name=value` (or `name`) piece. */
static int im_form_add(im_params *p, const char *s, size_t n)
{
    if (p->count == IM_FORM_MAX)
        return IM_FORM_ETOOMANY;
    const char *eq = memchr(s, '=', n);
    size_t nlen = eq ? (size_t)(eq - s) : n;
    const char *v = eq ? eq + 1 : s + n;
    im_param *it = &p->items[p->count];
    int rc = im_form_decode(s, nlen, &it->name);
    if (rc != IM_FORM_OK)
        return rc;
    rc = im_form_decode(v, (size_t)(s + n - v), &it->value);
    if (rc != IM_FORM_OK) {
        free(it->name);
        return rc;
    }
    p->count++;
    return IM_FORM_OK;
}

int im_form_parse(im_params *p, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const char *amp = memchr(s + i, '&', n - i);
        size_t len = amp ? (size_t)(amp - (s + i)) : n - i;
        if (len > 0) {
            int rc = im_form_add(p, s + i, len);
            if (rc != IM_FORM_OK)
                return rc;
        }
        i += len + 1;
    }
    return IM_FORM_OK;
}

const char *im_params_get(const im_params *p, const char *name)
{
    for (size_t i = 0; i < p->count; i++)
        if (strcmp(p->items[i].name, name) == 0)
            return p->items[i].value;
    return NULL;
}

int im_form_encode(im_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            im_buf_append(b, s, 1);
        } else if (c == ' ') {
            im_buf_append(b, "+", 1);
        } else {
            char e[3] = { '%', hex[c >> 4], hex[c & 15] };
            im_buf_append(b, e, 3);
        }
    }
    return b->oom ? -1 : 0;
}
