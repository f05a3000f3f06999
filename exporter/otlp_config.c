/* otlp_config.c — OTEL_EXPORTER_OTLP_*, OTEL_BSP_* and GENESIS_LIBCURL (see otlp_config.h).
 *
 * Two steps: a snapshot of the raw strings taken by a constructor while the process is still
 * single-threaded (getenv is not safe against a concurrent setenv), and the parsing, done
 * later on the exporter thread so that its warnings respect GENESIS_LOG_LEVEL (read by the
 * main constructor, whose order relative to ours is not defined). */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "exporter/otlp_config.h"
#include "preload/log.h"

/* The OTLP options; each exists as OTEL_EXPORTER_OTLP_<OPT> and ..._<SIGNAL>_<OPT>. */
enum { O_ENDPOINT, O_HEADERS, O_TIMEOUT, O_COMPRESSION, O_PROTOCOL, O_CERT, O_KEY, O_CLIENT_CERT,
       O_COUNT };
static const char *const ga__opt[O_COUNT] = {
    "ENDPOINT", "HEADERS", "TIMEOUT", "COMPRESSION", "PROTOCOL", "CERTIFICATE", "CLIENT_KEY",
    "CLIENT_CERTIFICATE",
};
static const char *const ga__sig[GA_OTLP_NSIG] = {"TRACES", "METRICS", "LOGS"};

/* Snapshot slots: the OTLP options for scope 0 (generic) .. 3 (logs), then the others. */
#define GA__SCOPES (GA_OTLP_NSIG + 1)
enum { S_BSP_DELAY = O_COUNT * GA__SCOPES, S_BSP_TIMEOUT, S_BSP_QUEUE, S_BSP_BATCH, S_LIBCURL,
       S_COUNT };
static const char *const ga__other[] = {
    "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_EXPORT_TIMEOUT", "OTEL_BSP_MAX_QUEUE_SIZE",
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "GENESIS_LIBCURL",
};

enum { V_UNSET, V_SET, V_TOO_LONG };
static struct { unsigned short off; unsigned char state; } ga__snap[S_COUNT];
static char ga__snap_buf[16384];

static void ga__var_name(int slot, char *out, size_t cap)
{
    if (slot >= S_BSP_DELAY) {
        snprintf(out, cap, "%s", ga__other[slot - S_BSP_DELAY]);
        return;
    }
    int opt = slot % O_COUNT, scope = slot / O_COUNT;
    if (scope == 0)
        snprintf(out, cap, "OTEL_EXPORTER_OTLP_%s", ga__opt[opt]);
    else
        snprintf(out, cap, "OTEL_EXPORTER_OTLP_%s_%s", ga__sig[scope - 1], ga__opt[opt]);
}

void ga_otlp_env_snapshot(void)
{
    size_t used = 0;
    char name[64];
    for (int i = 0; i < S_COUNT; i++) {
        ga__var_name(i, name, sizeof name);
        const char *v = getenv(name);
        ga__snap[i].state = V_UNSET;
        if (v == NULL || *v == '\0')
            continue;                       /* empty means unset */
        size_t n = strlen(v) + 1;
        if (used + n > sizeof ga__snap_buf) {
            ga__snap[i].state = V_TOO_LONG;
            continue;
        }
        memcpy(ga__snap_buf + used, v, n);
        ga__snap[i].off = (unsigned short)used;
        ga__snap[i].state = V_SET;
        used += n;
    }
}

__attribute__((constructor)) static void ga__otlp_snapshot_at_load(void)
{
    ga_otlp_env_snapshot();
}

/* The value of a slot, or NULL (unset, or too long: warned under `kind`). */
static const char *ga__get(int slot, int kind)
{
    if (ga__snap[slot].state == V_SET)
        return ga__snap_buf + ga__snap[slot].off;
    if (ga__snap[slot].state == V_TOO_LONG) {
        char name[64];
        ga__var_name(slot, name, sizeof name);
        ga_warn(kind, "%s is too long; ignored", name);
    }
    return NULL;
}

/* ---- URLs -------------------------------------------------------------------------------- */

/* Length of "http://" or "https://" at the start of u (any case), else 0. */
static size_t ga__scheme_len(const char *u)
{
    if (strncasecmp(u, "http://", 7) == 0)
        return 7;
    if (strncasecmp(u, "https://", 8) == 0)
        return 8;
    return 0;
}

int ga_otlp_url_valid(const char *u)
{
    size_t s = ga__scheme_len(u);
    if (s == 0)
        return 0;
    for (const char *p = u; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return 0;                       /* no spaces or controls anywhere */
    return strcspn(u + s, "/?#") > 0;       /* a host */
}

const char *ga_otlp_url_redacted(const char *url, char *buf, size_t cap)
{
    const char *sep = strstr(url, "://");
    size_t host = sep ? (size_t)(sep + 3 - url) : 0;
    size_t auth_len = strcspn(url + host, "/?#");
    const char *at = memrchr(url + host, '@', auth_len);
    if (at == NULL)
        snprintf(buf, cap, "%s", url);
    else
        snprintf(buf, cap, "%.*sREDACTED@%s", (int)host, url, at + 1);
    return buf;
}

int ga_otlp_url(const char *signal_url, const char *base, int signal, char *out, size_t cap)
{
    static const char *const path[GA_OTLP_NSIG] = {"v1/traces", "v1/metrics", "v1/logs"};
    const char *u = signal_url ? signal_url : base;
    if (u == NULL || !ga_otlp_url_valid(u) || signal < 0 || signal >= GA_OTLP_NSIG)
        return -1;
    int n;
    if (signal_url) {
        /* As is; only an empty path becomes "/" (inserted before any ?query or #fragment). */
        size_t s = ga__scheme_len(u), host_end = s + strcspn(u + s, "/?#");
        if (u[host_end] == '/')
            n = snprintf(out, cap, "%s", u);
        else
            n = snprintf(out, cap, "%.*s/%s", (int)host_end, u, u + host_end);
    } else {
        size_t len = strlen(u);
        n = snprintf(out, cap, "%s%s%s", u, (len && u[len - 1] == '/') ? "" : "/", path[signal]);
    }
    return (n > 0 && (size_t)n < cap) ? 0 : -1;
}

/* ---- headers ----------------------------------------------------------------------------- */

static int ga__unhex(int c)
{
    return isdigit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
         : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
}

static int ga__is_tchar(int c)
{
    return isalnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Trim spaces around [s, s+n), percent-decode it into buf at *used (NUL-terminated).
 * Returns the offset of the result, or -1 (bad escape, no room). */
static int ga__decode(const char *s, size_t n, char *buf, size_t cap, size_t *used)
{
    while (n > 0 && (*s == ' ' || *s == '\t')) { s++; n--; }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    size_t start = *used, o = start;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            int h = (i + 2 < n) ? ga__unhex((unsigned char)s[i + 1]) : -1;
            int l = (i + 2 < n) ? ga__unhex((unsigned char)s[i + 2]) : -1;
            if (h < 0 || l < 0 || (h | l) == 0)
                return -1;                  /* bad escape, or an encoded NUL */
            c = h << 4 | l;
            i += 2;
        }
        if (o + 2 > cap)
            return -1;
        buf[o++] = (char)c;
    }
    buf[o++] = '\0';
    *used = o;
    return (int)start;
}

/* One `name=value` member into out (name must be a token, value free of controls). */
static int ga__header_member(const char *m, size_t len, ga_otlp_cfg *out, size_t *used)
{
    const char *eq = memchr(m, '=', len);
    if (eq == NULL || out->n_headers >= GA_OTLP_MAX_HEADERS)
        return -1;
    int k = ga__decode(m, (size_t)(eq - m), out->header_buf, sizeof out->header_buf, used);
    int v = k < 0 ? -1 : ga__decode(eq + 1, len - (size_t)(eq - m) - 1, out->header_buf,
                                    sizeof out->header_buf, used);
    if (k < 0 || v < 0 || out->header_buf[k] == '\0')
        return -1;
    for (const char *p = out->header_buf + k; *p; p++)
        if (!ga__is_tchar((unsigned char)*p))
            return -1;
    for (const char *p = out->header_buf + v; *p; p++)
        if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
            return -1;                      /* CR/LF would inject headers */
    out->headers[out->n_headers++] = (ga_otlp_header){ (unsigned short)k, (unsigned short)v };
    return 0;
}

int ga_otlp_parse_headers(const char *s, ga_otlp_cfg *out)
{
    size_t used = 0;
    out->n_headers = 0;
    while (*s) {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        size_t blank = 0;
        while (blank < len && (s[blank] == ' ' || s[blank] == '\t'))
            blank++;
        if (blank < len && ga__header_member(s, len, out, &used) < 0) {
            out->n_headers = 0;
            return -1;
        }
        s += len + (end != NULL);
    }
    return 0;
}

/* ---- per-option parsing ---------------------------------------------------------------- */

/* The per-signal slot first, then the generic one. */
static int ga__slot(int opt, int scope) { return scope * O_COUNT + opt; }

static void ga__warn_bad(int kind, int slot, const char *v, const char *what)
{
    char name[64];
    ga__var_name(slot, name, sizeof name);
    if (v != NULL)
        ga_warn(kind, "%s=%.200s %s", name, v, what);
    else
        ga_warn(kind, "%s %s", name, what);
}

static void ga__load_url(int signal, ga_otlp_cfg *out)
{
    int ss = ga__slot(O_ENDPOINT, signal + 1), gs = ga__slot(O_ENDPOINT, 0);
    const char *sv = ga__get(ss, GA_LK_OTLP_ENDPOINT);
    if (sv && ga_otlp_url(sv, NULL, signal, out->url, sizeof out->url) == 0)
        return;
    if (sv)
        ga__warn_bad(GA_LK_OTLP_ENDPOINT, ss, sv, "is not an http:// or https:// URL; ignored");
    const char *gv = ga__get(gs, GA_LK_OTLP_ENDPOINT);
    if (gv && ga_otlp_url(NULL, gv, signal, out->url, sizeof out->url) == 0)
        return;
    if (gv)
        ga__warn_bad(GA_LK_OTLP_ENDPOINT, gs, gv, "is not an http:// or https:// URL; using "
                     GA_OTLP_DEFAULT_BASE);
    ga_otlp_url(NULL, GA_OTLP_DEFAULT_BASE, signal, out->url, sizeof out->url);
}

static void ga__load_headers(int signal, ga_otlp_cfg *out)
{
    out->n_headers = 0;
    for (int scope = signal + 1; scope >= 0; scope = scope ? 0 : -1) {
        int slot = ga__slot(O_HEADERS, scope);
        const char *v = ga__get(slot, GA_LK_OTLP_HEADERS);
        if (v == NULL)
            continue;
        if (ga_otlp_parse_headers(v, out) == 0)
            return;
        /* Never echo the value: headers usually carry credentials. */
        ga__warn_bad(GA_LK_OTLP_HEADERS, slot, NULL, "is malformed (want name=value,...); ignored");
    }
}

/* A non-negative integer in [lo, hi], else -1. */
static long ga__uint(const char *v, long lo, long hi)
{
    char *end;
    long x = strtol(v, &end, 10);
    return (end == v || *end != '\0' || x < lo || x > hi) ? -1 : x;
}

static void ga__load_scalar(int signal, ga_otlp_cfg *out, int opt)
{
    for (int scope = signal + 1; scope >= 0; scope = scope ? 0 : -1) {
        int slot = ga__slot(opt, scope), kind = opt == O_TIMEOUT ? GA_LK_OTLP_TIMEOUT
                 : opt == O_COMPRESSION ? GA_LK_OTLP_COMPRESSION : GA_LK_OTLP_PROTOCOL;
        const char *v = ga__get(slot, kind);
        if (v == NULL)
            continue;
        if (opt == O_TIMEOUT) {
            long t = ga__uint(v, 0, INT_MAX);
            if (t >= 0) { out->timeout_ms = (unsigned)t; return; }
            ga__warn_bad(kind, slot, v, scope ? "is not a number of milliseconds; ignored "
                         "(OTEL_EXPORTER_OTLP_TIMEOUT or 10000 applies)"
                         : "is not a number of milliseconds; using 10000");
        } else if (opt == O_COMPRESSION) {
            if (strcasecmp(v, "gzip") == 0 || strcasecmp(v, "none") == 0) {
                out->gzip = strcasecmp(v, "gzip") == 0;
                return;
            }
            ga__warn_bad(kind, slot, v, scope ? "is not gzip or none; ignored "
                         "(OTEL_EXPORTER_OTLP_COMPRESSION or none applies)"
                         : "is not gzip or none; using none");
        } else {
            if (strcasecmp(v, "http/protobuf") == 0)
                return;
            ga__warn_bad(kind, slot, v, strcasecmp(v, "grpc") == 0 || strcasecmp(v, "http/json") == 0
                         ? "is not supported by genesis-auto; using http/protobuf"
                         : "is not grpc, http/protobuf or http/json; using http/protobuf");
            return;     /* a bad per-signal value does not fall back to the generic one */
        }
    }
}

static void ga__load_path(int signal, int opt, char *out, size_t cap)
{
    out[0] = '\0';
    for (int scope = signal + 1; scope >= 0; scope = scope ? 0 : -1) {
        const char *v = ga__get(ga__slot(opt, scope), GA_LK_OTLP_ENDPOINT);
        if (v != NULL && strlen(v) < cap) {
            memcpy(out, v, strlen(v) + 1);
            return;
        }
    }
}

void ga_otlp_cfg_load(int signal, ga_otlp_cfg *out)
{
    memset(out, 0, sizeof *out);
    if (signal < 0 || signal >= GA_OTLP_NSIG)
        signal = GA_OTLP_TRACES;
    out->signal = signal;
    out->timeout_ms = GA_OTLP_DEFAULT_TIMEOUT_MS;
    ga__load_url(signal, out);
    ga__load_headers(signal, out);
    ga__load_scalar(signal, out, O_TIMEOUT);
    ga__load_scalar(signal, out, O_COMPRESSION);
    ga__load_scalar(signal, out, O_PROTOCOL);
    ga__load_path(signal, O_CERT, out->certificate, sizeof out->certificate);
    ga__load_path(signal, O_KEY, out->client_key, sizeof out->client_key);
    ga__load_path(signal, O_CLIENT_CERT, out->client_certificate, sizeof out->client_certificate);
}

/* ---- OTEL_BSP_* ---------------------------------------------------------------------- */

static unsigned ga__bsp(int slot, int kind, long lo, long def, int *given)
{
    const char *v = ga__get(slot, kind);
    *given = 0;
    if (v == NULL)
        return (unsigned)def;
    long x = ga__uint(v, lo, INT_MAX);
    if (x < 0) {
        char what[96];
        snprintf(what, sizeof what, "is not an integer in [%ld, %d]; using %ld", lo, INT_MAX, def);
        ga__warn_bad(kind, slot, v, what);
        return (unsigned)def;
    }
    *given = 1;
    return (unsigned)x;
}

void ga_bsp_cfg_load(ga_bsp_cfg *out)
{
    int given;
    out->schedule_delay_ms = ga__bsp(S_BSP_DELAY, GA_LK_BSP_DELAY, 0, 5000, &given);
    out->export_timeout_ms = ga__bsp(S_BSP_TIMEOUT, GA_LK_BSP_TIMEOUT, 0, 30000, &given);
    out->max_queue_size = ga__bsp(S_BSP_QUEUE, GA_LK_BSP_QUEUE, 1, 2048, &given);
    if (out->max_queue_size > GA_BSP_QUEUE_LIMIT) {
        ga_warn(GA_LK_BSP_QUEUE, "OTEL_BSP_MAX_QUEUE_SIZE=%u is above %u; using %u",
                out->max_queue_size, GA_BSP_QUEUE_LIMIT, GA_BSP_QUEUE_LIMIT);
        out->max_queue_size = GA_BSP_QUEUE_LIMIT;
    }
    out->max_export_batch_size = ga__bsp(S_BSP_BATCH, GA_LK_BSP_BATCH, 1, 512, &given);
    if (out->max_export_batch_size > out->max_queue_size) {
        if (given)
            ga_warn(GA_LK_BSP_BATCH, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE=%u is above "
                    "OTEL_BSP_MAX_QUEUE_SIZE=%u; using %u", out->max_export_batch_size,
                    out->max_queue_size, out->max_queue_size);
        out->max_export_batch_size = out->max_queue_size;
    }
}

const char *ga_otlp_libcurl_name(void)
{
    const char *v = ga__get(S_LIBCURL, GA_LK_OTLP);
    return v ? v : "libcurl.so.4";
}
