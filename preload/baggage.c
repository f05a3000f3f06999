/* baggage.c — the thread's and the process's W3C baggage (contracts in baggage.h). */
#include "preload/baggage.h"

GA_TLS ga_bag ga_tls_bag;
ga_bag ga_env_bag GA_START_DATA;

static int ga__blank(char c)
{
    return c == ' ' || c == '\t';
}

size_t ga_baggage_clean(const char *v, size_t n, char *out)
{
    if (v == NULL)
        return 0;
    while (n > 0 && ga__blank(v[0]))
        v++, n--;
    while (n > 0 && ga__blank(v[n - 1]))
        n--;
    if (n == 0 || n > GA_BAG_CAP)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if ((c < 0x20 && c != '\t') || c > 0x7e)
            return 0;                   /* CR, LF, NUL, non-ASCII: not a header value */
    }
    memcpy(out, v, n);
    return n;
}

void ga_baggage_set(const uint8_t span_id[8], const char *v, size_t n)
{
    ga_tls_bag.len = (uint16_t)(n > 0 ? ga_baggage_clean(v, n, ga_tls_bag.v) : 0);
    memcpy(ga_tls_bag.span, span_id, 8);
}

void ga_baggage_save(ga_bag *out)
{
    out->len = ga_tls_bag.len;
    memcpy(out->span, ga_tls_bag.span, 8);
    memcpy(out->v, ga_tls_bag.v, ga_tls_bag.len);
}

void ga_baggage_restore(const ga_bag *in)
{
    ga_tls_bag.len = in->len;
    memcpy(ga_tls_bag.span, in->span, 8);
    memcpy(ga_tls_bag.v, in->v, in->len);
}

int ga_baggage_env(const char *v)
{
    ga_env_bag.len = 0;
    if (v == NULL || *v == '\0')
        return 0;
    ga_env_bag.len = (uint16_t)ga_baggage_clean(v, strlen(v), ga_env_bag.v);
    return ga_env_bag.len > 0 ? 0 : -1;
}
