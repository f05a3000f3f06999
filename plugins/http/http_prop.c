/* http_prop.c — the propagation formats other than W3C trace context (OTEL_PROPAGATORS) on
 * the server side: the b3, X-B3-* and baggage fields of the request being read are kept in
 * the connection's state, then read as a B3 context (protocols/w3c/b3.h) or remembered as
 * the baggage of the server span. Runs on the application thread with the connection locked;
 * nothing here runs unless one of these formats is configured. */
#include <string.h>
#include "plugins/http/http_xchg.h"
#include "preload/config.h"
#include "protocols/w3c/b3.h"

/* Append n bytes to a kept field of length *len (cap bytes); past the cap the length is
 * set beyond it for good (the field is then not used). */
static void ga__keep(char *dst, size_t cap, const uint8_t *p, size_t n, size_t *len)
{
    if (*len > cap || n > cap - *len) {
        *len = cap + 1;
        return;
    }
    memcpy(dst + *len, p, n);
    *len += n;
}

void ga_http_prop_begin(ga_http_state *st)
{
    ga_http_pin *pin = &st->u.pin;
    pin->bag_len = 0;
    pin->b3_len = 0;
    memset(pin->xb3_len, 0, sizeof pin->xb3_len);
}

void ga_http_prop_piece(ga_http_state *st, int f, const uint8_t *p, size_t n)
{
    ga_http_pin *pin = &st->u.pin;
    unsigned pr = ga_cfg.propagators;
    size_t len;
    if (f == GA_H1_FLD_BAGGAGE) {
        if (!(pr & GA_PROP_BAGGAGE))
            return;
        len = pin->bag_len;
        ga__keep(pin->bag, sizeof pin->bag, p, n, &len);
        pin->bag_len = (uint16_t)len;
        return;
    }
    if (!(pr & (GA_PROP_B3 | GA_PROP_B3MULTI)))
        return;
    if (f == GA_H1_FLD_B3) {
        len = pin->b3_len;
        ga__keep(pin->b3, sizeof pin->b3, p, n, &len);
        pin->b3_len = (uint8_t)len;
        return;
    }
    int k = f - GA_H1_FLD_XB3_TRACEID;
    if (k < 0 || k >= GA_XB3_N)
        return;
    len = pin->xb3_len[k];
    ga__keep(pin->xb3[k], sizeof pin->xb3[k], p, n, &len);
    pin->xb3_len[k] = (uint8_t)len;
}

/* A kept X-B3 field: pointer and length, or NULL when absent or too long. */
static const char *ga__xb3(const ga_http_pin *pin, int k, size_t *n)
{
    *n = pin->xb3_len[k];
    return *n > 0 && *n <= GA_HTTP_XB3_CAP ? pin->xb3[k] : NULL;
}

int ga_http_b3_incoming(ga_http_state *st, const ga_h1_parser *ps, ga_span_ctx *in)
{
    if (!(ps->flags & GA_H1_F_B3))
        return 0;
    const ga_http_pin *pin = &st->u.pin;
    int sampling = GA_B3_DEFER, ok = 0;
    if (pin->b3_len > 0 && pin->b3_len <= GA_HTTP_B3_CAP)      /* single first, then multi */
        ok = ga_b3_parse(pin->b3, pin->b3_len, in, &sampling) == 0;
    if (!ok) {
        size_t tn, sn, mn, fn;
        const char *t = ga__xb3(pin, GA_XB3_TID, &tn), *s = ga__xb3(pin, GA_XB3_SID, &sn);
        const char *m = ga__xb3(pin, GA_XB3_SMP, &mn), *f = ga__xb3(pin, GA_XB3_FLG, &fn);
        ok = ga_b3_parse_multi(t, tn, s, sn, m, mn, f, fn, in, &sampling) == 0;
    }
    if (ok && sampling == GA_B3_DEFER)          /* no decision came: ours, as for a root */
        in->flags = ga_sample(in->trace_id, NULL) ? GA_TF_SAMPLED : 0;
    return ok;
}

void ga_http_prop_baggage(ga_http_state *st, const ga_h1_parser *ps, const ga_span_ids *ids)
{
    const ga_http_pin *pin = &st->u.pin;
    size_t n = pin->bag_len;
    if (!(ps->flags & GA_H1_F_BAG) || (ps->flags & GA_H1_F_BAG_DUP) || n > GA_HTTP_BAG_CAP)
        n = 0;                                  /* absent, repeated or too long: none */
    ga_baggage_set(ids->span_id, pin->bag, n);  /* trimmed and checked there */
}
