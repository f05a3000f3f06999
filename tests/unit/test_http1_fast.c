/* test_http1_fast.c — the HTTP/1.x parser's fast path (protocols/http1/http1_fast.c and the
 * line-feed scanner http1_lf.h) against its reference, the byte-by-byte path: thousands of
 * generated messages (followed fields in every case, values of every shape the fast path
 * reads in words or declines, odd lines, bare LFs, lone CRs) are parsed whole, at each of
 * the 64 placements relative to a 64-byte boundary, and one byte at a time; the event logs
 * (pieces, blank-line offsets, status, flags, Content-Length, body sizes) and the final
 * phase must be identical. Also: the scanner against a plain loop, and the line-class table
 * against its definition. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "protocols/http1/http1_int.h"
#include "protocols/http1/http1_lf.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#else
#define ASAN_POISON_MEMORY_REGION(a, n) ((void)(a), (void)(n))
#define ASAN_UNPOISON_MEMORY_REGION(a, n) ((void)(a), (void)(n))
#endif

typedef struct logbuf {
    char s[16384];
    size_t n;
    int last;                       /* field of the last piece: pieces of one field merge */
} logbuf;

static void lput(logbuf *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(l->s + l->n, sizeof l->s - l->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        l->n += (size_t)k < sizeof l->s - l->n ? (size_t)k : sizeof l->s - l->n - 1;
    l->last = 0;
}

static void on_begin(void *ctx, ga_h1_parser *ps)
{
    if (ps->kind == GA_H1_RESP)
        ps->method = GA_H1_M_GET;
    lput(ctx, "B|");
}

static void on_piece(void *ctx, ga_h1_parser *ps, int f, const uint8_t *p, size_t n)
{
    logbuf *l = ctx;
    (void)ps;
    if (l->last != f)
        lput(l, "|F%d=", f);
    lput(l, "%.*s", (int)n, (const char *)p);
    l->last = f;
}

static void on_blank(void *ctx, ga_h1_parser *ps, uint64_t off)
{
    (void)ps;
    lput(ctx, "K%llu|", (unsigned long long)off);
}

static void on_head(void *ctx, ga_h1_parser *ps)
{
    lput(ctx, "H%u,v%u,m%u,f%x,cl%llu|", ps->status, ps->version, ps->method, ps->flags,
         (unsigned long long)ps->clen);
}

static void on_done(void *ctx, ga_h1_parser *ps)
{
    lput(ctx, "D%llu|", (unsigned long long)ps->body);
}

/* Parse m[0..n) in pieces of `step` (0 = whole); the log ends with the phase and offset. */
static void parse(int kind, const uint8_t *m, size_t n, size_t step, logbuf *l)
{
    ga_h1_parser ps;
    ga_h1_cb cb = { l, on_begin, on_piece, on_blank, on_head, on_done, 0 };
    l->n = 0;
    l->s[0] = 0;
    l->last = 0;
    ga_h1_init(&ps, kind);
    int ph = GA_H1_IDLE;
    if (step == 0)
        step = n ? n : 1;
    for (size_t i = 0; i < n; i += step)
        ph = ga_h1_feed(&ps, m + i, n - i < step ? n - i : step, &cb);
    lput(l, "P%d,o%llu", ph, (unsigned long long)ps.off);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

/* Parse m in three pieces cut at random, each a copy that ends where ASan (in an ASan build)
 * reports any read past it: the fast path must never look beyond what it was given. */
static void parse_cut(int kind, const char *m, size_t n, logbuf *l)
{
    static uint8_t block[8192 + 192];
    size_t cut[4] = { 0, n ? rnd((unsigned)n + 1) : 0, 0, n };
    cut[2] = cut[1] + (n - cut[1] ? rnd((unsigned)(n - cut[1]) + 1) : 0);
    ga_h1_parser ps;
    ga_h1_cb cb = { l, on_begin, on_piece, on_blank, on_head, on_done, 0 };
    l->n = 0;
    l->s[0] = 0;
    l->last = 0;
    ga_h1_init(&ps, kind);
    int ph = GA_H1_IDLE;
    for (int k = 0; k < 3; k++) {
        size_t len = cut[k + 1] - cut[k];
        if (len == 0)
            continue;
        uint8_t *at = block + 64 + rnd(64);
        memcpy(at, m + cut[k], len);
        ASAN_POISON_MEMORY_REGION(at + len, 64);
        ph = ga_h1_feed(&ps, at, len, &cb);
        ASAN_UNPOISON_MEMORY_REGION(at + len, 64);
    }
    lput(l, "P%d,o%llu", ph, (unsigned long long)ps.off);
}

/* ---- message generator ---- */

static const char *const req_lines[] = {
    "GET /index.html HTTP/1.1", "POST /submit?a=b&c=%20 HTTP/1.0", "CONNECT host:443 HTTP/1.1",
    "DELETE /x HTTP/1.1", "OPTIONS * HTTP/1.1", "PUT /p HTTP/1.1", "HEAD / HTTP/1.1",
    "PATCH /a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q HTTP/1.1", "QUERY /q HTTP/1.1", "TRACE / HTTP/1.1",
    "XGET / HTTP/1.1", "VERYLONGMETHOD / HTTP/1.1", "GET http://h:1/y?z HTTP/1.1", "GET /a b HTTP/1.1",
    "GET  / HTTP/1.1", "GET /\x7f HTTP/1.1", "GET /\x01x HTTP/1.1", "GET / HTTP/1.9", "GET / HTTX/1.1",
    "GET / HTTP/1.1 ", "GET / HTTP/1.1 HTTP/1.1", "get / HTTP/1.1", "G / HTTP/1.1", "GET /",
    "GET /\xc3\xa9t\xc3\xa9 HTTP/1.1",
};
static const char *const resp_lines[] = {
    "HTTP/1.1 200 OK", "HTTP/1.0 204 No Content", "HTTP/1.1 100 Continue", "HTTP/1.1 304",
    "HTTP/1.1 404 Not Found", "HTTP/1.1 2x0 OK", "HTTP/1.1 099 x", "HTTP/1.1 101 Switching",
    "HTTP/1.1 500", "HTTP/1.1 200 OK ", "HTTP/2 200", "HTTP/1.1 200OK",
};
static const char *const fields[] = {
    "Host: example.com:8080", "host:h", "HOST:   spaced  ", "Host:\t", "Host:", "Host: a\rb",
    "User-Agent: curl/8.0", "user-agent: Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 "
    "Firefox/115.0 plus some more words to pass sixty-four bytes", "USER-AGENT:x\ry",
    "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "Traceparent:  x ",
    "tracestate: a=b,c=d", "TraceState:", "X-Forwarded-For: 1.2.3.4, 5.6.7.8", "x-forwarded-for:1.1.1.1",
    "Content-Length: 0", "Content-Length: 3", "content-length: 12345678", "Content-Length: 123456789",
    "Content-Length:  007 ", "Content-Length: 1x", "Content-Length: ", "Content-Length: 1 2",
    "Content-Length: 99999999999999999999", "CONTENT-LENGTH:9", "Content-Length: 00000000",
    "Content-Length: 4\r5", "Content-Length: +4", "Content-Length: 4/", "Content-Length: 4:",
    "Transfer-Encoding: chunked", "transfer-encoding: CHUNKED", "Transfer-Encoding: gzip, chunked",
    "Transfer-Encoding: chunked;q=1", "Transfer-Encoding: chunkex", "Transfer-Encoding: gzip",
    "Connection: keep-alive", "Connection: Keep-Alive", "connection: close", "Connection: Upgrade",
    "Connection: keep-alive, Upgrade", "Connection: keep-alivex", "Connection: clos",
    "Connection: keep\x7f", "Connection: CLOSE ", "Connection:close", "Connection:", "Connection: x",
    "Transfer-Encoding:", "Transfer-Encoding: ab", "Content-Length:1", "Host:h", "Expect:", "Connection: keep-alive\rx",
    "Expect: 100-continue", "Accept: */*", "Cookie: a=b", "Cache-Control: no-cache",
    "Content-Type: text/html", "Tracer: x", "Hostile: x", "Host : x", "Host\x01: x", " folded",
    "\tfold", "@bad: x", "Connection", "Content-Lengthy: 5", "Date: Thu, 01 Jan 2026 00:00:00 GMT",
    "ETag: \"6567a1b2-578\"", "X: \xff\xfe", "Server: nginx/1.22.1",
};

static const char *const eols[] = { "\r\n", "\r\n", "\r\n", "\r\n", "\n", "\r\r\n", "\r" };

/* One message (or two, pipelined) into out; returns its length. */
static size_t gen(int kind, char *out, size_t cap)
{
    size_t n = 0;
    int msgs = 1 + (rnd(4) == 0);
    for (int k = 0; k < msgs; k++) {
        const char *start = kind == GA_H1_REQ ? req_lines[rnd(sizeof req_lines / sizeof *req_lines)]
                                              : resp_lines[rnd(sizeof resp_lines / sizeof *resp_lines)];
        n += (size_t)snprintf(out + n, cap - n, "%s%s", start, rnd(8) ? "\r\n" : "\n");
        for (unsigned i = 0, lines = rnd(14); i < lines && n < cap - 200; i++)
            n += (size_t)snprintf(out + n, cap - n, "%s%s", fields[rnd(sizeof fields / sizeof *fields)],
                                  eols[rnd(sizeof eols / sizeof *eols)]);
        n += (size_t)snprintf(out + n, cap - n, "%s", rnd(8) ? "\r\n" : "\n");
        if (rnd(3) == 0)
            n += (size_t)snprintf(out + n, cap - n, "abc");    /* some body bytes */
    }
    return n;
}

/* Every generated message: whole at each alignment == byte by byte. */
static void test_fast_equals_reference(void **state)
{
    (void)state;
    static uint8_t block[8192 + 192];
    static char msg[8192];
    static logbuf ref, fast;
    for (int round = 0; round < 6000; round++) {
        int kind = round & 1 ? GA_H1_RESP : GA_H1_REQ;
        size_t n = gen(kind, msg, sizeof msg);
        parse(kind, (const uint8_t *)msg, n, 1, &ref);
        for (size_t shift = 0; shift < 64; shift += (round < 200 ? 1 : 13)) {
            uint8_t *at = (uint8_t *)(((uintptr_t)block + 63) & ~(uintptr_t)63) + shift;
            memcpy(at, msg, n);
            ASAN_POISON_MEMORY_REGION(at + n, 64);  /* an ASan build reports reads past n */
            parse(kind, at, n, 0, &fast);
            ASAN_UNPOISON_MEMORY_REGION(at + n, 64);
            if (strcmp(ref.s, fast.s) != 0) {
                fprintf(stderr, "message (%zu bytes, shift %zu):\n%.*s\nref:  %s\nfast: %s\n", n, shift,
                        (int)n, msg, ref.s, fast.s);
                fail();
            }
        }
        parse(kind, (const uint8_t *)msg, n, 1 + rnd(40), &fast);      /* mixed */
        assert_string_equal(ref.s, fast.s);
        parse_cut(kind, msg, n, &fast);
        assert_string_equal(ref.s, fast.s);
    }
}

/* Content-Length values of every digit count, read in words, give the exact number. */
static void test_content_length_digits(void **state)
{
    (void)state;
    char m[128];
    logbuf a, b;
    for (int round = 0; round < 4000; round++) {
        int digits = 1 + round % 19;
        char num[24];
        for (int i = 0; i < digits; i++)
            num[i] = (char)('0' + (i == 0 && round % 7 ? 1 + rnd(9) : rnd(10)));
        num[digits] = 0;
        size_t n = (size_t)snprintf(m, sizeof m, "HTTP/1.1 200 OK\r\nContent-Length: %s\r\n\r\n", num);
        parse(GA_H1_RESP, (const uint8_t *)m, n, 0, &a);
        parse(GA_H1_RESP, (const uint8_t *)m, n, 1, &b);
        assert_string_equal(a.s, b.s);
        if (digits <= 18) {
            char want[64];
            snprintf(want, sizeof want, ",cl%llu|", strtoull(num, NULL, 10));
            assert_non_null(strstr(a.s, want));
        }
    }
}

#ifdef GA_H1_LF_X86
/* The AVX2 window may only be inlined into AVX2 code. */
static __attribute__((target("avx2"), noinline)) uint64_t lf64_avx2(const uint8_t *w)
{
    return ga_h1_lf64_avx2(w);
}
#endif

/* Each window function marks exactly the line feeds of its 64 bytes. */
static void test_lf_windows(void **state)
{
    (void)state;
    static uint8_t block[64 + 64];
    uint8_t *w = (uint8_t *)(((uintptr_t)block + 63) & ~(uintptr_t)63);
    for (int round = 0; round < 20000; round++) {
        uint64_t want = 0;
        for (int i = 0; i < 64; i++) {
            w[i] = (uint8_t)(rnd(5) == 0 ? '\n' : round % 3 == 0 ? '\n' ^ (1u << rnd(8)) : rnd(256));
            want |= (uint64_t)(w[i] == '\n') << i;
        }
        assert_int_equal(ga_h1_lf64_words(w), want);
#ifdef GA_H1_LF_X86
        assert_int_equal(ga_h1_lf64_sse2(w), want);
        if (ga_h1_lf_avx2())
            assert_int_equal(lf64_avx2(w), want);
#endif
    }
}

/* The library's own CPU probe answers what the compiler's runtime table (the probe it
 * replaces) says, on its first call and after. */
static void test_cpu_probe_agrees_with_the_compiler(void **state)
{
    (void)state;
#ifdef GA_H1_LF_X86
    __builtin_cpu_init();
    int want = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi");
    assert_int_equal(ga_h1_lf_avx2(), want);
    assert_int_equal(ga_h1_lf_cpu, want ? 2 : 1);
    assert_int_equal(ga_h1_lf_cpu_probe(), want ? 2 : 1);
    assert_int_equal(ga_h1_lf_avx2(), want);
#else
    skip();
#endif
}

/* The SSE2 and the AVX2 copies of the loop leave the same parser and the same events. */
static void test_scan_copies_agree(void **state)
{
    (void)state;
#ifdef GA_H1_LF_X86
    if (!ga_h1_lf_avx2()) {
        skip();
        return;
    }
    static char msg[8192];
    static logbuf a, b;
    for (int round = 0; round < 4000; round++) {
        int kind = round & 1 ? GA_H1_RESP : GA_H1_REQ;
        size_t n = gen(kind, msg, sizeof msg);
        ga_h1_parser pa, pb;
        ga_h1_cb ca = { &a, on_begin, on_piece, on_blank, on_head, on_done, 0 }, cb2 = ca;
        cb2.ctx = &b;
        a.n = b.n = 0;
        a.s[0] = b.s[0] = 0;
        a.last = b.last = 0;
        ga_h1_init(&pa, kind);
        pa.st = kind == GA_H1_REQ ? S_METHOD : S_RVER;     /* as ga__begin leaves it */
        pb = pa;
        size_t ka = ga_h1_fast_line_with(&pa, (const uint8_t *)msg, n, &ca, 0);
        size_t kb = ga_h1_fast_line_with(&pb, (const uint8_t *)msg, n, &cb2, 1);
        assert_int_equal(ka, kb);
        assert_memory_equal(&pa, &pb, sizeof pa);
        assert_string_equal(a.s, b.s);
    }
#else
    skip();
#endif
}

/* ga_h1_line_class is what its comment says. */
static void test_line_class_table(void **state)
{
    (void)state;
    for (int kind = GA_H1_REQ; kind <= GA_H1_RESP; kind++) {
        const char *letters = kind == GA_H1_REQ ? "hutcxeb" : "tc";
        for (int c = 0; c < 256; c++) {
            int lc = c >= 'A' && c <= 'Z' ? c | 0x20 : c;
            unsigned want = 0;
            if (c == '\r' || c == '\n')
                want = GA_H1_C_END;
            else if (!ga_h1_tchar[c])
                want = GA_H1_C_ODD;
            else if (kind == GA_H1_REQ && lc == 'b')
                want = GA_H1_C_FIELD2;
            else if (lc && strchr(letters, lc))
                want = GA_H1_C_FIELD;
            assert_int_equal(ga_h1_line_class[kind][c], want);
        }
    }
    /* the second and third bytes of the followed names, by first letter ('b' has many: none
     * kept), in either case; letters of no followed name have none */
    const char *const names[] = { "host", "user-agent", "traceparent", "tracestate", "transfer-encoding",
                                  "content-length", "connection", "x-forwarded-for", "expect",
                                  "x-b3-traceid", "x-b3-spanid", "x-b3-sampled", "x-b3-flags" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char up[32];
        for (size_t k = 0; k <= strlen(names[i]); k++)
            up[k] = (char)(names[i][k] >= 'a' && names[i][k] <= 'z' ? names[i][k] - 32 : names[i][k]);
        assert_true(ga_h1_pair_may((const uint8_t *)names[i]));
        assert_true(ga_h1_pair_may((const uint8_t *)up));
    }
    const char *const others[] = { "cookie", "cache-control", "x-request-id", "x-real-ip", "te",
                                   "upgrade-insecure-requests", "host2", "hst", "x-", "expires" };
    size_t kept = 0;
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        kept += (size_t)ga_h1_pair_may((const uint8_t *)others[i]);
    assert_int_equal(kept, 2);          /* "host2", "expires": a filter; the matcher decides */
    for (int c = 0; c < 256; c++)
        if (ga_h1_line_class[GA_H1_REQ][c] != GA_H1_C_FIELD)
            assert_true(ga_h1_pair[c][0] == 0 && ga_h1_pair[c][1] == 0);
}

/* A handler that keeps only methods it does not know (other_method_only): the fast path skips
 * a known method's piece and keeps an unknown one's; the rest of the report is the same. */
static void test_other_method_only(void **state)
{
    (void)state;
    static const char *msgs[] = { "GET /a HTTP/1.1\r\nHost: h\r\n\r\n", "PURGE /a HTTP/1.1\r\nHost: h\r\n\r\n" };
    for (int k = 0; k < 2; k++) {
        logbuf all, quiet;
        ga_h1_parser ps;
        ga_h1_cb cb = { &all, on_begin, on_piece, on_blank, on_head, on_done, 0 };
        size_t n = strlen(msgs[k]);
        all.n = quiet.n = 0;
        all.last = quiet.last = 0;
        ga_h1_init(&ps, GA_H1_REQ);
        ga_h1_feed(&ps, (const uint8_t *)msgs[k], n, &cb);
        cb.ctx = &quiet;
        cb.other_method_only = 1;
        ga_h1_init(&ps, GA_H1_REQ);
        ga_h1_feed(&ps, (const uint8_t *)msgs[k], n, &cb);
        all.s[all.n] = quiet.s[quiet.n] = 0;
        char method[32];
        snprintf(method, sizeof method, "|F%d=%s", GA_H1_FLD_METHOD, k == 0 ? "GET" : "PURGE");
        assert_non_null(strstr(all.s, method));
        if (k == 0) {
            assert_null(strstr(quiet.s, method));           /* the known method: not reported */
            const char *at = strstr(all.s, method);         /* nothing else differs */
            assert_int_equal(quiet.n, all.n - strlen(method));
            assert_memory_equal(quiet.s, all.s, (size_t)(at - all.s));
            assert_string_equal(quiet.s + (at - all.s), at + strlen(method));
        } else {
            assert_string_equal(quiet.s, all.s);            /* an unknown one: as before */
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_class_table),
        cmocka_unit_test(test_cpu_probe_agrees_with_the_compiler),
        cmocka_unit_test(test_lf_windows),
        cmocka_unit_test(test_scan_copies_agree),
        cmocka_unit_test(test_content_length_digits),
        cmocka_unit_test(test_fast_equals_reference),
        cmocka_unit_test(test_other_method_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
