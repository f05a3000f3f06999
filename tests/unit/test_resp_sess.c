/* test_resp_sess.c — the RESP session (protocols/resp/resp_sess.h): one operation per command,
 * pipelines and MULTI as one operation, replies matched in order whatever the splits, pub/sub
 * and RESP3 pushes not taken as replies, SELECT, errors, CLIENT REPLY, hook claims, bounded
 * state when too much is in flight, secrets never in the state, closing mid-flight. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "protocols/resp/resp_sess.h"
#include "protocols/resp/resp_text.h"

typedef struct op_rec {
    char name[64], code[32], text[512];
    uint32_t ncmds;
    uint16_t db;
    uint8_t kind, flags, hooked;
    uint64_t start, end;
} op_rec;

typedef struct fake {
    op_rec ops[64];
    int nops;
    uint64_t clock;
    int claims;             /* announcements available to claim */
    int claimed;
    uint8_t mode;
} fake;

static uint64_t f_now(void *ud) { return ++((fake *)ud)->clock; }

static void f_emit(void *ud, const ga_resp_op *op)
{
    fake *f = ud;
    assert_true(f->nops < 64);
    op_rec *r = &f->ops[f->nops++];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%.*s", op->name_len, op->name);
    if (op->flags & GA_RESP_GF_ERROR)
        snprintf(r->code, sizeof r->code, "%.*s", op->code_len, op->code);
    uint8_t blob[GA_RESP_TEXT_MAX];
    assert_true(op->l1 + op->l2 <= sizeof blob);
    memcpy(blob, op->t1, op->l1);
    memcpy(blob + op->l1, op->t2, op->l2);
    if (op->flags & GA_RESP_GF_RAW)
        ga_resp_text_render_raw(blob, op->l1 + op->l2, op->args_mode, r->text, sizeof r->text);
    else
        ga_resp_text_render(blob, op->l1 + op->l2, op->args_mode, (op->flags & GA_RESP_GF_TRUNC) != 0,
                            r->text, sizeof r->text);
    r->ncmds = op->ncmds;
    r->db = op->db;
    r->kind = op->kind;
    r->flags = op->flags;
    r->hooked = op->hook != NULL;
    r->start = op->start_ns;
    r->end = op->end_ns;
    assert_true(r->end >= r->start);
}

static int f_claim(void *ud, ga_resp_hook_info *h, char *host, uint8_t *host_len)
{
    fake *f = ud;
    if (f->claims == 0)
        return 0;
    f->claims--;
    f->claimed++;
    memset(h, 0, sizeof *h);
    h->ids.span_id[0] = 1;
    if (host != NULL) {
        memcpy(host, "redis.local", 12);
        *host_len = 11;
    }
    return 1;
}

static ga_resp_env env_of(fake *f)
{
    return (ga_resp_env){ .ud = f, .now = f_now, .emit = f_emit, .claim = f_claim, .args_mode = f->mode };
}

/* A multibulk command from its words ("|" separates commands in one string). */
static size_t cmd(char *out, size_t cap, const char *words)
{
    size_t n = 0;
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s", words);
    char *save1 = NULL;
    for (char *c = strtok_r(tmp, "|", &save1); c; c = strtok_r(NULL, "|", &save1)) {
        char *argv[32];
        int argc = 0;
        char *save2 = NULL;
        for (char *w = strtok_r(c, " ", &save2); w && argc < 32; w = strtok_r(NULL, " ", &save2))
            argv[argc++] = w;
        n += (size_t)snprintf(out + n, cap - n, "*%d\r\n", argc);
        for (int i = 0; i < argc; i++)
            n += (size_t)snprintf(out + n, cap - n, "$%zu\r\n%s\r\n", strlen(argv[i]), argv[i]);
    }
    return n;
}

static void feed(ga_resp_sess *s, fake *f, int out, const char *p, size_t n, size_t step)
{
    ga_resp_env env = env_of(f);
    for (size_t off = 0; off < n;) {
        size_t k = step == 0 || n - off < step ? n - off : step;
        ga_resp_sess_feed(s, out, (const uint8_t *)p + off, k, &env);
        off += k;
    }
}

static void send_cmds(ga_resp_sess *s, fake *f, const char *words)
{
    char buf[4096];
    feed(s, f, 1, buf, cmd(buf, sizeof buf, words), 0);
}

static void recv_str(ga_resp_sess *s, fake *f, const char *replies)
{
    feed(s, f, 0, replies, strlen(replies), 0);
}

static ga_resp_sess *new_sess(fake *f, uint8_t mode)
{
    memset(f, 0, sizeof *f);
    f->mode = mode;
    return calloc(1, sizeof(ga_resp_sess));
}

static void test_single_and_pipeline(void **state)
{
    (void)state;
    fake f;
    ga_resp_sess *s = new_sess(&f, GA_RESP_ARGS_KEYS);
    send_cmds(s, &f, "GET k1");
    recv_str(s, &f, "$2\r\nv1\r\n");
    send_cmds(s, &f, "GET a|GET b|GET c");
    recv_str(s, &f, "$1\r\n1\r\n$-1\r\n");
    assert_int_equal(f.nops, 1);
    recv_str(s, &f, "$1\r\n3\r\n");
    send_cmds(s, &f, "SET k v|INCR n");
    recv_str(s, &f, "+OK\r\n:1\r\n");
    assert_int_equal(f.nops, 3);
    assert_string_equal(f.ops[0].name, "GET");
    assert_int_equal(f.ops[0].ncmds, 1);
    assert_string_equal(f.ops[0].text, "GET k1");
    assert_int_equal(f.ops[1].ncmds, 3);
    assert_false(f.ops[1].flags & GA_RESP_GF_DIFF);
    assert_string_equal(f.ops[1].text, "GET a; GET b; GET c");
    assert_int_equal(f.ops[2].ncmds, 2);
    assert_true(f.ops[2].flags & GA_RESP_GF_DIFF);
    assert_string_equal(f.ops[2].text, "SET k ?; INCR n");
    assert_int_equal(sizeof(ga_resp_sess) <= 2000, 1);
    free(s);
}

static void test_multi_exec(void **state)
{
    (void)state;
    fake f;
    ga_resp_sess *s = new_sess(&f, GA_RESP_ARGS_KEYS);
    send_cmds(s, &f, "MULTI|SET a 1|INCR a|EXEC");                   /* pipelined (redis-py) */
    recv_str(s, &f, "+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n:2\r\n");
    send_cmds(s, &f, "MULTI");                                      /* interactive (redis-cli) */
    recv_str(s, &f, "+OK\r\n");
    send_cmds(s, &f, "SET a x");
    recv_str(s, &f, "+QUEUED\r\n");
    send_cmds(s, &f, "SET b y");
    recv_str(s, &f, "+QUEUED\r\n");
    assert_int_equal(f.nops, 1);
    send_cmds(s, &f, "EXEC");
    recv_str(s, &f, "*2\r\n+OK\r\n-WRONGTYPE Operation against a key\r\n");
    send_cmds(s, &f, "MULTI|NOPE|EXEC");                             /* queue-time error */
    recv_str(s, &f, "+OK\r\n-ERR unknown command 'NOPE'\r\n-EXECABORT Transaction discarded\r\n");
    send_cmds(s, &f, "MULTI|DISCARD|GET k");
    recv_str(s, &f, "+OK\r\n+OK\r\n$-1\r\n");
    assert_int_equal(f.nops, 5);
    assert_int_equal(f.ops[0].kind, GA_RESP_GK_MULTI);
    assert_int_equal(f.ops[0].ncmds, 2);
    assert_true(f.ops[0].flags & GA_RESP_GF_DIFF);
    assert_string_equal(f.ops[0].text, "SET a ?; INCR a");
    assert_int_equal(f.ops[1].ncmds, 2);
    assert_string_equal(f.ops[1].name, "SET");
    assert_false(f.ops[1].flags & GA_RESP_GF_DIFF);
    assert_string_equal(f.ops[1].code, "WRONGTYPE");
    assert_string_equal(f.ops[2].code, "ERR");
    assert_int_equal(f.ops[3].ncmds, 0);
    assert_string_equal(f.ops[4].name, "GET");
    free(s);
}

static void test_select_and_errors(void **state)
{
    (void)state;
    fake f;
    ga_resp_sess *s = new_sess(&f, GA_RESP_ARGS_KEYS);
    send_cmds(s, &f, "SELECT 3");
    recv_str(s, &f, "+OK\r\n");
    send_cmds(s, &f, "GET k");
    recv_str(s, &f, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    send_cmds(s, &f, "SELECT 99");
    recv_str(s, &f, "-ERR DB index is out of range\r\n");
    send_cmds(s, &f, "GET k");
    recv_str(s, &f, "-weird lower-case message\r\n");
    assert_int_equal(f.nops, 4);
    assert_int_equal(f.ops[0].db, 0);
    assert_int_equal(f.ops[1].db, 3);
    assert_string_equal(f.ops[1].code, "WRONGTYPE");
    assert_true(f.ops[2].flags & GA_RESP_GF_ERROR);
    assert_int_equal(f.ops[3].db, 3);                               /* SELECT 99 failed */
    assert_string_equal(f.ops[3].code, "ERR");
    free(s);
}

static void test_pubsub_resp2(void **state)
{
    (void)state;
    fake f;
    ga_resp_sess *s = new_sess(&f, GA_RESP_ARGS_KEYS);
    send_cmds(s, &f, "SUBSCRIBE a b");
    recv_str(s, &f, "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n");
    assert_int_equal(f.nops, 0);
    recv_str(s, &f, "*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"
                    "*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n"
                    "*4\r\n$8\r\npmessage\r\n$2\r\na*\r\n$1\r\na\r\n$2\r\nhi\r\n");
    assert_int_equal(f.nops, 1);
    send_cmds(s, &f, "PING");
    recv_str(s, &f, "*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nho\r\n*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    send_cmds(s, &f, "UNSUBSCRIBE");
    recv_str(s, &f, "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:0\r\n");
    send_cmds(s, &f, "LRANGE l 0 -1");                              /* no longer subscribed */
    recv_str(s, &f, "*2\r\n$7\r\nmessage\r\n$1\r\nx\r\n");
    assert_int_equal(f.nops, 4);
    assert_string_equal(f.ops[0].name, "SUBSCRIBE");
    assert_int_equal(f.ops[0].kind, GA_RESP_GK_SUB);
    assert_string_equal(f.ops[1].name, "PING");
    assert_string_equal(f.ops[2].name, "UNSUBSCRIBE");
    assert_string_equal(f.ops[3].name, "LRANGE");
    free(s);
}

static void test_resp3_pushes(void **state)
{
    (void)state;
    fake f;
    ga_resp_sess *s = new_sess(&f, GA_RESP_ARGS_ALL);
    send_cmds(s, &f, "HELLO 3");
    recv_str(s, &f, "%2\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n");
    send_cmds(s, &f, "GET k|HGETALL h");
    recv_str(s, &f, ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n$1\r\nv\r\n"
                    "|1\r\n+ttl\r\n:5\r\n%1\r\n$1\r\nf\r\n$1\r\nv\r\n");
    send_cmds(s, &f, "SUBSCRIBE c");
    recv_str(s, &f, ">3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n>3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n");
    send_cmds(s, &f, "GET k");
    recv_str(s, &f, ">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n$1\r\nv\r\n");
    assert_int_equal(f.nops, 4);
    assert_string_equal(f.ops[0].text, "HELLO 3");
    assert_int_equal(f.ops[1].ncmds, 2);
    assert_string_equal(f.ops[1].text, "GET k; HGETALL h");
    assert_string_equal(f.ops[2].name, "SUBSCRIBE");
    assert_string_equal(f.ops[3].name, "GET");
    free(s);
}

static void test_secrets_never_kept(void **state)
{
    (void)state;
    const char *secret = "hunter2-s3cr3t";
    for (uint8_t mode = 0; mode < 3; mode++) {
        fake f;
        ga_resp_sess *s = new_sess(&f, mode);
        send_cmds(s, &f, "AUTH hunter2-s3cr3t");
        recv_str(s, &f, "+OK\r\n");
        send_cmds(s, &f, "AUTH default hunter2-s3cr3t|HELLO 3 AUTH default hunter2-s3cr3t SETNAME app");
        recv_str(s, &f, "+OK\r\n%1\r\n$5\r\nproto\r\n:3\r\n");
        send_cmds(s, &f, "CONFIG SET requirepass hunter2-s3cr3t|ACL SETUSER bob on >hunter2-s3cr3t");
        recv_str(s, &f, "+OK\r\n+OK\r\n");
        feed(s, &f, 1, "auth hunter2-s3cr3t\r\n", 21, 3);              /* inline, split */
        recv_str(s, &f, "+OK\r\n");
        assert_int_equal(f.nops, 4);
        assert_null(memmem(s, sizeof *s, secret, strlen(secret)));
        assert_null(memmem(s, sizeof *s, "hunter2", 7));
        for (int i = 0; i < f.nops; i++)
            assert_null(strstr(f.ops[i].text, "hunter2"));
        assert_string_equal(f.ops[0].text, "AUTH ?");
        if (mode == GA_RESP_ARGS_ALL) {
            assert_string_equal(f.ops[1].text, "AUTH ? ?; HELLO 3 AUTH ? ? SETNAME app");
            assert_string_equal(f.ops[2].text, "CONFIG SET requirepass ?; ACL SETUSER bob ? ?");
        }
        free(s);
    }
}

static void test_client_reply(void **state)
{
    (void)state;
    fake f;
    ga_resp_sess *s = new_sess(&f, GA_RESP_ARGS_KEYS);
    send_cmds(s, &f, "CLIENT REPLY OFF|SET a 1|SET b 2|CLIENT REPLY ON");
    assert_int_equal(f.nops, 3);                                    /* no reply coming */
    recv_str(s, &f, "+OK\r\n");
    send_cmds(s, &f, "CLIENT REPLY SKIP|SET c 3|GET a");
    recv_str(s, &f, "$1\r\n1\r\n");
    assert_int_equal(f.nops, 7);
    assert_string_equal(f.ops[0].name, "CLIENT REPLY");
    assert_string_equal(f.ops[3].name, "CLIENT REPLY");
    assert_string_equal(f.ops[6].name, "GET");
    free(s);
}

static void test_hook_claims(void **state)
{
    (void)state;
    fake f;
    ga_resp_sess *s = new_sess(&f, GA_RESP_ARGS_KEYS);
    f.claims = 12;
    send_cmds(s, &f, "SET a 1|SET b 2|SET c 3|SET d 4|SET e 5|SET f 6|SET g 7|SET h 8|SET i 9|GET a");
    recv_str(s, &f, "+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n$1\r\n1\r\n");
    /* six hook slots: six spans of their own, the rest as the wire sees them */
    assert_int_equal(f.nops, 7);
    for (int i = 0; i < GA_RESP_HOOKS; i++) {
        assert_true(f.ops[i].hooked);
        assert_int_equal(f.ops[i].ncmds, 1);
    }
    assert_false(f.ops[6].hooked);
    assert_int_equal(f.ops[6].ncmds, 4);
    assert_int_equal(f.claimed, 10);                                /* every announcement used once */
    assert_memory_equal(s->host, "redis.local", 11);
    free(s);
}

/* More operations in flight than tracked: later replies still match the right commands. */
static void test_too_many_in_flight(void **state)
{
    (void)state;
    fake f;
    ga_resp_sess *s = new_sess(&f, GA_RESP_ARGS_KEYS);
    /* each command is followed by one byte of the reply stream: commands pile up */
    char replies[12 * 7 + 1];
    for (int i = 0; i < 12; i++)
        memcpy(replies + 7 * i, "$1\r\nv\r\n", 7);
    for (int i = 0; i < 12; i++) {
        send_cmds(s, &f, "GET k");
        feed(s, &f, 0, replies + i, 1, 0);
    }
    feed(s, &f, 0, replies + 12, 12 * 7 - 12, 0);
    assert_true(f.nops >= 8 && f.nops < 12);                        /* some had no room: no span */
    int before = f.nops;
    send_cmds(s, &f, "PING");
    recv_str(s, &f, "+PONG\r\n");
    assert_int_equal(f.nops, before + 1);
    assert_string_equal(f.ops[f.nops - 1].name, "PING");
    assert_false(ga_resp_sess_dead(s));
    /* A deep backlog built by a pipeline without reading: one pipeline op. */
    char buf[65536];
    size_t n = 0;
    for (int i = 0; i < 1000; i++)
        n += cmd(buf + n, sizeof buf - n, "INCR counter");
    feed(s, &f, 1, buf, n, 1500);
    n = 0;
    for (int i = 0; i < 1000; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, ":%d\r\n", i + 1);
    feed(s, &f, 0, buf, n, 333);
    assert_int_equal(f.nops, before + 2);
    assert_int_equal(f.ops[f.nops - 1].ncmds, 1000);
    assert_true(f.ops[f.nops - 1].flags & GA_RESP_GF_TRUNC);
    assert_string_equal(f.ops[f.nops - 1].name, "INCR");
    free(s);
}

static void test_big_values_split(void **state)
{
    (void)state;
    fake f;
    ga_resp_sess *s = new_sess(&f, GA_RESP_ARGS_ALL);
    static char big[5 * 1000 * 1000 + 64];
    size_t n = (size_t)snprintf(big, sizeof big, "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$5000000\r\n");
    memset(big + n, 'x', 5000000);
    n += 5000000;
    memcpy(big + n, "\r\n", 2);
    feed(s, &f, 1, big, n + 2, 65536);
    recv_str(s, &f, "+OK\r\n");
    send_cmds(s, &f, "GET big");
    n = (size_t)snprintf(big, sizeof big, "$5000000\r\n");
    memset(big + n, 'x', 5000000);
    n += 5000000;
    memcpy(big + n, "\r\n", 2);
    feed(s, &f, 0, big, n + 2, 16384);
    assert_int_equal(f.nops, 2);
    assert_string_equal(f.ops[0].name, "SET");
    if (strncmp(f.ops[0].text, "SET big xxxx", 12) != 0)
        fail_msg("text: %s", f.ops[0].text);
    assert_true(strlen(f.ops[0].text) < 200);
    assert_non_null(strstr(f.ops[0].text, "..."));
    assert_string_equal(f.ops[1].text, "GET big");
    free(s);
}

/* The same conversation fed whole and byte by byte gives the same operations. */
static void test_any_split(void **state)
{
    (void)state;
    char out[4096];
    size_t on = cmd(out, sizeof out, "SELECT 2|MULTI|SET a 1|GET a|EXEC|HSET h f v|HGETALL h|DEL a h");
    const char *in = "+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n$1\r\n1\r\n:1\r\n"
                     "*2\r\n$1\r\nf\r\n$1\r\nv\r\n:2\r\n";
    op_rec whole[8];
    int nwhole = 0;
    for (size_t step = 0; step <= 9; step++) {
        fake f;
        ga_resp_sess *s = new_sess(&f, GA_RESP_ARGS_KEYS);
        feed(s, &f, 1, out, on, step);
        feed(s, &f, 0, in, strlen(in), step);
        if (step == 0) {
            nwhole = f.nops;
            memcpy(whole, f.ops, sizeof whole);
            assert_int_equal(nwhole, 3);
        }
        assert_int_equal(f.nops, nwhole);
        for (int i = 0; i < nwhole; i++) {
            assert_string_equal(f.ops[i].name, whole[i].name);
            assert_string_equal(f.ops[i].text, whole[i].text);
            assert_int_equal(f.ops[i].ncmds, whole[i].ncmds);
            assert_int_equal(f.ops[i].db, whole[i].db);
        }
        free(s);
    }
    assert_string_equal(whole[1].name, "SET");
    assert_int_equal(whole[1].kind, GA_RESP_GK_MULTI);
    assert_int_equal(whole[2].db, 2);
    assert_string_equal(whole[2].text, "HSET h ? ?; HGETALL h; DEL a h");
}

static void test_not_redis_and_close(void **state)
{
    (void)state;
    fake f;
    ga_resp_sess *s = new_sess(&f, GA_RESP_ARGS_KEYS);
    feed(s, &f, 1, "get key\r\n", 9, 0);                            /* memcached look-alike */
    recv_str(s, &f, "VALUE key 0 1\r\nx\r\nEND\r\n");
    assert_true(ga_resp_sess_dead(s));
    ga_resp_env env = env_of(&f);
    ga_resp_sess_close(s, &env);
    assert_int_equal(f.nops, 0);
    free(s);

    s = new_sess(&f, GA_RESP_ARGS_KEYS);
    send_cmds(s, &f, "PING");
    ga_resp_sess_close(s, &env);                                    /* never confirmed: nothing */
    assert_int_equal(f.nops, 0);
    free(s);

    s = new_sess(&f, GA_RESP_ARGS_NONE);
    send_cmds(s, &f, "PING");
    recv_str(s, &f, "+PONG\r\n-DENIED unsolicited\r\n");            /* unsolicited: ignored */
    send_cmds(s, &f, "BLPOP q 0|SHUTDOWN");
    env = env_of(&f);
    ga_resp_sess_close(s, &env);
    assert_int_equal(f.nops, 2);
    assert_true(f.ops[1].flags & GA_RESP_GF_CLOSED);
    assert_string_equal(f.ops[1].text, "BLPOP ? ?; SHUTDOWN");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_and_pipeline),
        cmocka_unit_test(test_multi_exec),
        cmocka_unit_test(test_select_and_errors),
        cmocka_unit_test(test_pubsub_resp2),
        cmocka_unit_test(test_resp3_pushes),
        cmocka_unit_test(test_secrets_never_kept),
        cmocka_unit_test(test_client_reply),
        cmocka_unit_test(test_hook_claims),
        cmocka_unit_test(test_too_many_in_flight),
        cmocka_unit_test(test_big_values_split),
        cmocka_unit_test(test_any_split),
        cmocka_unit_test(test_not_redis_and_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
