/* otlp_batch.c — the batch processors' shared timing (contract in otlp_batch.h). */
#include "exporter/otlp_batch.h"
#include "exporter/exporter.h"

int ga_otlp_batch_tick(ga_otlp_batch *b, uint64_t now)
{
    if (!b->on)
        return -1;
    int next = b->http ? ga_otlp_http_tick(b->http, now) : -1;
    b->ops->collect();
    if (b->count == 0 || !ga_otlp_batch_idle(b))
        return next;
    uint64_t due = b->oldest_ms + b->cfg.schedule_delay_ms;
    if (b->count >= b->cfg.max_export_batch_size || now >= due) {
        b->ops->send(0);
        return b->http ? ga_otlp_http_tick(b->http, ga_mono_ms()) : -1;
    }
    int wait = due - now > 60000 ? 60000 : (int)(due - now);
    return next < 0 || wait < next ? wait : next;
}

int ga_otlp_batch_pollfds(ga_otlp_batch *b, struct pollfd *p, int max)
{
    return b->http ? ga_otlp_http_pollfds(b->http, p, max) : 0;
}

void ga_otlp_batch_events(ga_otlp_batch *b, const struct pollfd *p, int n)
{
    if (b->http == NULL)
        return;
    ga_otlp_http_events(b->http, p, n);
    b->ops->collect();
}

/* At exit: send what is left, stopping a little before the deadline so the thread is out of
 * libcurl before the process goes on to run its destructors. */
static void ga__final(ga_otlp_batch *b, uint64_t deadline)
{
    uint64_t now = ga_mono_ms();
    uint64_t margin = deadline > now ? (deadline - now) / 8 : 0;
    uint64_t end = deadline > now ? deadline - (margin > 50 ? 50 : margin) : now;
    for (;;) {
        if (b->http && ga_otlp_http_busy(b->http))
            ga_otlp_http_wait(b->http, end);
        b->ops->collect();
        if (b->count == 0 || ga_mono_ms() >= end)
            break;
        b->ops->send(end);
    }
    if (b->count > 0) {
        b->ops->drop(b->count);
        b->count = 0;
    }
}

void ga_otlp_batch_flush(ga_otlp_batch *b, int final, uint64_t deadline_ms)
{
    if (!b->on)
        return;
    if (final)
        ga__final(b, deadline_ms);
    else if (b->count >= b->cfg.max_export_batch_size && ga_otlp_batch_idle(b))
        b->ops->send(0);
}
