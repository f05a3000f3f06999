/* otlp_retry.c — the retry policy of OTLP exports, as pure functions (SPECS §1.4): which
 * statuses are retried, their failure reasons, exponential backoff with jitter, and the
 * Retry-After header (seconds or IMF-fixdate). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "exporter/otlp_http.h"
#include "preload/ga.h"

int ga_otlp_status_retryable(long s)
{
    return s == 429 || s == 502 || s == 503 || s == 504;
}

enum ga_fail_reason ga_otlp_status_reason(long s)
{
    return (s == 429 || s == 503) ? GA_FAIL_THROTTLED : (s >= 400 && s < 500) ? GA_FAIL_HTTP_4XX
         : (s >= 500 && s < 600) ? GA_FAIL_HTTP_5XX : GA_FAIL_OTHER;
}

uint64_t ga_otlp_backoff_ms(int attempt, uint64_t rnd)
{
    uint64_t base = 1000;
    for (int i = 1; i < attempt && base < 5000; i++)
        base *= 2;
    if (base > 5000)
        base = 5000;
    return base / 2 + rnd % (base / 2 + 1);
}

/* The n digits at p as a number, or -1 if one is not a digit. */
static int ga__digits(const char *p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!ga_isdigit((unsigned char)p[i]))
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 5.6.7: fixed width, 29 bytes) →
 * epoch seconds, or -1. Locale-free; the obsolete RFC 850 and asctime forms are refused. */
static time_t ga__imf_fixdate(const char *v, size_t n)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    if (n != 29 || memcmp(v + 3, ", ", 2) != 0 || v[7] != ' ' || v[11] != ' ' || v[16] != ' ' ||
        v[19] != ':' || v[22] != ':' || memcmp(v + 25, " GMT", 4) != 0)
        return -1;
    for (int i = 0; i < 3; i++)
        if (v[i] == ' ' || v[8 + i] == ' ')
            return -1;
    int d = ga__digits(v + 5, 2), y = ga__digits(v + 12, 4), hh = ga__digits(v + 17, 2),
        mm = ga__digits(v + 20, 2), ss = ga__digits(v + 23, 2), mon = -1;
    for (int i = 0; i < 12 && mon < 0; i++)
        if (memcmp(months + 3 * i, v + 8, 3) == 0)
            mon = i;
    if (d < 0 || y < 0 || hh < 0 || mm < 0 || ss < 0 || mon < 0)
        return -1;
    struct tm tm = { .tm_year = y - 1900, .tm_mon = mon, .tm_mday = d,
                     .tm_hour = hh, .tm_min = mm, .tm_sec = ss };
    return timegm(&tm);
}

long ga_otlp_retry_after_ms(const char *v, size_t n, time_t now)
{
    while (n > 0 && ga_isspace((unsigned char)*v)) { v++; n--; }
    while (n > 0 && ga_isspace((unsigned char)v[n - 1])) n--;
    if (n == 0)
        return -1;
    size_t digits = 0;
    while (digits < n && ga_isdigit((unsigned char)v[digits]))
        digits++;
    if (digits == n) {
        long s = 0;
        for (size_t i = 0; i < n && s < 86400; i++)
            s = s * 10 + (v[i] - '0');
        return (s > 86400 ? 86400 : s) * 1000;
    }
    time_t t = ga__imf_fixdate(v, n);
    if (t == (time_t)-1)
        return -1;
    return t <= now ? 0 : (t - now > 86400 ? 86400 : (long)(t - now)) * 1000;
}
