/* kafka_lib.h — the librdkafka functions the Kafka plug-in calls: the real ones behind its hooks
 * and the helpers it uses around them (headers, topic names, error names, configuration).
 *
 * All of them come from one librdkafka object, found lazily on first use and kept loaded: the
 * one the calling module is linked with (a Python extension loaded RTLD_LOCAL, whose librdkafka
 * dlsym(RTLD_NEXT) cannot see), else the next definition in the global scope, else a loaded
 * `librdkafka.so.1`, else any loaded object that defines rd_kafka_version (a wheel's bundled
 * copy under a hashed name). Objects are never mixed: a helper from one copy is never applied
 * to a handle of another. A process holding two different copies is served by the first found
 * (docs/kafka.md, limits). */
#ifndef GA_KAFKA_LIB_H
#define GA_KAFKA_LIB_H

#include <stdatomic.h>
#include "preload/ga.h"
#include "plugins/kafka/kafka_rdk.h"

/* X(name, return type, parameters): every function resolved, hooked or not. */
#define GA_KF_SYMBOLS(X) \
    X(rd_kafka_producev,            ga_kf_err, (rd_kafka_t *, ...)) \
    X(rd_kafka_produceva,           rd_kafka_error_t *, (rd_kafka_t *, const ga_kf_vu *, size_t)) \
    X(rd_kafka_produce,             int, (rd_kafka_topic_t *, int32_t, int, void *, size_t, \
                                          const void *, size_t, void *)) \
    X(rd_kafka_produce_batch,       int, (rd_kafka_topic_t *, int32_t, int, ga_kf_message *, int)) \
    X(rd_kafka_consumer_poll,       ga_kf_message *, (rd_kafka_t *, int)) \
    X(rd_kafka_consume,             ga_kf_message *, (rd_kafka_topic_t *, int32_t, int)) \
    X(rd_kafka_consume_queue,       ga_kf_message *, (rd_kafka_queue_t *, int)) \
    X(rd_kafka_consume_batch,       ssize_t, (rd_kafka_topic_t *, int32_t, int, ga_kf_message **, size_t)) \
    X(rd_kafka_consume_batch_queue, ssize_t, (rd_kafka_queue_t *, int, ga_kf_message **, size_t)) \
    X(rd_kafka_consume_callback,    int, (rd_kafka_topic_t *, int32_t, int, ga_kf_consume_cb, void *)) \
    X(rd_kafka_consume_callback_queue, int, (rd_kafka_queue_t *, int, ga_kf_consume_cb, void *)) \
    X(rd_kafka_queue_get_consumer,  rd_kafka_queue_t *, (rd_kafka_t *)) \
    X(rd_kafka_consumer_close,      ga_kf_err, (rd_kafka_t *)) \
    X(rd_kafka_destroy,             void, (rd_kafka_t *)) \
    X(rd_kafka_destroy_flags,       void, (rd_kafka_t *, int)) \
    /* helpers, never hooked */ \
    X(rd_kafka_topic_name,          const char *, (const rd_kafka_topic_t *)) \
    X(rd_kafka_header_add,          ga_kf_err, (rd_kafka_headers_t *, const char *, ssize_t, \
                                                          const void *, ssize_t)) \
    X(rd_kafka_header_remove,       ga_kf_err, (rd_kafka_headers_t *, const char *)) \
    X(rd_kafka_header_get_last,     ga_kf_err, (const rd_kafka_headers_t *, const char *, \
                                                          const void **, size_t *)) \
    X(rd_kafka_header_get_all,      ga_kf_err, (const rd_kafka_headers_t *, size_t, const char **, \
                                                          const void **, size_t *)) \
    X(rd_kafka_message_headers,     ga_kf_err, (const ga_kf_message *, rd_kafka_headers_t **)) \
    X(rd_kafka_err2name,            const char *, (ga_kf_err)) \
    X(rd_kafka_last_error,          ga_kf_err, (void)) \
    X(rd_kafka_error_code,          ga_kf_err, (const rd_kafka_error_t *)) \
    X(rd_kafka_error_destroy,       void, (rd_kafka_error_t *)) \
    X(rd_kafka_conf,                const rd_kafka_conf_t *, (rd_kafka_t *)) \
    X(rd_kafka_conf_get,            int, (const rd_kafka_conf_t *, const char *, char *, size_t *)) \
    X(rd_kafka_version,             int, (void))

#define GA_KF__ENUM(name, ret, args) GA_KF_S_##name,
#define GA_KF__TYPE(name, ret, args) typedef ret (*ga_kf_##name##_fn) args;
enum { GA_KF_SYMBOLS(GA_KF__ENUM) GA_KF_S_COUNT };
GA_KF_SYMBOLS(GA_KF__TYPE)

extern void *_Atomic ga_kf_fn[GA_KF_S_COUNT];

/* The function `sym` of the process's librdkafka, or NULL when there is none (or it lacks that
 * function: older versions). `caller` is a return address in the module that called the hook.
 * The first call per symbol resolves it (with the reentrancy guard set); later calls are one
 * load. */
void *ga_kf_resolve(int sym, const void *caller);

static inline void *ga_kf_get(int sym, const void *caller)
{
    void *p = atomic_load_explicit(&ga_kf_fn[sym], memory_order_acquire);
    return ga_likely(p != NULL) ? p : ga_kf_resolve(sym, caller);
}

#define GA_KF(name, caller) ((ga_kf_##name##_fn)ga_kf_get(GA_KF_S_##name, (caller)))
/* A helper once a hooked function of the same object was resolved (NULL if it lacks it). */
#define GA_KF_HELPER(name) GA_KF(name, NULL)

#endif
