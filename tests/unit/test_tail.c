/* test_tail.c — local tail sampling (exporter/tail.c): segments grouped by local root, kept for
 * an error or a slow root, discarded otherwise; nested local spans folded into their root's
 * segment; a full buffer decides its oldest segment early (kept for an error, else counted as
 * overflowed); late spans of a kept trace follow it; what is held at exit is decided. Each
 * test starts from ga_tail_clear (not ga_tail_after_fork, which forgets the buffer without
 * freeing it, as a forked child must): the binary runs clean under LeakSanitizer. */
#include <stdarg.h>
#include <unistd.h>      /* environ */
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "exporter/tail.h"
#include "preload/config.h"
#include "preload/emit.h"

#define MAX_OUT 4096
static ga_rec out[MAX_OUT];
static int nout;

static void take(const ga_rec *r)
{
    if (nout < MAX_OUT)
        out[nout++] = *r;
}

static void setup_tail(const char *mode, const char *slow_ms, const char *buffer)
{
    ga_config c;
    setenv("GENESIS_LOG_LEVEL", "off", 1);
    setenv("GENESIS_TAIL_SAMPLING", mode, 1);
    setenv("GENESIS_TAIL_SLOW_MS", slow_ms, 1);
    setenv("GENESIS_TAIL_BUFFER", buffer, 1);
    ga_config_load(&c, "prog", environ);
    ga_tail_clear();                    /* the last test's buffer freed, fresh counters */
    ga_tail_open(take);
    nout = 0;
}

static uint8_t trace_a[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

/* A span of `trace` with span id byte `id` and parent byte `parent` (0 = none); `remote`: the
 * parent is remote. Unsampled. */
static ga_rec span(const uint8_t trace[16], uint8_t id, uint8_t parent, int remote, uint8_t kind,
                   uint8_t status, uint64_t dur_ms)
{
    ga_span_ids ids;
    memset(&ids, 0, sizeof ids);
    memcpy(ids.trace_id, trace, 16);
    ids.span_id[0] = id;
    ids.span_id[7] = 0xee;
    if (parent) {
        ids.parent_id[0] = parent;
        ids.parent_id[7] = 0xee;
        ids.has_parent = 1;
        ids.parent_remote = (uint8_t)remote;
    }
    ga_rec r;
    ga_rec_init(&r, GA_PROTO_CORE, GA_OP_CONNECT, kind, &ids, 1000000000ull,
                1000000000ull + dur_ms * 1000000ull);
    r.h.status = status;
    return r;
}

static void feed(ga_rec r)
{
    ga_tail_span(&r);
}

static int64_t tail_attr(const ga_rec *r)
{
    size_t off = 0, len;
    uint8_t key, type;
    const uint8_t *v;
    while (ga_rec_next(r, &off, &key, &type, &v, &len))
        if (key == GA_A_TAIL && len == 8) {
            int64_t x;
            memcpy(&x, v, 8);
            return x;
        }
    return 0;
}

static void test_error_keeps_the_whole_segment(void **state)
{
    (void)state;
    setup_tail("errors,slow", "1000", "64");
    feed(span(trace_a, 2, 1, 0, GA_KIND_CLIENT, GA_STATUS_UNSET, 1));     /* children first */
    feed(span(trace_a, 3, 1, 0, GA_KIND_CLIENT, GA_STATUS_ERROR, 1));
    assert_int_equal(nout, 0);
    feed(span(trace_a, 1, 9, 1, GA_KIND_SERVER, GA_STATUS_UNSET, 5));     /* root: remote parent */
    assert_int_equal(nout, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(tail_attr(&out[i]), GA_TAIL_ERROR);
        assert_int_equal(out[i].h.trace_flags, 0);                        /* as recorded */
    }
    assert_int_equal(out[2].h.span_id[0], 1);
    assert_int_equal(out[0].h.parent_id[0], 1);
    assert_int_equal(ga_tail_self.kept, 1);
    assert_int_equal(ga_tail_self.spans_held, 0);
}

static void test_fast_success_is_discarded_slow_is_kept(void **state)
{
    (void)state;
    setup_tail("errors,slow", "100", "64");
    feed(span(trace_a, 2, 1, 0, GA_KIND_CLIENT, GA_STATUS_UNSET, 1));
    feed(span(trace_a, 1, 0, 0, GA_KIND_SERVER, GA_STATUS_UNSET, 99));
    assert_int_equal(nout, 0);
    assert_int_equal(ga_tail_self.discarded, 1);
    uint8_t t2[16];
    memcpy(t2, trace_a, 16);
    t2[15] ^= 0x55;
    feed(span(t2, 2, 1, 0, GA_KIND_CLIENT, GA_STATUS_UNSET, 1));
    feed(span(t2, 1, 0, 0, GA_KIND_SERVER, GA_STATUS_UNSET, 101));
    assert_int_equal(nout, 2);
    assert_int_equal(tail_attr(&out[0]), GA_TAIL_SLOW);
    /* mode "errors": a slow root alone is not kept; "slow": an error alone is not */
    setup_tail("errors", "100", "64");
    feed(span(trace_a, 1, 0, 0, GA_KIND_SERVER, GA_STATUS_UNSET, 500));
    assert_int_equal(nout, 0);
    setup_tail("slow", "100", "64");
    feed(span(trace_a, 1, 0, 0, GA_KIND_CLIENT, GA_STATUS_ERROR, 5));
    assert_int_equal(nout, 0);
    setup_tail("off", "100", "64");
    feed(span(trace_a, 1, 0, 0, GA_KIND_CLIENT, GA_STATUS_ERROR, 5000));
    assert_int_equal(nout, 0);
}

static void test_nested_local_span_joins_its_root(void **state)
{
    (void)state;
    setup_tail("errors", "1000", "64");
    /* server 1 → consumer 5 (local parent) → client 6 (error) */
    feed(span(trace_a, 6, 5, 0, GA_KIND_CLIENT, GA_STATUS_ERROR, 1));
    feed(span(trace_a, 5, 1, 0, GA_KIND_CONSUMER, GA_STATUS_UNSET, 2));
    assert_int_equal(nout, 0);
    feed(span(trace_a, 1, 0, 0, GA_KIND_SERVER, GA_STATUS_UNSET, 3));
    assert_int_equal(nout, 3);
    assert_int_equal(ga_tail_self.kept, 1);
}

static void test_overflow_decides_the_oldest(void **state)
{
    (void)state;
    setup_tail("errors", "1000", "16");
    uint8_t t[16];
    memcpy(t, trace_a, 16);
    /* 20 children of one long request: the buffer holds 16, so the segment overflows */
    for (int i = 0; i < 20; i++)
        feed(span(t, (uint8_t)(10 + i), 1, 0, GA_KIND_CLIENT, GA_STATUS_UNSET, 1));
    assert_int_equal(ga_tail_self.overflowed, 1);
    assert_true(ga_tail_self.spans_held <= 16);
    feed(span(t, 1, 0, 0, GA_KIND_SERVER, GA_STATUS_UNSET, 3));
    assert_int_equal(nout, 0);
    assert_int_equal(ga_tail_self.discarded, 1);
    /* a segment holding an error is exported early instead, and the rest of its trace follows */
    t[15] ^= 0x33;
    feed(span(t, 10, 1, 0, GA_KIND_CLIENT, GA_STATUS_ERROR, 1));
    for (int i = 1; i < 20; i++)
        feed(span(t, (uint8_t)(10 + i), 1, 0, GA_KIND_CLIENT, GA_STATUS_UNSET, 1));
    feed(span(t, 1, 0, 0, GA_KIND_SERVER, GA_STATUS_UNSET, 3));
    assert_int_equal(nout, 21);
    assert_int_equal(ga_tail_self.kept, 1);
}

static void test_exit_decides_what_is_held(void **state)
{
    (void)state;
    setup_tail("errors,slow", "1000", "64");
    feed(span(trace_a, 2, 1, 0, GA_KIND_CLIENT, GA_STATUS_ERROR, 1));
    uint8_t t2[16];
    memcpy(t2, trace_a, 16);
    t2[9] ^= 1;
    feed(span(t2, 2, 1, 0, GA_KIND_CLIENT, GA_STATUS_UNSET, 1));
    assert_int_equal(ga_tail_tick(0), 60000);
    ga_tail_final();
    assert_int_equal(nout, 1);
    assert_int_equal(ga_tail_self.kept, 1);
    assert_int_equal(ga_tail_self.discarded, 1);
    assert_int_equal(ga_tail_tick(0), -1);
}

/* ga_tail_clear frees the buffer and forgets the kept traces: a span of a trace kept before
 * is held again, not exported at once, and nothing is held after the next clear. */
static void test_clear_forgets_everything(void **state)
{
    (void)state;
    setup_tail("errors", "1000", "16");
    feed(span(trace_a, 1, 0, 0, GA_KIND_SERVER, GA_STATUS_ERROR, 1));
    assert_int_equal(ga_tail_self.kept, 1);
    setup_tail("errors", "1000", "16");
    assert_int_equal(ga_tail_self.kept, 0);
    assert_int_equal(ga_tail_tick(0), -1);                  /* no buffer yet */
    feed(span(trace_a, 2, 1, 0, GA_KIND_CLIENT, GA_STATUS_UNSET, 1));
    assert_int_equal(nout, 0);                              /* held: the old decision is gone */
    assert_int_equal(ga_tail_self.spans_held, 1);
    ga_tail_clear();
    assert_int_equal(ga_tail_on(), 0);
    assert_int_equal(ga_tail_tick(0), -1);
    assert_int_equal(ga_tail_self.spans_held, 0);
}

/* The last test's buffer is freed too, so that LeakSanitizer sees no tail memory at all. */
static int clear_after_all(void **state)
{
    (void)state;
    ga_tail_clear();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_keeps_the_whole_segment),
        cmocka_unit_test(test_fast_success_is_discarded_slow_is_kept),
        cmocka_unit_test(test_nested_local_span_joins_its_root),
        cmocka_unit_test(test_overflow_decides_the_oldest),
        cmocka_unit_test(test_exit_decides_what_is_held),
        cmocka_unit_test(test_clear_forgets_everything),
    };
    return cmocka_run_group_tests(tests, NULL, clear_after_all);
}
