/* test_nats_inject.c — the NATS injector against a simulated socket. The server's INFO is read
 * first (as a client reads it), then the application writes a byte stream S (CONNECT and any
 * mix of PUB, HPUB, SUB, UNSUB, PING) split every way (whole, every two-way split, pieces,
 * small iovecs) while the socket accepts whatever a schedule says (everything, one byte per
 * call, short writes, EAGAIN). After every call the hook's post-step runs on the
 * application's bytes, as in hooks/io.c. Checked each time:
 *   - the wire is S with, for each published message, either its head untouched or rewritten
 *     exactly (PUB → HPUB with a NATS/1.0 block carrying the context fields of the configured
 *     formats; an HPUB's block gets the fields before its end and both counts grow by their
 *     length), everything else identical;
 *   - messages that must not be touched (own context of a configured format, max_payload, no
 *     headers) are not, and when S is written whole, every message that may be rewritten is;
 *   - every call returns a count of the application's own bytes (1..asked) or -1/EAGAIN,
 *     never 0, and the counts add up to |S|.
 * All of it for each OTEL_PROPAGATORS list: tracecontext; b3; b3multi; tracecontext,b3;
 * b3multi,tracecontext; none (nothing is ever rewritten). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "tests/unit/scratch_exhaust.h"
#include "plugins/nats/nats_inject.h"
#include "plugins/nats/nats_inject_int.h"
#include "plugins/nats/nats_state.h"
#include "preload/config.h"
#include "preload/proto.h"

/* ---- a socket that accepts what its schedule says ---- */

static uint8_t wire[1 << 17];
static size_t wire_n;
static const int *sched;            /* per call: bytes accepted, -1 = EAGAIN */
static size_t sched_n, sched_i;

static ssize_t fake_send(int fd, const struct msghdr *m, int flags, int use_msg)
{
    (void)fd, (void)flags, (void)use_msg;
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
static int fdno = 700;
static const char *info_line =
    "INFO {\"server_id\":\"T\",\"version\":\"2.9.10\",\"headers\":true,\"max_payload\":1048576} \r\n";

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
    ga_proto_data(fdno, &ent, 0, info_line, strlen(info_line));     /* the server greets */
    assert_int_equal(atomic_load(&ent.proto), GA_PROTO_NATS);
}

static void end_connection(void)
{
    ga_conn *c = atomic_load(&ent.conn);
    if (c != NULL)
        ga_conn_release(c);
}

/* One application call: `want` bytes from s, as `segs`-byte iovecs (0 = one buffer). */
static ssize_t app_call(const char *s, size_t want, size_t segs, int use_msg)
{
    struct iovec v[1024];
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
    /* the hook's after-step (hooks/hook.h): the bytes go to the parser unless the pre-send
     * step marked them as already fed */
    int fed = ga_tls_presend_fed == fdno + 1;
    ga_tls_presend_fed = 0;
    if (r > 0 && !fed)
        ga_proto_data_iov(fdno, &ent, 1, v, (int)cnt, (size_t)r);
    return r;
}

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

/* ---- the messages of S, found with the parser ---- */

typedef struct msg_ref {
    size_t at, line_len, head_len, size_at;
    int op;
    uint64_t hdr, total;
} msg_ref;

typedef struct refs {
    msg_ref m[64];
    int n;
} refs;

static void r_line(void *ctx, ga_nats_parser *ps, const ga_nats_line *l, uint64_t off)
{
    refs *r = ctx;
    (void)ps;
    if (l->op != GA_NATS_PUB && l->op != GA_NATS_HPUB)
        return;
    msg_ref *m = &r->m[r->n++];
    *m = (msg_ref){ (size_t)off, l->len, l->len + (size_t)l->hdr, l->size_at, l->op, l->hdr, l->total };
}

static void find_msgs(const char *S, refs *r)
{
    ga_nats_parser ps;
    ga_nats_init(&ps, GA_NATS_C2S);
    ga_nats_cb cb = { .ctx = r, .line = r_line };
    r->n = 0;
    ga_nats_feed(&ps, (const uint8_t *)S, strlen(S), &cb);
    assert_int_not_equal(ps.phase, GA_NATS_P_ERROR);
}

/* ---- the configured formats and the fields they add ---- */

static unsigned cur_fmt;            /* GA_PROP_* bits of the list in force */
static char fields[512];            /* their field lines, '?' for each digit of an id */

#define H32 "????????????????????????????????"
#define H16 "????????????????"

/* OTEL_PROPAGATORS = order[0..n), as the configuration would leave it, then the plug-in's
 * setup; the expected field lines written out by hand (never by the code under test). */
static void use_propagators(const uint8_t *order, int n)
{
    memset(ga_cfg.prop_order, 0, sizeof ga_cfg.prop_order);
    ga_cfg.propagators = 0;
    for (int i = 0; i < n; i++) {
        ga_cfg.prop_order[i] = order[i];
        ga_cfg.propagators |= order[i];
    }
    cur_fmt = ga_cfg.propagators;
    ga_nats_ctx_setup();
    fields[0] = 0;
    if (cur_fmt & GA_PROP_TC)
        strcat(fields, "traceparent: 00-" H32 "-" H16 "-0?\r\n");
    if (cur_fmt & GA_PROP_B3)
        strcat(fields, "b3: " H32 "-" H16 "-?\r\n");
    if (cur_fmt & GA_PROP_B3MULTI)
        strcat(fields, "X-B3-TraceId: " H32 "\r\nX-B3-SpanId: " H16 "\r\nX-B3-Sampled: ?\r\n");
}

/* The bytes the fields add to an HPUB's block; a new block is 12 more (NATS/1.0, end). */
static size_t flen(void)
{
    return strlen(fields);
}

/* p[0..n) is `exp` where each '?' stands for a lower-hex digit (the ids and flags); the ids
 * are the same in every field that carries them. */
static int matches(const uint8_t *p, const char *exp, size_t n)
{
    char ids[2][33] = { "", "" };               /* first trace id, span id seen */
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if (exp[i] != '?') {
            if (p[i] != (uint8_t)exp[i])
                return 0;
            run = 0;
            continue;
        }
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return 0;
        if (++run == 32 || (run == 16 && (i + 1 >= n || exp[i + 1] != '?'))) {
            char *id = ids[run == 16];
            if (id[0] == 0)
                memcpy(id, p + i + 1 - run, run), id[run] = 0;
            else if (memcmp(id, p + i + 1 - run, run) != 0)
                return 0;
        }
    }
    return 1;
}

/* The expected rewritten head of m into out; its length. */
static size_t rewritten(const char *S, const msg_ref *m, char *out)
{
    size_t n = 0, f = flen();
    if (m->op == GA_NATS_PUB)
        out[n++] = 'H';
    memcpy(out + n, S + m->at, m->size_at);
    n += m->size_at;
    if (m->op == GA_NATS_PUB) {
        n += (size_t)sprintf(out + n, "%zu %llu\r\nNATS/1.0\r\n", f + 12,
                             (unsigned long long)m->total + f + 12);
    } else {
        n += (size_t)sprintf(out + n, "%llu %llu\r\n", (unsigned long long)m->hdr + f,
                             (unsigned long long)m->total + f);
        memcpy(out + n, S + m->at + m->line_len, m->hdr - 2);
        n += m->hdr - 2;
    }
    memcpy(out + n, fields, f);
    n += f;
    memcpy(out + n, "\r\n", 2);
    return n + 2;
}

/* wire == S with each message's head untouched or rewritten. `must` (bit per message): it
 * must be rewritten; `never`: it must not. Returns the rewritten set. */
static uint64_t check_wire(const char *S, const refs *r, uint64_t must, uint64_t never)
{
    size_t len = strlen(S), i = 0, j = 0;
    uint64_t got = 0;
    char exp[2048];
    for (int k = 0; k <= r->n; k++) {
        size_t next = k < r->n ? r->m[k].at : len;
        assert_true(j + (next - i) <= wire_n);
        if (memcmp(wire + j, S + i, next - i) != 0)
            fail_msg("wire differs before message %d: %.*s", k, (int)(wire_n - j), wire + j);
        j += next - i;
        i = next;
        if (k == r->n)
            break;
        const msg_ref *m = &r->m[k];
        size_t el = rewritten(S, m, exp);
        if (cur_fmt != 0 && j + el <= wire_n && matches(wire + j, exp, el)) {
            got |= 1ull << k;
            j += el;
            i += m->head_len;
        }
    }
    assert_int_equal(j, wire_n);
    if ((got & must) != must || (got & never) != 0)
        fail_msg("rewritten %llx, must %llx, never %llx: %.*s", (unsigned long long)got,
                 (unsigned long long)must, (unsigned long long)never, (int)wire_n, wire);
    return got;
}

/* ---- the matrix ---- */

static const int s_all[] = { 1 << 20 };
static const int s_one[] = { 1 };
static const int s_short[] = { 5, -1, 3, -1, -1, 100, 2 };
static const int s_tiny[] = { 1, -1, 2, 1, -1, 70, 1, 13 };
static const struct { const int *s; size_t n; } scheds[] = {
    { s_all, 1 }, { s_one, 1 }, { s_short, 7 }, { s_tiny, 8 },
};

/* S through every write pattern and schedule. `all`: the messages rewritten when S is
 * written whole; `never`: those never rewritten. */
static void matrix(const char *S, uint64_t all, uint64_t never)
{
    size_t len = strlen(S);
    if (cur_fmt == 0)                           /* none: nothing is ever added */
        never |= all, all = 0;
    refs r;
    find_msgs(S, &r);
    const size_t pieces[] = { 0, 1, 7, 13 };
    for (size_t si = 0; si < sizeof scheds / sizeof scheds[0]; si++) {
        sched = scheds[si].s;
        sched_n = scheds[si].n;
        for (size_t pi = 0; pi < sizeof pieces / sizeof pieces[0]; pi++)
            for (size_t segs = 0; segs <= 3; segs += 3)
                for (int use_msg = 0; use_msg <= 1; use_msg++) {
                    new_connection();
                    app_write(S, len, pieces[pi], segs, use_msg);
                    check_wire(S, &r, pieces[pi] == 0 && segs == 0 ? all : 0, never);
                    end_connection();
                }
        for (size_t cut = 1; cut < len; cut++) {
            new_connection();
            app_write(S, cut, 0, 0, 1);
            app_write(S + cut, len - cut, 0, 0, 0);
            check_wire(S, &r, 0, never);
            end_connection();
        }
    }
}

#define CONNECT_H "CONNECT {\"verbose\":false,\"lang\":\"test\",\"headers\":true}\r\n"

static void test_one_pub(void **state)
{
    (void)state;
    matrix(CONNECT_H "PUB foo 5\r\nhello\r\n", 1, 0);
}

static void test_mixed(void **state)
{
    (void)state;
    const char *S = CONNECT_H "PING\r\nSUB foo  1\r\nPUB foo _INBOX.r 5\r\nhello\r\nPUB empty 0\r\n\r\n"
                    "HPUB h 18 21\r\nNATS/1.0\r\nA: b\r\n\r\nabc\r\n"
                    "HPUB own 82 84\r\nNATS/1.0\r\nTraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n\r\nhi\r\n"
                    "UNSUB 1\r\nPUB last 2\r\nok\r\n";
    /* the fourth carries its own traceparent: its own context when tracecontext is listed */
    if (cur_fmt & GA_PROP_TC)
        matrix(S, 0x17, 0x08);
    else
        matrix(S, 0x1f, 0);
}

/* An application's own B3 context (any X-B3-* or b3, any case) is left alone when a B3 format
 * is listed; with tracecontext alone it changes nothing (the traceparent is added). */
static void test_own_b3(void **state)
{
    (void)state;
    const char *S = CONNECT_H "HPUB a 29 31\r\nNATS/1.0\r\nx-b3-traceid: 1\r\n\r\nhi\r\n"
                    "HPUB b 19 21\r\nNATS/1.0\r\nB3: 0\r\n\r\nhi\r\n"
                    "HPUB c 34 36\r\nNATS/1.0\r\nX-B3-ParentSpanId: 1\r\n\r\nhi\r\n"
                    "HPUB d 20 22\r\nNATS/1.0\r\nb3x: 0\r\n\r\nhi\r\n";
    if (cur_fmt & (GA_PROP_B3 | GA_PROP_B3MULTI))
        matrix(S, 0x8, 0x7);
    else
        matrix(S, 0xf, 0);
}

static void test_many_messages(void **state)
{
    (void)state;
    char S[4096];
    size_t n = (size_t)sprintf(S, CONNECT_H);
    for (int i = 0; i < 20; i++)
        n += (size_t)sprintf(S + n, "PUB s.%d %d\r\n%.*s\r\n", i, i % 3 + 1, i % 3 + 1, "xyz");
    matrix(S, (1ull << 20) - 1, 0);
}

static void test_max_payload(void **state)
{
    (void)state;
    const char *saved = info_line;
    static char info[128];
    size_t hn = flen() + 12, max = 29 + flen();     /* the HPUB with our fields fits exactly */
    snprintf(info, sizeof info, "INFO {\"headers\":true,\"max_payload\":%zu}\r\n", max);
    info_line = info;
    char S[512];
    /* a: payload + new block = max, fits exactly; b: one more, crosses; c: 29 + fields */
    sprintf(S, CONNECT_H "PUB a %zu\r\n%0*d\r\nPUB b %zu\r\n%0*d\r\nHPUB c 12 17\r\nNATS/1.0\r\n\r\nhello\r\n",
            max - hn, (int)(max - hn), 1, max - hn + 1, (int)(max - hn + 1), 2);
    matrix(S, 0x5, 0x2);
    info_line = saved;
}

static void test_no_headers_anywhere(void **state)
{
    (void)state;
    const char *saved = info_line;
    info_line = "INFO {\"headers\":false,\"max_payload\":1048576}\r\n";
    matrix(CONNECT_H "PUB foo 5\r\nhello\r\n", 0, 1);
    info_line = saved;
    matrix("CONNECT {\"headers\":false}\r\nPUB foo 5\r\nhello\r\n", 0, 1);
    matrix("CONNECT {\"verbose\":false}\r\nPUB foo 5\r\nhello\r\n", 0, 1);
}

static void test_long_head_untouched(void **state)
{
    (void)state;
    char S[2048], val[400];
    memset(val, 'q', sizeof val - 1);
    val[sizeof val - 1] = 0;
    /* a header block of 416 bytes: its rewritten head would not fit the debt buffer */
    sprintf(S, CONNECT_H "HPUB big 416 417\r\nNATS/1.0\r\nX: %s\r\n\r\nx\r\nPUB short 1\r\ny\r\n", val);
    matrix(S, 0x2, 0x1);
}

static void test_many_iovecs(void **state)
{
    (void)state;
    const char *S = CONNECT_H "PUB a 3\r\nabc\r\nPUB b 3\r\ndef\r\n";
    refs r;
    find_msgs(S, &r);
    sched = s_all;
    sched_n = 1;
    new_connection();
    app_write(S, strlen(S), 0, 1, 0);           /* one iovec per byte: no head is whole */
    check_wire(S, &r, 0, 0x3);
    end_connection();
}

/* ---- the shortcut for one whole PUB per call (nats_inject_one.c) ---- */

/* What a connection's state says after a stream: where the out parser stands, what it was
 * fed, what is owed. The shortcut must leave what the plan leaves. */
typedef struct after_state {
    uint64_t off, line_off, out_fed, next_ok;
    int phase, op;
    unsigned owe, del;
} after_state;

/* CONNECT, then each of pubs[0..np) written by calls of its own, under schedule (s, sn): the
 * wire checked (every PUB rewritten when nothing is ever short), the state after returned. */
static after_state one_per_call(const char *const *pubs, int np, const int *s, size_t sn)
{
    char S[1024];
    size_t n = (size_t)sprintf(S, "%s", CONNECT_H);
    for (int i = 0; i < np; i++)
        n += (size_t)sprintf(S + n, "%s", pubs[i]);
    refs r;
    find_msgs(S, &r);
    sched = s;
    sched_n = sn;
    new_connection();
    app_write(CONNECT_H, strlen(CONNECT_H), 0, 0, 0);
    for (int i = 0; i < np; i++)
        app_write(pubs[i], strlen(pubs[i]), 0, 0, i & 1);
    uint64_t all = (1ull << np) - 1;
    check_wire(S, &r, s == s_all && cur_fmt ? all : 0, cur_fmt ? 0 : all);
    ga_nats_state *st = ga_nats_st(atomic_load(&ent.conn));
    after_state a = { st->out.off, st->out.line_off, st->out_fed, st->next_ok, st->out.phase,
                      st->out.op, (unsigned)(st->owe_len - st->owe_off), st->del_len };
    end_connection();
    return a;
}

static void test_one_pub_per_call(void **state)
{
    (void)state;
    /* lines whose part before the count is under 8, 8 to 15, 16 to 64 and over 64 bytes (the
     * new head's copies differ by size) */
    static const char *const pubs[] = {
        "PUB a 5\r\nhello\r\n", "PUB b.c _INBOX.x 0\r\n\r\n", "PUB long.subject.name 3\r\nxyz\r\n",
        "PUB d 1\r\n!\r\n", "PUB abc.def 12\r\nhello, world\r\n",
        "PUB orders.eu-west.created.v2.some.more.tokens.here 2\r\nok\r\n",
        "PUB a.very.long.subject.that.goes.on.and.on.past.sixty.four.bytes.of.line.x _INBOX.reply 1\r\nz\r\n",
    };
    const int np = (int)(sizeof pubs / sizeof pubs[0]);
    for (size_t si = 0; si < sizeof scheds / sizeof scheds[0]; si++) {
        ga_np_fast_off = 1;
        after_state slow = one_per_call(pubs, np, scheds[si].s, scheds[si].n);
        ga_np_fast_off = 0;
        after_state fast = one_per_call(pubs, np, scheds[si].s, scheds[si].n);
        assert_memory_equal(&fast, &slow, sizeof fast);
        assert_int_equal(fast.owe, 0);
        assert_int_equal(fast.del, 0);
    }
}

/* What the shortcut takes and what it leaves to the plan (-1: nothing done). */
static void test_one_shapes(void **state)
{
    (void)state;
    static const struct { const char *s; int taken; } cases[] = {
        { "PUB a 5\r\nhello\r\n", 1 },
        { "PUB a 5\r\nhello\r\nPUB b 1\r\nx\r\n", -1 },   /* two messages */
        { "PUB a 5\r\nhel", -1 },                          /* not whole */
        { "PUB a 5\r\nhelloX\n", -1 },                     /* no CR LF after the payload */
        { "pub a 5\r\nhello\r\n", -1 },                     /* lower case */
        { "HPUB a 12 17\r\nNATS/1.0\r\n\r\nhello\r\n", -1 },
        { "PING\r\n", -1 },
    };
    sched = s_all;
    sched_n = 1;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        new_connection();
        app_write(CONNECT_H, strlen(CONNECT_H), 0, 0, 0);
        ga_conn *c = atomic_load(&ent.conn);
        assert_non_null(c);
        struct iovec v = { (void *)cases[i].s, strlen(cases[i].s) };
        struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1 };
        ssize_t r = 0;
        size_t before = wire_n;
        int taken = ga_np_one(fdno, &ent, c, &m, 0, 0, &r);
        assert_int_equal(taken, cur_fmt ? cases[i].taken : -1);
        if (taken == 1)
            assert_int_equal(r, (ssize_t)strlen(cases[i].s));
        else
            assert_int_equal(wire_n, before);   /* nothing sent */
        end_connection();
    }
}

int main(void)
{
    ga_proto_init(1);               /* as the constructor does with GENESIS_PROPAGATE on */
    ga_nats_sender = fake_send;
    static const struct { const char *name; uint8_t order[3]; int n; } lists[] = {
        { "tracecontext", { GA_PROP_TC }, 1 },
        { "b3", { GA_PROP_B3 }, 1 },
        { "b3multi", { GA_PROP_B3MULTI }, 1 },
        { "tracecontext,b3", { GA_PROP_TC, GA_PROP_B3 }, 2 },
        { "b3multi,tracecontext", { GA_PROP_B3MULTI, GA_PROP_TC }, 2 },
        { "none", { 0 }, 0 },
    };
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_pub),
        cmocka_unit_test(test_mixed),
        cmocka_unit_test(test_own_b3),
        cmocka_unit_test(test_many_messages),
        cmocka_unit_test(test_max_payload),
        cmocka_unit_test(test_no_headers_anywhere),
        cmocka_unit_test(test_long_head_untouched),
        cmocka_unit_test(test_many_iovecs),
        cmocka_unit_test(test_one_pub_per_call),
        cmocka_unit_test(test_one_shapes),
    };
    int failed = 0;
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        use_propagators(lists[i].order, lists[i].n);
        printf("OTEL_PROPAGATORS=%s\n", lists[i].name);
        failed += cmocka_run_group_tests_name("scratch pool", tests, NULL, NULL);
    }
    /* the default again with the dry run planning every write, whole PUBs included (the
     * shortcut takes those otherwise: test_nats_find_fast.c compares the two) */
    use_propagators(lists[0].order, lists[0].n);
    ga_np_fast_off = 1;
    failed += cmocka_run_group_tests_name("dry run only", tests, NULL, NULL);
    ga_np_fast_off = 0;
    /* and with every scratch slot taken: the plan goes on the stack */
    return failed + cmocka_run_group_tests_name("stack fallback", tests, exhaust_scratch,
                                                release_scratch);
}
