// throw_loop.cc — a C++ host whose exceptions must cost the same with the library preloaded
// (tests/integration/test_stacks.py, docs/stacks.md#libunwind-and-the-hosts-exceptions).
//
// usage: throw_loop N [REDIS_PORT]
// With a port, one PING is first sent on a raw socket: under GENESIS_STACK_SLOW_MS=0 it is a
// "slow" client operation, so the library captures a stack and loads libunwind before the
// throws. Then do_throws(N) throws and catches N exceptions through a few frames; callgrind
// counts the instructions of do_throws alone (--toggle-collect=do_throws).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

static int ping(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0)
        return -1;
    static const char req[] = "*1\r\n$4\r\nPING\r\n";
    char buf[64];
    if (send(fd, req, sizeof req - 1, 0) != static_cast<ssize_t>(sizeof req - 1) || recv(fd, buf, sizeof buf, 0) <= 0)
        return -1;
    close(fd);
    return 0;
}

__attribute__((noinline)) static void thrower(int i)
{
    if (i >= 0)
        throw std::runtime_error("boom");
}

__attribute__((noinline)) static int middle(int i)
{
    thrower(i);
    return 0;
}

extern "C" __attribute__((noinline)) long do_throws(long n)
{
    long caught = 0;
    for (long i = 0; i < n; i++) {
        try {
            middle(static_cast<int>(i));
        } catch (const std::runtime_error &) {
            caught++;
        }
    }
    return caught;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    if (argc > 2 && ping(atoi(argv[2])) != 0) {
        std::fprintf(stderr, "ping failed\n");
        return 1;
    }
    long n = atol(argv[1]);
    long caught = do_throws(n);
    std::printf("caught %ld of %ld\n", caught, n);
    return caught == n ? 0 : 1;
}
