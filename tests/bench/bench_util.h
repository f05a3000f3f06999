/* bench_util.h — what every benchmark program shares: a monotonic clock in ns, the double
 * comparison for qsort (medians of batches), and positive integer arguments. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* argv[i] as a positive number, dflt when absent; exits with a message when invalid. */
static inline long arg_long(int argc, char **argv, int i, long dflt)
{
    if (argc <= i)
        return dflt;
    long v = strtol(argv[i], NULL, 10);
    if (v <= 0) {
        fprintf(stderr, "%s: bad argument '%s'\n", argv[0], argv[i]);
        exit(1);
    }
    return v;
}

#endif
