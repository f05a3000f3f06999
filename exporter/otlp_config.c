/* otlp_config.c — OTEL_EXPORTER_OTLP_*, OTEL_BSP_* and GENESIS_LIBCURL (see otlp_config.h),
 * parsed from the configuration table (preload/env.h): the constructor read the environment;
 * this runs whenever a component needs its settings, warning once per variable. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "exporter/otlp_config.h"
#include "preload/log.h"
#include "preload/vars.h"
#include "preload/ga.h"

/* The OTLP options, in the order of GA_OTLP_OPTION_VARS (preload/vars.h); each exists as
 * OTEL_EXPORTER_OTLP_<OPT> (scope 0) and OTEL_EXPORTER_OTLP_<SIGNAL>_<OPT> (scope 1 + signal). */
enum { O_ENDPOINT, O_HEADERS, O_TIMEOUT, O_COMPRESSION, O_PROTOCOL, O_CERT, O_KEY, O_CLIENT_CERT,
       O_COUNT };
_Static_assert(O_COUNT == GA_OTLP_NOPTS, "the options of preload/vars.h");

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
    static const char path[GA_OTLP_NSIG][11] = {"v1/traces", "v1/metrics", "v1/logs"};
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
    return ga_isdigit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
         : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
}

static int ga__is_tchar(int c)
{
    return ga_isalnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
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

/* The variable of option opt in scope (0 = generic, 1 + signal). */
static ga_var *ga__var(int opt, int scope) { return ga_otlp_var(opt, scope); }

/* What applies instead of a bad per-signal value: the generic variable's value when it is
 * good (`<value> (<generic name>)`), else the default. */
static const char *ga__instead(ga_var *generic, int generic_ok, const char *def, char *buf, size_t cap)
{
    if (!generic_ok)
        return def;
    snprintf(buf, cap, "%.64s (%s)", generic->val, ga_var_name(generic));
    return buf;
}

static void ga__load_url(int signal, ga_otlp_cfg *out)
{
    ga_var *sv = ga__var(O_ENDPOINT, signal + 1), *gv = ga__var(O_ENDPOINT, 0);
    if (sv->val && ga_otlp_url(sv->val, NULL, signal, out->url, sizeof out->url) == 0)
        return;
    if (sv->val) {
        char buf[128];
        int g_ok = gv->val != NULL && ga_otlp_url_valid(gv->val);
        ga_var_warn(sv, "an http:// or https:// URL",
                    ga__instead(gv, g_ok, GA_OTLP_DEFAULT_BASE, buf, sizeof buf));
    }
    if (gv->val && ga_otlp_url(NULL, gv->val, signal, out->url, sizeof out->url) == 0)
        return;
    if (gv->val)
        ga_var_warn(gv, "an http:// or https:// URL", GA_OTLP_DEFAULT_BASE);
    ga_otlp_url(NULL, GA_OTLP_DEFAULT_BASE, signal, out->url, sizeof out->url);
}

static void ga__load_headers(int signal, ga_otlp_cfg *out)
{
    out->n_headers = 0;
    for (int scope = signal + 1; scope >= 0; scope = scope ? 0 : -1) {
        ga_var *v = ga__var(O_HEADERS, scope);
        if (v->val == NULL)
            continue;
        if (ga_otlp_parse_headers(v->val, out) == 0)
            return;
        /* Never echo the value: headers usually carry credentials. */
        ga_var_warn_hidden(v, "well formed (want name=value,...)",
                           scope ? "OTEL_EXPORTER_OTLP_HEADERS or none" : "no extra headers");
    }
}

/* A non-negative integer in [lo, hi], else -1. */
static long ga__uint(const char *v, long lo, long hi)
{
    char *end;
    long x = strtol(v, &end, 10);
    return (end == v || *end != '\0' || x < lo || x > hi) ? -1 : x;
}

static void ga__load_timeout(int signal, ga_otlp_cfg *out)
{
    ga_var *g = ga__var(O_TIMEOUT, 0);
    int g_ok = g->val != NULL && ga__uint(g->val, 0, INT_MAX) >= 0;
    for (int scope = signal + 1; scope >= 0; scope = scope ? 0 : -1) {
        ga_var *v = ga__var(O_TIMEOUT, scope);
        if (v->val == NULL)
            continue;
        long t = ga__uint(v->val, 0, INT_MAX);
        if (t >= 0) {
            out->timeout_ms = (unsigned)t;
            return;
        }
        char buf[128];
        ga_var_warn(v, "a number of milliseconds", ga__instead(g, scope && g_ok, "10000", buf, sizeof buf));
    }
}

static int ga__compression_ok(const char *v)
{
    return v != NULL && (strcasecmp(v, "gzip") == 0 || strcasecmp(v, "none") == 0);
}

static void ga__load_compression(int signal, ga_otlp_cfg *out)
{
    ga_var *g = ga__var(O_COMPRESSION, 0);
    for (int scope = signal + 1; scope >= 0; scope = scope ? 0 : -1) {
        ga_var *v = ga__var(O_COMPRESSION, scope);
        if (v->val == NULL)
            continue;
        if (ga__compression_ok(v->val)) {
            out->gzip = strcasecmp(v->val, "gzip") == 0;
            return;
        }
        char buf[128];
        ga_var_warn(v, "gzip or none",
                    ga__instead(g, scope && ga__compression_ok(g->val), "none", buf, sizeof buf));
    }
}

/* Only http/protobuf exists; a bad per-signal value does not fall back to the generic one. */
static void ga__load_protocol(int signal)
{
    for (int scope = signal + 1; scope >= 0; scope = scope ? 0 : -1) {
        ga_var *v = ga__var(O_PROTOCOL, scope);
        if (v->val == NULL)
            continue;
        if (strcasecmp(v->val, "http/protobuf") != 0)
            ga_var_warn(v, strcasecmp(v->val, "grpc") == 0 || strcasecmp(v->val, "http/json") == 0
                           ? "supported by genesis-auto (http/protobuf only)"
                           : "grpc, http/protobuf or http/json", "http/protobuf");
        return;
    }
}

static void ga__load_path(int signal, int opt, char *out, size_t cap)
{
    out[0] = '\0';
    for (int scope = signal + 1; scope >= 0; scope = scope ? 0 : -1) {
        const char *v = ga__var(opt, scope)->val;
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
    ga__load_timeout(signal, out);
    ga__load_compression(signal, out);
    ga__load_protocol(signal);
    ga__load_path(signal, O_CERT, out->certificate, sizeof out->certificate);
    ga__load_path(signal, O_KEY, out->client_key, sizeof out->client_key);
    ga__load_path(signal, O_CLIENT_CERT, out->client_certificate, sizeof out->client_certificate);
}

/* ---- OTEL_BSP_* ---------------------------------------------------------------------- */

void ga_bsp_cfg_load(ga_bsp_cfg *out)
{
    out->schedule_delay_ms = (unsigned)ga_var_int(GA_VAR(OTEL_BSP_SCHEDULE_DELAY));
    out->export_timeout_ms = (unsigned)ga_var_int(GA_VAR(OTEL_BSP_EXPORT_TIMEOUT));
    out->max_queue_size = (unsigned)ga_var_int(GA_VAR(OTEL_BSP_MAX_QUEUE_SIZE));
    if (out->max_queue_size > GA_BSP_QUEUE_LIMIT) {
        ga_var_warn(GA_VAR(OTEL_BSP_MAX_QUEUE_SIZE), "at most 65536", "65536");
        out->max_queue_size = GA_BSP_QUEUE_LIMIT;
    }
    out->max_export_batch_size = (unsigned)ga_var_int(GA_VAR(OTEL_BSP_MAX_EXPORT_BATCH_SIZE));
    if (out->max_export_batch_size > out->max_queue_size) {
        if (ga_var_raw(GA_VAR(OTEL_BSP_MAX_EXPORT_BATCH_SIZE)) != NULL) {
            char applied[32];
            snprintf(applied, sizeof applied, "%u", out->max_queue_size);
            ga_var_warn(GA_VAR(OTEL_BSP_MAX_EXPORT_BATCH_SIZE),
                        "at most OTEL_BSP_MAX_QUEUE_SIZE", applied);
        }
        out->max_export_batch_size = out->max_queue_size;
    }
}

const char *ga_otlp_libcurl_name(void)
{
    const char *v = ga_var_raw(GA_VAR(GENESIS_LIBCURL));
    return v ? v : "libcurl.so.4";
}
