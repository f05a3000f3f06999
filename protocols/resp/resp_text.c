/* resp_text.c — the argument blob of a Redis operation → db.query.text (contract in
 * resp_text.h). Exporter thread only. */
#include <string.h>
#include "protocols/resp/resp_text.h"
#include "protocols/resp/resp_cmd.h"
#include "protocols/resp/resp_sess.h"
#include "protocols/resp/resp_raw.h"

typedef struct ga__out {
    char *p;
    size_t len, cap;        /* cap excludes the NUL */
} ga__out;

static void ga__put(ga__out *o, const char *s, size_t n)
{
    size_t k = o->cap - o->len < n ? o->cap - o->len : n;
    memcpy(o->p + o->len, s, k);
    o->len += k;
}

static int ga__plain(const uint8_t *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] <= ' ' || s[i] >= 0x7f || s[i] == '"' || s[i] == '\'' || s[i] == '\\')
            return 0;
    return 1;
}

/* An argument as redis-cli shows it: bare when plain, else quoted with escapes. */
static void ga__repr(ga__out *o, const uint8_t *s, size_t n, int trunc)
{
    if (ga__plain(s, n)) {
        ga__put(o, (const char *)s, n);
    } else {
        static const char hex[] = "0123456789abcdef";
        ga__put(o, "\"", 1);
        for (size_t i = 0; i < n; i++) {
            uint8_t c = s[i];
            char e[4] = { '\\', (char)c, 0, 0 };
            size_t el = 2;
            if (c == '\n') e[1] = 'n';
            else if (c == '\r') e[1] = 'r';
            else if (c == '\t') e[1] = 't';
            else if (c == '"' || c == '\\') e[1] = (char)c;
            else if (c < ' ' || c >= 0x7f) { e[1] = 'x'; e[2] = hex[c >> 4]; e[3] = hex[c & 15]; el = 4; }
            else { e[0] = (char)c; el = 1; }
            ga__put(o, e, el);
        }
        ga__put(o, "\"", 1);
    }
    if (trunc)
        ga__put(o, "...", 3);
}

/* Parse one command's arguments from the blob; returns bytes used (0 = malformed or cut). */
static size_t ga__parse(const uint8_t *b, size_t len, ga_resp_targ *a, int *n, int *nargs, int *more)
{
    if (len < 3)
        return 0;
    *nargs = b[0];
    int ncopied = b[1];
    *more = (b[2] & GA_RESP_TXT_MORE) != 0;
    size_t off = 3;
    *n = 0;
    for (int i = 0; i < ncopied; i++) {
        if (off >= len)
            return 0;
        uint8_t h = b[off++];
        ga_resp_targ t = { .secret = h == GA_RESP_TXT_SECRET };
        if (!t.secret) {
            t.len = h & 0x7f;
            t.trunc = (h & GA_RESP_TXT_TRUNC) != 0;
            if (off + t.len > len)
                return 0;
            t.p = b + off;
            off += t.len;
        }
        if (*n < GA_RESP_TEXT_ARGS)
            a[(*n)++] = t;
        else
            *more = 1;
    }
    return off;
}

/* One command in redis-cli syntax, values shown per mode. */
static void ga__command(ga__out *o, const ga_resp_targ *a, int n, int nargs, int more, int mode)
{
    uint8_t is_key[GA_RESP_TEXT_ARGS];
    if (mode == GA_RESP_ARGS_KEYS)
        ga_resp_key_mask(a, n, nargs, is_key);
    int cls = n > 0 && !a[0].secret ? ga_resp_cmd_class((const char *)a[0].p, a[0].len) : 0;
    int container = cls == GA_RC_CLIENT || cls == GA_RC_ACL || cls == GA_RC_CONTAINER;
    for (int i = 0; i < n; i++) {
        if (i > 0)
            ga__put(o, " ", 1);
        const ga_resp_targ *t = &a[i];
        int shown = !t->secret &&
                    (i == 0 || (i == 1 && container && ga_resp_is_subcommand((const char *)t->p, t->len)) ||
                     mode == GA_RESP_ARGS_ALL || (mode == GA_RESP_ARGS_KEYS && is_key[i]));
        if (shown)
            ga__repr(o, t->p, t->len, t->trunc);
        else
            ga__put(o, "?", 1);
    }
    int rest = nargs - n;
    if (more) {
        ga__put(o, " ...", 4);
    } else {
        for (int i = 0; i < rest && i < 16; i++)
            ga__put(o, " ?", 2);
        if (rest > 16)
            ga__put(o, " ...", 4);
    }
}

size_t ga_resp_text_render(const uint8_t *blob, size_t len, int mode, int more, char *out, size_t cap)
{
    if (cap == 0)
        return 0;
    ga__out o = { .p = out, .cap = cap - 1 };
    char first[512], cur[512];
    size_t first_len = 0, off = 0;
    int count = 0, diff = 0;
    while (off < len) {
        ga_resp_targ a[GA_RESP_TEXT_ARGS];
        int n, nargs, cmore;
        size_t used = ga__parse(blob + off, len - off, a, &n, &nargs, &cmore);
        if (used == 0) {
            more = 1;                               /* cut by the record's size */
            break;
        }
        off += used;
        ga__out c = { .p = count ? cur : first, .cap = sizeof first };
        ga__command(&c, a, n, nargs, cmore, mode);
        if (count == 0)
            first_len = c.len;
        else if (c.len != first_len || memcmp(cur, first, c.len) != 0)
            diff = 1;
        if (count > 0)
            ga__put(&o, "; ", 2);
        ga__put(&o, c.p, c.len);
        count++;
    }
    if (!diff) {
        o.len = 0;
        ga__put(&o, first, first_len);
    } else if (more) {
        ga__put(&o, "; ...", 5);
    }
    out[o.len] = '\0';
    return o.len;
}

size_t ga_resp_text_render_raw(const uint8_t *raw, size_t len, int mode, char *out, size_t cap)
{
    ga_resp_rarg a[GA_RESP_RAW_ARGS];
    uint8_t blob[GA_RESP_TEXT_MAX];
    unsigned nargs, k = ga_resp_raw_split(raw, len, 1, a, &nargs);
    int more = 0;
    size_t bl = k ? ga_resp_raw_blob(a, k, nargs, blob, &more) : 0;
    return ga_resp_text_render(blob, bl, mode, k == 0 || more, out, cap);
}
