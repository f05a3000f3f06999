/* test_nats_find_fast.c — the injector's shortcut for writes of whole PUB messages
 * (ga__find_fast in plugins/nats/nats_inject_plan.c) against its dry run: random streams of
 * PUBs, with now and then an HPUB, a PING, a SUB, a lower-case op, runs of blanks, a reply,
 * a long line, a payload without its CR LF, or a cut at the end; random stream offsets,
 * max_payload, next_ok and header declarations; one iovec or two. Each plan is made twice,
 * shortcut allowed and not, and must be the same: what ga_np_find returns, the messages with
 * their decisions, where the plan ends, the flags, and the parser after it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "plugins/nats/nats_inject_int.h"
#include "preload/proto.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static size_t put(char *o, size_t at, const char *s)
{
    size_t n = strlen(s);
    memcpy(o + at, s, n);
    return at + n;
}

/* One item of a stream at o + at; returns the new end. */
static size_t item(char *o, size_t at)
{
    static const char *blanks[] = { " ", " ", " ", " ", "  ", "\t" };
    char subj[400], line[600];
    unsigned r = rnd(100), sl = 1 + rnd(r == 0 ? 390 : 20), body = rnd(r == 1 ? 2000 : 40);
    for (unsigned i = 0; i < sl; i++)
        subj[i] = (char)('a' + rnd(26));
    subj[sl] = 0;
    if (r < 80 || r == 0 || r == 1) {               /* PUB, sometimes odd */
        const char *b = r < 70 ? " " : blanks[rnd(6)];
        const char *op = r == 79 ? "pub" : r == 78 ? "Pub" : "PUB";
        const char *reply = rnd(5) == 0 ? " _INBOX.x1" : "";
        snprintf(line, sizeof line, "%s%s%s%s%s%u%s", op, b, subj, reply, b, body,
                 r == 77 ? "\n" : "\r\n");
        at = put(o, at, line);
        for (unsigned i = 0; i < body; i++)
            o[at++] = (char)('A' + rnd(26));
        return put(o, at, r == 76 ? "\rX" : r == 75 ? "XY" : r == 74 ? "X\n" : "\r\n");
    }
    if (r < 88) {                                   /* HPUB, with or without a traceparent */
        const char *blk = rnd(2) ? "NATS/1.0\r\n\r\n"
            : "NATS/1.0\r\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n\r\n";
        size_t h = strlen(blk);
        snprintf(line, sizeof line, "HPUB %s %zu %zu\r\n%s", subj, h, h + body, blk);
        at = put(o, at, line);
        for (unsigned i = 0; i < body; i++)
            o[at++] = 'z';
        return put(o, at, "\r\n");
    }
    if (r < 93)
        return put(o, at, "PING\r\n");
    if (r < 97)
        return put(o, at, "SUB a.> 7\r\n");
    return put(o, at, "PONG\r\n");
}

static char buf[1 << 16];
static ga_nats_state st;
static ga_np_plan pa, pb;

static void same_line(const ga_nats_line *a, const ga_nats_line *b)
{
    assert_int_equal(a->op, b->op);
    assert_int_equal(a->in_place, b->in_place);
    assert_int_equal(a->len, b->len);
    assert_int_equal(a->size_at, b->size_at);
    /* a line split between iovecs is parsed from each plan's own copy of it */
    if (a->in_place)
        assert_ptr_equal(a->raw, b->raw);
    else
        assert_memory_equal(a->raw, b->raw, a->len);
    assert_int_equal(a->subj_len, b->subj_len);
    assert_int_equal(a->reply_len, b->reply_len);
    if (a->subj_len)
        assert_int_equal(a->subj - a->raw, b->subj - b->raw);
    if (a->reply_len)
        assert_int_equal(a->reply - a->raw, b->reply - b->raw);
    assert_int_equal(a->hdr, b->hdr);
    assert_int_equal(a->total, b->total);
}

static void same_parser(const ga_nats_parser *a, const ga_nats_parser *b)
{
    assert_int_equal(a->phase, b->phase);
    assert_int_equal(a->op, b->op);
    assert_int_equal(a->stop, b->stop);
    assert_int_equal(a->line_len, b->line_len);
    assert_int_equal(a->off, b->off);
    assert_int_equal(a->line_off, b->line_off);
    assert_int_equal(a->hdr_left, b->hdr_left);
    assert_int_equal(a->body_left, b->body_left);
}

/* One random case; returns 1 when the shortcut planned it. */
static int one_case(void)
{
    size_t n = 0;
    unsigned items = 1 + rnd(rnd(4) == 0 ? 12 : 3);
    for (unsigned i = 0; i < items && n < sizeof buf - 4096; i++)
        n = item(buf, n);
    if (rnd(6) == 0 && n > 1)
        n = 1 + rnd((unsigned)n - 1);               /* cut anywhere */
    memset(&st, 0, sizeof st);
    ga_nats_init(&st.out, GA_NATS_C2S);
    ga_nats_init(&st.in, GA_NATS_S2C);
    st.init = 1;
    st.out.off = rnd(3) == 0 ? 0 : rnd(1u << 30);
    st.out.line_off = st.out.off ? st.out.off - 1 : 0;
    st.srv_headers = rnd(10) != 0;
    st.cli_headers = rnd(10) == 0 ? (int8_t)rnd(2) - 1 : 1;
    st.max_payload = rnd(4) == 0 ? 1 + rnd(200) : rnd(2) ? 1048576 : 0;
    st.next_ok = rnd(8) == 0 ? st.out.off + rnd(100) : 0;
    if (rnd(20) == 0)
        st.out.phase = GA_NATS_P_BODY, st.out.body_left = 3;
    struct iovec v[2];
    size_t cut = rnd(8) == 0 ? rnd((unsigned)n) : n;
    v[0] = (struct iovec){ buf, cut };
    v[1] = (struct iovec){ buf + cut, n - cut };
    ga_np_src src = { v, cut < n ? 2 : 1, 0, 0 };
    if (cut == 0)
        src.i = 1;
    memset(&pa, 0xa5, sizeof pa);
    memset(&pb, 0x5a, sizeof pb);
    ga_np_fast_off = 0;
    int ra = ga_np_find(&st, &src, &pa);
    ga_np_fast_off = 1;
    int rb = ga_np_find(&st, &src, &pb);
    assert_int_equal(ra, rb);
    assert_int_equal(pa.nmsg, pb.nmsg);
    assert_int_equal(pa.end, pb.end);
    assert_int_equal(pa.total, pb.total);
    assert_int_equal(pa.base, pb.base);
    assert_int_equal(pa.injects, pb.injects);
    assert_int_equal(pa.refeed, pb.refeed);
    assert_int_equal(pa.cli_headers, pb.cli_headers);
    for (int j = 0; j < pa.nmsg; j++) {
        assert_int_equal(pa.m[j].at, pb.m[j].at);
        assert_int_equal(pa.m[j].head_len, pb.m[j].head_len);
        assert_int_equal(pa.m[j].inject, pb.m[j].inject);
        assert_int_equal(pa.m[j].info, pb.m[j].info);
        if (pa.m[j].inject)
            assert_int_equal(pa.m[j].head_new, pb.m[j].head_new);
        same_line(&pa.m[j].line, &pb.m[j].line);
    }
    same_parser(&pa.after, &pb.after);
    assert_false(pb.fast);
    /* the shortcut takes only what the dry run finds to be PUBs alone, in one iovec */
    if (pa.fast)
        assert_true(src.cnt - src.i == 1 && pa.nmsg > 0 && !pa.refeed &&
                    pa.after.phase == GA_NATS_P_LINE && st.srv_headers && st.cli_headers == 1);
    return pa.fast;
}

static void test_shortcut_matches_the_dry_run(void **state)
{
    (void)state;
    unsigned fast = 0, cases = 200000;
    for (unsigned i = 0; i < cases; i++)
        fast += (unsigned)one_case();
    printf("  %u of %u cases took the shortcut\n", fast, cases);
    assert_true(fast > cases / 10);                 /* the shortcut's own case is well covered */
}

/* The plain case, by hand: one PUB, injected, the parser moved past it. */
static void test_one_pub_by_hand(void **state)
{
    (void)state;
    static char s[] = "PUB orders.new 5\r\nhello\r\n";
    memset(&st, 0, sizeof st);
    ga_nats_init(&st.out, GA_NATS_C2S);
    st.init = 1;
    st.out.off = 1000;
    st.srv_headers = 1;
    st.cli_headers = 1;
    struct iovec v = { s, sizeof s - 1 };
    ga_np_src src = { &v, 1, 0, 0 };
    ga_np_fast_off = 0;
    assert_int_equal(ga_np_find(&st, &src, &pa), 1);
    assert_int_equal(pa.nmsg, 1);
    assert_int_equal(pa.m[0].inject, 1);
    assert_int_equal(pa.m[0].head_len, 18);
    assert_int_equal(pa.end, sizeof s - 1);
    assert_int_equal(pa.after.off, 1000 + sizeof s - 1);
    assert_int_equal(pa.after.line_off, 1000);
    assert_int_equal(pa.after.phase, GA_NATS_P_LINE);
}

int main(void)
{
    ga_proto_init(1);               /* the context fields' sizes, as the constructor sets them */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_pub_by_hand),
        cmocka_unit_test(test_shortcut_matches_the_dry_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
