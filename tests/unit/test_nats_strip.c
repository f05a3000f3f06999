/* test_nats_strip.c — HMSG back to MSG (protocols/nats/nats_strip.h): known lines, what the
 * server itself sends a client without headers, and the same output whatever the reads,
 * including reads smaller than a control line, driven the way hooks/inbound.c drives it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "protocols/nats/nats_strip.h"

typedef struct buf {
    uint8_t *p;
    size_t len, cap;
} buf;

static void put(buf *b, const void *p, size_t n)
{
    if (n == 0)
        return;
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void putf(buf *b, const char *fmt, ...)
{
    char t[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t, sizeof t, fmt, ap);
    va_end(ap);
    put(b, t, (size_t)n);
}

/* The stream through the strip in reads of `step` bytes (0: random 1..97), each presented
 * after the previous tail as the driver does; returns the concatenated output. */
static buf run(const uint8_t *in, size_t n, size_t step, int mid_line, unsigned seed)
{
    ga_nats_strip s;
    ga_nats_strip_init(&s, mid_line);
    buf out = { 0 };
    uint8_t *w = malloc(n + GA_NATS_STRIP_LINE + 2);
    size_t held = 0, i = 0;
    srand(seed);
    while (i < n) {
        size_t k = step ? step : (size_t)(rand() % 97) + 1;
        if (k > n - i)
            k = n - i;
        memcpy(w + held, in + i, k);
        i += k;
        size_t t, o = ga_nats_strip_run(&s, w, held + k, &t);
        assert_true(o + t <= held + k);
        put(&out, w, o);
        memmove(w, w + o, t);
        held = t;
    }
    free(w);
    return out;
}

static void expect(const char *in, const char *want)
{
    for (size_t step = 0; step <= strlen(in) + 1; step++) {
        buf o = run((const uint8_t *)in, strlen(in), step ? step : strlen(in), 0, 1);
        if (o.len != strlen(want) || memcmp(o.p, want, o.len) != 0)
            fail_msg("step %zu: got [%.*s] want [%s]", step, (int)o.len, (const char *)o.p, want);
        free(o.p);
    }
}

static void test_lines(void **state)
{
    (void)state;
    expect("HMSG FOO.BAR 9 BAZ.69 34 45\r\nNATS/1.0\r\nFoodGroup: vegetable\r\n\r\nHello World\r\n",
           "MSG FOO.BAR 9 BAZ.69 11\r\nHello World\r\n");
    expect("HMSG s 1 12 12\r\nNATS/1.0\r\n\r\n\r\n", "MSG s 1 0\r\n\r\n");
    expect("MSG a 1 5\r\nHMSG\r\n", "MSG a 1 5\r\nHMSG\r\n");      /* a payload is a payload */
    expect("INFO {\"x\":\"HMSG a 1 2 3\"}\r\nPING\r\n+OK\r\n-ERR 'x'\r\nPONG\r\n",
           "INFO {\"x\":\"HMSG a 1 2 3\"}\r\nPING\r\n+OK\r\n-ERR 'x'\r\nPONG\r\n");
    expect("hmsg s\t1 _INBOX.x  12   15\r\nNATS/1.0\r\n\r\nabc\r\n", "MSG s 1 _INBOX.x 3\r\nabc\r\n");
}

static void test_malformed_turns_off(void **state)
{
    (void)state;
    /* a count that is not one: passed, and everything after it too */
    expect("HMSG s 1 x 5\r\nHMSG s 1 12 12\r\nNATS/1.0\r\n\r\n\r\n",
           "HMSG s 1 x 5\r\nHMSG s 1 12 12\r\nNATS/1.0\r\n\r\n\r\n");
    expect("HMSG s 1 9 5\r\nab\r\n", "HMSG s 1 9 5\r\nab\r\n");  /* header over the total */
    /* an endless line starting like a message is given up on, not held for ever */
    buf in = { 0 };
    put(&in, "MSG ", 4);
    for (int i = 0; i < 6000; i++)
        put(&in, "x", 1);
    buf o = run(in.p, in.len, 100, 0, 1);
    assert_int_equal(o.len, in.len);
    free(o.p);
    free(in.p);
}

static void test_mid_line(void **state)
{
    (void)state;
    const char *in = "\"headers\":true}\r\nHMSG s 1 12 14\r\nNATS/1.0\r\n\r\nok\r\n";
    buf o = run((const uint8_t *)in, strlen(in), 5, 1, 1);
    const char *want = "\"headers\":true}\r\nMSG s 1 2\r\nok\r\n";
    assert_int_equal(o.len, strlen(want));
    assert_memory_equal(o.p, want, o.len);
    free(o.p);
}

/* A long random stream of what a server sends, and what it sends a client without headers. */
static void make_stream(buf *in, buf *want, unsigned seed)
{
    srand(seed);
    putf(in, "INFO {\"server_id\":\"S\",\"headers\":true}\r\n");
    putf(want, "INFO {\"server_id\":\"S\",\"headers\":true}\r\n");
    for (int m = 0; m < 400; m++) {
        char subj[300], reply[64] = "", pay[600];
        int sl = 1 + rand() % (m % 50 == 0 ? 280 : 20);
        for (int i = 0; i < sl; i++)
            subj[i] = "abc.XYZ_>*-"[rand() % 11];
        subj[sl] = 0;
        if (rand() % 3 == 0)
            snprintf(reply, sizeof reply, " _INBOX.%d", rand());
        int pl = rand() % (m % 7 == 0 ? 590 : 40);
        for (int i = 0; i < pl; i++)
            pay[i] = "\r\nMSG HMSG 12 x"[rand() % 15];
        int sid = rand() % 100000;
        switch (rand() % 5) {
        case 0:
            putf(in, "PING\r\n");
            putf(want, "PING\r\n");
            continue;
        case 1:
        case 2: {
            char hdr[400];
            int hl = snprintf(hdr, sizeof hdr, "NATS/1.0\r\ntraceparent: 00-%032x-%016x-01\r\n%s\r\n",
                              rand(), rand(), rand() % 2 ? "X-Y: HMSG 1 2\r\n" : "");
            putf(in, "HMSG %s %d%s %d %d\r\n", subj, sid, reply, hl, hl + pl);
            put(in, hdr, (size_t)hl);
            break;
        }
        default:
            putf(in, "MSG %s %d%s %d\r\n", subj, sid, reply, pl);
            break;
        }
        putf(want, "MSG %s %d%s %d\r\n", subj, sid, reply, pl);
        put(in, pay, (size_t)pl);
        put(want, pay, (size_t)pl);
        put(in, "\r\n", 2);
        put(want, "\r\n", 2);
    }
}

static void test_any_reads_same_bytes(void **state)
{
    (void)state;
    for (unsigned seed = 1; seed <= 20; seed++) {
        buf in = { 0 }, want = { 0 };
        make_stream(&in, &want, seed);
        size_t steps[] = { 0, 1, 2, 3, 7, 64, 1000, 65536 };
        for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
            buf o = run(in.p, in.len, steps[k], 0, seed);
            if (o.len != want.len || memcmp(o.p, want.p, o.len) != 0)
                fail_msg("seed %u step %zu: %zu bytes, want %zu", seed, steps[k], o.len, want.len);
            free(o.p);
        }
        free(in.p);
        free(want.p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_malformed_turns_off),
        cmocka_unit_test(test_mid_line),
        cmocka_unit_test(test_any_reads_same_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
