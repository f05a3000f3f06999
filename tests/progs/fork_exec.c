/* fork_exec.c — spans across fork, exec and posix_spawn.
 *
 * Usage: fork_exec [pre=100]            (driver)
 *        fork_exec --connect <port>     (what the exec'd / spawned child runs)
 * The driver connects <pre> times (refused, to ports of its own that are bound but not listening)
 * right before forking, so the parent's ring still holds unexported operations at fork time. Then:
 *   - a fork()ed child connects once to port "fork" and returns from main (exit flush);
 *   - a fork()ed child execs this program, which connects once to port "exec";
 *   - a posix_spawn()ed child connects once to port "spawn";
 * and, after reaping all three, the parent connects once to port "post". Every connect must be
 * refused. If FORK_EXEC_INFO names a file, "port <role> <port>" and "pid <role> <pid>" lines are
 * written there for the test. Prints "children ok" / "parent ok" and exits 0 when all went well. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int refused_connect(int port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        return 0;
    int rc = connect(s, (struct sockaddr *)&a, sizeof a);
    int ok = rc == -1 && errno == ECONNREFUSED;
    close(s);
    return ok;
}

static int refuser(void)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || getsockname(s, (struct sockaddr *)&a, &len) < 0) {
        perror("refuser");
        exit(2);
    }
    return ntohs(a.sin_port);
}

static int child_ok(pid_t pid)
{
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return 0;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--connect") == 0)
        return refused_connect(atoi(argv[2])) ? 0 : 1;

    int pre = argc > 1 ? atoi(argv[1]) : 100;
    int p_pre = refuser(), p_fork = refuser(), p_exec = refuser(), p_spawn = refuser(), p_post = refuser();
    FILE *info = NULL;
    const char *ip = getenv("FORK_EXEC_INFO");
    if (ip && *ip && !(info = fopen(ip, "w"))) {
        perror("FORK_EXEC_INFO");
        return 2;
    }
    if (info) {
        fprintf(info, "port pre %d\nport fork %d\nport exec %d\nport spawn %d\nport post %d\n", p_pre, p_fork,
                p_exec, p_spawn, p_post);
        fprintf(info, "pid parent %d\n", (int)getpid());
        fflush(info);
    }
    int ok = 1;
    for (int i = 0; i < pre; i++)
        ok &= refused_connect(p_pre);
    fflush(stdout);

    pid_t f = fork();
    if (f == 0) {
        if (info)
            fclose(info);
        return refused_connect(p_fork) ? 0 : 1;   /* return from main: atexit flush runs */
    }
    char port_s[16];
    snprintf(port_s, sizeof port_s, "%d", p_exec);
    pid_t e = fork();
    if (e == 0) {
        char *args[] = {argv[0], (char *)"--connect", port_s, NULL};
        execv("/proc/self/exe", args);
        _exit(127);
    }
    char port_s2[16];
    snprintf(port_s2, sizeof port_s2, "%d", p_spawn);
    char *sargs[] = {argv[0], (char *)"--connect", port_s2, NULL};
    pid_t s;
    int sp = posix_spawn(&s, "/proc/self/exe", NULL, NULL, sargs, environ);
    if (info) {
        fprintf(info, "pid fork %d\npid exec %d\npid spawn %d\n", (int)f, (int)e, sp == 0 ? (int)s : -1);
        fclose(info);
    }
    int children = f > 0 && e > 0 && sp == 0;
    children &= child_ok(f);
    children &= child_ok(e);
    if (sp == 0)
        children &= child_ok(s);
    printf("children %s\n", children ? "ok" : "FAILED");
    ok &= refused_connect(p_post);
    printf("parent %s\n", ok ? "ok" : "FAILED");
    return ok && children ? 0 : 1;
}
