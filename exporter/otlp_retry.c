/* otlp_retry.c — the retry policy of OTLP exports, as pure functions (SPECS §1.4): which
 * statuses are retried, their failure reasons, exponential backoff with jitter, and the
 * Retry-After header (seconds or IMF-fixdate). */
#include <stdio.h>
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

/* IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" → epoch seconds, or -1. Locale-free. */
static time_t ga__imf_fixdate(const char *v, size_t n)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char mon[4], wd[4], tz[4];
    int d, y, hh, mm, ss, used = 0;
    char tmp[64];
    if (n >= sizeof tmp)
        return -1;
    memcpy(tmp, v, n);
    tmp[n] = '\0';
    if (sscanf(tmp, "%3s %2d %3s %4d %2d:%2d:%2d %3s%n", wd, &d, mon, &y, &hh, &mm, &ss, tz, &used) != 8 ||
        (size_t)used != n || strcmp(tz, "GMT") != 0 || strlen(wd) != 3)
        return -1;
    const char *m = strstr(months, mon);
    if (m == NULL || strlen(mon) != 3 || (m - months) % 3 != 0)
        return -1;
    struct tm tm = { .tm_year = y - 1900, .tm_mon = (int)(m - months) / 3, .tm_mday = d,
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
    char with_comma[64];            /* the weekday is followed by a comma: drop it for sscanf */
    if (n < 5 || n >= sizeof with_comma || v[3] != ',')
        return -1;
    memcpy(with_comma, v, 3);
    memcpy(with_comma + 3, v + 4, n - 4);
    time_t t = ga__imf_fixdate(with_comma, n - 1);
    if (t == (time_t)-1)
        return -1;
    return t <= now ? 0 : (t - now > 86400 ? 86400 : (long)(t - now)) * 1000;
}
