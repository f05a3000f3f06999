/* accept_peer.c — accept() with no address buffer and with one too small for the address: the
 * program must see exactly what libc gives it (length, untouched bytes past the buffer), and the
 * library must still learn the peer (server span client.address). One HTTP exchange per mode over
 * loopback; prints one line per mode, compared bare vs preloaded by test_core_accept_peer.py. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char REQ[] = "GET /peer HTTP/1.1\r\nHost: x\r\n\r\n";
static const char RESP[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

/* One exchange: connect to the listener l, accept in `mode` (0: NULL, 1: 4-byte buffer). */
static int exchange(int l, const struct sockaddr_in *sa, int mode)
{
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (c < 0 || connect(c, (const struct sockaddr *)sa, sizeof *sa) != 0)
        return -1;
    unsigned char buf[16];
    memset(buf, 0xAB, sizeof buf);
    socklen_t len = 4;
    int p = mode == 0 ? accept(l, NULL, NULL) : accept4(l, (struct sockaddr *)buf, &len, 0);
    if (p < 0)
        return -1;
    int canary = 1;
    for (size_t i = 4; i < sizeof buf; i++)
        canary &= buf[i] == 0xAB;
    char in[256];
    ssize_t n = 0;
    if (write(c, REQ, sizeof REQ - 1) != (ssize_t)(sizeof REQ - 1) || (n = read(p, in, sizeof in)) <= 0 ||
        write(p, RESP, sizeof RESP - 1) != (ssize_t)(sizeof RESP - 1) || read(c, in, sizeof in) <= 0)
        return -1;
    printf("mode=%d len=%u canary=%d family=%d\n", mode, (unsigned)(mode ? len : 0), canary,
           mode ? ((struct sockaddr *)buf)->sa_family & 0xFF : 0);
    close(p);
    close(c);
    return 0;
}

int main(void)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t sl = sizeof sa;
    int l = socket(AF_INET, SOCK_STREAM, 0);
    if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(l, 4) != 0 ||
        getsockname(l, (struct sockaddr *)&sa, &sl) != 0) {
        perror("listener");
        return 1;
    }
    for (int mode = 0; mode < 2; mode++)
        if (exchange(l, &sa, mode) != 0) {
            perror("exchange");
            return 1;
        }
    close(l);
    return 0;
}
