/* real.c — resolving the real libc functions behind our hooks (see real.h for the contract). */
#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/sendfile.h>
#include "preload/real.h"
#include "preload/elf_sym.h"
#include "preload/namepool.h"
#include <link.h>

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

/* Where the direct lookup may walk: our link map and the last object loaded with the program
 * (ga_real_init). NULL until then: dlsym only. */
static const struct link_map *_Atomic ga__self GA_START_DATA;
static const struct link_map *_Atomic ga__last GA_START_DATA;

/* sym's definition in the objects after ours that were loaded with the program, when it is
 * plain (elf_sym.h), else NULL. Pure reads of what the loader mapped: no lock, no call that
 * a hook could re-enter, safe in a signal handler and beside another thread's dlopen. */
static void *ga__direct(enum ga_sym sym)
{
    const struct link_map *self = atomic_load_explicit(&ga__self, memory_order_acquire);
    const struct link_map *last = atomic_load_explicit(&ga__last, memory_order_acquire);
    return self != NULL && last != NULL ? ga_elf_next_sym(self, last, ga_real_name(sym)) : NULL;
}

void *ga_real_resolve(enum ga_sym sym)
{
    void *p = ga__direct(sym);
    if (p == NULL) {
        if (ga__resolving)
            return NULL;
        ga__resolving = 1;
        p = dlsym(RTLD_NEXT, ga_real_name(sym));
        if (ga_real_is_ours(p))    /* our own hook handed back: calling it would recurse */
            p = NULL;
        ga__resolving = 0;
    }
    if (p != NULL)
        atomic_store_explicit(&ga_real_table[sym], p, memory_order_relaxed);
    return p;
}

void *ga_real_data(const char *name)
{
    const struct link_map *self = atomic_load_explicit(&ga__self, memory_order_acquire);
    const struct link_map *last = atomic_load_explicit(&ga__last, memory_order_acquire);
    void *p = self != NULL && last != NULL ? ga_elf_global_data(self, last, name) : NULL;
    return p != NULL ? p : dlsym(RTLD_DEFAULT, name);
}

void ga_real_init(void)
{
    /* Nothing is resolved here: a process pays for the functions it calls, on their first
     * call (a few hundred instructions each), and /bin/true for none. Only the bounds of the
     * direct lookup are taken, while the chain is the program's own. */
    const struct link_map *self = ga_elf_self();
    if (self == NULL)
        return;
    atomic_store_explicit(&ga__last, ga_elf_last(self), memory_order_relaxed);
    atomic_store_explicit(&ga__self, self, memory_order_release);
}
