/* im_util.c — logging, signals, clock and the user-name rule of the IM programs. */
#include "im_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

volatile sig_atomic_t im_stop_requested;

static const char *im_prog_name = "im";

void im_log_init(const char *prog)
{
    im_prog_name = prog;
    setvbuf(stderr, NULL, _IONBF, 0);
}

const char *im_prog(void)
{
    return im_prog_name;
}

void im_log(const char *fmt, ...)
{
    char line[1024];
    int n = snprintf(line, sizeof line, "%s: ", im_prog_name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    for (char *c = line; *c; c++)   /* request values end up here: no control characters */
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    strcat(line, "\n");
    fputs(line, stderr);
}

static void im_on_stop(int sig)
{
    (void)sig;
    im_stop_requested = 1;
}

int im_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = im_on_stop;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;   /* no SA_RESTART: accept() must return EINTR */
    if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0)
        return -1;
    sa.sa_handler = SIG_IGN;
    return sigaction(SIGPIPE, &sa, NULL);
}

double im_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int im_user_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 64)
        return 0;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}
