/* http_active.h — http.server.active_requests: server requests whose head was read and whose
 * response is not finished yet, per method. Incremented and decremented on the application
 * thread (relaxed atomics, no lock), read by the metrics collection on the exporter thread. */
#ifndef GA_HTTP_ACTIVE_H
#define GA_HTTP_ACTIVE_H

#include <stdint.h>
#include "preload/ga.h"
#include "protocols/http1/http1.h"

extern _Atomic int64_t ga_http_active[GA_H1_M_COUNT];

static inline void ga_http_active_add(int method, int delta)
{
    if (method > GA_H1_M_NONE && method < GA_H1_M_COUNT)
        atomic_fetch_add_explicit(&ga_http_active[method], delta, memory_order_relaxed);
}

/* Child after fork: the parent's requests are not the child's. */
void ga_http_active_after_fork(void);

#endif
