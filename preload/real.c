/* real.c — resolving the real libc functions behind our hooks (see real.h for the contract). */
#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/sendfile.h>
#include "preload/real.h"
#include "preload/elf_sym.h"
#include "preload/namepool.h"

/* The symbol names, as a pool without relocations (namepool.h). */
GA_NAMEPOOL(GA_REAL_SYMBOLS, GA_SYM_COUNT);

const char *ga_real_name(enum ga_sym sym)
{
    return GA_NAMEPOOL_NAME(sym);
}

void *_Atomic ga_real_table[GA_SYM_COUNT];

/* Set while this thread runs dlsym: dlsym may take the loader lock and read files, and a
 * hook re-entered from there must use the syscall fallback instead of recursing. */
static GA_TLS int ga__resolving;

int ga_real_is_ours(const void *p)
{
    Dl_info a, b;
    return p != NULL && dladdr(p, &a) && dladdr((const void *)&ga_real_is_ours, &b) &&
           a.dli_fbase == b.dli_fbase;
}

void *ga_real_resolve(enum ga_sym sym)
{
    if (ga__resolving)
        return NULL;
    ga__resolving = 1;
    void *p = dlsym(RTLD_NEXT, ga_real_name(sym));
    if (ga_real_is_ours(p))        /* our own hook handed back: calling it would recurse */
        p = NULL;
    ga__resolving = 0;
    if (p != NULL)
        atomic_store_explicit(&ga_real_table[sym], p, memory_order_relaxed);
    return p;
}

void ga_real_init(void)
{
    /* One direct pass over the symbol tables of the objects loaded after ours (the initial
     * ones: no dlopen has run yet); dlsym only for what that pass cannot answer. */
    const struct link_map *self = ga_elf_self();
    void *found[GA_SYM_COUNT];
    for (int i = 0; i < GA_SYM_COUNT; i++)
        found[i] = atomic_load_explicit(&ga_real_table[i], memory_order_relaxed);
    if (self != NULL) {
        const char *names[GA_SYM_COUNT];
        for (int i = 0; i < GA_SYM_COUNT; i++)
            names[i] = ga_real_name((enum ga_sym)i);
        ga_elf_next_syms(self, names, GA_SYM_COUNT, found);
    }
    for (int i = 0; i < GA_SYM_COUNT; i++) {
        if (found[i] != NULL)
            atomic_store_explicit(&ga_real_table[i], found[i], memory_order_relaxed);
        else
            ga_real_resolve((enum ga_sym)i);
    }
}
