/* im_jlog.c — one JSON log line per call on stdout (see im_jlog.h). */
#include "im_jlog.h"

#include <errno.h>
#include <time.h>
#include <unistd.h>

void im_jlog_begin(im_buf *b, const char *level, const char *msg)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    im_buf_init(b);
    im_buf_printf(b, "{\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\",\"level\":", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
    im_buf_json_str(b, level);
    im_buf_puts(b, ",\"msg\":");
    im_buf_json_str(b, msg);
}

void im_jlog_str(im_buf *b, const char *key, const char *value)
{
    im_buf_puts(b, ",");
    im_buf_json_str(b, key);
    im_buf_puts(b, ":");
    if (value)
        im_buf_json_str(b, value);
    else
        im_buf_puts(b, "null");
}

void im_jlog_int(im_buf *b, const char *key, long long value)
{
    im_buf_puts(b, ",");
    im_buf_json_str(b, key);
    im_buf_printf(b, ":%lld", value);
}

void im_jlog_end(im_buf *b)
{
    im_buf_puts(b, "}\n");
    const char *p = im_buf_str(b);
    size_t left = b->oom ? 0 : b->len;
    while (left > 0) {   /* a pipe or file takes it whole; loop only for the odd short write */
        ssize_t n = write(STDOUT_FILENO, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        p += n;
        left -= (size_t)n;
    }
    im_buf_free(b);
}
