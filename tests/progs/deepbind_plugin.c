/* deepbind_plugin.c — dlopen()s tests/progs/plug/libga_dlplug.so with RTLD_LAZY|RTLD_DEEPBIND,
 * connects through it and dlclose()s it, ROUNDS times on each of THREADS threads at once.
 *
 * usage: deepbind_plugin bare|origin|path PORT ROUNDS THREADS
 *   bare    dlopen("libga_dlplug.so"): found only through this program's RUNPATH ($ORIGIN/plug)
 *   origin  dlopen("$ORIGIN/plug/libga_dlplug.so")
 *   path    dlopen("<directory of this program>/plug/libga_dlplug.so")
 * The program defines ga_who() too (exported): the plugin must keep getting its dependency's.
 * Prints "who <answer> connects <n> ok <succeeded>". */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *ga_who(void);
const char *ga_who(void)
{
    return "program";
}

static char name[PATH_MAX];
static int port, rounds;
static int ok, done;
static char who[32] = "none";
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *run(void *arg)
{
    (void)arg;
    for (int i = 0; i < rounds; i++) {
        void *h = dlopen(name, RTLD_LAZY | RTLD_DEEPBIND);
        if (h == NULL) {
            fprintf(stderr, "dlopen: %s\n", dlerror());
            exit(1);
        }
        int (*conn)(int) = (int (*)(int))dlsym(h, "plug_connect");
        const char *(*whofn)(void) = (const char *(*)(void))dlsym(h, "plug_who");
        if (conn == NULL || whofn == NULL) {
            fprintf(stderr, "dlsym: %s\n", dlerror());
            exit(1);
        }
        int r = conn(port);
        pthread_mutex_lock(&mu);
        done++;
        ok += r == 0;
        snprintf(who, sizeof who, "%s", whofn());    /* the string goes with the plugin */
        pthread_mutex_unlock(&mu);
        dlclose(h);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: deepbind_plugin bare|origin|path PORT ROUNDS THREADS\n");
        return 2;
    }
    if (strcmp(argv[1], "bare") == 0) {
        snprintf(name, sizeof name, "libga_dlplug.so");
    } else if (strcmp(argv[1], "origin") == 0) {
        snprintf(name, sizeof name, "$ORIGIN/plug/libga_dlplug.so");
    } else {
        char self[PATH_MAX - 64];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0)
            return 1;
        self[n] = '\0';
        *strrchr(self, '/') = '\0';
        snprintf(name, sizeof name, "%s/plug/libga_dlplug.so", self);
    }
    port = atoi(argv[2]);
    rounds = atoi(argv[3]);
    int nthreads = atoi(argv[4]);
    pthread_t t[16];
    if (nthreads < 1 || nthreads > 16)
        return 2;
    for (int i = 0; i < nthreads; i++)
        pthread_create(&t[i], NULL, run, NULL);
    for (int i = 0; i < nthreads; i++)
        pthread_join(t[i], NULL);
    printf("who %s connects %d ok %d\n", who, done, ok);
    return 0;
}
