/* test_resp_ops.c — Redis records from the application side (plugins/redis/resp_emit.c)
 * decoded by the exporter side (plugins/redis/resp_ops.c): span names, semconv attributes,
 * db.query.text per mode, errors, hook-only spans, the db.client.operation.duration series
 * attributes, and command names upper-cased whatever the client's case (db.query.text keeps it). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "exporter/ops.h"
#include "plugins/redis/resp_emit.h"
#include "plugins/redis/resp_rec.h"
#include "preload/emit.h"

static const ga_addr peer = { AF_INET, 6380, {127, 0, 0, 1} };

/* A text blob for one command "GET <key>". */
static size_t blob_get(uint8_t *b, const char *key)
{
    size_t k = strlen(key), n = 0;
    b[n++] = 2; b[n++] = 2; b[n++] = 0;
    b[n++] = 3; memcpy(b + n, "GET", 3); n += 3;
    b[n++] = (uint8_t)k; memcpy(b + n, key, k); n += k;
    return n;
}

static const ga_attr *find(const ga_attr *a, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (strcmp(a[i].key, key) == 0)
            return &a[i];
    return NULL;
}

static void assert_str(const ga_attr *a, int n, const char *key, const char *want)
{
    const ga_attr *x = find(a, n, key);
    if (x == NULL)
        fail_msg("missing %s", key);
    assert_int_equal(x->type, GA_V_STR);
    if (x->slen != strlen(want) || memcmp(x->s, want, x->slen) != 0)
        fail_msg("%s = %.*s, want %s", key, (int)x->slen, x->s, want);
}

static void decode(ga_rec *r, const ga_resp_op *op, const ga_resp_where *w, ga_attr *a, int *n, char *name)
{
    ga_span_ids fresh;                          /* what ga_resp_emit() does, without the ring */
    ga_rec_init(r, GA_PROTO_REDIS, GA_OP_RESP, GA_KIND_CLIENT, ga_resp_ids(op, &fresh),
                op->start_ns, op->end_ns);
    ga_resp_fill(r, op, w);
    static ga_attr_scratch sc;                  /* the attributes point into it */
    *n = ga_rec_attrs(r, a, GA_MAX_ATTRS, &sc);
    ga_rec_span_name(r, name, 64);
}

static void test_single_command(void **state)
{
    (void)state;
    uint8_t b[64];
    size_t bl = blob_get(b, "user:42");
    ga_resp_op op = { .start_ns = 10, .end_ns = 20, .ncmds = 1, .db = 3, .name = "GET", .name_len = 3,
                      .t1 = b, .l1 = 3, .t2 = b + 3, .l2 = bl - 3, .args_mode = GA_RESP_ARGS_KEYS };
    ga_resp_where w = { .peer = &peer, .socktype = 1 };
    static ga_rec r;
    ga_attr a[GA_MAX_ATTRS];
    int n;
    char name[64];
    decode(&r, &op, &w, a, &n, name);
    assert_string_equal(name, "GET");
    assert_int_equal(r.h.kind, GA_KIND_CLIENT);
    assert_int_equal(r.h.status, GA_STATUS_UNSET);
    assert_str(a, n, "db.system.name", "redis");
    assert_str(a, n, "db.operation.name", "GET");
    assert_str(a, n, "db.namespace", "3");
    assert_str(a, n, "db.query.text", "GET user:42");
    assert_str(a, n, "server.address", "127.0.0.1");
    assert_str(a, n, "network.peer.address", "127.0.0.1");
    assert_str(a, n, "network.transport", "tcp");
    assert_str(a, n, "genesis.redis.source", "wire");
    assert_int_equal(find(a, n, "server.port")->i, 6380);
    assert_null(find(a, n, "error.type"));
    assert_null(find(a, n, "db.operation.batch.size"));

    op.args_mode = GA_RESP_ARGS_NONE;
    decode(&r, &op, &w, a, &n, name);
    assert_str(a, n, "db.query.text", "GET ?");
}

static void test_batches_and_errors(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t l1 = blob_get(b, "a");
    size_t l2 = blob_get(b + l1, "b");
    ga_resp_op op = { .start_ns = 1, .end_ns = 2, .ncmds = 2, .name = "GET", .name_len = 3, .t1 = b,
                      .l1 = l1 + l2, .kind = GA_RESP_GK_BATCH };
    ga_resp_where w = { .peer = &peer };
    static ga_rec r;
    ga_attr a[GA_MAX_ATTRS];
    int n;
    char name[64];
    decode(&r, &op, &w, a, &n, name);
    assert_string_equal(name, "PIPELINE GET");
    assert_int_equal(find(a, n, "db.operation.batch.size")->i, 2);
    assert_str(a, n, "db.query.text", "GET a; GET b");

    op.flags = GA_RESP_GF_DIFF | GA_RESP_GF_ERROR;
    op.code = "WRONGTYPE";
    op.code_len = 9;
    decode(&r, &op, &w, a, &n, name);
    assert_string_equal(name, "PIPELINE");
    assert_int_equal(r.h.status, GA_STATUS_ERROR);
    assert_str(a, n, "db.response.status_code", "WRONGTYPE");
    assert_str(a, n, "error.type", "WRONGTYPE");

    op = (ga_resp_op){ .ncmds = 0, .kind = GA_RESP_GK_MULTI };
    decode(&r, &op, &w, a, &n, name);
    assert_string_equal(name, "MULTI");
    assert_int_equal(find(a, n, "db.operation.batch.size")->i, 0);
    op = (ga_resp_op){ .ncmds = 1, .kind = GA_RESP_GK_MULTI, .name = "SET", .name_len = 3 };
    decode(&r, &op, &w, a, &n, name);
    assert_string_equal(name, "MULTI SET");
    assert_null(find(a, n, "db.operation.batch.size"));

    op = (ga_resp_op){ .ncmds = 1, .name = "BLPOP", .name_len = 5, .flags = GA_RESP_GF_CLOSED };
    decode(&r, &op, &w, a, &n, name);
    assert_int_equal(r.h.status, GA_STATUS_ERROR);
    assert_str(a, n, "error.type", "connection_closed");
}

static void test_hook_only_and_metric(void **state)
{
    (void)state;
    ga_resp_hook_info hook = { .ids = { .trace_id = {1}, .span_id = {2}, .flags = 1 } };
    ga_resp_op op = { .ncmds = 1, .name = "SET", .name_len = 3, .hook = &hook, .host = "cache.local",
                      .host_len = 11, .flags = GA_RESP_GF_ERROR };
    ga_resp_where w = { .peer = NULL, .port = 6379, .hookerr = 1 };
    static ga_rec r;
    ga_attr a[GA_MAX_ATTRS];
    int n;
    char name[64];
    decode(&r, &op, &w, a, &n, name);
    assert_int_equal(r.h.span_id[0], 2);
    assert_str(a, n, "server.address", "cache.local");
    assert_int_equal(find(a, n, "server.port")->i, 6379);
    assert_str(a, n, "genesis.redis.source", "hiredis");
    assert_str(a, n, "error.type", "REDIS_ERR_IO");
    assert_null(find(a, n, "db.namespace"));
    assert_null(find(a, n, "network.peer.address"));

    const ga_op_desc *d = ga_op_find(&r);
    assert_non_null(d);
    assert_ptr_equal(d->metric, &ga_inst_db_client_duration);
    static ga_attr_scratch sc;
    n = d->metric_attrs(&r, a, GA_MAX_ATTRS, &sc);
    assert_str(a, n, "db.system.name", "redis");
    assert_str(a, n, "db.operation.name", "SET");
    assert_str(a, n, "error.type", "REDIS_ERR_IO");
    assert_null(find(a, n, "db.query.text"));               /* never a metric label */
    assert_null(find(a, n, "genesis.redis.source"));
    assert_null(find(a, n, "network.transport"));
}

/* redis-rb sends `get`, `client setname`: the same operations (and series) as `GET`, `CLIENT SETNAME`. */
static void test_lower_case_commands(void **state)
{
    (void)state;
    uint8_t b[64];
    size_t n1 = 0;
    b[n1++] = 2; b[n1++] = 2; b[n1++] = 0;
    b[n1++] = 3; memcpy(b + n1, "get", 3); n1 += 3;
    b[n1++] = 1; b[n1++] = 'k';
    ga_resp_op op = { .ncmds = 1, .name = "get", .name_len = 3, .t1 = b, .l1 = n1, .args_mode = GA_RESP_ARGS_KEYS };
    ga_resp_where w = { .peer = &peer };
    static ga_rec r;
    ga_attr a[GA_MAX_ATTRS];
    int n;
    char name[64];
    decode(&r, &op, &w, a, &n, name);
    assert_string_equal(name, "GET");
    assert_str(a, n, "db.operation.name", "GET");
    assert_str(a, n, "db.query.text", "get k");            /* what was sent */
    static ga_attr_scratch sc;
    n = ga_op_find(&r)->metric_attrs(&r, a, GA_MAX_ATTRS, &sc);
    assert_str(a, n, "db.operation.name", "GET");

    op = (ga_resp_op){ .ncmds = 2, .kind = GA_RESP_GK_BATCH, .name = "client setname", .name_len = 14 };
    decode(&r, &op, &w, a, &n, name);
    assert_string_equal(name, "PIPELINE CLIENT SETNAME");
    op = (ga_resp_op){ .ncmds = 1, .kind = GA_RESP_GK_MULTI, .name = "hSet", .name_len = 4 };
    decode(&r, &op, &w, a, &n, name);
    assert_string_equal(name, "MULTI HSET");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_command),
        cmocka_unit_test(test_batches_and_errors),
        cmocka_unit_test(test_hook_only_and_metric),
        cmocka_unit_test(test_lower_case_commands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
