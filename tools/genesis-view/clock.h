/* genesis-view: monotonic milliseconds for timers (settle, delay). */
#ifndef GV_CLOCK_H
#define GV_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t gv_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
