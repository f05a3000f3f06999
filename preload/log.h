/* log.h — the library's own diagnostics: one line on stderr with a `genesis:` prefix,
 * at most once per kind per process (GENESIS_LOG_LEVEL=off silences everything).
 * Safe from any thread; never allocates; writes with a raw syscall so nothing is observed.
 * Once the exporter started, "once" also spans the fork family (preload/family.h): a forked
 * child never repeats a line its parent, or a sibling, already printed.
 *
 * Three ways to say something once:
 *  - configuration problems go through the configuration table (preload/env.h), which
 *    remembers per variable what it already said;
 *  - the core's and the exporter's recurring problems have a kind below;
 *  - any other single place (a plug-in noticing something) uses ga_warn_once(), which keeps
 *    its own flag at the call site: no numbering to keep in sync. */
#ifndef GA_LOG_H
#define GA_LOG_H

#include <stdatomic.h>
#include "preload/family.h"

enum ga_log_level { GA_LOG_OFF, GA_LOG_ERROR, GA_LOG_WARN, GA_LOG_INFO, GA_LOG_DEBUG };

#define GA_LOG_KINDS(X)                                                    \
    X(CONFIG)          /* deduplicated per variable by env.h, not here */  \
    X(DEBUG)           /* never deduplicated */                            \
    X(SITE)            /* deduplicated by the call site (ga_warn_once) */  \
    X(THREAD)          /* exporter thread could not start */               \
    X(RING)            /* ring could not be allocated */                   \
    X(FDTABLE)         /* fd table chunk could not be allocated */         \
    X(CONSOLE)         /* console file could not be opened */              \
    X(EXPORT)          /* an export failed */                              \
    X(EXPORT_REJECT)   /* partial success / permanent rejection */         \
    X(OTLP)            /* OTLP exporter unavailable */                     \
    X(PROM)            /* Prometheus listener */                           \
    X(FLUSH)           /* exit flush timed out */                          \
    X(DLOPEN)          /* an RTLD_DEEPBIND object could not be redirected */ \
    X(DLMOPEN)         /* dlmopen() into a namespace of its own */

#define GA__LK_ENUM(name) GA_LK_##name,
enum ga_log_kind { GA_LOG_KINDS(GA__LK_ENUM) GA_LK_COUNT };
_Static_assert(GA_LK_COUNT <= 64, "log kinds are bits of one word");

/* Kinds below this one are not deduplicated by ga_log itself. */
#define GA_LK_DEDUP_FIRST GA_LK_THREAD

extern int ga_log_level;

/* Print `genesis: <message>` if `level` is enabled and `kind` was not reported yet. */
void ga_log(int level, int kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define ga_warn(kind, ...)  ga_log(GA_LOG_WARN, (kind), __VA_ARGS__)
#define ga_error(kind, ...) ga_log(GA_LOG_ERROR, (kind), __VA_ARGS__)
#define ga_debug(...)       ga_log(GA_LOG_DEBUG, GA_LK_DEBUG, __VA_ARGS__)

/* A warning said at most once per process (and per fork family) from this call site. */
#define ga_warn_once(...)                                                  \
    do {                                                                   \
        static _Atomic int ga__said;                                       \
        if (!atomic_exchange_explicit(&ga__said, 1, memory_order_relaxed) && \
            ga_family_claim_site(&ga__said))                               \
            ga_log(GA_LOG_WARN, GA_LK_SITE, __VA_ARGS__);                  \
    } while (0)

#endif
