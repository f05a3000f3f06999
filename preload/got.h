/* got.h — pointing an object's GOT slots for chosen functions at the library's hooks.
 *
 * Used after a dlopen(RTLD_DEEPBIND) (hooks/dl.c): such an object and the dependencies loaded
 * with it look symbols up in their own dependencies first, so the loader binds their
 * connect/send/recv/... to libc's definitions instead of to the hooks LD_PRELOAD put in front of
 * libc. ga_got_redirect rewrites exactly those slots — the ones holding libc's definition (or,
 * when lazily bound, the ones the loader would bind to it) — and nothing else: a slot bound to any
 * other definition keeps it, so which library the program's symbols resolve to does not change.
 *
 * Everything happens inside one dl_iterate_phdr() call, under the loader's lock that keeps the
 * list of objects (and their mappings) stable; nothing is kept afterwards, so a later dlclose()
 * can never leave a pointer of ours dangling. Only objects the root depends on (its DT_NEEDED
 * closure) are touched: the root's dlopen has returned, so they are fully relocated, and the
 * root holds a reference to each of them. */
#ifndef GA_GOT_H
#define GA_GOT_H

#include <stdatomic.h>
#include <stdint.h>

#if (defined(__x86_64__) || defined(__aarch64__)) && defined(__LP64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define GA_GOT_SUPPORTED 1
#else
#define GA_GOT_SUPPORTED 0
#endif

#define GA_GOT_MAX_SYMS 64

/* One function to redirect. */
typedef struct ga_got_sym {
    const char *name;   /* the symbol name the relocations carry (versions are not compared) */
    void *hook;         /* the value the slots get */
    void *real;         /* a slot holding exactly this is rewritten; NULL: never */
    void *lazy;         /* a not-yet-bound PLT slot gets this (NULL: left to the loader) */
} ga_got_sym;

/* What one call did. */
typedef struct ga_got_result {
    unsigned objects;       /* objects of the closure examined (skipped ones excluded) */
    unsigned rewritten;     /* slots rewritten */
    uint64_t lazy_pending;  /* bit i: a not-yet-bound slot of syms[i] was left, its .lazy being NULL */
    int failed;             /* some slots could not be rewritten: `failed_obj` says where, `why` why */
    char failed_obj[96];
    const char *why;
} ga_got_result;

/* Objects already rewritten in full with one fixed table of symbols, so that the next call can
 * pass over them: the address of each one's dynamic section, an identity key that is never
 * dereferenced, kept only while no object has been unloaded since (the loader's unload counter,
 * dlpi_subs, unchanged): after an unload a new object could take the same address. Zero-initialise
 * it; use one per symbol table. */
#define GA_GOT_DONE_MAX 1024
typedef struct ga_got_done {
    _Atomic int busy;
    unsigned n;
    unsigned long long subs;
    uintptr_t dyn[GA_GOT_DONE_MAX];
} ga_got_done;

/* Rewrite the slots of `syms` (at most GA_GOT_MAX_SYMS) in `root` (a struct link_map *) and in
 * every object it depends on, except objects whose mapping contains one of the `nskip` addresses
 * of `skip` and objects `done` (may be NULL) lists. Relocations of type JUMP_SLOT and GLOB_DAT
 * naming an undefined symbol are considered; RELRO pages are made writable for the rewrite and
 * read-only again. Objects rewritten in full (no slot failed, none left pending) are added to
 * `done`. Returns 0, or -1 when the walk itself could not be done (`res->why` says why). Must not
 * be called from a dl_iterate_phdr callback. Allocates with mmap only, calls no loader function. */
int ga_got_redirect(const void *root, const ga_got_sym *syms, int nsyms,
                    const void *const *skip, int nskip, ga_got_done *done, ga_got_result *res);

#endif
