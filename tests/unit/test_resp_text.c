/* test_resp_text.c — db.query.text for Redis (protocols/resp/resp_text.h): redis-cli quoting, the
 * three GENESIS_REDIS_ARGS modes, key positions (ranges, numkeys, STREAMS, subcommands),
 * secrets, truncation, pipelines shown once or joined, and blobs cut short. Also the helpers
 * of protocols/resp/resp_cmd.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "protocols/resp/resp_cmd.h"
#include "protocols/resp/resp_sess.h"
#include "protocols/resp/resp_text.h"

typedef struct blob {
    uint8_t b[1024];
    size_t n;
} blob;

/* Append a command: words separated by spaces; "!" = a secret, "~x" = x truncated. */
static void add(blob *bl, const char *words, int more)
{
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s", words);
    size_t hdr = bl->n;
    bl->n += 3;
    int n = 0;
    char *save = NULL;
    for (char *w = strtok_r(tmp, " ", &save); w; w = strtok_r(NULL, " ", &save), n++) {
        if (strcmp(w, "!") == 0) {
            bl->b[bl->n++] = GA_RESP_TXT_SECRET;
            continue;
        }
        int trunc = w[0] == '~';
        if (trunc)
            w++;
        size_t l = strlen(w);
        bl->b[bl->n++] = (uint8_t)(l | (trunc ? GA_RESP_TXT_TRUNC : 0));
        memcpy(bl->b + bl->n, w, l);
        bl->n += l;
    }
    bl->b[hdr] = (uint8_t)(n + (more > 0 ? more : 0));
    bl->b[hdr + 1] = (uint8_t)n;
    bl->b[hdr + 2] = more < 0 ? GA_RESP_TXT_MORE : 0;
}

static const char *render(const blob *bl, int mode, int more)
{
    static char out[512];
    ga_resp_text_render(bl->b, bl->n, mode, more, out, sizeof out);
    return out;
}

static const char *one(const char *words, int mode)
{
    static blob bl;
    bl.n = 0;
    add(&bl, words, 0);
    return render(&bl, mode, 0);
}

static void test_modes(void **state)
{
    (void)state;
    assert_string_equal(one("SET user:1 hello EX 10", GA_RESP_ARGS_KEYS), "SET user:1 ? ? ?");
    assert_string_equal(one("SET user:1 hello EX 10", GA_RESP_ARGS_ALL), "SET user:1 hello EX 10");
    assert_string_equal(one("SET user:1 hello", GA_RESP_ARGS_NONE), "SET ? ?");
    assert_string_equal(one("get k", GA_RESP_ARGS_KEYS), "get k");          /* as sent */
    assert_string_equal(one("PING", GA_RESP_ARGS_KEYS), "PING");
    assert_string_equal(one("NOSUCHCMD a b", GA_RESP_ARGS_KEYS), "NOSUCHCMD ? ?");
    blob bl = {0};
    add(&bl, "SET", 2);                                                     /* none: only the name kept */
    assert_string_equal(render(&bl, GA_RESP_ARGS_NONE, 0), "SET ? ?");
}

static void test_keys(void **state)
{
    (void)state;
    int K = GA_RESP_ARGS_KEYS;
    assert_string_equal(one("MSET k1 v1 k2 v2", K), "MSET k1 ? k2 ?");
    assert_string_equal(one("DEL a b c", K), "DEL a b c");
    assert_string_equal(one("BLPOP q1 q2 0", K), "BLPOP q1 q2 ?");
    assert_string_equal(one("EVAL return 2 k1 k2 arg", K), "EVAL ? ? k1 k2 ?");
    assert_string_equal(one("EVALSHA_RO abc 1 k1 arg", K), "EVALSHA_RO ? ? k1 ?");
    assert_string_equal(one("EVAL_RO s 1 k1", K), "EVAL_RO ? ? k1");
    assert_string_equal(one("ZUNIONSTORE dst 2 a b WEIGHTS 1 2", K), "ZUNIONSTORE dst ? a b ? ? ?");
    assert_string_equal(one("XREAD COUNT 2 STREAMS s1 s2 0 0", K), "XREAD ? ? ? s1 s2 ? ?");
    assert_string_equal(one("OBJECT ENCODING mykey", K), "OBJECT ENCODING mykey");
    assert_string_equal(one("CONFIG GET maxmemory", K), "CONFIG GET ?");
    assert_string_equal(one("CLIENT SETNAME app", K), "CLIENT SETNAME ?");
    assert_string_equal(one("GEORADIUS_RO g 1 2 3 km", K), "GEORADIUS_RO g ? ? ? ?");
    assert_string_equal(one("georadiusbymember_ro g m 3 km", K), "georadiusbymember_ro g ? ? ?");
    assert_string_equal(one("APPEND a b", K), "APPEND a ?");
    assert_string_equal(one("ZUNION 2 a b", K), "ZUNION ? a b");
    assert_string_equal(one("RENAME a b", K), "RENAME a b");
}

static void test_quoting_and_truncation(void **state)
{
    (void)state;
    blob bl = {0};
    const uint8_t raw[] = { 3, 3, 0, 3, 'S', 'E', 'T', 3, 'a', ' ', 'b', 4, 'x', '"', 0, 0xff };
    memcpy(bl.b, raw, sizeof raw);
    bl.n = sizeof raw;
    assert_string_equal(render(&bl, GA_RESP_ARGS_ALL, 0), "SET \"a b\" \"x\\\"\\x00\\xff\"");
    assert_string_equal(one("SET ~longkey ~value", GA_RESP_ARGS_ALL), "SET longkey... value...");
    assert_string_equal(one("AUTH !", GA_RESP_ARGS_ALL), "AUTH ?");
    bl.n = 0;
    add(&bl, "MSET a 1 b", -1);                                             /* later args not kept */
    assert_string_equal(render(&bl, GA_RESP_ARGS_ALL, 0), "MSET a 1 b ...");
    bl.n = 0;
    add(&bl, "SET e", 0);
    bl.b[bl.n++] = 0;
    assert_string_equal(render(&bl, GA_RESP_ARGS_ALL, 0), "SET e");
}

static void test_batches(void **state)
{
    (void)state;
    blob bl = {0};
    add(&bl, "GET a", 0);
    add(&bl, "GET b", 0);
    assert_string_equal(render(&bl, GA_RESP_ARGS_KEYS, 0), "GET a; GET b");
    assert_string_equal(render(&bl, GA_RESP_ARGS_NONE, 0), "GET ?");
    assert_string_equal(render(&bl, GA_RESP_ARGS_KEYS, 1), "GET a; GET b; ...");
    bl.n = 0;
    add(&bl, "INCR n", 0);
    add(&bl, "INCR n", 0);
    assert_string_equal(render(&bl, GA_RESP_ARGS_KEYS, 1), "INCR n");
    size_t full = bl.n;
    for (size_t cut = 0; cut < full; cut++) {                               /* cut anywhere */
        bl.n = cut;
        char out[64];
        size_t l = ga_resp_text_render(bl.b, bl.n, GA_RESP_ARGS_ALL, 0, out, sizeof out);
        assert_int_equal(l, strlen(out));
    }
    char tiny[8];
    bl.n = 0;
    add(&bl, "GET a", 0);
    add(&bl, "GET b", 0);
    assert_int_equal(ga_resp_text_render(bl.b, bl.n, GA_RESP_ARGS_ALL, 0, tiny, sizeof tiny), 7);
    assert_string_equal(tiny, "GET a; ");
}

static void test_cmd_helpers(void **state)
{
    (void)state;
    char code[16];
    assert_int_equal(ga_resp_error_code("WRONGTYPE Operation", 19, code, sizeof code), 9);
    assert_memory_equal(code, "WRONGTYPE", 9);
    assert_int_equal(ga_resp_error_code("ERR", 3, code, sizeof code), 3);
    assert_int_equal(ga_resp_error_code("user_script:1: oops", 19, code, sizeof code), 3);
    assert_memory_equal(code, "ERR", 3);
    assert_int_equal(ga_resp_error_code("", 0, code, sizeof code), 3);
    assert_int_equal(ga_resp_error_code("VERYLONGERRORCODEOVERFLOW x", 27, code, sizeof code), 3);
    assert_int_equal(ga_resp_cmd_class("multi", 5), GA_RC_MULTI);
    assert_int_equal(ga_resp_cmd_class("Subscribe", 9), GA_RC_SUB);
    assert_int_equal(ga_resp_cmd_class("GETSET", 6), GA_RC_NORMAL);
    assert_int_equal(ga_resp_secret_follows("auth", 4), 2);
    assert_int_equal(ga_resp_secret_follows("masterauth", 10), 1);
    assert_int_equal(ga_resp_secret_follows("tls-key-file-pass", 17), 1);
    assert_int_equal(ga_resp_secret_follows("maxmemory", 9), 0);
    assert_int_equal(ga_resp_pubsub_kind("pmessage", 8), GA_PS_MESSAGE);
    assert_int_equal(ga_resp_pubsub_kind("sunsubscribe", 12), GA_PS_UNSUBSCRIBED);
    assert_int_equal(ga_resp_pubsub_kind("pong", 4), GA_PS_NONE);
    assert_true(ga_resp_is_subcommand("SETNAME", 7));
    assert_false(ga_resp_is_subcommand("my name", 7));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_modes),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_quoting_and_truncation),
        cmocka_unit_test(test_batches),
        cmocka_unit_test(test_cmd_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
