/* split_client.c — an HTTP/1.1 keep-alive client that writes its requests on one thread and
 * reads the answers on another, as Java's HttpClient does (test_http_two_threads.py). The
 * writer sends request i, then waits until the reader has read answer i.
 *
 * usage: split_client PORT COUNT     prints "answers N" and, per answer, its status line. */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static int fd, count;
static sem_t answered;
static char status[64][32];

/* Reads `count` answers of the form "HTTP/1.1 ... Content-Length: n\r\n\r\n<n bytes>". */
static void *reader(void *arg)
{
    static char buf[1 << 16];
    size_t len = 0;
    for (int i = 0; i < count; i++) {
        for (;;) {
            char *end = memmem(buf, len, "\r\n\r\n", 4);
            if (end != NULL) {
                size_t head = (size_t)(end - buf) + 4, body = 0;
                char *cl = strcasestr(buf, "Content-Length:");
                if (cl != NULL && cl < end)
                    body = (size_t)strtoul(cl + 15, NULL, 10);
                if (len >= head + body) {
                    snprintf(status[i], sizeof status[i], "%.*s", 15, buf);
                    memmove(buf, buf + head + body, len - head - body);
                    len -= head + body;
                    break;
                }
            }
            ssize_t r = read(fd, buf + len, sizeof buf - len);
            if (r <= 0)
                return NULL;
            len += (size_t)r;
        }
        sem_post(&answered);
    }
    return arg;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    count = atoi(argv[2]);
    if (count < 1 || count > 64)
        return 2;
    fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        return 3;
    sem_init(&answered, 0, 0);
    pthread_t t;
    pthread_create(&t, NULL, reader, NULL);
    int done = 0;
    for (int i = 0; i < count; i++) {
        char req[128];
        int n = snprintf(req, sizeof req, "GET /two/%d HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", i);
        if (write(fd, req, (size_t)n) != n)
            break;
        sem_wait(&answered);
        done++;
    }
    pthread_join(t, NULL);
    printf("answers %d\n", done);
    for (int i = 0; i < done; i++)
        printf("%s\n", status[i]);
    close(fd);
    return 0;
}
