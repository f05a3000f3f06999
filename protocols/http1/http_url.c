/* http_url.c — request-target splitting, query redaction, url.full and Host parsing
 * (contracts in http_url.h). Pure code, exporter thread. */
#include <string.h>
#include <strings.h>
#include "protocols/http1/http_url.h"

/* Query keys whose values never leave the process (semconv list + common secrets). */
static const char ga__secret_keys[][21] = {
    "X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "AWSAccessKeyId",
    "Signature", "sig", "X-Goog-Signature", "X-Goog-Credential", "token", "access_token",
    "refresh_token", "id_token", "api_key", "apikey", "key", "password", "passwd", "pwd",
    "secret", "client_secret", "auth", "authorization", "session", "sessionid",
};

static int ga__secret(const char *k, size_t n)
{
    for (size_t i = 0; i < sizeof ga__secret_keys / sizeof ga__secret_keys[0]; i++)
        if (strlen(ga__secret_keys[i]) == n && strncasecmp(ga__secret_keys[i], k, n) == 0)
            return 1;
    return 0;
}

/* "scheme://" at the start of t: returns the length of the scheme part with "://", or 0. */
static size_t ga__scheme(const char *t, size_t n)
{
    for (size_t i = 0; i < n && i < 16; i++) {
        char c = t[i];
        if (c == ':')
            return (i > 0 && i + 2 < n && t[i + 1] == '/' && t[i + 2] == '/') ? i + 3 : 0;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '-' || c == '.'))
            return 0;
    }
    return 0;
}

void ga_http_split_target(const char *t, size_t n, const char **path, size_t *plen,
                          const char **query, size_t *qlen)
{
    size_t s = ga__scheme(t, n);
    if (s > 0) {                                /* absolute form: skip the authority */
        const char *slash = memchr(t + s, '/', n - s);
        const char *q = memchr(t + s, '?', n - s);
        size_t start = slash && (!q || slash < q) ? (size_t)(slash - t) : (q ? (size_t)(q - t) : n);
        t += start;
        n -= start;
    } else if (n == 0 || t[0] != '/') {
        n = 0;                                  /* authority form, asterisk form */
    }
    const char *q = memchr(t, '?', n);
    const char *hash = memchr(t, '#', n);
    size_t end = hash ? (size_t)(hash - t) : n;
    *path = t;
    *plen = q && (size_t)(q - t) < end ? (size_t)(q - t) : end;
    *query = q && (size_t)(q - t) < end ? q + 1 : t + end;
    *qlen = q && (size_t)(q - t) < end ? end - (size_t)(q - t) - 1 : 0;
}

size_t ga_http_redact_query(const char *q, size_t n, char *out, size_t cap)
{
    size_t o = 0, i = 0;
    while (i < n) {
        const char *amp = memchr(q + i, '&', n - i);
        size_t end = amp ? (size_t)(amp - q) : n;
        const char *eq = memchr(q + i, '=', end - i);
        size_t klen = eq ? (size_t)(eq - q) - i : end - i;
        const char *val = q + i;
        size_t vlen = end - i;
        char buf[] = "=REDACTED";
        int secret = eq && ga__secret(q + i, klen);
        size_t need = (o ? 1 : 0) + (secret ? klen + sizeof buf - 1 : vlen);
        if (o + need >= cap)
            break;
        if (o)
            out[o++] = '&';
        if (secret) {
            memcpy(out + o, q + i, klen);
            memcpy(out + o + klen, buf, sizeof buf - 1);
            o += klen + sizeof buf - 1;
        } else {
            memcpy(out + o, val, vlen);
            o += vlen;
        }
        i = end + 1;
    }
    if (cap)
        out[o < cap ? o : cap - 1] = '\0';
    return o;
}

int ga_http_host_port(const char *v, size_t n, const char **host, size_t *hlen, int *port, int def)
{
    *port = def;
    if (n == 0)
        return 0;
    size_t colon = n;
    if (v[0] == '[') {                          /* [v6]:port */
        const char *rb = memchr(v, ']', n);
        if (rb == NULL)
            return 0;
        *host = v + 1;
        *hlen = (size_t)(rb - v) - 1;
        colon = (size_t)(rb - v) + 1;
    } else {
        const char *c = memchr(v, ':', n);
        colon = c ? (size_t)(c - v) : n;
        *host = v;
        *hlen = colon;
    }
    if (colon < n && v[colon] == ':' && colon + 1 < n && n - colon - 1 <= 5) {
        int p = 0;
        for (size_t i = colon + 1; i < n; i++) {
            if (v[i] < '0' || v[i] > '9')
                return *hlen > 0;
            p = p * 10 + (v[i] - '0');
        }
        if (p > 0 && p < 65536)
            *port = p;
    }
    return *hlen > 0;
}

/* Append s[0..n) to out if it fits; returns 0 when it does not. */
static int ga__cat(char *out, size_t *o, size_t cap, const char *s, size_t n)
{
    if (*o + n >= cap)
        return 0;
    memcpy(out + *o, s, n);
    *o += n;
    return 1;
}

size_t ga_http_url_full(const char *t, size_t tn, const char *a, size_t an, char *out, size_t cap)
{
    size_t o = 0, s = ga__scheme(t, tn);
    const char *path, *query;
    size_t plen, qlen;
    if (cap == 0)
        return 0;
    if (s > 0) {
        size_t rest = tn - s, auth_end = rest;
        for (size_t i = 0; i < rest; i++)
            if (t[s + i] == '/' || t[s + i] == '?' || t[s + i] == '#') {
                auth_end = i;
                break;
            }
        const char *at = memchr(t + s, '@', auth_end);
        ga__cat(out, &o, cap, t, s);
        if (at != NULL) {
            ga__cat(out, &o, cap, "REDACTED:REDACTED@", 18);
            size_t skip = (size_t)(at - (t + s)) + 1;
            ga__cat(out, &o, cap, at + 1, auth_end - skip);
        } else {
            ga__cat(out, &o, cap, t + s, auth_end);
        }
    } else {
        ga__cat(out, &o, cap, "http://", 7);
        ga__cat(out, &o, cap, a, an);
    }
    ga_http_split_target(t, tn, &path, &plen, &query, &qlen);
    ga__cat(out, &o, cap, path, plen);
    if (qlen > 0 && ga__cat(out, &o, cap, "?", 1))
        o += ga_http_redact_query(query, qlen, out + o, cap - o);
    out[o] = '\0';
    return o;
}
