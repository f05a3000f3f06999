/* fd_reuse_exit.c — a daemon-like program that takes back every descriptor number after its
 * first connection, then writes into a file that lands on a number the library had used: the
 * library's exit flush must not add a byte to that file.
 *
 * usage: fd_reuse_exit PORT DIR STAGE loop|closefrom
 * Connects once to 127.0.0.1:PORT (the first record starts the library's exporter thread and
 * its wake descriptor), closes 3..63 with close() (loop) or every descriptor from 3 with
 * closefrom(3) (glibc closes those without calling close() or close_range()), opens
 * DIR/first and DIR/second (moved onto the wake descriptor's old number if something took it
 * first) and writes "b\n" to the second, then exits through exit(). STAGE receives
 * "<wake fd> <second fd>": the number the library's eventfd had before the close loop (-1
 * without the library) and the number the second file got, so a test can check that the
 * trigger was staged. */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The number of the first descriptor whose /proc link names an eventfd, or -1. */
static int find_eventfd(void)
{
    for (int fd = 3; fd < 64; fd++) {
        char path[64], link[128];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(path, link, sizeof link - 1);
        if (n <= 0)
            continue;
        link[n] = '\0';
        if (strstr(link, "eventfd") != NULL)
            return fd;
    }
    return -1;
}

static int open_in(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
}

int main(int argc, char **argv)
{
    if (argc != 5 || (strcmp(argv[4], "loop") != 0 && strcmp(argv[4], "closefrom") != 0)) {
        fprintf(stderr, "usage: %s PORT DIR STAGE loop|closefrom\n", argv[0]);
        return 2;
    }
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("fd_reuse_exit: connect");
        return 1;
    }
    struct timespec ts = { 0, 200 * 1000000L };
    nanosleep(&ts, NULL);                       /* the exporter thread is up */
    int wake = find_eventfd();
    if (strcmp(argv[4], "closefrom") == 0) {
        closefrom(3);
    } else {
        for (int fd = 3; fd < 64; fd++)
            close(fd);
    }
    int first = open_in(argv[2], "first");
    int second = open_in(argv[2], "second");
    if (wake > 0 && second != wake && first != wake && second >= 0) {
        dup2(second, wake);                     /* something took the number first: force it */
        close(second);
        second = wake;
    }
    if (first < 0 || second < 0 || write(second, "b\n", 2) != 2) {
        perror("fd_reuse_exit: files");
        return 1;
    }
    FILE *stage = fopen(argv[3], "w");
    if (stage == NULL || fprintf(stage, "%d %d\n", wake, second) < 0 || fclose(stage) != 0) {
        perror("fd_reuse_exit: stage file");
        return 1;
    }
    printf("wrote 2 bytes\n");
    exit(0);
}
