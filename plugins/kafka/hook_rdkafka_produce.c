/* hook_rdkafka_produce.c — symbol hooks on librdkafka's produce calls: rd_kafka_producev,
 * rd_kafka_produceva (a PRODUCER span and its context in record headers — `traceparent`, and
 * `b3` / `X-B3-*` as OTEL_PROPAGATORS says — kafka_inject.c),
 * rd_kafka_produce and rd_kafka_produce_batch (a span only: they cannot carry headers, and
 * rewriting them into producev would change how they report errors — errno and
 * rd_kafka_last_error()).
 *
 * rd_kafka_producev is variadic and has no va_list twin, so its tuples are read into 8-byte
 * argument slots and the real producev is called again with the same slots, plus one
 * VTYPE_HEADER tuple when the header travels that way: the application's call reaches the same
 * function with the same arguments (x86-64 and AArch64, where every integer and pointer
 * vararg takes one slot; elsewhere this hook is not built and producev is not observed). A call
 * with more tuples than the slots hold goes to rd_kafka_produceva instead, without a header.
 *
 * Real functions are found lazily (kafka_lib.c); one found nowhere is never called: the hook
 * fails the way librdkafka reports failure. Nothing here runs on librdkafka's own threads:
 * produce calls are the application's. */
#include <stdlib.h>
#include <string.h>
#include "hooks/hook.h"
#include "preload/config.h"
#include "protocols/w3c/tp_fast.h"
#include "plugins/kafka/kafka_plugin.h"
#include "plugins/kafka/kafka_lib.h"

#define GA_CALLER() __builtin_return_address(0)

/* The header tuple of an injection, and its slots. */
static const char ga__tp_name[] = "traceparent";

#if (defined(__x86_64__) || defined(__aarch64__)) && defined(__LP64__)

GA_EXPORT ga_kf_err rd_kafka_producev(rd_kafka_t *rk, ...);

typedef ga_kf_err (*ga__pv_fn)(rd_kafka_t *, ...);

/* The real producev with slots s[0..n): the call passes 12, 16, 32 or 128 slots, s[n] onwards
 * set to 0 (VTYPE_END) up to that width; librdkafka stops reading at the first END. The
 * usual call (topic, value, flags and our header: 11 slots) is 12 wide and its padding a clear
 * of a constant 16 slots, done inline rather than by a memset call: s has GA_KF_PV_CAP slots,
 * so s[n .. n + 16) fits for n < 16. */
static ga_kf_err ga__pv_call(ga__pv_fn f, rd_kafka_t *rk, uint64_t *s, int n)
{
#define S4(i) s[(i)], s[(i) + 1], s[(i) + 2], s[(i) + 3]
#define S16(i) S4(i), S4((i) + 4), S4((i) + 8), S4((i) + 12)
    _Static_assert(GA_KF_PV_CAP == 128, "the call widths below");
    if (n < 16) {
        memset(s + n, 0, 16 * sizeof *s);
        if (n < 12)
            return f(rk, S4(0), S4(4), S4(8));
        return f(rk, S16(0));
    }
    int w = n < 32 ? 32 : GA_KF_PV_CAP;
    memset(s + n, 0, (size_t)(w - n) * sizeof *s);
    if (w == 32)
        return f(rk, S16(0), S16(16));
    return f(rk, S16(0), S16(16), S16(32), S16(48), S16(64), S16(80), S16(96), S16(112));
#undef S16
#undef S4
}

/* More tuples than the slots hold: the same through rd_kafka_produceva, no header. */
static ga_kf_err ga__pv_overflow(rd_kafka_t *rk, va_list ap, const void *caller)
{
    ga_kf_rd_kafka_produceva_fn fva = GA_KF(rd_kafka_produceva, caller);
    ga_kf_rd_kafka_error_code_fn code = GA_KF_HELPER(rd_kafka_error_code);
    ga_kf_rd_kafka_error_destroy_fn destroy = GA_KF_HELPER(rd_kafka_error_destroy);
    size_t n = 0;
    ga_kf_vu *v = fva != NULL && code != NULL && destroy != NULL ? ga_kf_pv_vus(ap, &n) : NULL;
    if (v == NULL)
        return GA_KF_ERR__FAIL;
    int obs = ga_observing();
    ga_kf_send s;
    ga_kf_msg m;
    ga_kf_msg_init(&m);
    for (size_t i = 0; obs && i < n; i++)
        ga_kf_msg_note(&m, &v[i]);
    if (obs)
        ga_kf_send_begin(&s, NULL);
    rd_kafka_error_t *e = fva(rk, v, n);
    int saved = errno;
    ga_kf_err err = e != NULL ? code(e) : GA_KF_ERR_NO_ERROR;
    if (e != NULL)
        destroy(e);
    free(v);
    if (obs)
        ga_kf_send_end(&s, &m, err);
    errno = saved;
    return err;
}

/* OTEL_PROPAGATORS other than `tracecontext` alone: the configured headers for the span `ids`
 * and the outgoing baggage if configured
 * (their values in *hs, which must outlive the real call: librdkafka copies them during it) as
 * tuples after pv's, or added to the application's list; returns the plan that holds. Out of
 * line: a B3 shop pays for it, the default configuration does not. */
static int ga__pv_other(ga_kf_pv *pv, ga_kf_hset *hs, const ga_span_ids *ids, int plan)
{
    ga_kf_hset_fill(hs, ids, ga_kafka_cfg.inject);
    ga_kf_hset_bag(hs, &pv->m);
    if (plan == GA_KF_INJ_LIST)
        return ga_kf_inject_list_set(&pv->m, hs);
    pv->n = ga_kf_hset_slots(hs, pv->s, pv->n, GA_KF_PV_CAP);
    return plan;
}

GA_EXPORT ga_kf_err rd_kafka_producev(rd_kafka_t *rk, ...)
{
    ga__pv_fn f = (ga__pv_fn)GA_KF(rd_kafka_producev, GA_CALLER());
    ga_kf_pv pv;
    va_list ap;
    va_start(ap, rk);
    ga_kf_pv_decode(&pv, ap);
    if (pv.status == GA_KF_PV_OVERFLOW) {
        ga_kf_err e = ga__pv_overflow(rk, ap, GA_CALLER());
        va_end(ap);
        return e;
    }
    va_end(ap);
    if (f == NULL)
        return GA_KF_ERR__FAIL;
    if (pv.status != GA_KF_PV_OK || !ga_observing())
        return ga__pv_call(f, rk, pv.s, pv.n);
    ga_span_ctx app;
    ga_kf_send s;
    ga_kf_hset hs;
    char tp[56];
    int plan = ga_kf_inject_plan(&pv.m, &app);
    ga_kf_send_begin(&s, &app);
    if (ga_unlikely(plan != GA_KF_INJ_NONE && ga_kafka_cfg.other)) {
        plan = ga__pv_other(&pv, &hs, &s.ids, plan);
    } else if (plan != GA_KF_INJ_NONE) {
        ga_tp_format(&s.ids, tp);
        if (plan == GA_KF_INJ_TUPLE && pv.n + 4 < GA_KF_PV_CAP) {
            uint64_t *t = &pv.s[pv.n];      /* END follows: ga__pv_call zeroes the rest */
            t[0] = GA_KF_VT_HEADER;
            t[1] = (uint64_t)(uintptr_t)ga__tp_name;
            t[2] = (uint64_t)(uintptr_t)tp;
            t[3] = 55;
            pv.n += 4;
        } else if (plan == GA_KF_INJ_LIST) {
            plan = ga_kf_inject_list(&pv.m, tp);
        }
    }
    ga_kf_err err = ga__pv_call(f, rk, pv.s, pv.n);
    int saved = errno;
    ga_kf_inject_undo(&pv.m, plan, err);
    ga_kf_send_end(&s, &pv.m, err);
    errno = saved;
    return err;
}

#endif

GA_EXPORT rd_kafka_error_t *rd_kafka_produceva(rd_kafka_t *rk, const ga_kf_vu *vus, size_t cnt);
GA_EXPORT int rd_kafka_produce(rd_kafka_topic_t *rkt, int32_t partition, int msgflags, void *payload,
                               size_t len, const void *key, size_t keylen, void *msg_opaque);
GA_EXPORT int rd_kafka_produce_batch(rd_kafka_topic_t *rkt, int32_t partition, int msgflags,
                                     ga_kf_message *rkmessages, int message_cnt);

#define GA__VA_CAP 32               /* produceva tuples copied to add one */

/* produceva with OTEL_PROPAGATORS other than `tracecontext` alone: vus[0..cnt) copied to v
 * (cnt <= GA__VA_CAP; vus may be NULL when cnt is 0), then h's headers as VTYPE_HEADER
 * elements; returns the elements of v. */
static size_t ga__va_add(ga_kf_vu *v, const ga_kf_vu *vus, size_t cnt, const ga_kf_hset *h)
{
    if (cnt > 0)
        memcpy(v, vus, cnt * sizeof *v);
    for (int k = 0; k < h->n; k++) {
        memset(&v[cnt + k], 0, sizeof v[cnt + k]);
        v[cnt + k].vtype = GA_KF_VT_HEADER;
        v[cnt + k].u.header.name = h->name[k];
        v[cnt + k].u.header.val = h->val[k];
        v[cnt + k].u.header.size = h->len[k];
    }
    return cnt + (size_t)h->n;
}

GA_EXPORT rd_kafka_error_t *rd_kafka_produceva(rd_kafka_t *rk, const ga_kf_vu *vus, size_t cnt)
{
    ga_kf_rd_kafka_produceva_fn f = GA_KF(rd_kafka_produceva, GA_CALLER());
    if (f == NULL || !ga_observing())
        return f != NULL ? f(rk, vus, cnt) : NULL;  /* NULL: unreachable, no librdkafka */
    ga_kf_msg m;
    ga_kf_msg_init(&m);
    for (size_t i = 0; vus != NULL && i < cnt; i++)
        ga_kf_msg_note(&m, &vus[i]);
    ga_span_ctx app;
    ga_kf_send s;
    ga_kf_vu v[GA__VA_CAP + GA_KF_HSET_MAX];
    ga_kf_hset hs;
    const ga_kf_vu *use = vus;
    size_t n = cnt;
    int plan = ga_kf_inject_plan(&m, &app);
    ga_kf_send_begin(&s, &app);
    if (plan == GA_KF_INJ_TUPLE && !(cnt <= GA__VA_CAP && (vus != NULL || cnt == 0)))
        plan = GA_KF_INJ_NONE;              /* too many to copy: left as called */
    if (ga_unlikely(plan != GA_KF_INJ_NONE && ga_kafka_cfg.other)) {
        ga_kf_hset_fill(&hs, &s.ids, ga_kafka_cfg.inject);
        ga_kf_hset_bag(&hs, &m);
        if (plan == GA_KF_INJ_LIST) {
            plan = ga_kf_inject_list_set(&m, &hs);
        } else {
            n = ga__va_add(v, vus, cnt, &hs);
            use = v;
        }
    } else if (plan == GA_KF_INJ_TUPLE) {
        ga_tp_format(&s.ids, hs.tp);
        if (cnt > 0)
            memcpy(v, vus, cnt * sizeof *v);
        memset(&v[cnt], 0, sizeof v[cnt]);
        v[cnt].vtype = GA_KF_VT_HEADER;
        v[cnt].u.header.name = ga__tp_name;
        v[cnt].u.header.val = hs.tp;
        v[cnt].u.header.size = 55;
        use = v;
        n = cnt + 1;
    } else if (plan == GA_KF_INJ_LIST) {
        ga_tp_format(&s.ids, hs.tp);
        plan = ga_kf_inject_list(&m, hs.tp);
    }
    rd_kafka_error_t *e = f(rk, use, n);
    int saved = errno;
    ga_kf_rd_kafka_error_code_fn code = GA_KF_HELPER(rd_kafka_error_code);
    ga_kf_err err = e == NULL ? GA_KF_ERR_NO_ERROR : code != NULL ? code(e) : GA_KF_ERR__FAIL;
    ga_kf_inject_undo(&m, plan, err);
    ga_kf_send_end(&s, &m, err);
    errno = saved;
    return e;
}

GA_EXPORT int rd_kafka_produce(rd_kafka_topic_t *rkt, int32_t partition, int msgflags, void *payload,
                               size_t len, const void *key, size_t keylen, void *msg_opaque)
{
    ga_kf_rd_kafka_produce_fn f = GA_KF(rd_kafka_produce, GA_CALLER());
    if (f == NULL) {
        errno = ENOSYS;
        return -1;
    }
    if (!ga_observing())
        return f(rkt, partition, msgflags, payload, len, key, keylen, msg_opaque);
    ga_kf_msg m;
    ga_kf_send s;
    ga_kf_msg_init(&m);
    m.rkt = rkt;
    m.partition = partition;
    m.value = payload;
    m.value_len = len;
    m.key = key;
    m.key_len = keylen;
    m.has_key = key != NULL;
    ga_kf_send_begin(&s, NULL);
    int r = f(rkt, partition, msgflags, payload, len, key, keylen, msg_opaque);
    int saved = errno;
    ga_kf_rd_kafka_last_error_fn last = GA_KF_HELPER(rd_kafka_last_error);
    ga_kf_err err = r == 0 ? GA_KF_ERR_NO_ERROR : last != NULL ? last() : GA_KF_ERR__FAIL;
    ga_kf_send_end(&s, &m, err);
    errno = saved;
    return r;
}

GA_EXPORT int rd_kafka_produce_batch(rd_kafka_topic_t *rkt, int32_t partition, int msgflags,
                                     ga_kf_message *rkmessages, int message_cnt)
{
    ga_kf_rd_kafka_produce_batch_fn f = GA_KF(rd_kafka_produce_batch, GA_CALLER());
    if (f == NULL)
        return 0;                           /* none enqueued */
    if (!ga_observing() || message_cnt <= 0 || rkmessages == NULL)
        return f(rkt, partition, msgflags, rkmessages, message_cnt);
    ga_kf_msg m;
    ga_kf_send s;
    ga_kf_msg_init(&m);
    m.rkt = rkt;
    m.partition = (msgflags & GA_KF_MSG_F_PARTITION) ? GA_KF_PARTITION_UA : partition;
    ga_kf_send_begin(&s, NULL);
    s.batch = message_cnt;
    int r = f(rkt, partition, msgflags, rkmessages, message_cnt);
    int saved = errno;
    ga_kf_err err = GA_KF_ERR_NO_ERROR;
    for (int i = 0; r < message_cnt && i < message_cnt && err == GA_KF_ERR_NO_ERROR; i++)
        err = rkmessages[i].err;            /* the first refused message says why */
    if (r < message_cnt && err == GA_KF_ERR_NO_ERROR)
        err = GA_KF_ERR__FAIL;
    ga_kf_send_end(&s, &m, err);
    errno = saved;
    return r;
}
