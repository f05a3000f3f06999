/* prom_req.c — the scrape request: HTTP/1.x request line and headers, Accept negotiation
 * (contract in prom.h). Strict where it is cheap (request line shape, header syntax), lenient
 * where clients differ (bare LF line ends, header case, extra spaces). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "exporter/prom.h"

static int ga__tchar(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* End of the header block ("\r\n\r\n" or "\n\n"), or NULL. */
static const char *ga__head_end(const char *buf, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (buf[i] == '\n' && buf[i + 1] == '\n')
            return buf + i + 2;
        if (buf[i] == '\n' && buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
            return buf + i + 3;
    }
    return NULL;
}

/* "GET /metrics HTTP/1.1" */
static int ga__request_line(const char *p, size_t n, ga_prom_req *req)
{
    const char *sp1 = memchr(p, ' ', n);
    if (sp1 == NULL || sp1 == p)
        return -1;
    for (const char *q = p; q < sp1; q++)
        if (!ga__tchar((unsigned char)*q))
            return -1;
    size_t ml = (size_t)(sp1 - p);
    req->method = ml == 3 && memcmp(p, "GET", 3) == 0 ? GA_PROM_GET
                : ml == 4 && memcmp(p, "HEAD", 4) == 0 ? GA_PROM_HEAD : GA_PROM_OTHER;
    const char *t = sp1 + 1, *end = p + n;
    const char *sp2 = memchr(t, ' ', (size_t)(end - t));
    if (sp2 == NULL || *t != '/' || (size_t)(end - sp2 - 1) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0
        || (sp2[8] != '0' && sp2[8] != '1'))
        return -1;
    for (const char *q = t; q < sp2; q++)
        if ((unsigned char)*q <= 0x20 || *q == 0x7f)
            return -1;
    const char *qm = memchr(t, '?', (size_t)(sp2 - t));
    size_t pl = (size_t)((qm ? qm : sp2) - t);
    req->path_ok = (pl == 1) || (pl == 8 && memcmp(t, "/metrics", 8) == 0);
    return 0;
}

/* One header line "Name: value"; remembers Accept. */
static int ga__header(const char *p, size_t n, ga_prom_req *req)
{
    const char *colon = memchr(p, ':', n);
    if (colon == NULL || colon == p)
        return -1;
    for (const char *q = p; q < colon; q++)
        if (!ga__tchar((unsigned char)*q))
            return -1;
    const char *v = colon + 1, *end = p + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    if (colon - p == 6 && strncasecmp(p, "accept", 6) == 0)
        req->om = ga_prom_accept_om(v, (size_t)(end - v));
    return 0;
}

int ga_prom_parse_request(const char *buf, size_t len, ga_prom_req *req)
{
    const char *end = ga__head_end(buf, len);
    if (end == NULL)
        return 0;
    memset(req, 0, sizeof *req);
    int first = 1;
    for (const char *p = buf; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)(nl - p);
        if (n > 0 && p[n - 1] == '\r')
            n--;
        if (n == 0 && !first)
            break;
        if (memchr(p, '\0', n) != NULL)
            return -1;
        if (first ? ga__request_line(p, n, req) < 0 : ga__header(p, n, req) < 0)
            return -1;
        first = 0;
        p = nl + 1;
    }
    return 1;
}

/* Parse one media range of an Accept list: which format it selects (0 none, 1 text,
 * 2 OpenMetrics, 3 wildcard) and its q-value. */
static int ga__range(const char *p, size_t n, double *q)
{
    char r[256];
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < sizeof r; i++)
        if (p[i] != ' ' && p[i] != '\t')
            r[k++] = p[i];
    r[k] = '\0';
    *q = 1.0;
    char *params = strchr(r, ';');
    const char *version = NULL;
    if (params != NULL)
        *params++ = '\0';
    for (char *s = NULL, *t = params ? strtok_r(params, ";", &s) : NULL; t; t = strtok_r(NULL, ";", &s)) {
        if (strncasecmp(t, "q=", 2) == 0)
            *q = strtod(t + 2, NULL);
        else if (strncasecmp(t, "version=", 8) == 0)
            version = t + 8;
    }
    if (strcasecmp(r, "application/openmetrics-text") == 0)
        return !version || !strcmp(version, "1.0.0") || !strcmp(version, "0.0.1") ? 2 : 0;
    if (strcasecmp(r, "text/plain") == 0)
        return !version || !strcmp(version, "0.0.4") ? 1 : 0;
    return strcmp(r, "*/*") == 0 || strcasecmp(r, "text/*") == 0 ? 3 : 0;
}

int ga_prom_accept_om(const char *v, size_t n)
{
    double best_om = 0, best_text = 0;
    const char *p = v, *end = v + n;
    while (p < end) {
        const char *c = memchr(p, ',', (size_t)(end - p));
        size_t l = (size_t)((c ? c : end) - p);
        double q;
        int kind = ga__range(p, l, &q);
        if (kind == 2 && q > best_om)
            best_om = q;
        else if ((kind == 1 || kind == 3) && q > best_text)
            best_text = q;
        p = c ? c + 1 : end;
    }
    return best_om > 0 && best_om > best_text;
}
