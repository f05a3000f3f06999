/* im_util.h — small shared helpers of the IM programs: the program name and log lines on
 * stderr, the SIGTERM/SIGINT stop flag, a monotonic clock and the user-name rule. */
#ifndef IM_UTIL_H
#define IM_UTIL_H

#include <signal.h>

/* Set by SIGTERM/SIGINT; the accept loops end when they see it. */
extern volatile sig_atomic_t im_stop_requested;

/* Remembers the program name ("im-logic") and makes stderr unbuffered. */
void        im_log_init(const char *prog);
const char *im_prog(void);

/* One line on stderr, "<prog>: <text>\n", written in one piece. */
void        im_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* SIGTERM and SIGINT set im_stop_requested (no SA_RESTART, so a blocking accept() returns
 * EINTR); SIGPIPE is ignored. 0 or -1. */
int         im_signals_install(void);

/* Milliseconds on the monotonic clock. */
double      im_now_ms(void);

/* 1 if s is a valid user name: [A-Za-z0-9_.-]{1,64}. */
int         im_user_valid(const char *s);

#endif
