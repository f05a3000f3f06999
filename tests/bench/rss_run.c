/* rss_run: run a command and print its peak resident set size (ru_maxrss, KiB).
 *
 * usage: rss_run [-e NAME=VALUE]... [--] command [args...]
 * Each -e is set in the child's environment only (so rss_run itself is never preloaded).
 * The child's stdout goes to /dev/null; its stderr is kept. Prints the child's ru_maxrss
 * (from wait4(), i.e. that child alone) on stdout. Exit status 1 if the child cannot be
 * started or does not exit 0 (the figure is then not printed). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (strcmp(argv[i], "-e") != 0 || i + 1 >= argc)
            break;
        i++;
        if (!strchr(argv[i], '=')) {
            fprintf(stderr, "rss_run: -e wants NAME=VALUE, got '%s'\n", argv[i]);
            return 1;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "usage: rss_run [-e NAME=VALUE]... [--] command [args...]\n");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("rss_run: fork");
        return 1;
    }
    if (pid == 0) {
        for (int j = 1; j < i; j++)
            if (strcmp(argv[j], "-e") == 0 && j + 1 < i)
                putenv(argv[++j]);
        int dn = open("/dev/null", O_WRONLY);
        if (dn >= 0) {
            dup2(dn, STDOUT_FILENO);
            close(dn);
        }
        execvp(argv[i], &argv[i]);
        perror("rss_run: exec");
        _exit(127);
    }
    int st;
    struct rusage ru;
    if (wait4(pid, &st, 0, &ru) != pid) {
        perror("rss_run: wait4");
        return 1;
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "rss_run: %s did not exit 0 (status 0x%x)\n", argv[i], st);
        return 1;
    }
    printf("%ld\n", ru.ru_maxrss);
    return 0;
}
