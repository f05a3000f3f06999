/* maxrss.c — run a program and report its own peak resident set size.
 *
 * Usage: maxrss <outfile> <program> [args...]
 * Forks, execs <program> in the child, waits with wait4() and writes "<child pid> <ru_maxrss KB>" to
 * <outfile>. This process is small, so the peak it reports is the program's own; a child started
 * directly by a big test driver (python) inherits the driver's high-water mark through vfork/exec
 * and its ru_maxrss is useless. Exits with the child's exit status (128+signal if it was killed);
 * stdin/stdout/stderr are passed through untouched. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: maxrss <outfile> <program> [args...]\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 2;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror(argv[2]);
        _exit(127);
    }
    int st;
    struct rusage ru;
    while (wait4(pid, &st, 0, &ru) < 0)
        if (errno != EINTR) {
            perror("wait4");
            return 2;
        }
    FILE *f = fopen(argv[1], "w");
    if (f == NULL || fprintf(f, "%d %ld\n", (int)pid, ru.ru_maxrss) < 0 || fclose(f) != 0) {
        perror(argv[1]);
        return 2;
    }
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return WEXITSTATUS(st);
}
