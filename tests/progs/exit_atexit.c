/* exit_atexit.c — connections made at exit by the application's own atexit handler and by a
 * destructor of the program are still exported: the library's exit flush runs after both.
 *
 * Usage: exit_atexit
 * Connects (refused: nothing listens on port 1) once from main, once from an atexit handler
 * and once from a destructor, printing a line for each, then returns from main. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static void refused_connect(const char *who)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(1) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        return;
    int rc = connect(s, (struct sockaddr *)&sa, sizeof sa);
    close(s);
    printf("%s: connect %s\n", who, rc == 0 ? "succeeded" : "refused");
    fflush(stdout);
}

static void at_exit_handler(void)
{
    refused_connect("atexit");
}

__attribute__((destructor)) static void program_destructor(void)
{
    refused_connect("destructor");
}

int main(void)
{
    if (atexit(at_exit_handler) != 0)
        return 1;
    refused_connect("main");
    return 0;
}
