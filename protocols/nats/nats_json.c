/* nats_json.c — the JSON object of an INFO or CONNECT line, scanned as it streams: only the
 * top-level keys this library uses are kept (headers, max_payload, proto, verbose,
 * no_responders, lang); nested objects and arrays are skipped by depth; nothing is buffered
 * but a short key and a short scalar. */
#include <string.h>
#include "protocols/nats/nats_int.h"

enum {
    J_START = 0,    /* before '{' */
    J_KEY_OR_END,   /* after '{': a key or '}' */
    J_KEY_START,    /* after ',': a key */
    J_KEY,          /* in a key string */
    J_COLON,
    J_VALUE,        /* before a value */
    J_VSTR,         /* in a string value */
    J_SCALAR,       /* in a number / true / false / null */
    J_NESTED,       /* in a nested object or array (depth > 0) */
    J_AFTER,        /* after a value: ',' or '}' */
    J_DONE,         /* after the closing '}' */
    J_BAD
};

static int ga__jws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void ga_nats_json_start(ga_nats_json *js, int op)
{
    memset(js, 0, sizeof *js);
    js->f.op = (uint8_t)op;
    js->f.headers = js->f.verbose = js->f.no_responders = -1;
    js->f.max_payload = js->f.proto = -1;
}

static int ga__key_is(const ga_nats_json *js, const char *k)
{
    size_t n = strlen(k);
    return js->klen == n && memcmp(js->key, k, n) == 0;
}

static int8_t ga__bool(const ga_nats_json *js)
{
    if (js->vstr)
        return -1;
    if (js->vlen == 4 && memcmp(js->val, "true", 4) == 0)
        return 1;
    if (js->vlen == 5 && memcmp(js->val, "false", 5) == 0)
        return 0;
    return -1;
}

static int64_t ga__int(const ga_nats_json *js)
{
    if (js->vstr || js->vlen == 0 || js->vlen > 18)
        return -1;
    int64_t v = 0;
    for (int i = 0; i < js->vlen; i++) {
        if (js->val[i] < '0' || js->val[i] > '9')
            return -1;
        v = v * 10 + (js->val[i] - '0');
    }
    return v;
}

/* A top-level value ended: keep it if its key is one of ours. */
static void ga__value(ga_nats_json *js)
{
    ga_nats_facts *f = &js->f;
    if (ga__key_is(js, "headers"))
        f->headers = ga__bool(js);
    else if (ga__key_is(js, "verbose"))
        f->verbose = ga__bool(js);
    else if (ga__key_is(js, "no_responders"))
        f->no_responders = ga__bool(js);
    else if (ga__key_is(js, "max_payload"))
        f->max_payload = ga__int(js);
    else if (ga__key_is(js, "proto"))
        f->proto = ga__int(js);
    else if (ga__key_is(js, "lang") && js->vstr) {
        f->lang_len = (int8_t)(js->vlen < sizeof f->lang ? js->vlen : sizeof f->lang);
        memcpy(f->lang, js->val, (size_t)f->lang_len);
    }
}

/* One byte inside a string (key or value, or skipped): 1 when it closed the string. */
static int ga__str_byte(ga_nats_json *js, uint8_t c, char *buf, uint8_t *len, size_t cap)
{
    if (js->esc) {
        js->esc = 0;
    } else if (c == '\\') {
        js->esc = 1;
        return 0;
    } else if (c == '"') {
        return 1;
    }
    if (buf != NULL) {
        if (*len < cap)
            buf[*len] = (char)c;
        if (*len < 255)
            (*len)++;
    }
    return 0;
}

/* Inside a nested object/array: strings and brackets, by depth. */
static void ga__nested(ga_nats_json *js, uint8_t c)
{
    if (js->vstr) {
        if (ga__str_byte(js, c, NULL, NULL, 0))
            js->vstr = 0;
        return;
    }
    if (c == '"')
        js->vstr = 1;
    else if (c == '{' || c == '[')
        js->depth = (uint8_t)(js->depth < 255 ? js->depth + 1 : 255);
    else if ((c == '}' || c == ']') && --js->depth == 0)
        js->st = J_AFTER;
}

static void ga__byte(ga_nats_json *js, uint8_t c)
{
    switch (js->st) {
    case J_START:
        js->st = c == '{' ? J_KEY_OR_END : ga__jws(c) ? J_START : J_BAD;
        break;
    case J_KEY_OR_END:
    case J_KEY_START:
        if (ga__jws(c))
            break;
        if (c == '}' && js->st == J_KEY_OR_END)
            js->st = J_DONE;
        else if (c == '"')
            js->st = J_KEY, js->klen = 0;
        else
            js->st = J_BAD;
        break;
    case J_KEY:
        if (ga__str_byte(js, c, js->key, &js->klen, sizeof js->key))
            js->st = J_COLON;
        break;
    case J_COLON:
        js->st = c == ':' ? J_VALUE : ga__jws(c) ? J_COLON : J_BAD;
        break;
    case J_VALUE:
        js->vlen = 0;
        js->vstr = 0;
        if (ga__jws(c))
            break;
        if (c == '"')
            js->st = J_VSTR, js->vstr = 1;
        else if (c == '{' || c == '[')
            js->st = J_NESTED, js->depth = 1, js->vstr = 0;
        else if (c == ',' || c == '}' || c == ']' || c == ':')
            js->st = J_BAD;
        else
            js->st = J_SCALAR, js->val[0] = (char)c, js->vlen = 1;
        break;
    case J_VSTR:
        if (ga__str_byte(js, c, js->val, &js->vlen, sizeof js->val))
            js->st = J_AFTER, ga__value(js);
        break;
    case J_SCALAR:
        if (ga__jws(c) || c == ',' || c == '}') {
            ga__value(js);
            js->st = J_AFTER;
            ga__byte(js, c);
        } else {
            if (js->vlen < sizeof js->val)
                js->val[js->vlen] = (char)c;
            if (js->vlen < 255)
                js->vlen++;
        }
        break;
    case J_NESTED:
        ga__nested(js, c);
        break;
    case J_AFTER:
        js->st = c == ',' ? J_KEY_START : c == '}' ? J_DONE : ga__jws(c) ? J_AFTER : J_BAD;
        break;
    case J_DONE:
        if (!ga__jws(c))
            js->st = J_BAD;
        break;
    default:
        break;
    }
}

int ga_nats_json_feed(ga_nats_json *js, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n && js->st != J_BAD; i++)
        ga__byte(js, p[i]);
    return js->st == J_BAD ? -1 : 0;
}

int ga_nats_json_end(ga_nats_json *js)
{
    return js->st == J_DONE ? 0 : -1;
}
