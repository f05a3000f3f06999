/* test_context.c — trace context: W3C traceparent parsing (the W3C test-suite cases),
 * formatting round trip, the deterministic ratio sampler, parent-based sampling and id
 * generation (non-zero, distinct, new sequence after a fork generation bump), and a leaf
 * span's ids drawn from its record (the exporter thread's part). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "preload/context.h"
#include "preload/emit.h"
#include "preload/record.h"
#include "preload/config.h"
#include "protocols/w3c/tp_fast.h"

static const char *valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

static int parse(const char *s, ga_span_ctx *c) { return ga_traceparent_parse(s, strlen(s), c); }

static void test_parse_valid(void **state)
{
    (void)state;
    ga_span_ctx c;
    assert_int_equal(parse(valid, &c), 0);
    assert_true(c.valid && c.remote);
    assert_int_equal(c.flags, 1);
    assert_int_equal(c.trace_id[0], 0x4b);
    assert_int_equal(c.trace_id[15], 0x36);
    assert_int_equal(c.span_id[7], 0xb7);
    assert_int_equal(parse(" \t00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00 ", &c), 0);
    assert_int_equal(c.flags, 0);
}

static void test_parse_invalid(void **state)
{
    (void)state;
    ga_span_ctx c;
    const char *bad[] = {
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",   /* uppercase trace id */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",   /* uppercase span id */
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",   /* zero trace id */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",   /* zero span id */
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   /* forbidden version */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xyz", /* v00 extra field */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.",  /* v00 trailing data */
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",    /* short trace id */
        "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   /* bad version char */
        "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   /* bad separator */
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        c.valid = 0;
        assert_int_equal(parse(bad[i], &c), -1);
        assert_int_equal(c.valid, 0);
    }
}

static void test_parse_future_version(void **state)
{
    (void)state;
    ga_span_ctx c;
    assert_int_equal(parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future", &c), 0);
    assert_int_equal(parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", &c), 0);
    assert_int_equal(parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x", &c), -1);
}

static void test_format_roundtrip(void **state)
{
    (void)state;
    ga_span_ctx c, d;
    char buf[64];
    assert_int_equal(parse(valid, &c), 0);
    assert_int_equal(ga_traceparent_format(c.trace_id, c.span_id, c.flags, buf), 55);
    buf[55] = '\0';
    assert_string_equal(buf, valid);
    assert_int_equal(parse(buf, &d), 0);
    assert_memory_equal(c.trace_id, d.trace_id, 16);
}

static void test_ratio_sampler(void **state)
{
    (void)state;
    uint8_t id[16] = {0};
    assert_int_equal(ga_ratio_sample(id, 0.0), 0);
    assert_int_equal(ga_ratio_sample(id, 1.0), 1);
    memset(id + 9, 0xff, 7);                     /* maximal randomness: sampled by any p > 0 */
    assert_int_equal(ga_ratio_sample(id, 0.0001), 1);
    memset(id + 9, 0x00, 7);                     /* minimal: only p = 1 samples it */
    assert_int_equal(ga_ratio_sample(id, 0.9999), 0);
    /* Monotone: whatever a lower ratio samples, a higher ratio samples too. */
    int n_low = 0, n_high = 0;
    for (int i = 0; i < 20000; i++) {
        ga_random_trace_id(id);
        int lo = ga_ratio_sample(id, 0.25), hi = ga_ratio_sample(id, 0.5);
        assert_true(!lo || hi);
        n_low += lo;
        n_high += hi;
    }
    assert_in_range(n_low, 4500, 5500);
    assert_in_range(n_high, 9400, 10600);
}

static void test_parent_based(void **state)
{
    (void)state;
    ga_span_ctx parent = { .valid = 1, .remote = 1, .flags = 0 };
    uint8_t id[16];
    ga_random_trace_id(id);
    ga_cfg.sampler = GA_SAMPLER_PB_ALWAYS_ON;
    assert_int_equal(ga_sample(id, NULL), 1);
    assert_int_equal(ga_sample(id, &parent), 0);
    parent.flags = GA_TF_SAMPLED;
    assert_int_equal(ga_sample(id, &parent), 1);
    ga_cfg.sampler = GA_SAMPLER_PB_ALWAYS_OFF;
    assert_int_equal(ga_sample(id, NULL), 0);
    assert_int_equal(ga_sample(id, &parent), 1);
    ga_cfg.sampler = GA_SAMPLER_ALWAYS_OFF;
    assert_int_equal(ga_sample(id, &parent), 0);
    ga_cfg.sampler = GA_SAMPLER_ALWAYS_ON;
    parent.flags = 0;
    assert_int_equal(ga_sample(id, &parent), 1);
}

static void test_span_start_parents(void **state)
{
    (void)state;
    ga_cfg.sampler = GA_SAMPLER_PB_ALWAYS_ON;
    memset(&ga_cfg.env_parent, 0, sizeof ga_cfg.env_parent);
    memset(&ga_tls_active, 0, sizeof ga_tls_active);
    ga_span_ids ids;
    ga_span_start(&ids, NULL);                  /* root */
    assert_int_equal(ids.has_parent, 0);
    assert_int_equal(ids.flags, GA_TF_SAMPLED);
    assert_int_equal(parse(valid, &ga_cfg.env_parent), 0);
    ga_span_start(&ids, NULL);                  /* child of TRACEPARENT */
    assert_int_equal(ids.has_parent, 1);
    assert_int_equal(ids.parent_remote, 1);
    assert_memory_equal(ids.trace_id, ga_cfg.env_parent.trace_id, 16);
    assert_memory_equal(ids.parent_id, ga_cfg.env_parent.span_id, 8);
    ga_random_trace_id(ga_tls_active.trace_id); /* the thread's active span wins */
    ga_random_span_id(ga_tls_active.span_id);
    ga_tls_active.valid = 1;
    ga_tls_active.flags = 0;
    ga_span_start(&ids, NULL);
    assert_memory_equal(ids.trace_id, ga_tls_active.trace_id, 16);
    assert_int_equal(ids.parent_remote, 0);
    assert_int_equal(ids.flags, 0);             /* parent not sampled */
    memset(&ga_tls_active, 0, sizeof ga_tls_active);
    memset(&ga_cfg.env_parent, 0, sizeof ga_cfg.env_parent);
}

static void test_ids_distinct_and_reseeded(void **state)
{
    (void)state;
    uint8_t a[8], b[8];
    ga_random_span_id(a);
    ga_random_span_id(b);
    assert_memory_not_equal(a, b, 8);
    uint8_t zero[16] = {0}, t[16];
    ga_random_trace_id(t);
    assert_memory_not_equal(t, zero, 16);
    ga_context_after_fork();                    /* new generation: reseeded sequence */
    ga_random_span_id(b);
    assert_memory_not_equal(a, b, 8);
}

/* A leaf span: the parent's ids and decision on the application thread, its own span id (and a
 * root's trace id and decision) drawn later from the record, as the exporter thread does. */
static void test_leaf_ids_drawn_from_the_record(void **state)
{
    (void)state;
    static const uint8_t zero[16];
    ga_span_ids ids;
    ga_rec r;
    ga_cfg.sampler = GA_SAMPLER_PB_RATIO;
    ga_cfg.sampler_ratio = 0.5;
    memset(&ga_tls_active, 0, sizeof ga_tls_active);
    memset(&ga_cfg.env_parent, 0, sizeof ga_cfg.env_parent);
    /* a root: nothing drawn yet */
    ga_span_start_leaf(&ids);
    assert_memory_equal(ids.trace_id, zero, 16);
    assert_memory_equal(ids.span_id, zero, 8);
    assert_int_equal(ids.has_parent, 0);
    int sampled = 0, n = 2000;
    uint8_t prev[8] = { 0 };
    for (int i = 0; i < n; i++) {
        ga_rec_init(&r, 1, 1, GA_KIND_CLIENT, &ids, 10, 20);
        assert_true(ga_rec_ids_pending(&r));
        ga_rec_draw_ids(&r);
        assert_false(ga_rec_ids_pending(&r));
        assert_memory_not_equal(r.h.trace_id, zero, 16);
        assert_memory_not_equal(r.h.span_id, zero, 8);
        assert_memory_not_equal(r.h.span_id, prev, 8);
        memcpy(prev, r.h.span_id, 8);
        /* the root's decision is the ratio sampler's on the drawn trace id */
        assert_int_equal(r.h.trace_flags & GA_TF_SAMPLED, ga_ratio_sample(r.h.trace_id, 0.5) ? GA_TF_SAMPLED : 0);
        sampled += (r.h.trace_flags & GA_TF_SAMPLED) != 0;
    }
    assert_true(sampled > n / 3 && sampled < 2 * n / 3);
    /* a child of the active span: its trace, parent and decision now, the span id later */
    ga_tls_active.valid = 1;
    memset(ga_tls_active.trace_id, 0xab, 16);
    memset(ga_tls_active.span_id, 0xcd, 8);
    ga_tls_active.flags = 0;                        /* not sampled: the child is not either */
    ga_span_start_leaf(&ids);
    assert_int_equal(ids.has_parent, 1);
    assert_memory_equal(ids.parent_id, ga_tls_active.span_id, 8);
    assert_int_equal(ids.flags, 0);
    ga_rec_init(&r, 1, 1, GA_KIND_CLIENT, &ids, 10, 20);
    assert_true(ga_rec_ids_pending(&r));
    ga_rec_draw_ids(&r);
    assert_memory_equal(r.h.trace_id, ga_tls_active.trace_id, 16);
    assert_memory_not_equal(r.h.span_id, zero, 8);
    assert_int_equal(r.h.trace_flags, 0);
    /* records that are not spans, and spans with their ids, are left alone */
    ga_rec_init(&r, 1, 1, 0, NULL, 10, 20);
    assert_false(ga_rec_ids_pending(&r));
    ga_span_start(&ids, NULL);
    ga_rec_init(&r, 1, 1, GA_KIND_CLIENT, &ids, 10, 20);
    assert_false(ga_rec_ids_pending(&r));
    memset(&ga_tls_active, 0, sizeof ga_tls_active);
    ga_cfg.sampler = GA_SAMPLER_PB_ALWAYS_ON;
    ga_cfg.sampler_ratio = 1.0;
}

/* A span whose parent is only the traceparent text it came with (GA_PARENT_RAW): the exporter
 * thread decodes it into the record — a remote parent's child, sampled as the parent-based
 * sampler says — and an invalid text leaves a root, as ga_span_start_own would. */
static void put_raw_tp(ga_rec *r, const char *tp)
{
    static const ga_span_ids child = { .has_parent = GA_PARENT_RAW };
    ga_rec_init(r, 1, 1, GA_KIND_CONSUMER, &child, 10, 20);
    ga_rec_put_int(r, GA_A_ERRNO, 5);               /* another attribute before it */
    ga_rec_put(r, GA_A_PARENT_TP, GA_AT_STR, tp, strlen(tp));
}

static void test_raw_parent_drawn_from_the_record(void **state)
{
    (void)state;
    static const uint8_t zero[16];
    static const char tp1[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    static const char tp0[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
    ga_span_ctx want;
    assert_int_equal(ga_tp_parse(tp1, 55, &want), 0);
    ga_cfg.sampler = GA_SAMPLER_PB_ALWAYS_ON;
    ga_rec r;
    put_raw_tp(&r, tp1);
    assert_true(ga_rec_ids_pending(&r));
    ga_rec_draw_ids(&r);
    assert_false(ga_rec_ids_pending(&r));
    assert_memory_equal(r.h.trace_id, want.trace_id, 16);
    assert_memory_equal(r.h.parent_id, want.span_id, 8);
    assert_int_equal(r.h.has_parent, 1);
    assert_int_equal(r.h.parent_remote, 1);
    assert_int_equal(r.h.trace_flags, GA_TF_SAMPLED);
    assert_memory_not_equal(r.h.span_id, zero, 8);
    put_raw_tp(&r, tp0);                            /* an unsampled parent: not sampled */
    ga_rec_draw_ids(&r);
    assert_int_equal(r.h.trace_flags, 0);
    assert_int_equal(r.h.has_parent, 1);
    put_raw_tp(&r, "00-00000000000000000000000000000000-00f067aa0ba902b7-01");
    ga_rec_draw_ids(&r);                            /* invalid: a root of its own */
    assert_int_equal(r.h.has_parent, 0);
    assert_memory_not_equal(r.h.trace_id, zero, 16);
    assert_memory_equal(r.h.parent_id, zero, 8);
    assert_int_equal(r.h.trace_flags, GA_TF_SAMPLED);
}

/* A record prepared in the caller's memory and copied out whole at its end (ga_rec_copy, the
 * body of ga_emit_copy): the header and attributes as they were, this thread's id, the end
 * time given (never before the start), nothing past the attributes. */
static void test_rec_copy(void **state)
{
    (void)state;
    static const char tp[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    ga_rec src, ref, dst;
    put_raw_tp(&src, tp);
    src.h.tid = 12345;                              /* another thread's: replaced */
    ref = src;
    memset(&dst, 0x5a, sizeof dst);
    ga_rec_copy(&dst, &src, 35);
    assert_memory_equal(&src, &ref, sizeof src);    /* the source is not touched */
    ga_rec probe;
    ga_rec_init(&probe, 1, 1, 0, NULL, 0, 0);
    assert_int_equal(dst.h.tid, probe.h.tid);
    assert_int_equal(dst.h.start_ns, 10);
    assert_int_equal(dst.h.end_ns, 35);
    dst.h.tid = ref.h.tid;
    dst.h.end_ns = ref.h.end_ns;
    assert_memory_equal(&dst, &ref, sizeof dst.h + ref.h.attr_len);
    assert_int_equal(dst.attrs[ref.h.attr_len], 0x5a);  /* nothing past the attributes */
    assert_true(ga_rec_ids_pending(&dst));
    ga_rec_draw_ids(&dst);                          /* the raw parent travels with it */
    assert_int_equal(dst.h.has_parent, 1);
    assert_int_equal(dst.h.parent_remote, 1);
    ga_rec_copy(&dst, &src, 3);                     /* an end before the start: the start */
    assert_int_equal(dst.h.end_ns, 10);
}

/* The pending active context: ga_active() asks the owner's resolver once; a resolver that
 * cannot answer, or none, leaves no active span; the ids it gives are what children see. */
static int resolves;
static void resolve_ok(void)
{
    resolves++;
    memset(ga_tls_active.trace_id, 0x11, 16);
    memset(ga_tls_active.span_id, 0x22, 8);
    ga_tls_active.flags = GA_TF_SAMPLED;
    ga_tls_active.valid = 1;
}
static void resolve_stale(void)
{
    resolves++;
    ga_tls_active.valid = 0;
}

static void test_pending_active_context(void **state)
{
    (void)state;
    memset(&ga_cfg.env_parent, 0, sizeof ga_cfg.env_parent);
    ga_cfg.sampler = GA_SAMPLER_PB_ALWAYS_ON;
    resolves = 0;
    memset(&ga_tls_active, 0, sizeof ga_tls_active);
    ga_tls_active.valid = GA_CTX_PENDING;
    ga_tls_resolve = resolve_ok;
    ga_span_ids ids;
    ga_span_start(&ids, NULL);                      /* a child asks: resolved */
    assert_int_equal(resolves, 1);
    assert_int_equal(ids.has_parent, 1);
    uint8_t x22[8];
    memset(x22, 0x22, 8);
    assert_memory_equal(ids.parent_id, x22, 8);
    assert_non_null(ga_active());                   /* resolved once only */
    assert_int_equal(resolves, 1);
    ga_span_start_leaf(&ids);
    assert_memory_equal(ids.parent_id, x22, 8);
    ga_tls_active.valid = GA_CTX_PENDING;           /* a stale copy put back: none */
    ga_tls_resolve = resolve_stale;
    assert_null(ga_active());
    ga_span_start(&ids, NULL);
    assert_int_equal(ids.has_parent, 0);
    ga_tls_active.valid = GA_CTX_PENDING;           /* no owner at all: none either */
    ga_tls_resolve = NULL;
    assert_null(ga_active());
    assert_int_equal(ga_tls_active.valid, 0);
    memset(&ga_tls_active, 0, sizeof ga_tls_active);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_invalid),
        cmocka_unit_test(test_parse_future_version),
        cmocka_unit_test(test_format_roundtrip),
        cmocka_unit_test(test_ratio_sampler),
        cmocka_unit_test(test_parent_based),
        cmocka_unit_test(test_span_start_parents),
        cmocka_unit_test(test_ids_distinct_and_reseeded),
        cmocka_unit_test(test_leaf_ids_drawn_from_the_record),
        cmocka_unit_test(test_raw_parent_drawn_from_the_record),
        cmocka_unit_test(test_rec_copy),
        cmocka_unit_test(test_pending_active_context),
    };
    return cmocka_run_group_tests_name("context", tests, NULL, NULL);
}
