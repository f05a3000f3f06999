/* config.c — the core variables of the configuration table into ga_cfg (see config.h). Runs
 * once in the constructor, before any thread of ours exists; no allocation. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "preload/config.h"
#include "preload/baggage.h"
#include "preload/stack.h"
#include "preload/log.h"
#include "preload/vars.h"
#include "preload/ga.h"

ga_config ga_cfg;

/* The raw value of a core variable, or NULL when unset. */
#define ga__env(N) ga_var_raw(GA_VAR(N))

static void ga__parse_sampler(ga_config *cfg)
{
    /* In the order of the variable's choices (preload/vars.h). */
    static const int samplers[] = {     /* in the order of the variable's choices */
        GA_SAMPLER_PB_ALWAYS_ON, GA_SAMPLER_ALWAYS_ON, GA_SAMPLER_ALWAYS_OFF, GA_SAMPLER_RATIO,
        GA_SAMPLER_PB_ALWAYS_OFF, GA_SAMPLER_PB_RATIO,
    };
    cfg->sampler = samplers[ga_var_enum(GA_VAR(OTEL_TRACES_SAMPLER))];
    cfg->sampler_ratio = 1.0;
    if (ga__env(OTEL_TRACES_SAMPLER) == NULL)
        return;            /* _ARG is only read when a sampler is set (spec) */
    const char *arg = ga__env(OTEL_TRACES_SAMPLER_ARG);
    if (arg != NULL && (cfg->sampler == GA_SAMPLER_RATIO || cfg->sampler == GA_SAMPLER_PB_RATIO)) {
        char *end;
        double r = strtod(arg, &end);
        if (end == arg || *end != '\0' || !(r >= 0.0 && r <= 1.0))
            ga_var_warn(GA_VAR(OTEL_TRACES_SAMPLER_ARG), "a ratio in [0, 1]", "1.0");
        else
            cfg->sampler_ratio = r;
    }
}

/* Comma list of exporter names into GA_EXP_* bits; unknown names warn and are ignored. */
static unsigned ga__parse_exporters(ga_var *var, unsigned allowed)
{
    const char *v = ga_var_raw(var);
    if (v == NULL)
        return GA_EXP_OTLP;
    unsigned bits = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", v);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (ga_isspace((unsigned char)*tok)) tok++;
        size_t n = strlen(tok);
        while (n > 0 && ga_isspace((unsigned char)tok[n - 1])) tok[--n] = '\0';
        unsigned bit = strcasecmp(tok, "otlp") == 0 ? GA_EXP_OTLP
                     : strcasecmp(tok, "console") == 0 || strcasecmp(tok, "logging") == 0 ? GA_EXP_CONSOLE
                     : strcasecmp(tok, "prometheus") == 0 ? GA_EXP_PROMETHEUS
                     : strcasecmp(tok, "none") == 0 ? 0 : ~0u;
        if (bit == ~0u || (bit & ~allowed)) {
            char what[96];
            snprintf(what, sizeof what, "a list of supported exporters ('%.40s' is not one)", tok);
            ga_var_warn(var, what, "the others");
            continue;
        }
        bits |= bit;
    }
    return bits;
}

/* OTEL_PROPAGATORS: a comma list (case-insensitive, deduplicated) into GA_PROP_* bits and
 * their order; unknown names warn (once, the table's format) and are ignored. */
static void ga__parse_propagators(ga_config *cfg)
{
    static const struct { char name[13]; unsigned bit; } known[] = {
        { "tracecontext", GA_PROP_TC }, { "baggage", GA_PROP_BAGGAGE },
        { "b3", GA_PROP_B3 }, { "b3multi", GA_PROP_B3MULTI }, { "none", 0 },
    };
    ga_var *var = GA_VAR(OTEL_PROPAGATORS);
    const char *v = ga_var_raw(var);
    if (v == NULL || *v == '\0') {             /* the default, without a string's parse */
        cfg->propagators = GA_PROP_TC;
        cfg->prop_order[0] = GA_PROP_TC;
        return;
    }
    char buf[256];
    snprintf(buf, sizeof buf, "%s", v);
    int n = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (ga_isspace((unsigned char)*tok)) tok++;
        size_t l = strlen(tok);
        while (l > 0 && ga_isspace((unsigned char)tok[l - 1])) tok[--l] = '\0';
        unsigned bit = ~0u;
        for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
            if (strcasecmp(tok, known[k].name) == 0)
                bit = known[k].bit;
        if (bit == ~0u) {
            char what[96];
            snprintf(what, sizeof what, "a list of supported propagators ('%.40s' is not one)", tok);
            ga_var_warn(var, what, "the others");
            continue;
        }
        if (bit == 0 || (cfg->propagators & bit))
            continue;
        cfg->propagators |= bit;
        cfg->prop_order[n++] = (uint8_t)bit;
    }
}

static int ga__unhexc(int c)
{
    return ga_isdigit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
         : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
}

/* Percent-decode [s, s+n) into out (NUL-terminated); trims spaces; -1 on a bad escape. */
static int ga__pct_decode(const char *s, size_t n, char *out, size_t cap, size_t *used)
{
    while (n > 0 && ga_isspace((unsigned char)*s)) { s++; n--; }
    while (n > 0 && ga_isspace((unsigned char)s[n - 1])) n--;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= n)
                return -1;
            int h = ga__unhexc((unsigned char)s[i + 1]), l = ga__unhexc((unsigned char)s[i + 2]);
            if (h < 0 || l < 0)
                return -1;
            c = h << 4 | l;
            i += 2;
        }
        if (o + 2 > cap) return -1;
        out[o++] = (char)c;
    }
    out[o++] = '\0';
    *used = o;
    return 0;
}

int ga_config_parse_resource(ga_config *cfg, const char *s)
{
    ga_config tmp;
    size_t off = 0;
    int n = 0;
    const char *p = s;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (eq == NULL || eq == p || n == GA_MAX_RESOURCE_ATTRS)
            return -1;
        size_t ku, vu;
        char *k = tmp.res_buf + off;
        if (ga__pct_decode(p, (size_t)(eq - p), k, sizeof tmp.res_buf - off, &ku) < 0 || *k == '\0')
            return -1;
        off += ku;
        char *v = tmp.res_buf + off;
        if (ga__pct_decode(eq + 1, len - (size_t)(eq - p) - 1, v, sizeof tmp.res_buf - off, &vu) < 0)
            return -1;
        off += vu;
        tmp.resource_attrs[n].key = k;
        tmp.resource_attrs[n].value = v;
        n++;
        p = end ? end + 1 : p + len;
    }
    memcpy(cfg->res_buf, tmp.res_buf, off);
    for (int i = 0; i < n; i++) {   /* rebase the pointers into cfg's own buffer */
        cfg->resource_attrs[i].key = cfg->res_buf + (tmp.resource_attrs[i].key - tmp.res_buf);
        cfg->resource_attrs[i].value = cfg->res_buf + (tmp.resource_attrs[i].value - tmp.res_buf);
    }
    cfg->n_resource_attrs = n;
    return 0;
}

int ga_config_glob_match(const char *list, const char *name)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (ga_isspace((unsigned char)*tok)) tok++;
        if (*tok && fnmatch(tok, name, 0) == 0)
            return 1;
    }
    return 0;
}

/* GENESIS_LOG_LEVEL, else OTEL_LOG_LEVEL (the warning names the one that was read). */
static void ga__parse_log_level(void)
{
    /* In the order of the variables' choices: off error warn info debug warning none. */
    static const int levels[] = { GA_LOG_WARN, GA_LOG_OFF, GA_LOG_ERROR, GA_LOG_INFO,   /* choices' */
                                  GA_LOG_DEBUG, GA_LOG_WARN, GA_LOG_OFF };              /* order */
    ga_var *v = ga__env(GENESIS_LOG_LEVEL) != NULL ? GA_VAR(GENESIS_LOG_LEVEL) : GA_VAR(OTEL_LOG_LEVEL);
    ga_log_level = GA_LOG_WARN;         /* so that a bad value is reported */
    ga_log_level = levels[ga_var_enum(v)];
}

static void ga__parse_context(ga_config *cfg)
{
    if (ga_baggage_env(ga__env(BAGGAGE)) != 0)
        ga_var_warn(GA_VAR(BAGGAGE), "a W3C baggage value of at most 256 printable ASCII bytes",
                    "none");
    const char *tp = ga__env(TRACEPARENT);
    memset(&cfg->env_parent, 0, sizeof cfg->env_parent);
    cfg->tracestate[0] = '\0';
    if (tp == NULL)
        return;
    if (ga_traceparent_parse(tp, strlen(tp), &cfg->env_parent) < 0) {
        ga_var_warn(GA_VAR(TRACEPARENT), "a valid W3C traceparent", "none");
        return;
    }
    const char *ts = ga__env(TRACESTATE);
    if (ts != NULL && strlen(ts) < sizeof cfg->tracestate)
        strcpy(cfg->tracestate, ts);
}

void ga_config_load(ga_config *cfg, const char *exe, char *const *envp)
{
    /* A configuration read before is cleared; the constructor's first finds it zeroed (.bss),
     * and writing 4 KiB of zeros over it would make its second page fault too. */
    static int ga__loaded GA_START_DATA;
    ga_env_read(envp);
    if (__atomic_exchange_n(&ga__loaded, 1, __ATOMIC_RELAXED) || cfg != &ga_cfg)
        memset(cfg, 0, sizeof *cfg);
    ga__parse_log_level();
    cfg->disabled = ga_var_bool(GA_VAR(OTEL_SDK_DISABLED)) | ga_var_bool(GA_VAR(GENESIS_DISABLED));
    const char *inc = ga__env(GENESIS_INCLUDE), *exc = ga__env(GENESIS_EXCLUDE);
    if (exe != NULL && ((inc && !ga_config_glob_match(inc, exe)) || (exc && ga_config_glob_match(exc, exe))))
        cfg->disabled = 1;
    if (cfg->disabled)
        return;
    ga__parse_sampler(cfg);
    cfg->traces_exporters = ga__parse_exporters(GA_VAR(OTEL_TRACES_EXPORTER), GA_EXP_OTLP | GA_EXP_CONSOLE);
    cfg->metrics_exporters = ga__parse_exporters(GA_VAR(OTEL_METRICS_EXPORTER),
                                                 GA_EXP_OTLP | GA_EXP_CONSOLE | GA_EXP_PROMETHEUS);
    cfg->logs_exporters = ga__parse_exporters(GA_VAR(OTEL_LOGS_EXPORTER), GA_EXP_OTLP | GA_EXP_CONSOLE);
    cfg->logs_capture = ga_var_bool(GA_VAR(GENESIS_LOGS));
    cfg->propagate = ga_var_bool(GA_VAR(GENESIS_PROPAGATE));
    ga__parse_propagators(cfg);
    if (cfg->propagators == 0)
        cfg->propagate = 0;         /* `none`: nothing to add to outgoing requests */
    ga_stack_configure();
    cfg->exit_flush_ms = (unsigned)ga_var_int(GA_VAR(GENESIS_EXIT_FLUSH_MS));
    long q = ga_var_int(GA_VAR(GENESIS_QUEUE_SIZE));
    uint32_t cap = 2;
    while (cap < (uint32_t)q)
        cap <<= 1;
    cfg->queue_size = cap;
    ga__parse_context(cfg);
    const char *svc = ga__env(OTEL_SERVICE_NAME);
    if (svc != NULL)
        snprintf(cfg->service_name, sizeof cfg->service_name, "%s", svc);
    const char *cf = ga__env(GENESIS_CONSOLE_FILE);
    if (cf != NULL)
        snprintf(cfg->console_file, sizeof cfg->console_file, "%s", cf);
    const char *ra = ga__env(OTEL_RESOURCE_ATTRIBUTES);
    if (ra != NULL && ga_config_parse_resource(cfg, ra) < 0)
        ga_var_warn_hidden(GA_VAR(OTEL_RESOURCE_ATTRIBUTES), "a list of key=value pairs",
                           "no extra attributes (the whole variable is ignored)");
}
