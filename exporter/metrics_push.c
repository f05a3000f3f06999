/* metrics_push.c — OTLP push of the instruments (contract in metrics_push.h). */
#include <string.h>
#include "exporter/exporter.h"
#include "exporter/metrics_conf.h"
#include "exporter/metrics_otlp.h"
#include "exporter/metrics_push.h"
#include "exporter/metrics_reg.h"
#include "exporter/otlp_config.h"
#include "exporter/otlp_http.h"
#include "exporter/otlp_resp.h"
#include "preload/emit.h"
#include "preload/log.h"

static struct {
    ga_otlp_cfg cfg;
    ga_otlp_http *http;
    ga_buf body;
} P;

int ga_metrics_push_open(void)
{
    ga_otlp_cfg_load(GA_OTLP_METRICS, &P.cfg);
    (void)ga_otlp_http_warm(&P.cfg);    /* now, not at exit: see otlp_http.h */
    return 0;
}

uint64_t ga_metrics_push_timeout_ms(void)
{
    return ga_mconf.timeout_ms ? ga_mconf.timeout_ms : 0x7fffffff;
}

/* A 2xx answer may still reject data points (partial success): say it once. */
static void ga__partial_success(const ga_otlp_result *res)
{
    char msg[256];
    int64_t v;
    if (ga_otlp_resp_partial(res->body, res->body_len, &v, msg, sizeof msg) <= 0)
        return;                         /* empty body, or not protobuf: full success */
    long long rejected = (long long)v;
    if (rejected > 0 || msg[0])
        ga_warn(GA_LK_EXPORT_REJECT, "OTLP collector at %s rejected %lld metric data points: %.200s",
                P.cfg.url, rejected > 0 ? rejected : 0, msg);
}

/* Take the outcome of the push in flight, if it has finished. */
static void ga__collect(void)
{
    ga_otlp_result res;
    if (P.http == NULL || !ga_otlp_http_result(P.http, &res))
        return;
    if (res.ok)
        ga__partial_success(&res);
    else
        ga_self_export_failed(res.why);
}

void ga_metrics_push_start(uint64_t deadline_ms)
{
    if (P.http == NULL && (P.http = ga_otlp_http_new(&P.cfg, "metrics")) == NULL) {
        ga_self_export_failed(GA_FAIL_ENCODE);
        return;
    }
    if (ga_otlp_http_busy(P.http))
        return;                         /* previous push still in flight: skip this one */
    ga_metrics_collect();
    if (ga_metrics_otlp_encode(&P.body, ga_now_ns()) < 0) {
        ga_self_export_failed(GA_FAIL_ENCODE);
        return;
    }
    ga_otlp_http_send(P.http, &P.body, deadline_ms);
    ga__collect();                      /* it may have failed at once (no libcurl) */
}

int ga_metrics_push_pollfds(struct pollfd *p, int max)
{
    return P.http ? ga_otlp_http_pollfds(P.http, p, max) : 0;
}

void ga_metrics_push_events(const struct pollfd *p, int n)
{
    if (P.http == NULL)
        return;
    ga_otlp_http_events(P.http, p, n);
    ga__collect();
}

int ga_metrics_push_tick(uint64_t now_ms)
{
    int next = P.http ? ga_otlp_http_tick(P.http, now_ms) : -1;
    ga__collect();
    return next;
}

void ga_metrics_push_final(uint64_t deadline_ms)
{
    if (P.http && ga_otlp_http_busy(P.http))
        ga_otlp_http_wait(P.http, deadline_ms);
    ga__collect();
    if (ga_mono_ms() >= deadline_ms)
        return;
    ga_metrics_push_start(deadline_ms);
    if (P.http && ga_otlp_http_busy(P.http))
        ga_otlp_http_wait(P.http, deadline_ms);
    ga__collect();
}

void ga_metrics_push_after_fork(void)
{
    memset(&P, 0, sizeof P);
    ga_metrics_otlp_after_fork();
}
