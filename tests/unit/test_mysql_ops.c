/* test_mysql_ops.c — MySQL records on the exporter side: a ga_my_span filled into a record
 * (text last, truncation flagged) and decoded back into span names and semantic-convention
 * attributes (sanitised query text, summary, error code, namespace, server from the hook or
 * the peer) and metric series (never the text). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "exporter/ops.h"
#include "protocols/mysql/mysql.h"
#include "plugins/mysql/mysql_rec.h"
#include "preload/emit.h"

/* What ga_my_emit() does, without the ring: the door's header, then the plug-in's fill. */
static void rec_fill(ga_rec *r, const ga_my_span *s)
{
    ga_rec_init(r, GA_PROTO_MYSQL, s->op, GA_KIND_CLIENT, s->ids, s->start_ns, s->end_ns);
    ga_my_rec_fill(r, s);
}

static ga_span_ids ids = { .trace_id = { 1 }, .span_id = { 2 }, .flags = 1 };

static const ga_attr *find(const ga_attr *a, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (strcmp(a[i].key, key) == 0)
            return &a[i];
    return NULL;
}

static void assert_str_attr(const ga_attr *a, int n, const char *key, const char *want)
{
    const ga_attr *x = find(a, n, key);
    if (x == NULL)
        fail_msg("attribute %s missing", key);
    if (x->slen != strlen(want) || memcmp(x->s, want, x->slen) != 0)
        fail_msg("%s = [%.*s], want [%s]", key, (int)x->slen, x->s, want);
}

static void fill(ga_rec *r, uint8_t op, uint32_t info, const char *text, int error)
{
    static ga_addr peer = { .family = AF_INET, .port = 3307 };
    inet_pton(AF_INET, "10.0.0.5", peer.addr);
    ga_my_span s = {
        .op = op, .info = info | GA_MY_I_WIRE, .ids = &ids, .start_ns = 100, .end_ns = 300,
        .error = error, .peer = &peer, .db = "shop", .db_len = 4,
        .text = text, .text_len = text ? strlen(text) : 0,
    };
    rec_fill(r, &s);
}

static void test_query_span(void **state)
{
    ga_rec r;
    fill(&r, GA_OP_MYSQL_QUERY, GA_MY_COM_QUERY | GA_MY_I_MARIADB,
         "SELECT * FROM messages WHERE body = 's3cr3t'", 0);
    char name[256];
    ga_rec_span_name(&r, name, sizeof name);
    assert_string_equal(name, "SELECT messages");
    assert_int_equal(r.h.kind, GA_KIND_CLIENT);
    assert_int_equal(r.h.status, GA_STATUS_UNSET);
    ga_attr a[GA_MAX_ATTRS];
    ga_attr_scratch sc;
    int n = ga_rec_attrs(&r, a, GA_MAX_ATTRS, &sc);
    assert_str_attr(a, n, "db.system.name", "mariadb");
    assert_str_attr(a, n, "db.namespace", "shop");
    assert_str_attr(a, n, "db.query.text", "SELECT * FROM messages WHERE body = ?");
    assert_str_attr(a, n, "db.query.summary", "SELECT messages");
    assert_str_attr(a, n, "server.address", "10.0.0.5");
    assert_int_equal(find(a, n, "server.port")->i, 3307);
    assert_str_attr(a, n, "network.peer.address", "10.0.0.5");
    assert_null(find(a, n, "error.type"));
    assert_null(find(a, n, "db.operation.name"));
}

static void test_error_span(void **state)
{
    ga_rec r;
    fill(&r, GA_OP_MYSQL_QUERY, GA_MY_COM_QUERY, "SELEC 1", 1064);
    assert_int_equal(r.h.status, GA_STATUS_ERROR);
    ga_attr a[GA_MAX_ATTRS];
    ga_attr_scratch sc;
    int n = ga_rec_attrs(&r, a, GA_MAX_ATTRS, &sc);
    assert_str_attr(a, n, "db.system.name", "mysql");
    assert_str_attr(a, n, "db.response.status_code", "1064");
    assert_str_attr(a, n, "error.type", "1064");
}

static void test_prepared_names(void **state)
{
    const char *q = "SELECT body FROM messages WHERE id = ? AND kind = 'x'";
    ga_rec r;
    char name[256];
    ga_attr a[GA_MAX_ATTRS];
    ga_attr_scratch sc;
    fill(&r, GA_OP_MYSQL_PREPARE, GA_MY_COM_STMT_PREPARE, q, 0);
    ga_rec_span_name(&r, name, sizeof name);
    assert_string_equal(name, "PREPARE SELECT messages");
    int n = ga_rec_attrs(&r, a, GA_MAX_ATTRS, &sc);
    assert_str_attr(a, n, "db.operation.name", "PREPARE");
    assert_str_attr(a, n, "db.query.text", q);              /* parameterised: verbatim */
    fill(&r, GA_OP_MYSQL_EXECUTE, GA_MY_COM_STMT_EXECUTE, q, 0);
    ga_rec_span_name(&r, name, sizeof name);
    assert_string_equal(name, "SELECT messages");
    n = ga_rec_attrs(&r, a, GA_MAX_ATTRS, &sc);
    assert_str_attr(a, n, "db.query.text", q);
    assert_str_attr(a, n, "db.query.summary", "SELECT messages");
    fill(&r, GA_OP_MYSQL_EXECUTE, GA_MY_COM_STMT_EXECUTE, NULL, 0);
    ga_rec_span_name(&r, name, sizeof name);
    assert_string_equal(name, "EXECUTE");
    fill(&r, GA_OP_MYSQL_COMMAND, GA_MY_COM_PING, NULL, 0);
    ga_rec_span_name(&r, name, sizeof name);
    assert_string_equal(name, "PING");
    fill(&r, GA_OP_MYSQL_COMMAND, 0x33, NULL, 0);
    ga_rec_span_name(&r, name, sizeof name);
    assert_string_equal(name, "mysql");
}

/* The application named the server: server.address/port from the hook, not the peer. */
static void test_hook_names_and_truncation(void **state)
{
    char q[600];
    memset(q, 'a', sizeof q - 1);
    memcpy(q, "SELECT '", 8);
    q[sizeof q - 1] = '\0';
    ga_my_span s = {
        .op = GA_OP_MYSQL_QUERY, .info = GA_MY_COM_QUERY | GA_MY_I_HOOK, .ids = &ids,
        .start_ns = 5, .end_ns = 9, .host = "db.example", .host_len = 10, .port = 3306,
        .text = q, .text_len = strlen(q),
    };
    ga_rec r;
    rec_fill(&r, &s);
    ga_attr a[GA_MAX_ATTRS];
    ga_attr_scratch sc;
    int n = ga_rec_attrs(&r, a, GA_MAX_ATTRS, &sc);
    assert_str_attr(a, n, "server.address", "db.example");
    assert_int_equal(find(a, n, "server.port")->i, 3306);
    assert_str_attr(a, n, "db.query.text", "SELECT ?");     /* cut inside the literal */
    const uint8_t *v;
    size_t len, off = 0;
    uint8_t key, type;
    int64_t info = 0;
    while (ga_rec_next(&r, &off, &key, &type, &v, &len))
        if (key == GA_A_MY_INFO)
            memcpy(&info, v, sizeof info);
    assert_true(info & GA_MY_I_TRUNCATED);
}

static void test_metric_attrs(void **state)
{
    ga_rec r;
    fill(&r, GA_OP_MYSQL_QUERY, GA_MY_COM_QUERY, "SELECT * FROM t WHERE a = 's3cr3t'", 1146);
    const ga_op_desc *d = ga_op_find(&r);
    assert_non_null(d);
    assert_ptr_equal(d->metric, &ga_inst_db_client_duration);
    ga_attr a[GA_MAX_ATTRS];
    ga_attr_scratch sc;
    int n = d->metric_attrs(&r, a, GA_MAX_ATTRS, &sc);
    assert_str_attr(a, n, "db.system.name", "mysql");
    assert_str_attr(a, n, "db.namespace", "shop");
    assert_str_attr(a, n, "db.query.summary", "SELECT t");
    assert_str_attr(a, n, "db.response.status_code", "1146");
    assert_str_attr(a, n, "server.address", "10.0.0.5");
    assert_null(find(a, n, "db.query.text"));
    assert_null(find(a, n, "network.peer.address"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_span),
        cmocka_unit_test(test_error_span),
        cmocka_unit_test(test_prepared_names),
        cmocka_unit_test(test_hook_names_and_truncation),
        cmocka_unit_test(test_metric_attrs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
