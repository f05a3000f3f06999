/* test_resp_fast.c — the RESP session's fast path (protocols/resp/resp_sess_fast.c) against its
 * general path: every conversation here is fed, chunk by chunk, to a session that may take the
 * fast path and to one with env.general_only; after each chunk both must have emitted the same
 * operations (texts compared as the general path keeps them and as rendered) and be in the same
 * state (tests/fuzz/resp_diff.h). Also checks that the fast path really runs where it should
 * (raw texts), and the first-letter table of command classes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "protocols/resp/resp_cmd.h"
#include "protocols/resp/resp_sess.h"
#include "protocols/resp/resp_text.h"
#include "tests/fuzz/resp_diff.h"

typedef struct side {
    uint64_t clock;
    int claims;
    int nops, nraw;
    resp_nop ops[32];
    char text[32][400];
} side;

static uint64_t f_now(void *ud) { return ++((side *)ud)->clock; }

static void f_emit(void *ud, const ga_resp_op *op)
{
    side *f = ud;
    assert_true(f->nops < 32);
    uint8_t blob[GA_RESP_TEXT_MAX];
    assert_true(op->l1 + op->l2 <= sizeof blob);
    if (op->l1)
        memcpy(blob, op->t1, op->l1);
    if (op->l2)
        memcpy(blob + op->l1, op->t2, op->l2);
    char *t = f->text[f->nops];
    if (op->flags & GA_RESP_GF_RAW) {
        f->nraw++;
        ga_resp_text_render_raw(blob, op->l1 + op->l2, op->args_mode, t, 400);
    } else {
        ga_resp_text_render(blob, op->l1 + op->l2, op->args_mode, (op->flags & GA_RESP_GF_TRUNC) != 0, t, 400);
    }
    resp_diff_op(op, &f->ops[f->nops++]);
}

static int f_claim(void *ud, ga_resp_hook_info *h, char *host, uint8_t *host_len)
{
    side *f = ud;
    if (f->claims == 0)
        return 0;
    f->claims--;
    memset(h, 0, sizeof *h);
    h->ids.span_id[0] = (uint8_t)f->claims;
    h->start_ns = f->clock;
    if (host != NULL) {
        memcpy(host, "redis.local", 12);
        *host_len = 11;
    }
    return 1;
}

/* Two sessions, one environment each. */
typedef struct pair {
    ga_resp_sess *s[2];
    side f[2];
    ga_resp_env env[2];
    int total_ops, total_raw;
    char last_text[400];
} pair;

static void pair_init(pair *p, uint8_t mode, int claims)
{
    memset(p, 0, sizeof *p);
    for (int i = 0; i < 2; i++) {
        p->s[i] = calloc(1, sizeof(ga_resp_sess));
        p->f[i].claims = claims;
        p->env[i] = (ga_resp_env){ .ud = &p->f[i], .now = f_now, .emit = f_emit, .claim = f_claim,
                                   .args_mode = mode, .general_only = (uint8_t)i };
    }
}

/* Compare what both sides emitted since the last check, and their states. */
static void pair_check(pair *p)
{
    side *a = &p->f[0], *b = &p->f[1];
    assert_int_equal(a->nops, b->nops);
    for (int i = 0; i < a->nops; i++) {
        assert_memory_equal(&a->ops[i], &b->ops[i], sizeof a->ops[i]);
        assert_string_equal(a->text[i], b->text[i]);
    }
    if (a->nops > 0)
        snprintf(p->last_text, sizeof p->last_text, "%s", a->text[a->nops - 1]);
    assert_int_equal(b->nraw, 0);
    assert_int_equal(ga_resp_sess_dead(p->s[0]), ga_resp_sess_dead(p->s[1]));
    assert_true(resp_diff_same(p->s[0], p->s[1]));
    p->total_ops += a->nops;
    p->total_raw += a->nraw;
    a->nops = b->nops = a->nraw = b->nraw = 0;
}

static void pair_feed(pair *p, int out, const void *bytes, size_t n)
{
    for (int i = 0; i < 2; i++)
        ga_resp_sess_feed(p->s[i], out, bytes, n, &p->env[i]);
    pair_check(p);
}

static void pair_close(pair *p)
{
    for (int i = 0; i < 2; i++)
        ga_resp_sess_close(p->s[i], &p->env[i]);
    pair_check(p);
    free(p->s[0]);
    free(p->s[1]);
}

/* A multibulk command from its words. */
static size_t cmd(char *out, size_t cap, int argc, const char *const *argv)
{
    size_t n = (size_t)snprintf(out, cap, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++)
        n += (size_t)snprintf(out + n, cap - n, "$%zu\r\n%s\r\n", strlen(argv[i]), argv[i]);
    return n;
}

#define SEND(p, ...) do { const char *const w_[] = { __VA_ARGS__ }; char b_[2048]; \
    pair_feed(p, 1, b_, cmd(b_, sizeof b_, (int)(sizeof w_ / sizeof w_[0]), w_)); } while (0)
#define RECV(p, s) pair_feed(p, 0, s, strlen(s))

/* One command, one reply, every reply type the fast path takes and some it declines. */
static void test_one_at_a_time(void **state)
{
    (void)state;
    static const char *const replies[] = {
        "$5\r\nvalue\r\n", "$-1\r\n", "$0\r\n\r\n", "+OK\r\n", ":42\r\n", "-ERR unknown\r\n",
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "-\r\n",
        "*2\r\n$1\r\na\r\n$-1\r\n", "*0\r\n", "*3\r\n:1\r\n+x\r\n-ERR e\r\n", "_\r\n", ",1.5\r\n",
        "#t\r\n", "(12345678901234567890\r\n", "*-1\r\n", "%1\r\n$1\r\nk\r\n$1\r\nv\r\n",
        "*1\r\n*1\r\n:1\r\n", "!3\r\nERR\r\n", "=7\r\ntxt:abc\r\n", "|1\r\n+a\r\n:1\r\n:2\r\n",
        "+OK\n", "$?\r\n;1\r\na\r\n;0\r\n",
    };
    for (uint8_t mode = 0; mode < 3; mode++) {
        pair p;
        pair_init(&p, mode, 0);
        for (size_t i = 0; i < sizeof replies / sizeof replies[0]; i++) {
            SEND(&p, "GET", "key:__rand_int__");
            RECV(&p, replies[i]);
        }
        SEND(&p, "HSET", "h", "field", "value");
        RECV(&p, ":1\r\n");
        if (mode == GA_RESP_ARGS_ALL)
            assert_string_equal(p.last_text, "HSET h field value");
        else if (mode == GA_RESP_ARGS_KEYS)
            assert_string_equal(p.last_text, "HSET h ? ?");
        else
            assert_string_equal(p.last_text, "HSET ? ? ?");
        assert_int_equal(p.total_ops, (int)(sizeof replies / sizeof replies[0]) + 1);
        assert_int_equal(p.total_raw, p.total_ops);             /* every command went raw */
        pair_close(&p);
    }
}

/* Commands the fast path leaves to the general path, and what follows them. */
static void test_declined_commands(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, GA_RESP_ARGS_KEYS, 0);
    SEND(&p, "SELECT", "3");
    RECV(&p, "+OK\r\n");
    SEND(&p, "GET", "k");                                           /* fast, db 3 */
    RECV(&p, "$1\r\nv\r\n");
    assert_int_equal(p.f[0].ops[0].db, 3);
    assert_int_equal(p.total_raw, 1);
    SEND(&p, "MULTI");
    RECV(&p, "+OK\r\n");
    SEND(&p, "SET", "a", "1");
    RECV(&p, "+QUEUED\r\n");
    SEND(&p, "EXEC");
    RECV(&p, "*1\r\n+OK\r\n");
    SEND(&p, "AUTH", "hunter2");
    RECV(&p, "+OK\r\n");
    SEND(&p, "CLIENT", "SETNAME", "x");
    RECV(&p, "+OK\r\n");
    SEND(&p, "CLIENT", "REPLY", "SKIP");
    SEND(&p, "GET", "skipped");                                     /* no reply: general */
    SEND(&p, "GET", "k");
    RECV(&p, "$1\r\nv\r\n");
    SEND(&p, "SUBSCRIBE", "c");
    RECV(&p, "*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n");
    SEND(&p, "PING");                                               /* pub/sub: general reply */
    RECV(&p, "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    SEND(&p, "UNSUBSCRIBE");
    RECV(&p, "*3\r\n$11\r\nunsubscribe\r\n$1\r\nc\r\n:0\r\n");
    SEND(&p, "A", "B", "C", "D", "E", "F", "G", "H", "I");          /* nine arguments */
    RECV(&p, "+OK\r\n");
    pair_feed(&p, 1, "PING\r\n", 6);                                /* inline */
    RECV(&p, "+PONG\r\n");
    SEND(&p, "GET", "k");
    RECV(&p, "$1\r\nv\r\n");
    assert_int_equal(p.f[0].ops[0].db, 3);
    assert_memory_equal(p.f[0].ops[0].name, "GET", 3);
    assert_null(memmem(p.s[0], sizeof *p.s[0], "hunter2", 7));
    pair_close(&p);
}

/* Texts over the budget (the blob), long arguments, long names. */
static void test_long_commands(void **state)
{
    (void)state;
    char big[400], name[40];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memset(name, 'N', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    for (uint8_t mode = 0; mode < 3; mode++) {
        pair p;
        pair_init(&p, mode, 0);
        SEND(&p, "SET", "k", big);
        RECV(&p, "+OK\r\n");
        SEND(&p, "SET", "k", big + 250, "EX", "10");                 /* 149-byte argument */
        RECV(&p, "+OK\r\n");
        SEND(&p, "MSET", big + 280, "1", big + 280, "2", big + 280, "3", big + 320);
        RECV(&p, "+OK\r\n");
        SEND(&p, name, "k");
        RECV(&p, "-ERR unknown command\r\n");
        SEND(&p, big + 200, "k");                                      /* 199-byte name */
        RECV(&p, "-ERR unknown command\r\n");
        assert_int_equal(p.total_ops, 5);
        pair_close(&p);
    }
}

/* Commands written one by one without waiting: the first is raw, the next joins it. */
static void test_written_apart(void **state)
{
    (void)state;
    for (uint8_t mode = 0; mode < 3; mode++) {
        pair p;
        pair_init(&p, mode, 0);
        SEND(&p, "GET", "a");
        SEND(&p, "GET", "b");
        SEND(&p, "SET", "c", "3");
        RECV(&p, "$1\r\n1\r\n$1\r\n2\r\n+OK\r\n");
        assert_int_equal(p.total_ops, 1);
        assert_int_equal(p.total_raw, 0);                           /* the raw text was shaped */
        assert_int_equal(p.f[0].ops[0].ncmds, 3);
        if (mode == GA_RESP_ARGS_KEYS)
            assert_string_equal(p.last_text, "GET a; GET b; SET c ?");
        SEND(&p, "GET", "a");
        RECV(&p, "$1\r\n1");                                          /* reply split */
        RECV(&p, "\r\n");
        SEND(&p, "GET", "a");
        RECV(&p, "$1\r\n1\r\n+extra\r\n");                            /* more than one reply */
        SEND(&p, "GET", "a");
        SEND(&p, "MULTI");
        RECV(&p, "$1\r\n1\r\n+OK\r\n");
        SEND(&p, "EXEC");
        RECV(&p, "*0\r\n");
        SEND(&p, "GET", "z");
        pair_feed(&p, 1, "*2\r\n$3\r\nGET\r\n$1\r\n", 17);             /* split command */
        pair_feed(&p, 1, "y\r\n", 3);
        RECV(&p, "$-1\r\n$-1\r\n");
        SEND(&p, "GET", "pending");
        pair_close(&p);                                                /* closed mid-flight */
        assert_true(p.total_ops >= 6);
    }
}

/* A hook claims commands: the fast path takes its identity like the general path. */
static void test_hook_claims(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, GA_RESP_ARGS_KEYS, 3);
    SEND(&p, "GET", "a");
    RECV(&p, "$1\r\n1\r\n");
    assert_true(p.f[0].ops[0].hooked);
    assert_int_equal(p.total_raw, 1);
    SEND(&p, "GET", "b");
    SEND(&p, "GET", "c");
    RECV(&p, "$1\r\n1\r\n");
    RECV(&p, "$1\r\n1\r\n");
    SEND(&p, "GET", "d");                                           /* no announcement left */
    RECV(&p, "$1\r\n1\r\n");
    assert_false(p.f[0].ops[0].hooked);
    assert_memory_equal(p.s[0]->host, "redis.local", 11);
    pair_close(&p);
}

/* Garbage in either direction: both sessions give up alike. */
static void test_not_redis(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, GA_RESP_ARGS_KEYS, 0);
    SEND(&p, "GET", "k");
    RECV(&p, "VALUE k 0 1\r\nx\r\nEND\r\n");
    assert_true(ga_resp_sess_dead(p.s[0]));
    pair_close(&p);
    pair_init(&p, GA_RESP_ARGS_KEYS, 0);
    pair_feed(&p, 1, "*2\r\n$3\r\nGET\r\n$1\r\nkk\r\n", 22);         /* wrong length */
    RECV(&p, "$1\r\nv\r\n");
    pair_close(&p);
    pair_init(&p, GA_RESP_ARGS_KEYS, 0);
    SEND(&p, "GET", "k");
    pair_close(&p);                                                 /* never confirmed */
}

/* The first-letter table agrees with the class of every special command. */
static void test_class_letters(void **state)
{
    (void)state;
    static const char *const special[] = {
        "ACL", "EXEC", "AUTH", "MULTI", "RESET", "HELLO", "XINFO", "SELECT", "CLIENT", "CONFIG",
        "OBJECT", "MEMORY", "MODULE", "SCRIPT", "PUBSUB", "XGROUP", "DISCARD", "CLUSTER",
        "COMMAND", "LATENCY", "SLOWLOG", "MIGRATE", "FUNCTION", "SENTINEL", "SUBSCRIBE",
        "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE",
    };
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++) {
        char lower[16];
        size_t n = strlen(special[i]);
        for (size_t k = 0; k <= n; k++)
            lower[k] = (char)(special[i][k] | (special[i][k] ? 0x20 : 0));
        assert_true(ga_resp_cmd_maybe_special(special[i], n));
        assert_true(ga_resp_cmd_maybe_special(lower, n));
        assert_int_not_equal(ga_resp_cmd_class(lower, n), GA_RC_NORMAL);
    }
    assert_false(ga_resp_cmd_maybe_special("GET", 3));
    assert_false(ga_resp_cmd_maybe_special("HGETALL", 7));
    assert_false(ga_resp_cmd_maybe_special("@CL", 3));
    assert_false(ga_resp_cmd_maybe_special("[CL", 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_at_a_time),
        cmocka_unit_test(test_declined_commands),
        cmocka_unit_test(test_long_commands),
        cmocka_unit_test(test_written_apart),
        cmocka_unit_test(test_hook_claims),
        cmocka_unit_test(test_not_redis),
        cmocka_unit_test(test_class_letters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
