/* test_mysql_fast.c — the MySQL parser's fast path (protocols/mysql/mysql_fast.c) takes the
 * common shapes whole — a COM_QUERY packet with nothing in flight, an OK, a result set from
 * its column count to its terminator, with and without CLIENT_DEPRECATE_EOF — and declines
 * everything else without changing anything. That it then does what the general path does is
 * checked on every conversation of the MySQL unit tests (test_mysql_wire.h, diff_fast_general)
 * and by the fuzz target. */
#include "tests/unit/test_mysql_wire.h"
#include "protocols/mysql/mysql_int.h"

/* The packets of w from index *i on that go the same direction, as one buffer. */
static uint8_t *next_chunk(const wire *w, int *i, size_t *n, int *client)
{
    int j = *i;
    *n = 0;
    *client = w->m[j].client;
    while (j < w->n && w->m[j].client == *client)
        *n += w->m[j++].n;
    uint8_t *b = malloc(*n);
    for (size_t o = 0; *i < j; (*i)++) {
        memcpy(b + o, w->m[*i].p, w->m[*i].n);
        o += w->m[*i].n;
    }
    return b;
}

/* Feed the connection phase, then offer every later chunk to the fast path first; the
 * general path takes what it declines. Writes what the fast path said per chunk into took[]. */
static void run(const wire *w, int nconn, int *took, int *nchunks, seen *s)
{
    ga_my_parser ps;
    memset(&ps, 0, sizeof ps);
    memset(s, 0, sizeof *s);
    for (int i = 0; i < nconn; i++)
        ga_my_feed(&ps, w->m[i].client, w->m[i].p, w->m[i].n, &test_sink, s);
    assert_int_equal(ps.phase, 3);                     /* the command phase */
    *nchunks = 0;
    for (int i = nconn; i < w->n;) {
        size_t n;
        int client;
        uint8_t *b = next_chunk(w, &i, &n, &client);
        ga_my_parser before = ps;
        int r = client ? ga_my__fast_cmd(&ps, b, n, &test_sink, s) : ga_my__fast_resp(&ps, b, n, &test_sink, s);
        if (!r) {
            assert_memory_equal(&before, &ps, sizeof ps);      /* declined: nothing changed */
            ga_my_feed(&ps, client, b, n, &test_sink, s);
        }
        took[(*nchunks)++] = r;
        free(b);
    }
}

static void rows(wire *w, int cols, int nrows, int deprecate_eof, uint16_t status)
{
    uint8_t seq = 1, count = (uint8_t)cols;
    pkt(w, 0, seq++, &count, 1);
    for (int i = 0; i < cols; i++)
        PKT(w, 0, seq++, 3, 'd', 'e', 'f', 0, 0, 0, 1, 'c', 0, 0x0c, 8, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0);
    if (!deprecate_eof)
        eof_pkt(w, seq++, 0);
    for (int i = 0; i < nrows; i++)
        PKT(w, 0, seq++, 1, '7');
    uint8_t t[7] = { 0xfe, 0, 0, (uint8_t)status, (uint8_t)(status >> 8), 0, 0 };
    pkt(w, 0, seq++, t, deprecate_eof ? 7 : 5);
}

static void test_common_shapes(void **state)
{
    for (int dep = 0; dep < 2; dep++) {
        wire w = { .n = 0 };
        connected(&w, 1, dep ? GA_MY_CLIENT_DEPRECATE_EOF : 0, 0);
        int nconn = w.n;
        cmd_text(&w, GA_MY_COM_QUERY, "SELECT v FROM k WHERE id = 7");
        rows(&w, 1, 1, dep, 0x22);
        cmd_text(&w, GA_MY_COM_QUERY, "SELECT a, b, c FROM k");
        rows(&w, 3, 0, dep, 0x22);
        cmd_text(&w, GA_MY_COM_QUERY, "INSERT INTO k VALUES (9, 'x')");
        ok_pkt(&w, 1, 2);
        cmd_text(&w, GA_MY_COM_QUERY, "SELECT * FROM nosuch");      /* ERR: general path */
        err_pkt(&w, 1, 1146, "42S02");
        cmd_text(&w, GA_MY_COM_QUERY, "SELECT 1; SELECT 2");         /* more results */
        rows(&w, 1, 1, dep, GA_MY_STATUS_MORE_RESULTS | 2);
        rows(&w, 1, 2, dep, 2);
        PKT(&w, 1, 0, GA_MY_COM_PING);                              /* not a query, and its */
        ok_pkt(&w, 1, 2);                                           /* response not to one */
        int took[32], n;
        seen s;
        run(&w, nconn, took, &n, &s);
        static const int want[] = { 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 0, 0 };
        assert_int_equal(n, (int)(sizeof want / sizeof want[0]));
        for (int i = 0; i < n; i++)
            if (took[i] != want[i])
                fail_msg("deprecate_eof %d, chunk %d: fast path %d, want %d", dep, i, took[i], want[i]);
        assert_int_equal(s.ended, 6);
        assert_int_equal(s.res[0].rows, 1);
        assert_int_equal(s.res[0].result_sets, 1);
        assert_int_equal(s.res[1].rows, 0);
        assert_int_equal(s.res[3].outcome, GA_MY_ERR);
        assert_int_equal(s.res[4].rows, 3);
        assert_int_equal(s.res[4].result_sets, 2);
        assert_string_equal(s.text[0], "SELECT v FROM k WHERE id = 7");
        assert_int_equal(diff_fast_general(&w, 1), n + 3);          /* + greeting, login, OK */
        wire_free(&w);
    }
}

/* Shapes declined: a response cut short or followed by more, another command in flight,
 * query attributes, a long text split into two reads. */
static void test_declined(void **state)
{
    wire w = { .n = 0 };
    connected(&w, 1, GA_MY_CLIENT_QUERY_ATTRS, 0);
    int nconn = w.n;
    uint8_t q[] = { GA_MY_COM_QUERY, 0, 1, 'S', 'E', 'L', 'E', 'C', 'T', ' ', '1' };
    pkt(&w, 1, 0, q, sizeof q);                                     /* query attributes */
    rows(&w, 1, 1, 0, 2);
    int took[8], n;
    seen s;
    run(&w, nconn, took, &n, &s);
    assert_int_equal(took[0], 0);
    assert_int_equal(took[1], 1);                                   /* its response still is */
    assert_string_equal(s.text[0], "SELECT 1");
    wire_free(&w);

    connected(&w, 1, 0, 0);
    nconn = w.n;
    ga_my_parser ps;
    memset(&ps, 0, sizeof ps);
    memset(&s, 0, sizeof s);
    for (int i = 0; i < nconn; i++)
        ga_my_feed(&ps, w.m[i].client, w.m[i].p, w.m[i].n, &test_sink, &s);
    cmd_text(&w, GA_MY_COM_QUERY, "SELECT 1");
    cmd_text(&w, GA_MY_COM_QUERY, "SELECT 2");
    rows(&w, 1, 1, 0, 2);
    size_t len;
    int client, i = nconn + 2;
    uint8_t *b = next_chunk(&w, &i, &len, &client);
    assert_int_equal(ga_my__fast_cmd(&ps, w.m[nconn].p, w.m[nconn].n, &test_sink, &s), 1);
    assert_int_equal(ga_my__fast_resp(&ps, b, len - 1, &test_sink, &s), 0);   /* cut short */
    assert_int_equal(ga_my__fast_cmd(&ps, w.m[nconn + 1].p, w.m[nconn + 1].n, &test_sink, &s), 0);
    ga_my_feed(&ps, 1, w.m[nconn + 1].p, w.m[nconn + 1].n, &test_sink, &s);
    assert_int_equal(ga_my__fast_resp(&ps, b, len, &test_sink, &s), 0);       /* two in flight */
    ga_my_feed(&ps, 0, b, len, &test_sink, &s);
    assert_int_equal(s.ended, 1);
    free(b);
    wire_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_common_shapes),
        cmocka_unit_test(test_declined),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
