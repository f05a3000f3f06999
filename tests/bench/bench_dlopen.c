/* bench_dlopen.c — one dlopen() and nothing else, for counting what the dlopen hook adds
 * (scripts/bench-dlopen.sh runs it under callgrind, bare, preloaded and preloaded but disabled).
 *
 * usage: bench_dlopen LIBRARY deep|plain|none
 *   deep   dlopen(LIBRARY, RTLD_NOW | RTLD_DEEPBIND)   (what PHP does for its extensions)
 *   plain  dlopen(LIBRARY, RTLD_NOW)
 *   none   no dlopen: the baseline of the process itself
 * Prints "ok" (or the dlerror() text and exits 1). */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    if (strcmp(argv[2], "none") != 0) {
        int flags = RTLD_NOW | (strcmp(argv[2], "deep") == 0 ? RTLD_DEEPBIND : 0);
        if (dlopen(argv[1], flags) == NULL) {
            printf("%s\n", dlerror());
            return 1;
        }
    }
    printf("ok\n");
    return 0;
}
