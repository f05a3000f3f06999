/* http_route.c — matching a request path against GENESIS_HTTP_ROUTES templates
 * (`/users/{id},/rooms/{room}/messages`): the low-cardinality http.route and span name
 * `GET /users/{id}` without any framework help (contract in http_url.h). Pure code. */
#include <string.h>
#include "protocols/http1/http_url.h"

/* Next '/'-separated segment of s[*i..n): start and length; 0 at the end. */
static int ga__seg(const char *s, size_t n, size_t *i, const char **seg, size_t *len)
{
    if (*i >= n)
        return 0;
    if (s[*i] == '/')
        (*i)++;
    const char *slash = memchr(s + *i, '/', n - *i);
    size_t end = slash ? (size_t)(slash - s) : n;
    *seg = s + *i;
    *len = end - *i;
    *i = end;
    return 1;
}

/* One pattern p[0..pn) against the path, segment by segment. */
static int ga__match(const char *p, size_t pn, const char *path, size_t n)
{
    size_t i = 0, j = 0;
    const char *a, *b;
    size_t al, bl;
    if (pn == 0 || p[0] != '/' || n == 0 || path[0] != '/')
        return 0;
    for (;;) {
        int more_p = ga__seg(p, pn, &i, &a, &al);
        int more_s = ga__seg(path, n, &j, &b, &bl);
        if (!more_p || !more_s)
            return more_p == more_s;
        int param = al >= 2 && a[0] == '{' && a[al - 1] == '}';
        if (param ? bl == 0 : (al != bl || memcmp(a, b, al) != 0))
            return 0;
    }
}

int ga_http_route_match(const char *routes, const char *path, size_t n,
                        const char **route, size_t *rlen)
{
    if (routes == NULL)
        return 0;
    const char *r = routes;
    while (*r) {
        while (*r == ' ' || *r == ',')
            r++;
        const char *end = strchr(r, ',');
        size_t len = end ? (size_t)(end - r) : strlen(r);
        while (len > 0 && r[len - 1] == ' ')
            len--;
        if (ga__match(r, len, path, n)) {
            *route = r;
            *rlen = len;
            return 1;
        }
        r = end ? end + 1 : r + strlen(r);
    }
    return 0;
}
