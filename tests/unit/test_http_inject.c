/* test_http_inject.c — the injector against a simulated socket. An application writes a
 * byte stream S (one or several requests) split every way (whole, every two-way split, one
 * byte at a time, fixed pieces, many small iovecs) while the socket accepts whatever a
 * schedule says (everything, one byte per call, short writes, EAGAIN). After every call the
 * hook's post-step runs on the application's bytes, as in hooks/io.c. Checked each time:
 *   - the wire is S with exactly one `traceparent` (+ `tracestate`) line inserted right
 *     before the blank line of each request that has none of its own, nothing else; with
 *     other formats configured (OTEL_PROPAGATORS) their lines too, of the same identity;
 *   - a forwarded traceparent (the one the thread's server request came with) is
 *     overwritten in place by a child value, and S's length is kept;
 *   - every call returns a count of the application's own bytes (1..asked) or -1/EAGAIN,
 *     never 0, and the counts add up to |S|;
 *   - the connection's request bookkeeping (parser, requests in flight, their texts, the
 *     injected positions) is the same whether the data hook replays the pre-send step's scan
 *     (http_replay.c) or parses the bytes again. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "tests/unit/scratch_exhaust.h"
#include "plugins/http/http_inject.h"
#include "plugins/http/http_replay.h"
#include "plugins/http/http_inject_int.h"
#include "plugins/http/http_state.h"
#include "preload/config.h"
#include "preload/proto.h"

/* ---- a socket that accepts what its schedule says ---- */

static uint8_t wire[1 << 16];
static size_t wire_n;
static const int *sched;            /* per call: bytes accepted, -1 = EAGAIN */
static size_t sched_n, sched_i;

static ssize_t fake_send(int fd, const struct msghdr *m, int flags, int use_msg)
{
    (void)fd; (void)flags; (void)use_msg;
    int cap = sched[sched_i++ % sched_n];
    if (cap < 0) {
        errno = EAGAIN;
        return -1;
    }
    size_t done = 0;
    for (size_t i = 0; i < m->msg_iovlen && done < (size_t)cap; i++) {
        size_t k = m->msg_iov[i].iov_len;
        if (k > (size_t)cap - done)
            k = (size_t)cap - done;
        memcpy(wire + wire_n, m->msg_iov[i].iov_base, k);
        wire_n += k;
        done += k;
    }
    return (ssize_t)done;
}

/* ---- the application ---- */

static ga_fd ent;
static int fdno = 900;

static void new_connection(void)
{
    memset(&ent, 0, sizeof ent);
    atomic_store(&ent.state, GA_FD_SOCKET);
    ent.role = GA_ROLE_CLIENT;
    ent.socktype = SOCK_STREAM;
    ent.family = AF_INET;
    atomic_store(&ent.gen, 1);
    fdno++;
    wire_n = 0;
    sched_i = 0;
}

static void end_connection(void)
{
    ga_conn *c = atomic_load(&ent.conn);
    if (c != NULL)
        ga_conn_release(c);         /* no closed(): nothing may be emitted here */
}

/* One application call: `want` bytes from s, as `segs`-byte iovecs (0 = one buffer). */
static ssize_t app_call(const char *s, size_t want, size_t segs, int use_msg)
{
    struct iovec v[256];
    size_t cnt = 0;
    for (size_t o = 0; o < want; cnt++) {
        size_t k = segs && want - o > segs ? segs : want - o;
        v[cnt] = (struct iovec){ (void *)(s + o), k };
        o += k;
    }
    struct msghdr m = { .msg_iov = v, .msg_iovlen = cnt };
    ssize_t r;
    ga_presend_fn step = ga_presend_tab[atomic_load(&ent.proto)];
    if (step == NULL || !step(fdno, &ent, &m, 0, use_msg, &r))
        r = fake_send(fdno, &m, 0, use_msg);        /* declined: the hook's own call */
    if (r > 0)
        ga_proto_data_iov(fdno, &ent, 1, v, (int)cnt, (size_t)r);   /* the post-step */
    return r;
}

/* Write all of S in pieces of `piece` bytes (0 = all at once); a short count continues the
 * same piece, EAGAIN retries it. */
static void app_write(const char *S, size_t len, size_t piece, size_t segs, int use_msg)
{
    size_t off = 0, end = 0;
    int spins = 0;
    while (off < len) {
        if (off >= end)
            end = piece && len - off > piece ? off + piece : len;
        ssize_t r = app_call(S + off, end - off, segs, use_msg);
        if (r < 0) {
            assert_int_equal(errno, EAGAIN);
            assert_true(++spins < 100000);
            continue;
        }
        assert_true(r > 0 && (size_t)r <= end - off);
        off += (size_t)r;
    }
}

/* ---- checking the wire ---- */

static int is_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return 0;
    return 1;
}

static int tp_value_ok(const uint8_t *p)
{
    return memcmp(p, "00-", 3) == 0 && is_hex(p + 3, 32) && p[35] == '-' && is_hex(p + 36, 16) &&
           p[52] == '-' && (memcmp(p + 53, "01", 2) == 0 || memcmp(p + 53, "00", 2) == 0);
}

static const char *bag_line;        /* the baggage line expected with other formats */

/* The B3 lines of the other formats at w (as configured), of trace `tid` and span `sid`
 * (hex, from the traceparent line; NULL: none there); returns their length. */
static size_t check_b3(const uint8_t *w, const uint8_t *tid, const uint8_t *sid)
{
    size_t j = 0;
    if (ga_cfg.propagators & GA_PROP_B3) {
        assert_memory_equal(w, "b3: ", 4);
        assert_true(is_hex(w + 4, 32) && w[36] == '-' && is_hex(w + 37, 16) && w[53] == '-');
        assert_true(w[54] == '0' || w[54] == '1');
        assert_memory_equal(w + 55, "\r\n", 2);
        if (tid != NULL) {
            assert_memory_equal(w + 4, tid, 32);
            assert_memory_equal(w + 37, sid, 16);
        }
        tid = w + 4;
        sid = w + 37;
        j += 57;
    }
    if (ga_cfg.propagators & GA_PROP_B3MULTI) {
        const uint8_t *m = w + j;
        assert_memory_equal(m, "X-B3-TraceId: ", 14);
        assert_memory_equal(m + 46, "\r\nX-B3-SpanId: ", 15);
        assert_memory_equal(m + 77, "\r\nX-B3-Sampled: ", 16);
        assert_true(is_hex(m + 14, 32) && is_hex(m + 61, 16) && (m[93] == '0' || m[93] == '1'));
        assert_memory_equal(m + 94, "\r\n", 2);
        if (tid != NULL) {
            assert_memory_equal(m + 14, tid, 32);
            assert_memory_equal(m + 61, sid, 16);
        }
        j += 96;
    }
    return j;
}

/* wire == S plus one injected line (+ ts_line) before each blank line listed in `at`. */
static void check_wire(const char *S, size_t len, const size_t *at, int n_at, const char *ts_line)
{
    size_t i = 0, j = 0;
    int k = 0, tsl = ts_line ? (int)strlen(ts_line) : 0;
    while (i < len || j < wire_n) {
        if (k < n_at && i == at[k] && ga_cfg.propagators != GA_PROP_TC) {
            const uint8_t *tid = NULL, *sid = NULL;
            if (ga_cfg.propagators & GA_PROP_TC) {
                assert_memory_equal(wire + j, "traceparent: ", 13);
                assert_true(tp_value_ok(wire + j + 13));
                tid = wire + j + 16;
                sid = wire + j + 49;
                j += 70;
                if (tsl)
                    assert_memory_equal(wire + j, ts_line, tsl);
                j += (size_t)tsl;
            }
            j += check_b3(wire + j, tid, sid);
            if (bag_line) {
                assert_memory_equal(wire + j, bag_line, strlen(bag_line));
                j += strlen(bag_line);
            }
            k++;
            continue;
        }
        if (k < n_at && i == at[k]) {
            assert_true(j + 70 + tsl <= wire_n);
            assert_memory_equal(wire + j, "traceparent: ", 13);
            assert_true(tp_value_ok(wire + j + 13));
            assert_memory_equal(wire + j + 68, "\r\n", 2);
            if (tsl)
                assert_memory_equal(wire + j + 70, ts_line, tsl);
            j += 70 + tsl;
            k++;
            continue;
        }
        assert_true(i < len && j < wire_n);
        if (wire[j] != (uint8_t)S[i])
            fail_msg("wire differs at %zu (S %zu): %.*s", j, i, (int)(wire_n - j), wire + j);
        i++;
        j++;
    }
    assert_int_equal(k, n_at);
}

/* ---- the bookkeeping, without ids and times ---- */

static void mixb(uint64_t *h, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        *h = (*h ^ ((const uint8_t *)p)[i]) * 0x100000001b3ull;
}

static uint64_t state_digest(void)
{
    uint64_t h = 0xcbf29ce484222325ull;
    ga_conn *c = atomic_load(&ent.conn);
    if (c == NULL)
        return h;
    ga_http_state *st = ga_http_st(c);
    mixb(&h, &st->rq, sizeof st->rq);
    mixb(&h, &st->q_head, 1);
    mixb(&h, &st->q_len, 1);
    mixb(&h, st->q, sizeof st->q);
    mixb(&h, &st->used, sizeof st->used);
    mixb(&h, &st->cur, 1);
    mixb(&h, &st->tp_len, 1);
    mixb(&h, st->tp, st->tp_len < sizeof st->tp ? st->tp_len : sizeof st->tp);
    for (int i = 0; i < GA_HTTP_ALL_SLOTS; i++) {
        if (!(st->used >> i & 1))
            continue;
        const ga_http_xchg *x = ga_http_slot(st, i);
        mixb(&h, &x->req_body, sizeof x->req_body);
        mixb(&h, &x->has_ids, offsetof(ga_http_xchg, text) - offsetof(ga_http_xchg, has_ids));
        mixb(&h, x->text, x->t_used);
    }
    const ga_http_inj *in = &st->u.inj;
    mixb(&h, &in->next_ok, sizeof in->next_ok);
    mixb(&h, &in->n_injected, 1);
    for (int i = 0; i < in->n_injected; i++)
        mixb(&h, &in->injected[i].pos, sizeof in->injected[i].pos);
    return h;
}

/* ---- the matrix ---- */

static const int s_all[] = { 1 << 20 };
static const int s_one[] = { 1 };
static const int s_short[] = { 5, -1, 3, -1, -1, 100, 2 };
static const int s_tiny[] = { 1, -1, 2, 1, -1, 70, 1, 13 };
static const struct { const int *s; size_t n; } scheds[] = {
    { s_all, 1 }, { s_one, 1 }, { s_short, 7 }, { s_tiny, 8 },
};

/* Run S through every write pattern and socket schedule. */
static void matrix(const char *S, const size_t *at, int n_at, const char *ts_line)
{
    size_t len = strlen(S);
    const size_t pieces[] = { 0, 1, 7, 13 };
    for (size_t si = 0; si < sizeof scheds / sizeof scheds[0]; si++) {
        sched = scheds[si].s;
        sched_n = scheds[si].n;
        for (size_t pi = 0; pi < sizeof pieces / sizeof pieces[0]; pi++)
            for (size_t segs = 0; segs <= 3; segs += 3)
                for (int use_msg = 0; use_msg <= 1; use_msg++) {
                    /* replay and direct composition on; replay off; direct composition off:
                     * the same wire and the same state */
                    uint64_t d[3];
                    for (int v = 0; v < 3; v++) {
                        ga_http_replay_on = v != 1;
                        ga_inj_one_on = v != 2;
                        new_connection();
                        app_write(S, len, pieces[pi], segs, use_msg);
                        check_wire(S, len, at, n_at, ts_line);
                        d[v] = state_digest();
                        end_connection();
                    }
                    ga_http_replay_on = 1;
                    ga_inj_one_on = 1;
                    assert_int_equal(d[0], d[1]);
                    assert_int_equal(d[0], d[2]);
                }
        /* every two-way split of the stream */
        for (size_t cut = 1; cut < len; cut++) {
            new_connection();
            app_write(S, cut, 0, 0, 1);
            app_write(S + cut, len - cut, 0, 0, 0);
            check_wire(S, len, at, n_at, ts_line);
            end_connection();
        }
    }
}

static const char *blank_at(const char *S, size_t from)
{
    return strstr(S + from, "\r\n\r\n") ? strstr(S + from, "\r\n\r\n") + 2 : NULL;
}

static void test_one_request(void **state)
{
    (void)state;
    const char *S = "GET /a?x=1 HTTP/1.1\r\nHost: example\r\nAccept: */*\r\n\r\n";
    size_t at[] = { (size_t)(blank_at(S, 0) - S) };
    matrix(S, at, 1, NULL);
}

static void test_pipelined(void **state)
{
    (void)state;
    const char *S = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
                    "POST /2 HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
                    "PUT /3 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                    "GET /4 HTTP/1.0\n\n";
    size_t at[4];
    at[0] = (size_t)(blank_at(S, 0) - S);
    at[1] = (size_t)(blank_at(S, at[0] + 2) - S);
    at[2] = (size_t)(blank_at(S, at[1] + 2) - S);
    at[3] = strlen(S) - 1;          /* "\n\n": the blank line is the last byte */
    matrix(S, at, 4, NULL);
}

static void test_own_traceparent_untouched(void **state)
{
    (void)state;
    const char *S = "GET / HTTP/1.1\r\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n\r\n"
                    "GET /next HTTP/1.1\r\n\r\n";
    size_t at[] = { strlen(S) - 2 };
    matrix(S, at, 1, NULL);
}

static void test_tracestate_of_active_span(void **state)
{
    (void)state;
    ga_span_ids ids;
    ga_http_server_ids(&ids, NULL);
    ga_http_set_active(&ids, "vendor=abc", 10, NULL);
    const char *S = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n";
    size_t at[] = { (size_t)(blank_at(S, 0) - S) };
    matrix(S, at, 1, "tracestate: vendor=abc\r\n");
    ga_http_clear_active(&ids);
}

/* A request with a tracestate of its own gets a traceparent line only. */
static void test_tracestate_not_doubled(void **state)
{
    (void)state;
    ga_span_ids ids;
    ga_http_server_ids(&ids, NULL);
    ga_http_set_active(&ids, "vendor=abc", 10, NULL);
    const char *S = "GET /b HTTP/1.1\r\ntracestate: own=1\r\n\r\n";
    size_t at[] = { strlen(S) - 2 };
    matrix(S, at, 1, NULL);
    ga_http_clear_active(&ids);
}

/* Overwritten when the value is whole in one application write (the socket may still
 * take it in pieces); left byte-identical when the application splits the value itself
 * (a prefix cannot tell a forwarded value from an SDK's child of it). */
static void test_forwarded_is_overwritten(void **state)
{
    (void)state;
    const char *in = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    ga_span_ctx ctx;
    assert_int_equal(ga_traceparent_parse(in, 55, &ctx), 0);
    ga_span_ids ids;
    ga_http_server_ids(&ids, &ctx);
    ga_http_set_active(&ids, NULL, 0, in);
    char S[256];
    snprintf(S, sizeof S, "GET /up HTTP/1.0\r\nHost: b\r\ntraceparent: %s\r\nX: y\r\n\r\n", in);
    size_t len = strlen(S), v = (size_t)(strstr(S, in) - S);
    for (size_t si = 0; si < sizeof scheds / sizeof scheds[0]; si++) {
        sched = scheds[si].s;
        sched_n = scheds[si].n;
        for (size_t piece = 0; piece <= 9; piece += 3) {
            new_connection();
            app_write(S, len, piece, 0, (int)(piece & 1));
            assert_int_equal(wire_n, len);
            assert_memory_equal(wire, S, v);
            assert_memory_equal(wire + v + 55, S + v + 55, len - v - 55);
            if (piece == 0) {
                assert_true(tp_value_ok(wire + v));
                assert_memory_equal(wire + v + 3, in + 3, 32);          /* same trace */
                assert_memory_not_equal(wire + v + 36, in + 36, 16);    /* our span */
            } else {
                assert_memory_equal(wire + v, in, 55);
            }
            end_connection();
        }
    }
    ga_http_clear_active(&ids);
}

static void test_many_iovecs(void **state)
{
    (void)state;
    char S[400];
    snprintf(S, sizeof S, "GET /%0200d HTTP/1.1\r\nHost: h\r\n\r\nGET /x HTTP/1.1\r\n\r\n", 7);
    size_t at[] = { (size_t)(blank_at(S, 0) - S), strlen(S) - 2 };
    sched = s_all;
    sched_n = 1;
    new_connection();
    app_write(S, strlen(S), 0, 1, 0);       /* one iovec per byte: > GA_INJ_MAXV */
    check_wire(S, strlen(S), at, 2, NULL);
    end_connection();
}

static void test_not_http_declined(void **state)
{
    (void)state;
    sched = s_all;
    sched_n = 1;
    new_connection();
    const char *S = "*1\r\n$4\r\nPING\r\n";
    app_write(S, strlen(S), 0, 0, 0);
    assert_int_equal(wire_n, strlen(S));
    assert_memory_equal(wire, S, wire_n);
    assert_int_not_equal(atomic_load(&ent.proto), GA_PROTO_HTTP);
    end_connection();
}

/* OTEL_PROPAGATORS=tracecontext,b3,b3multi,baggage: every line, one identity, the baggage
 * of the active server span; the application's byte counts stay exact. */
static void test_other_formats(void **state)
{
    (void)state;
    unsigned saved = ga_cfg.propagators;
    ga_cfg.propagators = GA_PROP_TC | GA_PROP_B3 | GA_PROP_B3MULTI | GA_PROP_BAGGAGE;
    ga_span_ids ids;
    ga_http_server_ids(&ids, NULL);
    ga_http_set_active(&ids, "vendor=abc", 10, NULL);
    ga_baggage_set(ids.span_id, "userId=alice,isProduction=false", 31);
    bag_line = "baggage: userId=alice,isProduction=false\r\n";
    const char *S = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
                    "POST /2 HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
    size_t at[2];
    at[0] = (size_t)(blank_at(S, 0) - S);
    at[1] = (size_t)(blank_at(S, at[0] + 2) - S);
    matrix(S, at, 2, "tracestate: vendor=abc\r\n");
    ga_http_clear_active(&ids);
    bag_line = NULL;
    ga_cfg.propagators = saved;
}

/* b3multi alone: no traceparent; a request with X-B3 fields of its own is left alone, one
 * with only a traceparent of its own gets ours. */
static void test_b3multi_only(void **state)
{
    (void)state;
    unsigned saved = ga_cfg.propagators;
    ga_cfg.propagators = GA_PROP_B3MULTI;
    const char *S = "GET /own HTTP/1.1\r\nX-B3-TraceId: 0af7651916cd43dd8448eb211c80319c\r\n"
                    "X-B3-SpanId: b7ad6b7169203331\r\n\r\n"
                    "GET /tp HTTP/1.1\r\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n\r\n";
    size_t at[] = { strlen(S) - 2 };
    matrix(S, at, 1, NULL);
    ga_cfg.propagators = saved;
}

/* The texts a request's span keeps: header values lose the optional whitespace before their
 * CR LF (in one piece, or as a piece of their own when the head comes byte by byte), the
 * value's own spaces stay, and a value without any is untouched. */
static void check_text(const ga_http_xchg *x, int f, const char *want)
{
    assert_int_equal(x->t_len[f], strlen(want));
    assert_memory_equal(ga_http_txt(x, f), want, strlen(want));
}

static void test_texts_trimmed(void **state)
{
    (void)state;
    const char *S = "GET /t HTTP/1.1\r\nHost: h.example \t\r\nUser-Agent: a b  \r\n"
                    "X-Forwarded-For: 10.0.0.1\r\n\r\n";
    const size_t pieces[] = { 0, 1, 7 };
    sched = s_all;
    sched_n = 1;
    for (size_t pi = 0; pi < sizeof pieces / sizeof pieces[0]; pi++) {
        new_connection();
        app_write(S, strlen(S), pieces[pi], 0, 0);
        ga_conn *c = atomic_load(&ent.conn);
        assert_non_null(c);
        ga_http_state *st = ga_http_st(c);
        assert_true(st->used & 1);
        const ga_http_xchg *x = ga_http_slot(st, 0);
        check_text(x, GA_HT_TARGET, "/t");
        check_text(x, GA_HT_HOST, "h.example");
        check_text(x, GA_HT_UA, "a b");
        check_text(x, GA_HT_XFF, "10.0.0.1");
        end_connection();
    }
}

int main(void)
{
    ga_proto_init(1);               /* as the constructor does with GENESIS_PROPAGATE on */
    ga_http_sender = fake_send;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_request),
        cmocka_unit_test(test_pipelined),
        cmocka_unit_test(test_own_traceparent_untouched),
        cmocka_unit_test(test_tracestate_of_active_span),
        cmocka_unit_test(test_tracestate_not_doubled),
        cmocka_unit_test(test_forwarded_is_overwritten),
        cmocka_unit_test(test_many_iovecs),
        cmocka_unit_test(test_not_http_declined),
        cmocka_unit_test(test_other_formats),
        cmocka_unit_test(test_b3multi_only),
        cmocka_unit_test(test_texts_trimmed),
    };
    int failed = cmocka_run_group_tests_name("scratch pool", tests, NULL, NULL);
    /* the same again with every scratch slot taken: the plan goes on the stack */
    return failed + cmocka_run_group_tests_name("stack fallback", tests, exhaust_scratch,
                                                release_scratch);
}
