/* test_kafka_rkm.c — plugins/kafka/kafka_rkm.c: a consumed message's traceparent read from
 * librdkafka's message (a buffer laid out like rd_kafka_msg_t of 1.6.0 .. 2.15: the parsed list
 * at 104, the flags at 88, the unparsed header block at 120/128) for the versions whose layout is
 * known, and through the public calls (replaced by fakes here) for the others and whenever a
 * list was already parsed. With b3/b3multi configured: the formats in their listed order, `b3`
 * before X-B3-*, from the unparsed block. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "plugins/kafka/kafka_rkm.h"
#include "plugins/kafka/kafka_lib.h"
#include "preload/config.h"
#include "protocols/w3c/b3.h"

static const char TP[] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
static const char TP2[] = "00-11111111111111111111111111111111-2222222222222222-00";

static int version;
static int public_calls;
static int fake_list;                                   /* its address stands for a list */

static int f_version(void) { return version; }

static ga_kf_err f_message_headers(const ga_kf_message *m, rd_kafka_headers_t **h)
{
    (void)m;
    public_calls++;
    *h = (rd_kafka_headers_t *)&fake_list;
    return 0;
}

static ga_kf_err f_get_last(const rd_kafka_headers_t *h, const char *name, const void **v, size_t *len)
{
    assert_ptr_equal(h, &fake_list);
    assert_string_equal(name, "traceparent");
    *v = TP2;
    *len = 55;
    return 0;
}

typedef struct { _Alignas(8) uint8_t b[256]; } fake_msg;

/* A message whose unparsed block holds `block` (n bytes). */
static void make(fake_msg *m, const uint8_t *block, int32_t n)
{
    memset(m, 0, sizeof *m);
    memcpy(m->b + 120, &n, 4);
    memcpy(m->b + 128, &block, 8);
}

static int setup(void **state)
{
    (void)state;
    ga_kf_fn[GA_KF_S_rd_kafka_version] = (void *)f_version;
    ga_kf_fn[GA_KF_S_rd_kafka_message_headers] = (void *)f_message_headers;
    ga_kf_fn[GA_KF_S_rd_kafka_header_get_last] = (void *)f_get_last;
    return 0;
}

static void test_versions(void **state)
{
    (void)state;
    assert_false(ga_kf_rkm_layout_known(0x010500ff));
    assert_true(ga_kf_rkm_layout_known(0x010600ff));
    assert_true(ga_kf_rkm_layout_known(0x020002ff));
    assert_true(ga_kf_rkm_layout_known(0x020f00ff));
    assert_false(ga_kf_rkm_layout_known(0x02100000));
    assert_false(ga_kf_rkm_layout_known(0x030000ff));
}

static void test_unparsed_block(void **state)
{
    (void)state;
    uint8_t block[160];
    size_t n = 0;
    block[n++] = 4;                                     /* two headers (zigzag) */
    block[n++] = 22; memcpy(block + n, "traceparent", 11); n += 11;
    block[n++] = 110; memcpy(block + n, TP2, 55); n += 55;
    block[n++] = 22; memcpy(block + n, "traceparent", 11); n += 11;
    block[n++] = 110; memcpy(block + n, TP, 55); n += 55;
    fake_msg m;
    make(&m, block, (int32_t)n);
    version = 0x020002ff;
    ga_kf_rkm_reset();
    public_calls = 0;
    ga_span_ctx p;
    ga_kf_message_parent((const ga_kf_message *)&m, &p);
    assert_true(p.valid && p.remote);
    assert_int_equal(p.trace_id[0], 0x0a);              /* the last one, as librdkafka */
    assert_int_equal(p.span_id[0], 0xb7);
    assert_int_equal(p.flags, 1);
    assert_int_equal(public_calls, 0);
    make(&m, block, 0);                                 /* no headers */
    ga_kf_message_parent((const ga_kf_message *)&m, &p);
    assert_false(p.valid);
    make(&m, block, 40);                                /* cut short: librdkafka refuses it too */
    ga_kf_message_parent((const ga_kf_message *)&m, &p);
    assert_false(p.valid);
    assert_int_equal(public_calls, 0);
}

static void test_public_calls(void **state)
{
    (void)state;
    fake_msg m;
    make(&m, NULL, 0);
    void *list = &fake_list;
    memcpy(m.b + 104, &list, 8);                        /* already parsed: its list is asked */
    version = 0x020002ff;
    ga_kf_rkm_reset();
    ga_span_ctx p;
    ga_kf_message_parent((const ga_kf_message *)&m, &p);
    assert_true(p.valid);
    assert_int_equal(p.trace_id[0], 0x11);
    version = 0x030000ff;                               /* an unknown layout: public calls only */
    ga_kf_rkm_reset();
    memset(&m, 0xee, sizeof m);                         /* never read */
    public_calls = 0;
    ga_kf_message_parent((const ga_kf_message *)&m, &p);
    assert_int_equal(public_calls, 1);
    assert_true(p.valid);
    assert_int_equal(p.span_id[0], 0x22);
    assert_int_equal(p.flags, 0);
}

/* Append one header to a block being built at b[*n]: name and value shorter than 64 bytes. */
static void put(uint8_t *b, size_t *n, const char *name, const char *val)
{
    size_t nl = strlen(name), vl = strlen(val);
    b[(*n)++] = (uint8_t)(2 * nl);
    memcpy(b + *n, name, nl);
    *n += nl;
    b[(*n)++] = (uint8_t)(2 * vl);
    memcpy(b + *n, val, vl);
    *n += vl;
}

static void test_b3_in_listed_order(void **state)
{
    (void)state;
    uint8_t block[256];
    size_t n = 0;
    block[n++] = 4;                                     /* two headers */
    put(block, &n, "traceparent", TP2);
    put(block, &n, "b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1");
    fake_msg m;
    make(&m, block, (int32_t)n);
    version = 0x020002ff;
    ga_kf_rkm_reset();
    public_calls = 0;
    ga_span_ctx p;
    ga_cfg.prop_order[0] = GA_PROP_B3;                  /* b3,tracecontext: the b3 one */
    ga_cfg.prop_order[1] = GA_PROP_TC;
    ga_kf_message_parent_prop((const ga_kf_message *)&m, &p);
    assert_true(p.valid && p.remote);
    assert_int_equal(p.trace_id[0], 0x80);
    assert_int_equal(p.span_id[0], 0xe4);
    assert_int_equal(p.flags, 1);
    ga_cfg.prop_order[0] = GA_PROP_TC;                  /* tracecontext,b3: the traceparent */
    ga_cfg.prop_order[1] = GA_PROP_B3;
    ga_kf_message_parent_prop((const ga_kf_message *)&m, &p);
    assert_true(p.valid);
    assert_int_equal(p.trace_id[0], 0x11);
    n = 0;                                              /* multi only, 16-hex trace id, denied */
    block[n++] = 6;
    put(block, &n, "X-B3-TraceId", "a3ce929d0e0e4736");
    put(block, &n, "X-B3-SpanId", "00f067aa0ba902b7");
    put(block, &n, "X-B3-Sampled", "0");
    make(&m, block, (int32_t)n);
    ga_cfg.prop_order[0] = GA_PROP_B3MULTI;
    ga_cfg.prop_order[1] = 0;
    ga_kf_message_parent_prop((const ga_kf_message *)&m, &p);
    assert_true(p.valid && p.remote);
    assert_int_equal(p.trace_id[0], 0);                 /* left-padded */
    assert_int_equal(p.trace_id[8], 0xa3);
    assert_int_equal(p.span_id[7], 0xb7);
    assert_int_equal(p.flags, 0);
    /* The usual shape through the traceparent decoder: debug is sampled, 0 is not; a value
     * that decoder refuses is the B3 parser's to judge (a 16-hex trace id, an all-zero span). */
    static const struct { const char *v; int valid, flags, t0; } b3s[] = {
        { "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-d", 1, 1, 0x80 },
        { "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-0", 1, 0, 0x80 },
        { "a3ce929d0e0e4736-00f067aa0ba902b7-1", 1, 1, 0 },
        { "80f198ee56343ba864fe8b2a57d3eff7-0000000000000000-1", 0, 0, 0 },
        { "80F198EE56343BA864FE8B2A57D3EFF7-e457b5a2e4d86bd1-1", 0, 0, 0 },
        { "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-x", 0, 0, 0 },
    };
    ga_cfg.prop_order[0] = GA_PROP_B3;
    for (size_t k = 0; k < sizeof b3s / sizeof b3s[0]; k++) {
        n = 0;
        block[n++] = 2;
        put(block, &n, "b3", b3s[k].v);
        make(&m, block, (int32_t)n);
        ga_kf_message_parent_prop((const ga_kf_message *)&m, &p);
        ga_span_ctx ref;
        int smp;
        assert_int_equal(p.valid, b3s[k].valid);
        assert_int_equal(ga_b3_parse(b3s[k].v, strlen(b3s[k].v), &ref, &smp) == 0, b3s[k].valid);
        if (b3s[k].valid) {
            assert_int_equal(p.flags, b3s[k].flags);
            assert_int_equal(p.trace_id[0], b3s[k].t0);
            assert_memory_equal(p.trace_id, ref.trace_id, 16);
            assert_memory_equal(p.span_id, ref.span_id, 8);
            assert_int_equal(p.flags, ref.flags);
        }
    }
    n = 0;                                              /* lower case (Go, Python, JS SDKs) */
    block[n++] = 4;
    put(block, &n, "x-b3-traceid", "80f198ee56343ba864fe8b2a57d3eff7");
    put(block, &n, "x-b3-spanid", "e457b5a2e4d86bd1");
    make(&m, block, (int32_t)n);
    ga_kf_message_parent_prop((const ga_kf_message *)&m, &p);
    assert_true(p.valid);
    assert_int_equal(p.trace_id[0], 0x80);
    assert_int_equal(p.span_id[0], 0xe4);
    n = 0;                                              /* an invalid b3, nothing else: none */
    block[n++] = 2;
    put(block, &n, "b3", "junk");
    make(&m, block, (int32_t)n);
    ga_kf_message_parent_prop((const ga_kf_message *)&m, &p);
    assert_false(p.valid);
    assert_int_equal(public_calls, 0);
    ga_cfg.prop_order[0] = GA_PROP_TC;
}

/* A producer's `Traceparent` (another SDK's spelling) is the message's traceparent: from the
 * unparsed block, and through the public list, walked with rd_kafka_header_get_all (get_last is
 * exact); the last of any spelling wins. Mixed-case X-B3 names are read too. */
static ga_kf_err f_get_all(const rd_kafka_headers_t *h, size_t i, const char **name, const void **v,
                           size_t *len)
{
    static const char *const names[] = { "app", "Traceparent", "TRACEPARENT" };
    static const char *const vals[] = { "1", TP, TP2 };
    assert_ptr_equal(h, &fake_list);
    if (i >= 3)
        return GA_KF_ERR__NOENT;
    *name = names[i];
    *v = vals[i];
    *len = strlen(vals[i]);
    return 0;
}

static void test_any_case(void **state)
{
    (void)state;
    uint8_t block[200];
    size_t n = 0;
    block[n++] = 4;
    put(block, &n, "app", "1");
    put(block, &n, "Traceparent", TP);
    fake_msg m;
    make(&m, block, (int32_t)n);
    version = 0x020002ff;
    ga_kf_rkm_reset();
    public_calls = 0;
    ga_span_ctx p;
    ga_kf_message_parent((const ga_kf_message *)&m, &p);
    assert_true(p.valid);
    assert_int_equal(p.trace_id[0], 0x0a);
    n = 0;
    block[n++] = 4;
    put(block, &n, "x-B3-TRACEID", "80f198ee56343ba864fe8b2a57d3eff7");
    put(block, &n, "X-b3-SpanID", "e457b5a2e4d86bd1");
    make(&m, block, (int32_t)n);
    ga_cfg.prop_order[0] = GA_PROP_B3MULTI;
    ga_kf_message_parent_prop((const ga_kf_message *)&m, &p);
    ga_cfg.prop_order[0] = GA_PROP_TC;
    assert_true(p.valid);
    assert_int_equal(p.span_id[0], 0xe4);
    assert_int_equal(public_calls, 0);
    version = 0x030000ff;                               /* public calls: the list walked */
    ga_kf_rkm_reset();
    ga_kf_fn[GA_KF_S_rd_kafka_header_get_all] = (void *)f_get_all;
    ga_kf_message_parent((const ga_kf_message *)&m, &p);
    ga_kf_fn[GA_KF_S_rd_kafka_header_get_all] = NULL;
    assert_int_equal(public_calls, 1);
    assert_true(p.valid);
    assert_int_equal(p.trace_id[0], 0x11);              /* TP2: the last one */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_unparsed_block),
        cmocka_unit_test(test_public_calls),
        cmocka_unit_test(test_b3_in_listed_order),
        cmocka_unit_test(test_any_case),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
