/* test_attrs.c — exporter-side decoding: record TLV → semantic-convention attributes,
 * connect span names for IPv4/IPv6/unix peers, errno names, JSON string escaping. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "exporter/attrs.h"
#include "exporter/buf.h"

static const ga_attr *find(const ga_attr *a, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (strcmp(a[i].key, key) == 0)
            return &a[i];
    return NULL;
}

static void test_ipv4_connect_error(void **state)
{
    (void)state;
    ga_rec r;
    memset(&r, 0, sizeof r);
    r.h.op = GA_OP_CONNECT;
    ga_addr a = { .family = AF_INET, .port = 6379 };
    inet_pton(AF_INET, "10.1.2.3", a.addr);
    ga_rec_put_addr(&r, GA_A_PEER, &a);
    ga_rec_put_int(&r, GA_A_TRANSPORT, SOCK_STREAM);
    ga_rec_put_int(&r, GA_A_ERRNO, ECONNREFUSED);
    ga_attr at[GA_MAX_ATTRS];
    ga_attr_scratch sc;
    int n = ga_rec_attrs(&r, at, GA_MAX_ATTRS, &sc);
    assert_int_equal(n, 5);
    const ga_attr *x = find(at, n, "network.peer.address");
    assert_non_null(x);
    assert_int_equal(x->slen, 8);
    assert_memory_equal(x->s, "10.1.2.3", 8);
    assert_int_equal(find(at, n, "network.peer.port")->i, 6379);
    assert_memory_equal(find(at, n, "network.type")->s, "ipv4", 4);
    assert_memory_equal(find(at, n, "network.transport")->s, "tcp", 3);
    assert_memory_equal(find(at, n, "error.type")->s, "ECONNREFUSED", 12);
    char name[64];
    ga_rec_span_name(&r, name, sizeof name);
    assert_string_equal(name, "connect 10.1.2.3:6379");
}

static void test_ipv6_and_unix_names(void **state)
{
    (void)state;
    ga_rec r;
    memset(&r, 0, sizeof r);
    r.h.op = GA_OP_CONNECT;
    ga_addr a = { .family = AF_INET6, .port = 443 };
    inet_pton(AF_INET6, "::1", a.addr);
    ga_rec_put_addr(&r, GA_A_PEER, &a);
    char name[64];
    ga_rec_span_name(&r, name, sizeof name);
    assert_string_equal(name, "connect [::1]:443");
    memset(&r, 0, sizeof r);
    r.h.op = GA_OP_CONNECT;
    ga_addr u = { .family = AF_UNIX };
    ga_rec_put_addr(&r, GA_A_PEER, &u);
    ga_rec_put(&r, GA_A_UNIX_PATH, GA_AT_STR, "/run/redis.sock", 15);
    ga_rec_put_int(&r, GA_A_TRANSPORT, SOCK_STREAM);
    ga_rec_span_name(&r, name, sizeof name);
    assert_string_equal(name, "connect /run/redis.sock");
    ga_attr at[GA_MAX_ATTRS];
    ga_attr_scratch sc;
    int n = ga_rec_attrs(&r, at, GA_MAX_ATTRS, &sc);
    assert_memory_equal(find(at, n, "network.transport")->s, "unix", 4);
    assert_memory_equal(find(at, n, "network.peer.address")->s, "/run/redis.sock", 15);
}

static void test_errno_names(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(ga_errno_name(ETIMEDOUT, buf, sizeof buf), "ETIMEDOUT");
    assert_string_equal(ga_errno_name(9999, buf, sizeof buf), "errno_9999");
}

static void test_json_escaping(void **state)
{
    (void)state;
    ga_buf b = {0};
    ga_json_str(&b, "a\"b\\c\n\x01\xff\xe2\x9c\x93", 11);
    ga_buf_put(&b, "", 1);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\u000a\\u0001\\ufffd\xe2\x9c\x93\"");
    ga_buf_free(&b);
}

/* The JSON text of s[0..n) by the rules, one byte at a time: the reference the buffer's escaper
 * (which writes straight into reserved room) must match. */
static size_t ref_json(const unsigned char *s, size_t n, char *out)
{
    size_t o = 0;
    out[o++] = '"';
    for (size_t i = 0; i < n;) {
        unsigned c = s[i], need = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        for (unsigned k = 1; need && k < need; k++)
            if (i + k >= n || (s[i + k] & 0xc0) != 0x80)
                need = 0;
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
            i++;
        } else if (c < 0x20) {
            o += (size_t)sprintf(out + o, "\\u%04x", c);
            i++;
        } else if (need == 0) {
            memcpy(out + o, "\\ufffd", 6);
            o += 6;
            i++;
        } else {
            memcpy(out + o, s + i, need);
            o += need;
            i += need;
        }
    }
    out[o++] = '"';
    return o;
}

static void test_json_escaping_matches_the_rules(void **state)
{
    (void)state;
    srand(11);
    for (int t = 0; t < 50000; t++) {
        unsigned char in[48];
        char want[48 * 6 + 2];
        size_t n = (size_t)(rand() % 48);
        for (size_t i = 0; i < n; i++)
            in[i] = (unsigned char)(rand() % 3 ? "ab\"\\\n\xe2\x9c\x93\xc3\xa9\x7f"[rand() % 11] : rand() % 256);
        ga_buf b = {0};
        ga_buf_put(&b, "x", 1);                 /* appended after what the buffer holds */
        ga_json_str(&b, (const char *)in, n);
        size_t wl = ref_json(in, n, want);
        assert_int_equal(b.len, wl + 1);
        assert_memory_equal(b.data + 1, want, wl);
        ga_buf_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_connect_error),
        cmocka_unit_test(test_ipv6_and_unix_names),
        cmocka_unit_test(test_errno_names),
        cmocka_unit_test(test_json_escaping),
        cmocka_unit_test(test_json_escaping_matches_the_rules),
    };
    return cmocka_run_group_tests_name("attrs", tests, NULL, NULL);
}
