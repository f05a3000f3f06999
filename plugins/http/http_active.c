/* http_active.c — the in-flight server request counters (see http_active.h). */
#include "plugins/http/http_active.h"

_Atomic int64_t ga_http_active[GA_H1_M_COUNT];

GA_FORK_PATH void ga_http_active_after_fork(void)
{
    for (int i = 0; i < GA_H1_M_COUNT; i++)     /* only what changes: a page written is copied */
        if (atomic_load_explicit(&ga_http_active[i], memory_order_relaxed) != 0)
            atomic_store_explicit(&ga_http_active[i], 0, memory_order_relaxed);
}
