/* metrics_component.c — the metrics aggregation as an exporter-thread component: every
 * drained record feeds the instruments (metrics_reg.h) when OTEL_METRICS_EXPORTER names
 * otlp, prometheus or console; with otlp, the instruments are pushed to /v1/metrics every
 * OTEL_METRIC_EXPORT_INTERVAL ms (between starts of attempts) and once more at exit; with
 * console, their points are printed on the same schedule (metrics_console.c).
 * In a family of forked processes sharing one Prometheus endpoint (metrics_family.h), the
 * instruments are also published to the family every GA_FAM_PUBLISH_MS while records arrive
 * (GA_FAM_IDLE_MS otherwise) and once more at exit.
 * Listed first in exporter/components.c, so the Prometheus component finds it open. */
#include "exporter/components.h"
#include "exporter/console.h"
#include "exporter/exporter.h"
#include "exporter/metrics_conf.h"
#include "exporter/metrics_family.h"
#include "exporter/metrics_push.h"
#include "exporter/metrics_reg.h"
#include "preload/config.h"

static int ga__push_on;
static uint64_t ga__next_push_ms;
static int ga__console_on;
static uint64_t ga__next_console_ms;
static int ga__fam_dirty;               /* records arrived since the last publication */
static uint64_t ga__fam_next_ms;

static void ga__metrics_record(const ga_rec *r)
{
    ga_metrics_on_record(r);
    ga__fam_dirty = 1;
}

/* Publish to the family when due; returns the ms until the next publication (-1: no family). */
static int ga__fam_tick(uint64_t now_ms)
{
    if (!ga_family_on())
        return -1;
    if (now_ms >= ga__fam_next_ms) {
        ga_metrics_collect();
        int rc = ga_family_publish(ga_minst, ga_minst_count, 0);
        ga__fam_next_ms = now_ms + (rc < 0 ? 10 : ga__fam_dirty ? GA_FAM_PUBLISH_MS : GA_FAM_IDLE_MS);
        if (rc == 0)
            ga__fam_dirty = 0;
    } else if (ga__fam_dirty && ga__fam_next_ms > now_ms + GA_FAM_PUBLISH_MS) {
        ga__fam_next_ms = now_ms + GA_FAM_PUBLISH_MS;   /* idle period over: records again */
    }
    return (int)(ga__fam_next_ms - now_ms);
}

static int ga__metrics_open(void)
{
    unsigned ex = ga_cfg.metrics_exporters;
    if (!(ex & (GA_EXP_OTLP | GA_EXP_PROMETHEUS | GA_EXP_CONSOLE)))
        return -1;
    ga_metrics_conf_load(&ga_mconf);
    ga_metrics_start();
    ga__push_on = (ex & GA_EXP_OTLP) && ga_metrics_push_open() == 0;
    ga__next_push_ms = ga_mono_ms() + ga_mconf.interval_ms;
    ga__console_on = (ex & GA_EXP_CONSOLE) != 0;
    ga__next_console_ms = ga__next_push_ms;
    return 0;
}

/* The console's points are due: print them; ms until the next time. */
static int ga__console_tick(uint64_t now_ms)
{
    if (now_ms >= ga__next_console_ms) {
        ga__next_console_ms = now_ms + ga_mconf.interval_ms;
        ga_metrics_console_export();
    }
    uint64_t left = ga__next_console_ms - now_ms;
    return left > 0x7fffffff ? 0x7fffffff : (int)left;
}

static int ga__metrics_tick(uint64_t now_ms)
{
    ga_bytes_tick();
    int soon = ga__fam_tick(now_ms);        /* the earlier of the family and the console */
    int con = ga__console_on ? ga__console_tick(now_ms) : -1;
    if (con >= 0 && (soon < 0 || con < soon))
        soon = con;
    if (!ga__push_on)
        return soon;
    if (now_ms >= ga__next_push_ms) {
        ga__next_push_ms = now_ms + ga_mconf.interval_ms;
        ga_metrics_push_start(now_ms + ga_metrics_push_timeout_ms());
    }
    int next = ga_metrics_push_tick(ga_mono_ms());
    uint64_t now = ga_mono_ms();
    uint64_t left = ga__next_push_ms > now ? ga__next_push_ms - now : 0;
    int due = left > 0x7fffffff ? 0x7fffffff : (int)left;
    if (soon >= 0 && soon < due)
        due = soon;
    return next >= 0 && next < due ? next : due;
}

static int ga__metrics_pollfds(struct pollfd *p, int max)
{
    return ga__push_on ? ga_metrics_push_pollfds(p, max) : 0;
}

/* At exit, one last push; it leaves half of the remaining time to the span exporter that
 * flushes after it when OTLP traces are on too. */
static void ga__metrics_flush(int final, uint64_t deadline_ms)
{
    if (final && ga_family_on()) {          /* what this member counted stays in the family */
        ga_metrics_collect();
        ga_family_publish(ga_minst, ga_minst_count, 1000);
    }
    if (final && ga__console_on)
        ga_metrics_console_export();
    if (!final || !ga__push_on)
        return;
    uint64_t now = ga_mono_ms();
    if (deadline_ms <= now)
        return;
    if (ga_cfg.traces_exporters & GA_EXP_OTLP)
        deadline_ms = now + (deadline_ms - now) / 2;
    ga_metrics_push_final(deadline_ms);
}

/* Child: a new process for telemetry (new resource, new start time, empty series). */
static void ga__metrics_after_fork(void)
{
    ga_metrics_after_fork();
    ga_metrics_push_after_fork();
    ga_family_after_fork();
    ga_metrics_console_after_fork();
    ga__push_on = ga__console_on = 0;
    ga__fam_dirty = 0;
    ga__fam_next_ms = 0;
}

/* The component (exporter.h), described at the exporter thread's start: a function, not a
 * const struct, whose function pointers the loader would relocate in every process. */
void ga_metrics_component_get(ga_component *c)
{
    *c = (ga_component){
        .name = "metrics",
        .open = ga__metrics_open,
        .record = ga__metrics_record,
        .pollfds = ga__metrics_pollfds,
        .events = ga_metrics_push_events,
        .tick = ga__metrics_tick,
        .flush = ga__metrics_flush,
        .after_fork = ga__metrics_after_fork,
    };
}
