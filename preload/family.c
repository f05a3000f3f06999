/* family.c — the page a fork family shares (contract in family.h). */
#include <errno.h>
#include <stddef.h>
#include <sys/mman.h>
#include "preload/family.h"

ga_family *_Atomic ga_family_page;

void ga_family_ensure(void)
{
    if (atomic_load_explicit(&ga_family_page, memory_order_acquire) != NULL)
        return;
    int saved = errno;
    void *p = mmap(NULL, sizeof(ga_family), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    errno = saved;
    if (p == MAP_FAILED)
        return;                     /* the process keeps its knowledge to itself */
    ga_family *none = NULL;
    if (!atomic_compare_exchange_strong(&ga_family_page, &none, (ga_family *)p))
        munmap(p, sizeof(ga_family));
    errno = saved;
}

int ga_family_claim_site(const void *site)
{
    ga_family *f = atomic_load_explicit(&ga_family_page, memory_order_acquire);
    if (f == NULL || site == NULL)
        return 1;
    uintptr_t want = (uintptr_t)site;
    for (int i = 0; i < GA_FAMILY_SITES; i++) {
        uintptr_t cur = atomic_load(&f->sites[i]);
        if (cur == want)
            return 0;
        if (cur == 0) {
            if (atomic_compare_exchange_strong(&f->sites[i], &cur, want))
                return 1;
            if (cur == want)
                return 0;
        }
    }
    return 1;
}
