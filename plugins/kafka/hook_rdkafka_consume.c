/* hook_rdkafka_consume.c — symbol hooks on librdkafka's consume calls: every way a message is
 * handed to the application opens a CONSUMER span for it (kafka_process.c).
 *
 *  - one message per call (rd_kafka_consumer_poll, rd_kafka_consume, rd_kafka_consume_queue):
 *    the span opens when the call returns the message and ends at the thread's next consume
 *    call, rd_kafka_consumer_close or rd_kafka_destroy*;
 *  - callbacks (rd_kafka_consume_callback, rd_kafka_consume_callback_queue): the application's
 *    callback is called through a trampoline whose closure lives on this hook's stack; the span
 *    is the callback's run;
 *  - batches (rd_kafka_consume_batch, rd_kafka_consume_batch_queue): a span per message.
 * rd_kafka_queue_get_consumer is watched only to know the consumer group of a queue's
 * messages. Error events (`err != 0`, such as _PARTITION_EOF) open nothing. errno and
 * rd_kafka_last_error() are left as the real call set them. */
#include "hooks/hook.h"
#include "plugins/kafka/kafka_plugin.h"
#include "plugins/kafka/kafka_lib.h"

#define GA_CALLER() __builtin_return_address(0)

GA_EXPORT ga_kf_message *rd_kafka_consumer_poll(rd_kafka_t *rk, int timeout_ms);
GA_EXPORT ga_kf_message *rd_kafka_consume(rd_kafka_topic_t *rkt, int32_t partition, int timeout_ms);
GA_EXPORT ga_kf_message *rd_kafka_consume_queue(rd_kafka_queue_t *rkqu, int timeout_ms);
GA_EXPORT ssize_t rd_kafka_consume_batch(rd_kafka_topic_t *rkt, int32_t partition, int timeout_ms,
                                         ga_kf_message **msgs, size_t size);
GA_EXPORT ssize_t rd_kafka_consume_batch_queue(rd_kafka_queue_t *rkqu, int timeout_ms,
                                               ga_kf_message **msgs, size_t size);
GA_EXPORT int rd_kafka_consume_callback(rd_kafka_topic_t *rkt, int32_t partition, int timeout_ms,
                                        ga_kf_consume_cb cb, void *opaque);
GA_EXPORT int rd_kafka_consume_callback_queue(rd_kafka_queue_t *rkqu, int timeout_ms,
                                              ga_kf_consume_cb cb, void *opaque);
GA_EXPORT rd_kafka_queue_t *rd_kafka_queue_get_consumer(rd_kafka_t *rk);
GA_EXPORT ga_kf_err rd_kafka_consumer_close(rd_kafka_t *rk);
GA_EXPORT void rd_kafka_destroy(rd_kafka_t *rk);
GA_EXPORT void rd_kafka_destroy_flags(rd_kafka_t *rk, int flags);

/* Before a consume call: the previous message's span ends (errno kept for the real call). */
static int ga__enter(void)
{
    if (!ga_observing())
        return 0;
    int saved = errno;
    ga_kf_process_end();
    errno = saved;
    return 1;
}

/* After a call that returned one message. */
static ga_kf_message *ga__one(ga_kf_message *m, rd_kafka_t *rk)
{
    if (m != NULL && m->err == GA_KF_ERR_NO_ERROR) {
        int saved = errno;
        ga_kf_process_begin(m, rk);
        errno = saved;
    }
    return m;
}

static ssize_t ga__batch(ssize_t n, ga_kf_message **msgs, rd_kafka_t *rk)
{
    if (n > 0) {
        int saved = errno;
        ga_kf_process_batch(msgs, n, rk);
        errno = saved;
    }
    return n;
}

GA_EXPORT ga_kf_message *rd_kafka_consumer_poll(rd_kafka_t *rk, int timeout_ms)
{
    ga_kf_rd_kafka_consumer_poll_fn f = GA_KF(rd_kafka_consumer_poll, GA_CALLER());
    if (f == NULL)
        return NULL;
    if (!ga__enter())
        return f(rk, timeout_ms);
    return ga__one(f(rk, timeout_ms), rk);
}

GA_EXPORT ga_kf_message *rd_kafka_consume(rd_kafka_topic_t *rkt, int32_t partition, int timeout_ms)
{
    ga_kf_rd_kafka_consume_fn f = GA_KF(rd_kafka_consume, GA_CALLER());
    if (f == NULL)
        return NULL;
    if (!ga__enter())
        return f(rkt, partition, timeout_ms);
    return ga__one(f(rkt, partition, timeout_ms), NULL);    /* the simple consumer: no group */
}

GA_EXPORT ga_kf_message *rd_kafka_consume_queue(rd_kafka_queue_t *rkqu, int timeout_ms)
{
    ga_kf_rd_kafka_consume_queue_fn f = GA_KF(rd_kafka_consume_queue, GA_CALLER());
    if (f == NULL)
        return NULL;
    if (!ga__enter())
        return f(rkqu, timeout_ms);
    return ga__one(f(rkqu, timeout_ms), ga_kf_queue_owner(rkqu));
}

GA_EXPORT ssize_t rd_kafka_consume_batch(rd_kafka_topic_t *rkt, int32_t partition, int timeout_ms,
                                         ga_kf_message **msgs, size_t size)
{
    ga_kf_rd_kafka_consume_batch_fn f = GA_KF(rd_kafka_consume_batch, GA_CALLER());
    if (f == NULL)
        return -1;
    if (!ga__enter())
        return f(rkt, partition, timeout_ms, msgs, size);
    return ga__batch(f(rkt, partition, timeout_ms, msgs, size), msgs, NULL);
}

GA_EXPORT ssize_t rd_kafka_consume_batch_queue(rd_kafka_queue_t *rkqu, int timeout_ms,
                                               ga_kf_message **msgs, size_t size)
{
    ga_kf_rd_kafka_consume_batch_queue_fn f = GA_KF(rd_kafka_consume_batch_queue, GA_CALLER());
    if (f == NULL)
        return -1;
    if (!ga__enter())
        return f(rkqu, timeout_ms, msgs, size);
    return ga__batch(f(rkqu, timeout_ms, msgs, size), msgs, ga_kf_queue_owner(rkqu));
}

/* The application's callback and its opaque, on the hook's stack for the call's duration. */
typedef struct ga__closure {
    ga_kf_consume_cb cb;
    void *opaque;
    rd_kafka_t *rk;
} ga__closure;

static void ga__trampoline(ga_kf_message *m, void *arg)
{
    const ga__closure *c = arg;
    if (m == NULL || m->err != GA_KF_ERR_NO_ERROR || !ga_observing()) {
        c->cb(m, c->opaque);
        return;
    }
    int saved = errno;
    ga_kf_process_begin(m, c->rk);
    errno = saved;
    c->cb(m, c->opaque);
    saved = errno;
    ga_kf_process_end();
    errno = saved;
}

GA_EXPORT int rd_kafka_consume_callback(rd_kafka_topic_t *rkt, int32_t partition, int timeout_ms,
                                        ga_kf_consume_cb cb, void *opaque)
{
    ga_kf_rd_kafka_consume_callback_fn f = GA_KF(rd_kafka_consume_callback, GA_CALLER());
    if (f == NULL)
        return -1;
    if (cb == NULL || !ga__enter())
        return f(rkt, partition, timeout_ms, cb, opaque);
    ga__closure c = { .cb = cb, .opaque = opaque, .rk = NULL };
    return f(rkt, partition, timeout_ms, ga__trampoline, &c);
}

GA_EXPORT int rd_kafka_consume_callback_queue(rd_kafka_queue_t *rkqu, int timeout_ms,
                                              ga_kf_consume_cb cb, void *opaque)
{
    ga_kf_rd_kafka_consume_callback_queue_fn f = GA_KF(rd_kafka_consume_callback_queue, GA_CALLER());
    if (f == NULL)
        return -1;
    if (cb == NULL || !ga__enter())
        return f(rkqu, timeout_ms, cb, opaque);
    ga__closure c = { .cb = cb, .opaque = opaque, .rk = ga_kf_queue_owner(rkqu) };
    return f(rkqu, timeout_ms, ga__trampoline, &c);
}

GA_EXPORT rd_kafka_queue_t *rd_kafka_queue_get_consumer(rd_kafka_t *rk)
{
    ga_kf_rd_kafka_queue_get_consumer_fn f = GA_KF(rd_kafka_queue_get_consumer, GA_CALLER());
    if (f == NULL)
        return NULL;
    rd_kafka_queue_t *q = f(rk);
    if (q != NULL && ga_observing()) {
        int saved = errno;
        ga_kf_note_queue(q, rk);
        errno = saved;
    }
    return q;
}

GA_EXPORT ga_kf_err rd_kafka_consumer_close(rd_kafka_t *rk)
{
    ga_kf_rd_kafka_consumer_close_fn f = GA_KF(rd_kafka_consumer_close, GA_CALLER());
    if (f == NULL)
        return GA_KF_ERR__FAIL;
    ga__enter();
    return f(rk);
}

/* Before a handle goes: this thread's span ends, what was remembered of rk is forgotten. */
static void ga__destroying(rd_kafka_t *rk)
{
    if (ga__enter()) {
        int saved = errno;
        ga_kf_forget(rk);
        errno = saved;
    }
}

GA_EXPORT void rd_kafka_destroy(rd_kafka_t *rk)
{
    ga_kf_rd_kafka_destroy_fn f = GA_KF(rd_kafka_destroy, GA_CALLER());
    ga__destroying(rk);
    if (f != NULL)
        f(rk);
}

GA_EXPORT void rd_kafka_destroy_flags(rd_kafka_t *rk, int flags)
{
    ga_kf_rd_kafka_destroy_flags_fn f = GA_KF(rd_kafka_destroy_flags, GA_CALLER());
    ga__destroying(rk);
    if (f != NULL)
        f(rk, flags);
}
