/* http1_names.c — the HTTP/1.x vocabulary: token characters, known methods and their names,
 * and the checks that recognise the first bytes of a request or a response stream
 * (contracts in http1.h). Pure code. */
#include <string.h>
#include "protocols/http1/http1_int.h"

#define T1(c) [c] = 1
const uint8_t ga_h1_tchar[256] = {
    T1('!'), T1('#'), T1('$'), T1('%'), T1('&'), T1('\''), T1('*'), T1('+'), T1('-'), T1('.'),
    T1('^'), T1('_'), T1('`'), T1('|'), T1('~'),
    T1('0'), T1('1'), T1('2'), T1('3'), T1('4'), T1('5'), T1('6'), T1('7'), T1('8'), T1('9'),
    T1('A'), T1('B'), T1('C'), T1('D'), T1('E'), T1('F'), T1('G'), T1('H'), T1('I'), T1('J'),
    T1('K'), T1('L'), T1('M'), T1('N'), T1('O'), T1('P'), T1('Q'), T1('R'), T1('S'), T1('T'),
    T1('U'), T1('V'), T1('W'), T1('X'), T1('Y'), T1('Z'),
    T1('a'), T1('b'), T1('c'), T1('d'), T1('e'), T1('f'), T1('g'), T1('h'), T1('i'), T1('j'),
    T1('k'), T1('l'), T1('m'), T1('n'), T1('o'), T1('p'), T1('q'), T1('r'), T1('s'), T1('t'),
    T1('u'), T1('v'), T1('w'), T1('x'), T1('y'), T1('z'),
};

/* How a header line's first byte is handled by the fast path (GA_H1_C_*, http1_int.h), per
 * kind: the first letters of host, user-agent, traceparent / tracestate / transfer-encoding,
 * content-length / connection, x-forwarded-for and x-b3-*, expect, b3 / baggage in either
 * case (requests; b / B are of class GA_H1_C_FIELD2), of
 * content-length / connection / transfer-encoding (responses); CR and LF; bytes that are not
 * tchar. tests/unit/test_http1_fast.c derives it again from ga_h1_tchar and the names. */
const uint8_t ga_h1_line_class[2][256] = {
    [GA_H1_REQ] = {
        8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 4, 8, 8, 4, 8, 8,
        8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
        8, 0, 8, 0, 0, 0, 0, 0, 8, 8, 0, 0, 8, 0, 0, 8,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 8, 8, 8, 8, 8,
        8, 0, 2, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 8, 8, 8, 0, 0,
        0, 0, 2, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 8, 0, 8, 0, 8,
        8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
        8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
        8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
        8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
        8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
        8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
        8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
        8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
    },
    [GA_H1_RESP] = {
        8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 4, 8, 8, 4, 8, 8,
        8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
        8, 0, 8, 0, 0, 0, 0, 0, 8, 8, 0, 0, 8, 0, 0, 8,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 8, 8, 8, 8, 8,
        8, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 8, 8, 8, 0, 0,
        0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 8, 0, 8, 0, 8,
        8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
        8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
        8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
        8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
        8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
        8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
        8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
        8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
    },
};

/* The second and third bytes (lower case; second | third << 8) of the followed fields
 * starting with a given letter, and a second choice ('x': x-forwarded-for and x-b3-*): the
 * scan loop calls the field matcher only for lines whose first three bytes agree, so the
 * common unfollowed lines of a followed letter (Content-Type aside: Cookie, Cache-Control,
 * X-Request-Id, X-Real-IP, Upgrade-Insecure-Requests) cost two compares, not a call. */
#define GA__PAIR(b, c) ((uint16_t)((uint8_t)(b) | (uint8_t)(c) << 8))
#define GA__P1(l, b, c) [l] = { GA__PAIR(b, c), GA__PAIR(b, c) }, [l - 32] = { GA__PAIR(b, c), GA__PAIR(b, c) }
const uint16_t ga_h1_pair[256][2] = {
    GA__P1('c', 'o', 'n'), GA__P1('t', 'r', 'a'), GA__P1('h', 'o', 's'), GA__P1('u', 's', 'e'),
    GA__P1('e', 'x', 'p'),
    ['x'] = { GA__PAIR('-', 'f'), GA__PAIR('-', 'b') }, ['X'] = { GA__PAIR('-', 'f'), GA__PAIR('-', 'b') },
};
#undef GA__P1
#undef GA__PAIR

static const char ga__methods[GA_H1_M_COUNT][8] = {
    [GA_H1_M_CONNECT] = "CONNECT", [GA_H1_M_DELETE] = "DELETE", [GA_H1_M_GET] = "GET",
    [GA_H1_M_HEAD] = "HEAD", [GA_H1_M_OPTIONS] = "OPTIONS", [GA_H1_M_PATCH] = "PATCH",
    [GA_H1_M_POST] = "POST", [GA_H1_M_PUT] = "PUT", [GA_H1_M_QUERY] = "QUERY",
    [GA_H1_M_TRACE] = "TRACE",
};

int ga_h1_method_of(const uint8_t *p, size_t n)
{
    static const uint8_t by_len[8][3] = {
        [3] = { GA_H1_M_GET, GA_H1_M_PUT }, [4] = { GA_H1_M_HEAD, GA_H1_M_POST },
        [5] = { GA_H1_M_PATCH, GA_H1_M_QUERY, GA_H1_M_TRACE }, [6] = { GA_H1_M_DELETE },
        [7] = { GA_H1_M_CONNECT, GA_H1_M_OPTIONS },
    };
    if (n >= 8)
        return GA_H1_M_OTHER;
    for (int k = 0; k < 3 && by_len[n][k]; k++)
        if (memcmp(ga__methods[by_len[n][k]], p, n) == 0)
            return by_len[n][k];
    return GA_H1_M_OTHER;
}

const char *ga_h1_method_name(int m)
{
    if (m > GA_H1_M_NONE && m < GA_H1_M_OTHER)
        return ga__methods[m];
    return "_OTHER";
}

/* 1 when p[0..n) and `want` agree on their common length. */
static int ga__agree(const uint8_t *p, size_t n, const char *want, size_t wl)
{
    return memcmp(p, want, n < wl ? n : wl) == 0;
}

int ga_h1_request_prefix(const uint8_t *p, size_t n)
{
    if (n == 0)
        return 0;
    for (int m = GA_H1_M_CONNECT; m < GA_H1_M_OTHER; m++) {
        const char *name = ga__methods[m];
        size_t l = strlen(name);
        if (!ga__agree(p, n, name, l))
            continue;
        if (n <= l)
            return 1;
        if (p[l] != ' ')
            continue;
        /* a request target follows: anything visible (the HTTP/2 preface is "PRI * ...",
         * and PRI is not a method we claim) */
        return n == l + 1 || (p[l + 1] > 0x20 && p[l + 1] < 0x7f);
    }
    return 0;
}

int ga_h1_response_prefix(const uint8_t *p, size_t n)
{
    static const char want[] = "HTTP/1.";
    return n > 0 && ga__agree(p, n, want, sizeof want - 1);
}
