/* test_kafka_inject.c — plugins/kafka/kafka_inject.c: producev's tuples read into argument slots
 * (values, sign extension, END padding, overflow, an unknown vtype), the same as a produceva
 * array, and the traceparent plan with librdkafka's header functions replaced by fakes that
 * follow its contract: the application's list gets the header and loses it again when the call
 * fails; a list or a tuple that already carries a traceparent is never given a second one.
 * With b3/b3multi configured: the header set (names, values as slices of one B3 text), its
 * tuples, its all-or-nothing addition to a list, and a message carrying the application's own
 * B3 header (any case) left alone. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "plugins/kafka/kafka_plugin.h"
#include "plugins/kafka/kafka_lib.h"
#include "preload/baggage.h"
#include "preload/config.h"

static const char TP[] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
static const char OURS[] = "00-11111111111111111111111111111111-2222222222222222-01";

/* ------------------------------------------------------------------ a fake header list */

typedef struct fake_list {
    int n, read_only;
    char name[8][16];
    char val[8][64];
    size_t vlen[8];
} fake_list;

static ga_kf_err f_add(rd_kafka_headers_t *h, const char *name, ssize_t nlen, const void *v, ssize_t vlen)
{
    fake_list *l = (fake_list *)h;
    if (l->read_only)
        return -121;                                        /* __READ_ONLY */
    size_t nl = nlen < 0 ? strlen(name) : (size_t)nlen, vl = vlen < 0 ? strlen(v) : (size_t)vlen;
    assert_true(l->n < 8 && nl < 16 && vl < 64);
    memcpy(l->name[l->n], name, nl);
    l->name[l->n][nl] = '\0';
    memcpy(l->val[l->n], v, vl);
    l->vlen[l->n++] = vl;
    return 0;
}

static ga_kf_err f_remove(rd_kafka_headers_t *h, const char *name)
{
    fake_list *l = (fake_list *)h;
    int k = 0, found = 0;
    for (int i = 0; i < l->n; i++) {
        if (strcmp(l->name[i], name) == 0) {
            found = 1;
            continue;
        }
        if (k != i) {
            memcpy(l->name[k], l->name[i], sizeof l->name[k]);
            memcpy(l->val[k], l->val[i], sizeof l->val[k]);
            l->vlen[k] = l->vlen[i];
        }
        k++;
    }
    l->n = k;
    return found ? 0 : GA_KF_ERR__NOENT;
}

static ga_kf_err f_get_last(const rd_kafka_headers_t *h, const char *name, const void **v, size_t *len)
{
    const fake_list *l = (const fake_list *)h;
    for (int i = l->n - 1; i >= 0; i--)
        if (strcmp(l->name[i], name) == 0) {
            *v = l->val[i];
            *len = l->vlen[i];
            return 0;
        }
    return GA_KF_ERR__NOENT;
}

static ga_kf_err f_get_all(const rd_kafka_headers_t *h, size_t i, const char **name, const void **v, size_t *len)
{
    const fake_list *l = (const fake_list *)h;
    if (i >= (size_t)l->n)
        return GA_KF_ERR__NOENT;
    *name = l->name[i];
    *v = l->val[i];
    *len = l->vlen[i];
    return 0;
}

static int setup(void **state)
{
    (void)state;
    ga_kf_fn[GA_KF_S_rd_kafka_header_add] = (void *)f_add;
    ga_kf_fn[GA_KF_S_rd_kafka_header_remove] = (void *)f_remove;
    ga_kf_fn[GA_KF_S_rd_kafka_header_get_last] = (void *)f_get_last;
    ga_kf_fn[GA_KF_S_rd_kafka_header_get_all] = (void *)f_get_all;
    ga_kafka_cfg.inject = 1;
    return 0;
}

/* ------------------------------------------------------------------ decoding */

static void decode(ga_kf_pv *pv, ...)
{
    va_list ap;
    va_start(ap, pv);
    ga_kf_pv_decode(pv, ap);
    va_end(ap);
}

static ga_kf_vu *vus(size_t *n, ...)
{
    va_list ap;
    va_start(ap, n);
    ga_kf_vu *v = ga_kf_pv_vus(ap, n);
    va_end(ap);
    return v;
}

static void test_decode_kcat_tuples(void **state)
{
    (void)state;
    int rkt, opaque;
    ga_kf_pv pv;
    decode(&pv, GA_KF_VT_RKT, (void *)&rkt, GA_KF_VT_PARTITION, -1, GA_KF_VT_MSGFLAGS, 2,
           GA_KF_VT_VALUE, "abc", (size_t)3, GA_KF_VT_KEY, "k1", (size_t)2, GA_KF_VT_HEADERS, (void *)NULL,
           GA_KF_VT_OPAQUE, (void *)&opaque, GA_KF_VT_TIMESTAMP, (int64_t)-5, GA_KF_VT_END);
    assert_int_equal(pv.status, GA_KF_PV_OK);
    assert_int_equal(pv.n, 2 + 2 + 2 + 3 + 3 + 2 + 2 + 2);
    assert_int_equal(pv.s[0], GA_KF_VT_RKT);
    assert_int_equal(pv.s[1], (uint64_t)(uintptr_t)&rkt);
    assert_int_equal(pv.s[3], UINT64_MAX);              /* -1, sign-extended to the slot */
    assert_int_equal(pv.s[8], 3);
    assert_int_equal(pv.s[17], (uint64_t)-5);
    assert_ptr_equal(pv.m.rkt, &rkt);
    assert_int_equal(pv.m.partition, -1);
    assert_int_equal(pv.m.value_len, 3);
    assert_true(pv.m.has_key && pv.m.key_len == 2);
    assert_null(pv.m.hdrs);
    assert_false(pv.m.conflict || pv.m.unknown || pv.m.own_tp);
}

static void test_decode_headers(void **state)
{
    (void)state;
    fake_list l = { 0 };
    ga_kf_pv pv;
    decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_HEADER, "a", "1", (ssize_t)1, GA_KF_VT_HEADER, "traceparent", TP,
           (ssize_t)-1, GA_KF_VT_END);
    assert_string_equal(pv.m.topic, "t");
    assert_int_equal(pv.m.n_header, 2);
    assert_true(pv.m.own_tp);
    assert_int_equal(pv.m.tp_len, 55);                  /* size -1: strlen, as librdkafka does */
    assert_int_equal(pv.s[9], (uint64_t)-1);
    decode(&pv, GA_KF_VT_HEADER, "a", "1", (ssize_t)1, GA_KF_VT_HEADERS, (void *)NULL, GA_KF_VT_END);
    assert_true(pv.m.conflict);                         /* HEADERS after HEADER: always */
    decode(&pv, GA_KF_VT_HEADERS, (void *)&l, GA_KF_VT_HEADER, "a", "1", (ssize_t)1, GA_KF_VT_END);
    assert_true(pv.m.conflict);
    decode(&pv, GA_KF_VT_HEADERS, (void *)NULL, GA_KF_VT_HEADER, "a", "1", (ssize_t)1, GA_KF_VT_END);
    assert_false(pv.m.conflict);                        /* HEADERS(NULL) first: fine */
    decode(&pv, GA_KF_VT_HEADERS, (void *)&l, GA_KF_VT_HEADERS, (void *)NULL, GA_KF_VT_END);
    assert_null(pv.m.hdrs);                             /* the last one counts */
}

#define H4 GA_KF_VT_HEADER, "h", "v", (ssize_t)1
#define H16 H4, H4, H4, H4, H4, H4, H4, H4, H4, H4, H4, H4, H4, H4, H4, H4

static void test_decode_overflow_goes_to_produceva(void **state)
{
    (void)state;
    ga_kf_pv pv;
    decode(&pv, GA_KF_VT_TOPIC, "t", H16, H16, GA_KF_VT_END);          /* 2 + 128 slots */
    assert_int_equal(pv.status, GA_KF_PV_OVERFLOW);
    size_t n = 0;
    ga_kf_vu *v = vus(&n, GA_KF_VT_TOPIC, "t", H16, H16, GA_KF_VT_END);
    assert_non_null(v);
    assert_int_equal(n, 33);
    assert_int_equal(v[0].vtype, GA_KF_VT_TOPIC);
    assert_string_equal(v[0].u.cstr, "t");
    assert_int_equal(v[32].vtype, GA_KF_VT_HEADER);
    assert_string_equal(v[32].u.header.name, "h");
    assert_int_equal(v[32].u.header.size, 1);
    free(v);
    decode(&pv, GA_KF_VT_TOPIC, "t", H16, H16, GA_KF_VT_END);
    decode(&pv, H16, H4, H4, H4, H4, H4, H4, H4, GA_KF_VT_END);        /* 92 slots: fits */
    assert_int_equal(pv.status, GA_KF_PV_OK);
    assert_int_equal(pv.n, 92);
}

#define R4 (uint64_t)1, (uint64_t)2, (uint64_t)3, (uint64_t)4
static void test_decode_unknown_vtype(void **state)
{
    (void)state;
    ga_kf_pv pv;
    /* A future vtype: forwarded with a window of raw slots after it, nothing injected. */
    decode(&pv, GA_KF_VT_TOPIC, "t", 77, R4, R4, R4, R4, R4, R4, R4, R4);
    assert_int_equal(pv.status, GA_KF_PV_UNKNOWN);
    assert_true(pv.m.unknown);
    assert_int_equal(pv.n, 2 + 1 + GA_KF_PV_RAW);
    assert_int_equal(pv.s[2], 77);
    assert_int_equal(pv.s[3], 1);
    assert_int_equal(pv.s[2 + GA_KF_PV_RAW], 4);
    ga_span_ctx app;
    assert_int_equal(ga_kf_inject_plan(&pv.m, &app), GA_KF_INJ_NONE);
    size_t n = 0;
    assert_null(vus(&n, GA_KF_VT_TOPIC, "t", 77, R4, R4, R4, R4, R4, R4, R4, R4));
}

/* ------------------------------------------------------------------ the plan */

static void test_plan_without_a_list_adds_a_tuple(void **state)
{
    (void)state;
    ga_kf_pv pv;
    ga_span_ctx app;
    decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_HEADERS, (void *)NULL, GA_KF_VT_END);
    assert_int_equal(ga_kf_inject_plan(&pv.m, &app), GA_KF_INJ_TUPLE);
    assert_false(app.valid);
    decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_HEADER, "a", "1", (ssize_t)1, GA_KF_VT_END);
    assert_int_equal(ga_kf_inject_plan(&pv.m, &app), GA_KF_INJ_TUPLE);
    ga_kafka_cfg.inject = 0;
    assert_int_equal(ga_kf_inject_plan(&pv.m, &app), GA_KF_INJ_NONE);
    ga_kafka_cfg.inject = 1;
}

static void test_plan_keeps_the_applications_traceparent(void **state)
{
    (void)state;
    ga_kf_pv pv;
    ga_span_ctx app;
    decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_HEADER, "traceparent", TP, (ssize_t)55, GA_KF_VT_END);
    assert_int_equal(ga_kf_inject_plan(&pv.m, &app), GA_KF_INJ_NONE);
    assert_true(app.valid);
    assert_int_equal(app.span_id[0], 0xb7);
    assert_false(app.remote);                           /* the same process's SDK */
    fake_list l = { 0 };
    f_add((rd_kafka_headers_t *)&l, "traceparent", -1, TP, -1);
    decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_HEADERS, (void *)&l, GA_KF_VT_END);
    ga_kafka_cfg.inject = 0;                            /* its context is the parent regardless */
    assert_int_equal(ga_kf_inject_plan(&pv.m, &app), GA_KF_INJ_NONE);
    ga_kafka_cfg.inject = 1;
    assert_true(app.valid);
    assert_int_equal(app.trace_id[0], 0x0a);
    assert_int_equal(l.n, 1);
    /* An invalid one is still the application's: not replaced, not a parent. */
    decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_HEADER, "traceparent", "junk", (ssize_t)4, GA_KF_VT_END);
    assert_int_equal(ga_kf_inject_plan(&pv.m, &app), GA_KF_INJ_NONE);
    assert_false(app.valid);
}

/* The application's traceparent under any spelling of its name (consumers look the key up in any
 * case: ours beside it would be a second context): a `Traceparent` tuple of producev, a
 * `TRACEPARENT` in its list, a produceva element `tRaCePaRenT` get nothing and parent the span;
 * names that are not `traceparent` in any case still get ours. */
static void test_plan_keeps_the_applications_traceparent_in_any_case(void **state)
{
    (void)state;
    ga_kf_pv pv;
    ga_span_ctx app;
    decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_HEADER, "Traceparent", TP, (ssize_t)55, GA_KF_VT_END);
    assert_true(pv.m.own_tp);
    assert_int_equal(ga_kf_inject_plan(&pv.m, &app), GA_KF_INJ_NONE);
    assert_true(app.valid);
    assert_int_equal(app.span_id[0], 0xb7);
    fake_list l = { 0 };
    f_add((rd_kafka_headers_t *)&l, "app", -1, "1", -1);
    f_add((rd_kafka_headers_t *)&l, "TRACEPARENT", -1, TP, -1);
    decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_HEADERS, (void *)&l, GA_KF_VT_END);
    assert_int_equal(ga_kf_inject_plan(&pv.m, &app), GA_KF_INJ_NONE);
    assert_true(app.valid);
    assert_int_equal(app.trace_id[0], 0x0a);
    assert_int_equal(l.n, 2);                           /* nothing added */
    ga_kafka_cfg.inject = GA_PROP_TC | GA_PROP_B3;      /* a configured format is there: none */
    assert_int_equal(ga_kf_inject_plan(&pv.m, &app), GA_KF_INJ_NONE);
    assert_true(app.valid);
    ga_kafka_cfg.inject = 1;
    ga_kf_vu v[2] = { { .vtype = GA_KF_VT_TOPIC, .u.cstr = "t" },
                      { .vtype = GA_KF_VT_HEADER, .u.header = { "tRaCePaRenT", TP, 55 } } };
    ga_kf_msg m;
    ga_kf_msg_init(&m);
    for (int i = 0; i < 2; i++)
        ga_kf_msg_note(&m, &v[i]);
    assert_int_equal(ga_kf_inject_plan(&m, &app), GA_KF_INJ_NONE);
    assert_true(app.valid);
    static const char *const others[] = { "traceparen", "traceparentx", "Xraceparent", "t", "",
                                          "trace\x01arent" };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_HEADER, others[i], TP, (ssize_t)55, GA_KF_VT_END);
        assert_false(pv.m.own_tp);
        assert_int_equal(ga_kf_inject_plan(&pv.m, &app), GA_KF_INJ_TUPLE);
        fake_list o = { 0 };
        f_add((rd_kafka_headers_t *)&o, others[i], -1, TP, -1);
        decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_HEADERS, (void *)&o, GA_KF_VT_END);
        assert_int_equal(ga_kf_inject_plan(&pv.m, &app), GA_KF_INJ_LIST);
        assert_false(app.valid);
    }
}

static void test_list_gets_the_header_and_loses_it_on_failure(void **state)
{
    (void)state;
    fake_list l = { 0 };
    f_add((rd_kafka_headers_t *)&l, "app", -1, "1", -1);
    ga_kf_pv pv;
    ga_span_ctx app;
    decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_HEADERS, (void *)&l, GA_KF_VT_END);
    int plan = ga_kf_inject_plan(&pv.m, &app);
    assert_int_equal(plan, GA_KF_INJ_LIST);
    for (int attempt = 0; attempt < 3; attempt++) {     /* kcat: _QUEUE_FULL, retry, same list */
        assert_int_equal(ga_kf_inject_list(&pv.m, OURS), GA_KF_INJ_LIST);
        assert_int_equal(l.n, 2);
        assert_memory_equal(l.val[1], OURS, 55);
        ga_kf_inject_undo(&pv.m, GA_KF_INJ_LIST, -184);
        assert_int_equal(l.n, 1);                       /* as the application passed it */
        assert_string_equal(l.name[0], "app");
    }
    assert_int_equal(ga_kf_inject_list(&pv.m, OURS), GA_KF_INJ_LIST);
    ga_kf_inject_undo(&pv.m, GA_KF_INJ_LIST, GA_KF_ERR_NO_ERROR);
    assert_int_equal(l.n, 2);                           /* accepted: the message's now */
    fake_list ro = { .read_only = 1 };
    decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_HEADERS, (void *)&ro, GA_KF_VT_END);
    assert_int_equal(ga_kf_inject_plan(&pv.m, &app), GA_KF_INJ_LIST);
    assert_int_equal(ga_kf_inject_list(&pv.m, OURS), GA_KF_INJ_NONE);
    assert_int_equal(ro.n, 0);
}

static void test_conflicting_calls_are_left_alone(void **state)
{
    (void)state;
    fake_list l = { 0 };
    ga_kf_pv pv;
    ga_span_ctx app;
    decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_HEADERS, (void *)&l, GA_KF_VT_HEADER, "a", "1", (ssize_t)1,
           GA_KF_VT_END);
    assert_int_equal(ga_kf_inject_plan(&pv.m, &app), GA_KF_INJ_NONE);
    assert_int_equal(l.n, 0);
}

static void test_produceva_elements(void **state)
{
    (void)state;
    ga_kf_vu v[3] = { { .vtype = GA_KF_VT_TOPIC, .u.cstr = "t" },
                      { .vtype = GA_KF_VT_VALUE, .u.mem = { NULL, 0 } },
                      { .vtype = GA_KF_VT_PARTITION, .u.i32 = 4 } };
    ga_kf_msg m;
    ga_kf_msg_init(&m);
    for (int i = 0; i < 3; i++)
        ga_kf_msg_note(&m, &v[i]);
    assert_string_equal(m.topic, "t");
    assert_null(m.value);                               /* a tombstone */
    assert_int_equal(m.partition, 4);
    v[1].vtype = 99;
    ga_kf_msg_note(&m, &v[1]);
    assert_true(m.unknown);
}

/* ------------------------------------------------------------------ b3 and b3multi */

static const char B3_APP[] = "0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1";

static ga_span_ids test_ids(void)
{
    ga_span_ids ids;
    memset(&ids, 0, sizeof ids);
    memset(ids.trace_id, 0x11, 16);
    memset(ids.span_id, 0x22, 8);
    ids.flags = GA_TF_SAMPLED;
    return ids;
}

static void test_hset_per_format(void **state)
{
    (void)state;
    ga_span_ids ids = test_ids();
    ga_kf_hset h;
    ga_kf_hset_fill(&h, &ids, GA_PROP_TC);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.name[0], "traceparent");
    assert_memory_equal(h.val[0], OURS, 55);
    ga_kf_hset_fill(&h, &ids, GA_PROP_B3);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.name[0], "b3");
    assert_int_equal(h.len[0], 51);
    assert_memory_equal(h.val[0], "11111111111111111111111111111111-2222222222222222-1", 51);
    ga_kf_hset_fill(&h, &ids, GA_PROP_TC | GA_PROP_B3 | GA_PROP_B3MULTI);
    assert_int_equal(h.n, 5);
    assert_string_equal(h.name[2], "X-B3-TraceId");
    assert_int_equal(h.len[2], 32);
    assert_memory_equal(h.val[2], "11111111111111111111111111111111", 32);
    assert_string_equal(h.name[3], "X-B3-SpanId");
    assert_int_equal(h.len[3], 16);
    assert_memory_equal(h.val[3], "2222222222222222", 16);
    assert_string_equal(h.name[4], "X-B3-Sampled");
    assert_int_equal(h.len[4], 1);
    assert_memory_equal(h.val[4], "1", 1);
    ids.flags = 0;
    ga_kf_hset_fill(&h, &ids, GA_PROP_B3MULTI);
    assert_int_equal(h.n, 3);
    assert_memory_equal(h.val[2], "0", 1);
}

static void test_hset_slots(void **state)
{
    (void)state;
    ga_span_ids ids = test_ids();
    ga_kf_hset h;
    ga_kf_pv pv;
    ga_kf_hset_fill(&h, &ids, GA_PROP_B3MULTI);
    decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_END);
    int n = ga_kf_hset_slots(&h, pv.s, pv.n, GA_KF_PV_CAP);
    assert_int_equal(n, 2 + 12);
    assert_int_equal(pv.s[2], GA_KF_VT_HEADER);
    assert_string_equal((const char *)(uintptr_t)pv.s[3], "X-B3-TraceId");
    assert_int_equal(pv.s[5], 32);
    assert_int_equal(pv.s[10], GA_KF_VT_HEADER);
    assert_int_equal(pv.s[13], 1);
    assert_int_equal(ga_kf_hset_slots(&h, pv.s, GA_KF_PV_CAP - 12, GA_KF_PV_CAP), GA_KF_PV_CAP - 12);
}

static void test_b3_plan_leaves_the_applications_b3_alone(void **state)
{
    (void)state;
    ga_kf_pv pv;
    ga_span_ctx app;
    ga_kafka_cfg.inject = GA_PROP_B3;
    decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_HEADER, "B3", B3_APP, (ssize_t)-1, GA_KF_VT_END);
    assert_int_equal(ga_kf_inject_plan(&pv.m, &app), GA_KF_INJ_NONE);
    assert_true(app.valid);                             /* its span parents the PRODUCER span */
    assert_false(app.remote);
    assert_int_equal(app.span_id[0], 0xb7);
    decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_HEADER, "x-b3-traceid", "ab", (ssize_t)2, GA_KF_VT_END);
    assert_int_equal(ga_kf_inject_plan(&pv.m, &app), GA_KF_INJ_NONE);
    /* A traceparent of the application's is no B3 context: b3 is added, its span the parent. */
    decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_HEADER, "traceparent", TP, (ssize_t)55, GA_KF_VT_END);
    assert_int_equal(ga_kf_inject_plan(&pv.m, &app), GA_KF_INJ_TUPLE);
    assert_true(app.valid);
    /* With tracecontext alone, an application's b3 changes nothing: today's traceparent. */
    ga_kafka_cfg.inject = GA_PROP_TC;
    decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_HEADER, "b3", B3_APP, (ssize_t)-1, GA_KF_VT_END);
    assert_int_equal(ga_kf_inject_plan(&pv.m, &app), GA_KF_INJ_TUPLE);
    assert_false(app.valid);
    /* A list holding X-B3-SpanId (any case) gets nothing with b3multi. */
    ga_kafka_cfg.inject = GA_PROP_B3MULTI;
    fake_list l = { 0 };
    f_add((rd_kafka_headers_t *)&l, "x-B3-spanid", -1, "b7ad6b7169203331", -1);
    decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_HEADERS, (void *)&l, GA_KF_VT_END);
    assert_int_equal(ga_kf_inject_plan(&pv.m, &app), GA_KF_INJ_NONE);
    assert_int_equal(l.n, 1);
    ga_kafka_cfg.inject = 1;
}

static void test_b3_list_all_or_nothing(void **state)
{
    (void)state;
    ga_span_ids ids = test_ids();
    ga_kf_hset h;
    ga_kf_pv pv;
    ga_span_ctx app;
    fake_list l = { 0 };
    ga_kafka_cfg.inject = GA_PROP_TC | GA_PROP_B3MULTI;
    f_add((rd_kafka_headers_t *)&l, "app", -1, "1", -1);
    decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_HEADERS, (void *)&l, GA_KF_VT_END);
    assert_int_equal(ga_kf_inject_plan(&pv.m, &app), GA_KF_INJ_LIST);
    ga_kf_hset_fill(&h, &ids, ga_kafka_cfg.inject);
    assert_int_equal(ga_kf_inject_list_set(&pv.m, &h), GA_KF_INJ_LIST);
    assert_int_equal(l.n, 5);
    assert_string_equal(l.name[2], "X-B3-TraceId");
    ga_kf_inject_undo(&pv.m, GA_KF_INJ_LIST, -184);     /* refused: the list as it was */
    assert_int_equal(l.n, 1);
    assert_string_equal(l.name[0], "app");
    fake_list ro = { .read_only = 1 };
    decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_HEADERS, (void *)&ro, GA_KF_VT_END);
    assert_int_equal(ga_kf_inject_list_set(&pv.m, &h), GA_KF_INJ_NONE);
    assert_int_equal(ro.n, 0);
    ga_kafka_cfg.inject = 1;
}

/* With `baggage` configured: the outgoing baggage (here the process's, no span being active) is
 * the set's last header, unless the message has a baggage header of its own (any case, tuple or
 * list); it is added to and removed from a list with the others. */
/* The header set of a produce call with `baggage` configured: the context formats, then the
 * baggage; returns how many headers. */
static int with_bag(ga_kf_hset *h, const ga_span_ids *ids, const ga_kf_msg *m)
{
    ga_kf_hset_fill(h, ids, ga_kafka_cfg.inject);
    ga_kf_hset_bag(h, m);
    return h->n;
}

static void test_baggage_header(void **state)
{
    (void)state;
    ga_span_ids ids = test_ids();
    ga_kf_hset h;
    ga_kf_pv pv;
    ga_span_ctx app;
    memset(&ga_tls_active, 0, sizeof ga_tls_active);
    assert_int_equal(ga_baggage_env("tenant=acme"), 0);
    ga_kafka_cfg.inject = GA_PROP_TC;
    ga_kafka_cfg.bag = 1;
    decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_END);
    assert_int_equal(with_bag(&h, &ids, &pv.m), 2);
    assert_string_equal(h.name[1], "baggage");
    assert_int_equal(h.len[1], 11);
    assert_memory_equal(h.val[1], "tenant=acme", 11);
    /* the application's own, any case: none of ours */
    decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_HEADER, "BAGGAGE", "app=1", (ssize_t)-1, GA_KF_VT_END);
    assert_int_equal(with_bag(&h, &ids, &pv.m), 1);
    /* `baggagex` is not baggage */
    decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_HEADER, "baggagex", "1", (ssize_t)-1, GA_KF_VT_END);
    assert_int_equal(with_bag(&h, &ids, &pv.m), 2);
    /* a list: added with the traceparent, removed with it when the call fails */
    fake_list l = { 0 };
    f_add((rd_kafka_headers_t *)&l, "app", -1, "1", -1);
    decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_HEADERS, (void *)&l, GA_KF_VT_END);
    assert_int_equal(ga_kf_inject_plan(&pv.m, &app), GA_KF_INJ_LIST);
    with_bag(&h, &ids, &pv.m);
    assert_int_equal(ga_kf_inject_list_set(&pv.m, &h), GA_KF_INJ_LIST);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.name[2], "baggage");
    ga_kf_inject_undo(&pv.m, GA_KF_INJ_LIST, -184);
    assert_int_equal(l.n, 1);
    /* a list with its own Baggage: ours is not added, theirs not removed on failure */
    f_add((rd_kafka_headers_t *)&l, "Baggage", -1, "app=1", -1);
    decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_HEADERS, (void *)&l, GA_KF_VT_END);
    assert_int_equal(ga_kf_inject_plan(&pv.m, &app), GA_KF_INJ_LIST);
    assert_int_equal(with_bag(&h, &ids, &pv.m), 1);
    assert_int_equal(ga_kf_inject_list_set(&pv.m, &h), GA_KF_INJ_LIST);
    ga_kf_inject_undo(&pv.m, GA_KF_INJ_LIST, -184);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.name[1], "Baggage");
    /* not configured, or nothing to send: nothing */
    decode(&pv, GA_KF_VT_TOPIC, "t", GA_KF_VT_END);
    ga_kafka_cfg.bag = 0;
    assert_int_equal(with_bag(&h, &ids, &pv.m), 1);
    ga_kafka_cfg.bag = 1;
    assert_int_equal(ga_baggage_env(NULL), 0);
    assert_int_equal(with_bag(&h, &ids, &pv.m), 1);
    ga_kafka_cfg.bag = 0;
    ga_kafka_cfg.inject = 1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_kcat_tuples),
        cmocka_unit_test(test_decode_headers),
        cmocka_unit_test(test_decode_overflow_goes_to_produceva),
        cmocka_unit_test(test_decode_unknown_vtype),
        cmocka_unit_test(test_plan_without_a_list_adds_a_tuple),
        cmocka_unit_test(test_plan_keeps_the_applications_traceparent),
        cmocka_unit_test(test_plan_keeps_the_applications_traceparent_in_any_case),
        cmocka_unit_test(test_list_gets_the_header_and_loses_it_on_failure),
        cmocka_unit_test(test_conflicting_calls_are_left_alone),
        cmocka_unit_test(test_produceva_elements),
        cmocka_unit_test(test_hset_per_format),
        cmocka_unit_test(test_hset_slots),
        cmocka_unit_test(test_b3_plan_leaves_the_applications_b3_alone),
        cmocka_unit_test(test_b3_list_all_or_nothing),
        cmocka_unit_test(test_baggage_header),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
