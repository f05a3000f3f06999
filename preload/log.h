/* log.h — the library's own diagnostics: one line on stderr with a `genesis:` prefix,
 * at most once per kind per process (GENESIS_LOG_LEVEL=off silences everything).
 * Safe from any thread; never allocates; writes with a raw syscall so nothing is observed. */
#ifndef GA_LOG_H
#define GA_LOG_H

enum ga_log_level { GA_LOG_OFF, GA_LOG_ERROR, GA_LOG_WARN, GA_LOG_INFO, GA_LOG_DEBUG };

/* Each distinct problem has a kind, so that it is reported once, not once per occurrence. */
enum ga_log_kind {
    GA_LK_CONFIG_FIRST = 0,           /* 0..31: one per configuration variable: 0-12
                                       * preload/config.c, 15-16 Redis, 17 MySQL, 18-22
                                       * exporter/metrics_conf.c, 23-31 exporter/otlp_config.h */
    GA_LK_THREAD = 32,                /* exporter thread could not start */
    GA_LK_RING,                       /* ring could not be allocated */
    GA_LK_FDTABLE,                    /* fd table chunk could not be allocated */
    GA_LK_CONSOLE,                    /* console file could not be opened */
    GA_LK_EXPORT,                     /* an export failed */
    GA_LK_EXPORT_REJECT,              /* partial success / permanent rejection */
    GA_LK_OTLP,                       /* OTLP exporter unavailable */
    GA_LK_PROM,                       /* Prometheus listener */
    GA_LK_FLUSH,                      /* exit flush timed out */
    GA_LK_DEBUG,                      /* debug lines are never deduplicated */
    GA_LK_DLOPEN,                     /* an RTLD_DEEPBIND object could not be redirected */
    GA_LK_DLMOPEN,                    /* dlmopen() into a namespace of its own */
    GA_LK_PROTO_FIRST = 48,           /* 48..63: protocol modules (56: MySQL compression) */
    GA_LK_COUNT = 64
};

extern int ga_log_level;

/* Print `genesis: <message>` if `level` is enabled and `kind` was not reported yet. */
void ga_log(int level, int kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define ga_warn(kind, ...)  ga_log(GA_LOG_WARN, (kind), __VA_ARGS__)
#define ga_error(kind, ...) ga_log(GA_LOG_ERROR, (kind), __VA_ARGS__)
#define ga_debug(...)       ga_log(GA_LOG_DEBUG, GA_LK_DEBUG, __VA_ARGS__)

#endif
