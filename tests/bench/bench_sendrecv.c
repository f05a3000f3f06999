/* bench_sendrecv: ns per send()+recv() pair of 64 bytes over an AF_UNIX SOCK_STREAM socketpair.
 *
 * usage: bench_sendrecv [pairs_per_batch [batches]]
 * One untimed warm-up batch, then `batches` timed batches; each iteration send()s 64 bytes on
 * one end and recv()s them (MSG_WAITALL) on the other, in the same thread. Prints the median
 * batch's ns per pair on stdout and nothing else. Exit status 1 on any error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "bench_util.h"

#define MSG_LEN 64

static int run_batch(const int sv[2], long n)
{
    char out[MSG_LEN], in[MSG_LEN];
    memset(out, 'x', sizeof out);
    for (long i = 0; i < n; i++) {
        if (send(sv[0], out, sizeof out, 0) != (ssize_t)sizeof out)
            return -1;
        if (recv(sv[1], in, sizeof in, MSG_WAITALL) != (ssize_t)sizeof in)
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    long per_batch = arg_long(argc, argv, 1, 50000);
    long batches = arg_long(argc, argv, 2, 5);
    double *res = calloc((size_t)batches, sizeof *res);
    int sv[2];
    if (!res || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        perror("bench_sendrecv: socketpair");
        return 1;
    }
    if (run_batch(sv, per_batch / 4 + 1) < 0) {
        perror("bench_sendrecv: send/recv");
        return 1;
    }
    for (long b = 0; b < batches; b++) {
        double t0 = now_ns();
        if (run_batch(sv, per_batch) < 0) {
            perror("bench_sendrecv: send/recv");
            return 1;
        }
        res[b] = (now_ns() - t0) / (double)per_batch;
    }
    qsort(res, (size_t)batches, sizeof *res, cmp_double);
    printf("%.2f\n", res[batches / 2]);
    close(sv[0]);
    close(sv[1]);
    free(res);
    return 0;
}
