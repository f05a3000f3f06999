/* bench_spawn: start-up time of /bin/true, in microseconds per run (spawn + exec + exit + wait).
 *
 * usage: bench_spawn [runs_per_batch [batches [preload_lib]]]
 * The driver itself is never preloaded: it builds the child's environment from its own, minus
 * any LD_PRELOAD, plus LD_PRELOAD=<preload_lib> when that argument is given, and starts the
 * child with posix_spawn() (vfork-like, so the driver's own cost stays small and constant).
 * One untimed warm-up batch, then `batches` timed batches; prints the median batch's us per run
 * on stdout and nothing else. Exit status 1 if a child cannot be started or does not exit 0. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bench_util.h"

extern char **environ;

static const char *const prog = "/bin/true";

static char **child_env(const char *lib)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 2, sizeof *env);
    if (!env)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0)
            env[k++] = environ[i];
    if (lib) {
        size_t len = strlen(lib) + sizeof "LD_PRELOAD=";
        char *v = malloc(len);
        if (!v)
            return NULL;
        snprintf(v, len, "LD_PRELOAD=%s", lib);
        env[k++] = v;
    }
    env[k] = NULL;
    return env;
}

static int run_batch(char **env, long n)
{
    char *const args[] = { (char *)prog, NULL };
    for (long i = 0; i < n; i++) {
        pid_t pid;
        int st, rc = posix_spawn(&pid, prog, NULL, NULL, args, env);
        if (rc != 0) {
            fprintf(stderr, "bench_spawn: posix_spawn %s: %s\n", prog, strerror(rc));
            return -1;
        }
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "bench_spawn: %s did not exit 0 (status 0x%x)\n", prog, st);
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    long per_batch = arg_long(argc, argv, 1, 100);
    long batches = arg_long(argc, argv, 2, 3);
    const char *lib = argc > 3 && argv[3][0] ? argv[3] : NULL;
    double *res = calloc((size_t)batches, sizeof *res);
    char **env = child_env(lib);
    if (!res || !env) {
        perror("bench_spawn: malloc");
        return 1;
    }
    if (run_batch(env, per_batch / 4 + 1) < 0)
        return 1;
    for (long b = 0; b < batches; b++) {
        double t0 = now_ns();
        if (run_batch(env, per_batch) < 0)
            return 1;
        res[b] = (now_ns() - t0) / (double)per_batch / 1000.0;
    }
    qsort(res, (size_t)batches, sizeof *res, cmp_double);
    printf("%.2f\n", res[batches / 2]);
    return 0;
}
