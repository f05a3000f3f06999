/* bench_write: ns per write() of 1 byte to /dev/null.
 *
 * usage: bench_write [writes_per_batch [batches]]
 * Runs one untimed warm-up batch, then `batches` timed batches of `writes_per_batch` write()s,
 * each timed with clock_gettime(CLOCK_MONOTONIC); prints the median batch's ns per write()
 * on stdout and nothing else. Exit status 1 on any error (message on stderr).
 * Behaves identically bare and under LD_PRELOAD=libgenesis_auto.so. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "bench_util.h"

static int run_batch(int fd, long n)
{
    const char c = 'x';
    for (long i = 0; i < n; i++)
        if (write(fd, &c, 1) != 1)
            return -1;
    return 0;
}

int main(int argc, char **argv)
{
    long per_batch = arg_long(argc, argv, 1, 500000);
    long batches = arg_long(argc, argv, 2, 5);
    double *res = calloc((size_t)batches, sizeof *res);
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || !res) {
        perror("bench_write: open /dev/null");
        return 1;
    }
    if (run_batch(fd, per_batch / 4 + 1) < 0) {
        perror("bench_write: write");
        return 1;
    }
    for (long b = 0; b < batches; b++) {
        double t0 = now_ns();
        if (run_batch(fd, per_batch) < 0) {
            perror("bench_write: write");
            return 1;
        }
        res[b] = (now_ns() - t0) / (double)per_batch;
    }
    qsort(res, (size_t)batches, sizeof *res, cmp_double);
    printf("%.2f\n", res[batches / 2]);
    close(fd);
    free(res);
    return 0;
}
