/* prom_names.c — OTel → Prometheus names, labels, escaping and number formatting
 * (contract in prom.h; rules from SPECS §6.1–6.3). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exporter/prom.h"

/* A unit and its Prometheus word, stored inline (13 bytes: "microseconds" and its NUL): a table
 * of pointers in a shared library costs a relocation per entry at every process start. */
typedef char ga__unit_pair[2][13];

/* The word of unit k[0..kl) in table t (n pairs), or NULL. */
static const char *ga__lookup(const ga__unit_pair *t, size_t n, const char *k, size_t kl)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(t[i][0]) == kl && memcmp(t[i][0], k, kl) == 0)
            return t[i][1];
    return NULL;
}

static const ga__unit_pair ga__units[] = {
    {"d", "days"}, {"h", "hours"}, {"min", "minutes"}, {"s", "seconds"}, {"ms", "milliseconds"},
    {"us", "microseconds"}, {"ns", "nanoseconds"}, {"By", "bytes"}, {"KiBy", "kibibytes"},
    {"MiBy", "mebibytes"}, {"GiBy", "gibibytes"}, {"TiBy", "tebibytes"}, {"kBy", "kilobytes"},
    {"KBy", "kilobytes"}, {"MBy", "megabytes"}, {"GBy", "gigabytes"}, {"TBy", "terabytes"},
    {"m", "meters"}, {"V", "volts"}, {"A", "amperes"}, {"J", "joules"}, {"W", "watts"},
    {"g", "grams"}, {"Cel", "celsius"}, {"Hz", "hertz"}, {"%", "percent"}, {"1", ""},
};
static const ga__unit_pair ga__per_units[] = {
    {"s", "second"}, {"m", "minute"}, {"h", "hour"}, {"d", "day"}, {"w", "week"},
    {"mo", "month"}, {"y", "year"},
};

/* Append [s, s+n) mapped through table t (unknown units are kept as written). */
static void ga__unit_part(char *out, size_t cap, const char *s, size_t n,
                          const ga__unit_pair *t, size_t tn)
{
    const char *w = ga__lookup(t, tn, s, n);
    size_t o = strlen(out);
    snprintf(out + o, cap - o, "%.*s", w ? (int)strlen(w) : (int)n, w ? w : s);
}

void ga_prom_unit(const char *ucum, char *out, size_t cap)
{
    char u[128];
    size_t n = 0;
    int depth = 0;
    for (const char *p = ucum ? ucum : ""; *p && n + 1 < sizeof u; p++) {
        if (*p == '{') depth++;
        else if (*p == '}' && depth > 0) depth--;
        else if (depth == 0) u[n++] = *p;
    }
    u[n] = '\0';
    out[0] = '\0';
    char *slash = strchr(u, '/');
    if (slash == NULL) {
        ga__unit_part(out, cap, u, n, ga__units, GA_ARRAY_LEN(ga__units));
        return;
    }
    ga__unit_part(out, cap, u, (size_t)(slash - u), ga__units, GA_ARRAY_LEN(ga__units));
    size_t o = strlen(out);
    snprintf(out + o, cap - o, "%s", o ? "_per_" : "per_");
    ga__unit_part(out, cap, slash + 1, strlen(slash + 1), ga__per_units, GA_ARRAY_LEN(ga__per_units));
}

/* Copy s replacing chars not in the allowed set by `_` and collapsing runs of `_`. */
static size_t ga__sanitize(const char *s, char *out, size_t cap, int allow_colon)
{
    size_t o = 0;
    for (; *s && o + 1 < cap; s++) {
        char c = *s;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
              || (allow_colon && c == ':');
        c = ok ? c : '_';
        if (c == '_' && o > 0 && out[o - 1] == '_')
            continue;
        out[o++] = c;
    }
    out[o] = '\0';
    return o;
}

static int ga__ends_with(const char *s, size_t n, const char *suf)
{
    size_t k = strlen(suf);
    return n >= k && memcmp(s + n - k, suf, k) == 0;
}

size_t ga_prom_base_name(const ga_instrument *m, char *out, size_t cap)
{
    if (m->prom_name != NULL) {         /* a translated name promtool rejects (metrics.md) */
        int w = snprintf(out, cap, "%s", m->prom_name);
        return w < 0 ? 0 : (size_t)w < cap ? (size_t)w : cap - 1;
    }
    char tmp[256], unit[64];
    size_t n = ga__sanitize(m->name, tmp + 1, sizeof tmp - 1, 1);
    const char *name = tmp + 1;
    if (n > 0 && tmp[1] >= '0' && tmp[1] <= '9') {
        tmp[0] = '_';
        name = tmp;
        n++;
    }
    if (m->kind == GA_MK_COUNTER && ga__ends_with(name, n, "_total"))
        n -= 6;
    ga_prom_unit(m->unit, unit, sizeof unit);
    if (unit[0] == '\0' && m->kind == GA_MK_GAUGE && m->unit && strcmp(m->unit, "1") == 0)
        snprintf(unit, sizeof unit, "ratio");
    char suffix[72] = "";
    if (unit[0] != '\0') {
        char su[64];
        ga__sanitize(unit, su, sizeof su, 0);
        snprintf(suffix, sizeof suffix, "_%s", su);
    }
    int add = suffix[0] && !ga__ends_with(name, n, suffix);
    int w = snprintf(out, cap, "%.*s%s", (int)n, name, add ? suffix : "");
    return w < 0 ? 0 : (size_t)w < cap ? (size_t)w : cap - 1;
}

void ga_prom_label_name(const char *key, char *out, size_t cap)
{
    char tmp[256];
    size_t n = ga__sanitize(key, tmp, sizeof tmp, 0);
    if (n > 0 && tmp[0] >= '0' && tmp[0] <= '9')
        snprintf(out, cap, "key_%s", tmp);
    else
        snprintf(out, cap, "%s", n ? tmp : "_");
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t ga__utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
               : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (len == 0 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F)       /* overlong, surrogate */
        || (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F))   /* overlong, > U+10FFFF */
        return 0;
    return len;
}

/* Escape \ and LF always, " when quote != 0; invalid UTF-8 → U+FFFD. */
static void ga__escape(ga_buf *b, const char *s, size_t n, int quote)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t l = ga__utf8_len(p + i, n - i);
        if (l == 0) {
            ga_buf_puts(b, "\xEF\xBF\xBD");
            i++;
        } else if (p[i] == '\\' || (quote && p[i] == '"')) {
            char e[2] = {'\\', (char)p[i]};
            ga_buf_put(b, e, 2);
            i++;
        } else if (p[i] == '\n') {
            ga_buf_puts(b, "\\n");
            i++;
        } else {
            ga_buf_put(b, p + i, l);
            i += l;
        }
    }
}

void ga_prom_put_label_value(ga_buf *b, const char *s, size_t n) { ga__escape(b, s, n, 1); }

void ga_prom_put_help(ga_buf *b, const char *s, int om) { ga__escape(b, s, strlen(s), om); }

/* Shortest number of significant digits that reads back as v. */
static int ga__shortest(double v, char *e, size_t cap)
{
    for (int p = 1; p <= 17; p++) {
        snprintf(e, cap, "%.*e", p - 1, v);
        if (strtod(e, NULL) == v)
            return p;
    }
    return 17;
}

void ga_prom_float(double v, int canonical, char *out, size_t cap)
{
    if (isnan(v)) { snprintf(out, cap, "NaN"); return; }
    if (isinf(v)) { snprintf(out, cap, v > 0 ? "+Inf" : "-Inf"); return; }
    if (v == 0) { snprintf(out, cap, canonical ? "0.0" : "0"); return; }
    char e[40];
    int digits = ga__shortest(v, e, sizeof e);
    int exp = atoi(strchr(e, 'e') + 1);
    if (exp < -4 || exp >= 6) {             /* Go switches to %e outside [1e-4, 1e6) */
        snprintf(out, cap, "%s", e);            /* "1.5e-05", "1e+06" */
        return;
    }
    int decimals = digits - (exp + 1);
    snprintf(out, cap, "%.*f", decimals > 0 ? decimals : 0, v);
    if (canonical && strchr(out, '.') == NULL) {
        size_t l = strlen(out);
        snprintf(out + l, cap - l, ".0");
    }
}
