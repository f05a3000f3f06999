/* mysql_bench.c — N point selects through libmariadb (mysql_real_query + mysql_store_result), for
 * tests/bench/mysql_bench.py. WARMUP untimed queries first (the library's record ring is mapped
 * on first use: its first few thousand records pay page faults once per process). Prints
 * "<elapsed ns> <this thread's CPU ns> <bytes read>" for the timed loop only. The ids asked
 * for cycle through 1..IDS (3 rows exist; other ids find nothing): IDS=3 repeats three
 * statement texts, a large IDS makes every text new.
 *
 *   mysql_bench HOST PORT USER PASSWORD DB N [WARMUP=5000] [IDS=3] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <mysql.h>

static long long ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 7 || argc > 9) {
        fprintf(stderr, "usage: %s HOST PORT USER PASSWORD DB N [WARMUP] [IDS]\n", argv[0]);
        return 2;
    }
    MYSQL *m = mysql_init(NULL);
    if (!mysql_real_connect(m, argv[1], argv[3], argv[4], argv[5], (unsigned)atoi(argv[2]), NULL, 0)) {
        fprintf(stderr, "connect: %s\n", mysql_error(m));
        return 1;
    }
    long n = atol(argv[6]), warmup = argc >= 8 ? atol(argv[7]) : 5000;
    long ids = argc == 9 && atol(argv[8]) > 0 ? atol(argv[8]) : 3;
    unsigned long long bytes = 0;
    long long t0 = 0, c0 = 0;
    for (long i = -warmup; i < n; i++) {
        if (i == 0) {
            t0 = ns(CLOCK_MONOTONIC);
            c0 = ns(CLOCK_THREAD_CPUTIME_ID);
        }
        char q[96];
        int len = snprintf(q, sizeof q, "SELECT body FROM messages WHERE id = %ld", 1 + (i + warmup) % ids);
        if (mysql_real_query(m, q, (unsigned long)len) != 0) {
            fprintf(stderr, "query: %s\n", mysql_error(m));
            return 1;
        }
        MYSQL_RES *res = mysql_store_result(m);
        MYSQL_ROW row;
        while ((row = mysql_fetch_row(res)) != NULL)
            bytes += strlen(row[0]);
        mysql_free_result(res);
    }
    long long t1 = ns(CLOCK_MONOTONIC), c1 = ns(CLOCK_THREAD_CPUTIME_ID);
    mysql_close(m);
    printf("%lld %lld %llu\n", t1 - t0, c1 - c0, bytes);
    return 0;
}
