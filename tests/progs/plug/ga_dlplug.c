/* ga_dlplug.c — a plugin for the RTLD_DEEPBIND tests (tests/progs/deepbind_plugin.c), linked with
 * lazy binding: its PLT slots for socket/connect/close are not bound yet when dlopen() returns.
 * plug_who() asks ga_who(), which both its dependency libga_dldep.so and the program define:
 * with RTLD_DEEPBIND the dependency's wins, and must keep winning under the library. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

const char *ga_who(void);
int plug_connect(int port);
const char *plug_who(void);

/* One TCP connect to 127.0.0.1:port, closed at once; 0 or -1. */
int plug_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int r = connect(fd, (struct sockaddr *)&sin, sizeof sin);
    close(fd);
    return r;
}

const char *plug_who(void)
{
    return ga_who();
}
