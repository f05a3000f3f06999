/* w3c.c — W3C Trace Context values: traceparent parsing and formatting, lowercase hex
 * (contracts in w3c.h). Pure code: no state, no allocation, libc string functions only. */
#include <string.h>
#include "protocols/w3c/w3c.h"

static int ga__hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;   /* uppercase is invalid per W3C (HEXDIGLC) */
}

/* Decode 2n lowercase hex chars; -1 on a bad char. */
static int ga__unhex(const char *s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = ga__hexval(s[2 * i]), lo = ga__hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static int ga__all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

int ga_traceparent_parse(const char *s, size_t len, ga_span_ctx *out)
{
    while (len > 0 && (*s == ' ' || *s == '\t')) { s++; len--; }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
    if (len < 55 || s[2] != '-' || s[35] != '-' || s[52] != '-')
        return -1;
    uint8_t version;
    if (ga__unhex(s, &version, 1) < 0 || version == 0xff)
        return -1;
    if (version == 0 && len != 55)
        return -1;          /* version 00 allows no trailing data */
    if (version != 0 && len > 55 && s[55] != '-')
        return -1;          /* future versions: flags followed by end or '-' */
    ga_span_ctx c = {0};
    if (ga__unhex(s + 3, c.trace_id, 16) < 0 || ga__all_zero(c.trace_id, 16))
        return -1;
    if (ga__unhex(s + 36, c.span_id, 8) < 0 || ga__all_zero(c.span_id, 8))
        return -1;
    if (ga__unhex(s + 53, &c.flags, 1) < 0)
        return -1;
    c.flags &= 0x03;        /* sampled + random; other bits reserved, zeroed outgoing */
    c.valid = 1;
    c.remote = 1;
    *out = c;
    return 0;
}

void ga_hex(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int ga_traceparent_format(const uint8_t trace_id[16], const uint8_t span_id[8],
                          uint8_t flags, char *buf)
{
    memcpy(buf, "00-", 3);
    ga_hex(trace_id, 16, buf + 3);
    buf[35] = '-';
    ga_hex(span_id, 8, buf + 36);
    buf[52] = '-';
    ga_hex(&flags, 1, buf + 53);
    return 55;
}
