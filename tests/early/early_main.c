/* early_main.c — prints what early_lib's constructor saw, then repeats the refused connect
 * from main (when the library is certainly initialised). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

extern char early_report[];

int main(void)
{
    fputs(early_report, stdout);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(1) };
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    int r = connect(fd, (struct sockaddr *)&a, sizeof a);
    printf("%s main_connect_refused\n", r == -1 && errno == ECONNREFUSED ? "ok" : "FAIL");
    close(fd);
    return strstr(early_report, "FAIL") != NULL;
}
