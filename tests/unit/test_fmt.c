/* test_fmt.c — the exporter's formatting without printf (exporter/fmt.h) against the C
 * library: integers against snprintf, addresses against inet_ntop for crafted IPv6 forms
 * (zero runs of every length and place, embedded IPv4) and many pseudo-random addresses;
 * UTF-8 repair (exporter/utf8.h); the derived-value cache (exporter/memo.h): exact hits,
 * collisions replaced, keys too long, a fresh start after fork. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "exporter/fmt.h"
#include "exporter/memo.h"
#include "exporter/utf8.h"

static void test_integers(void **state)
{
    (void)state;
    static const int64_t v[] = { 0, 1, 9, 10, 99, 100, 101, 999, 1000, 65535, 1234567890123LL,
                                 -1, -10, -503, INT64_MAX, INT64_MIN };
    char got[32], want[32];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t n = ga_fmt_i64(got, v[i]);
        snprintf(want, sizeof want, "%lld", (long long)v[i]);
        assert_int_equal(n, strlen(want));
        assert_memory_equal(got, want, n);
    }
    assert_int_equal(ga_fmt_u64(got, UINT64_MAX), 20);
    assert_memory_equal(got, "18446744073709551615", 20);
}

static void check_ip(int family, const uint8_t *bytes)
{
    ga_addr a = { .family = (uint16_t)family, .port = 8080 };
    memcpy(a.addr, bytes, family == AF_INET ? 4 : 16);
    char want[INET6_ADDRSTRLEN], got[GA_FMT_IP_MAX], port[GA_FMT_IP_MAX + 8], wport[80];
    assert_non_null(inet_ntop(family, bytes, want, sizeof want));
    size_t n = ga_fmt_ip(got, &a);
    if (n != strlen(want) || strcmp(got, want) != 0)
        fail_msg("ga_fmt_ip gave [%s], inet_ntop [%s]", got, want);
    snprintf(wport, sizeof wport, family == AF_INET6 ? "[%s]:8080" : "%s:8080", want);
    assert_int_equal(ga_fmt_ip_port(port, &a), strlen(wport));
    assert_string_equal(port, wport);
}

static void test_addresses(void **state)
{
    (void)state;
    static const char *const six[] = {
        "::", "::1", "1::", "1::1", "::ffff:10.0.0.1", "::10.0.0.1", "::0.0.0.1", "::ffff:0:0",
        "2001:db8::1:0:0:1", "2001:db8:0:0:1:0:0:1", "1:0:2:0:0:3:0:4", "0:0:1:0:0:0:1:0",
        "1:2:3:4:5:6:7:8", "1:0:3:4:5:6:7:8", "fe80::1:2", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "0:0:0:0:0:1:0:0", "::ffff:1.2.3.4", "0:0:0:0:1:ffff:1.2.3.4", "64:ff9b::192.0.2.33",
    };
    uint8_t b[16];
    for (size_t i = 0; i < sizeof six / sizeof six[0]; i++) {
        assert_int_equal(inet_pton(AF_INET6, six[i], b), 1);
        check_ip(AF_INET6, b);
    }
    static const uint8_t four[][4] = { {0, 0, 0, 0}, {127, 0, 0, 1}, {255, 255, 255, 255},
                                       {10, 99, 100, 9}, {192, 168, 1, 20} };
    for (size_t i = 0; i < sizeof four / sizeof four[0]; i++)
        check_ip(AF_INET, four[i]);
    srand(7);
    for (int i = 0; i < 20000; i++) {
        for (int k = 0; k < 16; k++)                 /* mostly zero groups: many run shapes */
            b[k] = rand() % 3 == 0 ? (uint8_t)rand() : 0;
        if (i % 7 == 0)
            memcpy(b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
        check_ip(AF_INET6, b);
        check_ip(AF_INET, b);
    }
    ga_addr u = { .family = AF_UNIX };
    char got[GA_FMT_IP_MAX + 8] = "x";
    assert_int_equal(ga_fmt_ip(got, &u), 0);
    assert_string_equal(got, "");
    assert_int_equal(ga_fmt_ip_port(got, &u), 0);
}

static void test_builder(void **state)
{
    (void)state;
    char buf[8];
    ga_sb b = ga_sb_init(buf, sizeof buf);
    ga_sb_puts(&b, "GET");
    ga_sb_put(&b, " ", 1);
    ga_sb_puts(&b, "/users/{id}");
    assert_string_equal(buf, "GET /us");                  /* cut like snprintf */
    assert_int_equal(b.len, 7);
    ga_sb_u64(&b, 42);
    assert_int_equal(b.len, 7);
}

static void check_utf8(const char *in, size_t n, const char *want)
{
    char out[64];
    size_t l = ga_utf8_len(in, n);
    assert_int_equal(l, strlen(want));
    ga_utf8_repair(out, in, n);
    assert_memory_equal(out, want, l);
}

static void test_utf8(void **state)
{
    (void)state;
    assert_true(ga_utf8_ascii("plain ascii text, longer than eight", 35));
    assert_false(ga_utf8_ascii("caf\xc3\xa9 au lait", 13));
    check_utf8("caf\xc3\xa9", 5, "caf\xc3\xa9");
    check_utf8("a\xff" "b", 3, "a\xef\xbf\xbd" "b");
    check_utf8("\xc0\x80", 2, "\xef\xbf\xbd\xef\xbf\xbd");               /* overlong */
    check_utf8("\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
    check_utf8("\xf4\x90\x80\x80", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    check_utf8("\xe2\x82", 2, "\xef\xbf\xbd\xef\xbf\xbd");               /* cut short */
    check_utf8("\xf0\x9f\x98\x80!", 5, "\xf0\x9f\x98\x80!");
}

static void test_memo(void **state)
{
    (void)state;
    ga_memo m = GA_MEMO_INIT(16, sizeof(int), 4);
    int fresh;
    int *v = ga_memo_get(&m, "SELECT 1", 8, &fresh);
    assert_non_null(v);
    assert_int_equal(fresh, 1);
    assert_int_equal(*v, 0);                             /* zeroed for the caller */
    *v = 11;
    v = ga_memo_get(&m, "SELECT 1", 8, &fresh);
    assert_int_equal(fresh, 0);
    assert_int_equal(*v, 11);
    v = ga_memo_get(&m, "SELECT 2", 8, &fresh);        /* same length, other bytes */
    assert_int_equal(fresh, 1);
    *v = 22;
    char key[16];
    for (int i = 0; i < 64; i++) {                       /* fill every slot with others */
        snprintf(key, sizeof key, "k%d", i);
        v = ga_memo_get(&m, key, strlen(key), &fresh);
        *v = i;
    }
    v = ga_memo_get(&m, "SELECT 2", 8, &fresh);        /* evicted or kept, never wrong */
    assert_true(fresh == 1 ? *v == 0 : *v == 22);
    assert_null(ga_memo_get(&m, "a key longer than sixteen", 25, &fresh));
    v = ga_memo_get(&m, "SELECT 1", 8, &fresh);
    *v = 11;
    unsigned char *before = m.mem;
    ga_memo_after_fork();
    v = ga_memo_get(&m, "SELECT 1", 8, &fresh);
    assert_int_equal(fresh, 1);                          /* the child starts empty */
    assert_ptr_not_equal(m.mem, before);
    free(before);                                        /* (the library leaks it on purpose) */
    free(m.mem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_builder),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_memo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
