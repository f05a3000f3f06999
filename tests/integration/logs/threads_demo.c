/* threads_demo.c — 64 threads writing whole lines at once: printf (one stdio call per line)
 * in even threads, write(2) of one line per call in odd ones. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LINES 200

static void *run(void *arg)
{
    long t = (long)arg;
    char buf[256];
    for (int i = 0; i < LINES; i++) {
        if (t % 2 == 0) {
            printf("thread=%ld line=%d payload=%.*s end\n", t, i, (int)(t + i) % 60, "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnop");
        } else {
            int n = snprintf(buf, sizeof buf, "thread=%ld line=%d payload=%.*s end\n", t, i, (int)(t + i) % 60,
                             "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnop");
            if (write(1, buf, (size_t)n) != n)
                return NULL;
        }
    }
    return NULL;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t th[64];
    for (long i = 0; i < 64; i++)
        pthread_create(&th[i], NULL, run, (void *)i);
    for (int i = 0; i < 64; i++)
        pthread_join(th[i], NULL);
    return 0;
}
