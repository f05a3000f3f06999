/* otlp_connect_loop.c — a host for the OTLP memory test: connect() N times to 127.0.0.1:PORT
 * (blocking TCP; refused or accepted, both make a span), then print how many connects
 * succeeded and the process's peak resident set (VmHWM from /proc/self/status).
 *
 * usage: otlp_connect_loop PORT COUNT */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static long vm_hwm_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s PORT COUNT\n", argv[0]);
        return 2;
    }
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    long n = atol(argv[2]), ok = 0;
    for (long i = 0; i < n; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            return 1;
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
            ok++;
        close(fd);
    }
    printf("connects=%ld ok=%ld\nvm_hwm_kb=%ld\n", n, ok, vm_hwm_kb());
    return 0;
}
