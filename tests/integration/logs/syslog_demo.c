/* syslog_demo.c — a program that logs through syslog(3) (built -O2 -D_FORTIFY_SOURCE=2, so it
 * imports __syslog_chk): one warning with %m, one error, one debug line masked out. */
#include <errno.h>
#include <syslog.h>

int main(void)
{
    openlog("demo", LOG_PID, LOG_LOCAL0);
    setlogmask(LOG_UPTO(LOG_INFO));
    errno = ENOENT;
    syslog(LOG_WARNING, "hello %s: %m", "x");
    syslog(LOG_ERR, "disk %d failed", 3);
    syslog(LOG_DEBUG, "masked out");
    closelog();
    return 0;
}
