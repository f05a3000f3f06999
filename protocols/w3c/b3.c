/* b3.c — B3 single and multi header values (contracts in b3.h). Pure code. */
#include <string.h>
#include "protocols/w3c/b3.h"

static int ga__hexv(uint8_t c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* [*s, *e) without the OWS around it. */
static void ga__trim(const char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t'))
        (*s)++, (*n)--;
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

/* 2*len lower-hex digits into the last len bytes of out[0..cap), zeros before; 0 when a
 * digit is bad or all bytes are zero. */
static int ga__unhex(const char *s, size_t digits, uint8_t *out, size_t cap)
{
    uint8_t any = 0;
    size_t lead = cap - digits / 2;
    memset(out, 0, lead);
    for (size_t i = 0; i < digits / 2; i++) {
        int hi = ga__hexv((uint8_t)s[2 * i]), lo = ga__hexv((uint8_t)s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return 0;
        out[lead + i] = (uint8_t)(hi << 4 | lo);
        any |= out[lead + i];
    }
    return any != 0;
}

static int ga__ids(const char *tid, size_t tn, const char *sid, size_t sn, ga_span_ctx *c)
{
    memset(c, 0, sizeof *c);
    if ((tn != 32 && tn != 16) || sn != 16 || !ga__unhex(tid, tn, c->trace_id, 16) ||
        !ga__unhex(sid, sn, c->span_id, 8))
        return 0;
    c->valid = 1;
    c->remote = 1;
    return 1;
}

/* Sampling state into *sampling and the sampled flag of c. */
static void ga__sampling(ga_span_ctx *c, int st, int *sampling)
{
    *sampling = st;
    c->flags = st == GA_B3_ACCEPT || st == GA_B3_DEBUG ? GA_TF_SAMPLED : 0;
}

int ga_b3_parse(const char *s, size_t n, ga_span_ctx *out, int *sampling)
{
    ga__trim(&s, &n);
    const char *d1 = memchr(s, '-', n);
    if (d1 == NULL)
        return -1;                              /* a sampling-only value, or garbage */
    size_t tn = (size_t)(d1 - s), rest = n - tn - 1;
    const char *sid = d1 + 1;
    size_t sn = rest < 16 ? rest : 16;
    if (!ga__ids(s, tn, sid, sn, out))
        return -1;
    int st = GA_B3_DEFER;
    if (rest > 16) {
        if (sid[16] != '-' || rest < 18)
            return -1;
        char c = sid[17];
        st = c == '1' ? GA_B3_ACCEPT : c == '0' ? GA_B3_DENY : c == 'd' ? GA_B3_DEBUG : -1;
        if (st < 0)
            return -1;
        if (rest > 18) {                        /* -{ParentSpanId}: checked, not kept */
            uint8_t parent[8];
            if (rest != 18 + 17 || sid[18] != '-' || !ga__unhex(sid + 19, 16, parent, 8))
                return -1;
        }
    }
    ga__sampling(out, st, sampling);
    return 0;
}

int ga_b3_trace_id(const char *s, size_t n, uint8_t out[16])
{
    ga__trim(&s, &n);
    return (n == 32 || n == 16) && ga__unhex(s, n, out, 16);
}

int ga_b3_span_id(const char *s, size_t n, uint8_t out[8])
{
    ga__trim(&s, &n);
    return n == 16 && ga__unhex(s, n, out, 8);
}

int ga_b3_sampled(const char *s, size_t n)
{
    ga__trim(&s, &n);
    if ((n == 1 && s[0] == '1') || (n == 4 && memcmp(s, "true", 4) == 0))
        return GA_B3_ACCEPT;
    if ((n == 1 && s[0] == '0') || (n == 5 && memcmp(s, "false", 5) == 0))
        return GA_B3_DENY;
    return n == 0 ? GA_B3_DEFER : -1;
}

int ga_b3_flags(const char *s, size_t n)
{
    ga__trim(&s, &n);
    return n == 1 && s[0] == '1' ? GA_B3_DEBUG : GA_B3_DEFER;
}

int ga_b3_parse_multi(const char *tid, size_t tn, const char *sid, size_t sn,
                      const char *smp, size_t smn, const char *flg, size_t fn,
                      ga_span_ctx *out, int *sampling)
{
    memset(out, 0, sizeof *out);
    if (tid == NULL || sid == NULL || !ga_b3_trace_id(tid, tn, out->trace_id) ||
        !ga_b3_span_id(sid, sn, out->span_id)) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    out->valid = 1;
    out->remote = 1;
    int st = flg != NULL ? ga_b3_flags(flg, fn) : GA_B3_DEFER;
    if (st == GA_B3_DEFER && smp != NULL && (st = ga_b3_sampled(smp, smn)) < 0)
        return -1;
    ga__sampling(out, st, sampling);
    return 0;
}

void ga_b3_format(const ga_span_ids *ids, char *out)
{
    ga_hex(ids->trace_id, 16, out);             /* writes a NUL at out[32]: overwritten */
    out[32] = '-';
    char sp[17];
    ga_hex(ids->span_id, 8, sp);
    memcpy(out + 33, sp, 16);
    out[49] = '-';
    out[50] = (ids->flags & GA_TF_SAMPLED) ? '1' : '0';
}
