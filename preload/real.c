/* real.c — resolving the real libc functions behind our hooks (see real.h for the contract). */
#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/sendfile.h>
#include "preload/real.h"

#define GA_REAL_NAME(name, ret, args) #name,
static const char *const ga__sym_names[GA_SYM_COUNT] = { GA_REAL_SYMBOLS(GA_REAL_NAME) };

void *_Atomic ga_real_table[GA_SYM_COUNT];

/* Set while this thread runs dlsym: dlsym may take the loader lock and read files, and a
 * hook re-entered from there must use the syscall fallback instead of recursing. */
static GA_TLS int ga__resolving;

/* Our own hooks' addresses, to recognise dlsym(RTLD_NEXT) handing one back (the library
 * loaded twice, or linked into the program): calling it would recurse forever. Taking the
 * address inside the library binds through the GOT to the first definition in the process,
 * which for a preloaded library is the hook itself. */
#define GA_REAL_SELF(name, ret, args) (void *)&name,
static void *const ga__self[GA_SYM_COUNT] = { GA_REAL_SYMBOLS(GA_REAL_SELF) };

void *ga_real_resolve(enum ga_sym sym)
{
    if (ga__resolving)
        return NULL;
    ga__resolving = 1;
    void *p = dlsym(RTLD_NEXT, ga__sym_names[sym]);
    if (p == ga__self[sym])
        p = NULL;
    ga__resolving = 0;
    if (p != NULL)
        atomic_store_explicit(&ga_real_table[sym], p, memory_order_relaxed);
    return p;
}

void ga_real_init(void)
{
    for (int i = 0; i < GA_SYM_COUNT; i++)
        if (atomic_load_explicit(&ga_real_table[i], memory_order_relaxed) == NULL)
            ga_real_resolve((enum ga_sym)i);
}
