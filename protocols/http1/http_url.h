/* http_url.h — URL pieces for HTTP spans, computed on the exporter thread from the raw
 * request-target and Host the application thread recorded: path/query split, query values
 * of sensitive keys redacted, url.full with credentials redacted, host/port parsing, and
 * route templates (GENESIS_HTTP_ROUTES). Pure functions: no allocation, bounded output. */
#ifndef GA_HTTP_URL_H
#define GA_HTTP_URL_H

#include <stddef.h>

/* Split a request-target into path and query (without '?'; qlen 0 when absent). The
 * absolute form (`http://host/p?q`, sent to proxies) yields its path; the authority form
 * (CONNECT host:port) and `*` yield an empty path. */
void ga_http_split_target(const char *t, size_t n, const char **path, size_t *plen,
                          const char **query, size_t *qlen);

/* Copy a query string to out (cap bytes), replacing the values of sensitive keys
 * (X-Amz-Signature, Signature, sig, token, password, ...; case-insensitive) with REDACTED.
 * Returns the length written (pairs that do not fit are dropped whole). */
size_t ga_http_redact_query(const char *q, size_t n, char *out, size_t cap);

/* Host field value → host and port (port = def when absent or invalid; IPv6 in brackets
 * yields the address without them). Returns 0 when there is no usable host. */
int ga_http_host_port(const char *v, size_t n, const char **host, size_t *hlen, int *port, int def);

/* url.full for a client request: the absolute-form target as is (userinfo replaced by
 * REDACTED:REDACTED), else `http://` + authority + target; query redacted. `authority` is
 * the Host value (or the peer's address:port). Returns the length written (< cap). */
size_t ga_http_url_full(const char *target, size_t tn, const char *authority, size_t an,
                        char *out, size_t cap);

/* The first pattern of a comma-separated route list (`/users/{id},/rooms/{room}/messages`)
 * that matches `path`: a `{name}` segment matches any one non-empty segment, others match
 * exactly. Returns 1 and the pattern (pointing into `routes`), or 0. */
int ga_http_route_match(const char *routes, const char *path, size_t n,
                        const char **route, size_t *rlen);

#endif
