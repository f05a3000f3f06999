/* dl.c — dlopen/dlmopen hooks: objects loaded with RTLD_DEEPBIND still reach the libc hooks.
 *
 * An object dlopen()ed with RTLD_DEEPBIND looks its symbols up in its own dependencies before
 * the global scope, so the loader binds its connect/send/recv/... to libc's definitions, past
 * this library. PHP loads every extension that way (curl.so → libcurl: no connect span, no
 * client span, no traceparent), and so do plugin hosts. After such a dlopen() returns, the slots
 * of the new object and of its dependencies that the loader bound to libc's definition of a
 * function in preload/exports.map are pointed at our hook for it (preload/got.c) — where
 * LD_PRELOAD would have bound them without RTLD_DEEPBIND. A slot bound to anything else keeps
 * it: which library the program's other symbols (or a definition of its own) resolve to does
 * not change. dlopen and dlmopen themselves are in the list, so what such an object loads in
 * turn is handled too. Nothing is kept afterwards: dlclose() cannot leave a pointer of ours behind.
 *
 * What is left alone: every call without RTLD_DEEPBIND (a tail call to the real function: the
 * loader still sees the program as the caller); loads by this library itself or by its threads
 * (the exporter's libcurl stays unobserved); OTEL_SDK_DISABLED processes; objects loaded by
 * dlmopen() into another namespace (they carry their own libc, with its own errno: our hooks
 * cannot stand in for it — said once on stderr). A redirected call is made from here, so
 * preload/dlsearch.c first settles what the loader takes from the caller (RPATH/RUNPATH,
 * $ORIGIN). An object that cannot be redirected is named once on stderr. */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <unistd.h>
#include <sys/sendfile.h>
#include "preload/ga.h"
#include "preload/config.h"
#include "preload/dlsearch.h"
#include "preload/got.h"
#include "preload/log.h"
#include "preload/real.h"

typedef void *(*ga_dlopen_fn)(const char *, int);
typedef void *(*ga_dlmopen_fn)(Lmid_t, const char *, int);

GA_EXPORT void *dlopen(const char *file, int mode);
GA_EXPORT void *dlmopen(Lmid_t lmid, const char *file, int mode);

enum { GA__DLOPEN, GA__DLMOPEN, GA__DL_COUNT };
static const char ga__dl_names[GA__DL_COUNT][8] = { "dlopen", "dlmopen" };
/* Our own dlopen and dlmopen, as hidden aliases (defined at the end of this file): their
 * addresses are computed PC-relative, where `(void *)dlopen` would be a symbol the loader
 * looks up at every process start (and the program's, should it define one). */
extern __typeof__(dlopen) ga__dlopen_self __attribute__((copy(dlopen), visibility("hidden")));
extern __typeof__(dlmopen) ga__dlmopen_self __attribute__((copy(dlmopen), visibility("hidden")));
static void *_Atomic ga__dl_real[GA__DL_COUNT];

static __attribute__((noinline)) void *ga__dl_resolve(int i)
{
    void *p = dlsym(RTLD_NEXT, ga__dl_names[i]);
    if (p == (i == GA__DLOPEN ? (void *)ga__dlopen_self : (void *)ga__dlmopen_self))
        p = NULL;
    atomic_store_explicit(&ga__dl_real[i], p, memory_order_relaxed);
    return p;
}

/* The real dlopen/dlmopen (next after us); NULL only if there is none, or it is ours. */
static inline void *ga__dl_get(int i)
{
    void *p = atomic_load_explicit(&ga__dl_real[i], memory_order_relaxed);
    return ga_likely(p != NULL) ? p : ga__dl_resolve(i);
}

/* ------------------------------------------------------------------ who is calling */

extern const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden")));
static uintptr_t _Atomic ga__self_lo, ga__self_hi;

/* Is `pc` inside this library? (Its loads are its own business: never redirected.) */
static int ga__from_self(const void *pc)
{
    uintptr_t lo = atomic_load_explicit(&ga__self_lo, memory_order_relaxed);
    uintptr_t hi = atomic_load_explicit(&ga__self_hi, memory_order_relaxed);
    if (hi == 0) {
        const ElfW(Ehdr) *eh = &__ehdr_start;
        const ElfW(Phdr) *ph = (const ElfW(Phdr) *)((const char *)eh + eh->e_phoff);
        uintptr_t first = UINTPTR_MAX, end = 0;
        for (unsigned i = 0; i < eh->e_phnum; i++)
            if (ph[i].p_type == PT_LOAD) {
                first = ph[i].p_vaddr < first ? ph[i].p_vaddr : first;
                end = ph[i].p_vaddr + ph[i].p_memsz > end ? ph[i].p_vaddr + ph[i].p_memsz : end;
            }
        lo = (uintptr_t)eh;                      /* the header opens the first segment */
        hi = lo + (end - first);
        atomic_store_explicit(&ga__self_lo, lo, memory_order_relaxed);
        atomic_store_explicit(&ga__self_hi, hi, memory_order_relaxed);
    }
    return (uintptr_t)pc >= lo && (uintptr_t)pc < hi;
}

/* Should this RTLD_DEEPBIND load be redirected? (Decided before the real call, so that every
 * load left alone is a plain tail call.) */
static int ga__wanted(const char *file, const void *caller)
{
    return file != NULL && !ga_cfg.disabled && !ga_tls_internal && !ga__from_self(caller) &&
           ga_dl_can_open_as(file);
}

/* ------------------------------------------------------------------ the redirect */

/* The functions redirected: every real-table symbol (enum ga_sym), then dlopen and dlmopen.
 * Names only, from real.c's pool (no table of pointers: those cost relocations at every
 * start): the addresses of the global definitions are looked up when the first RTLD_DEEPBIND
 * load needs them. Taking `&name` here would cost every process a full symbol lookup per
 * entry when the library is loaded. */
enum { GA__NSYMS = GA_SYM_COUNT + GA__DL_COUNT };
_Static_assert(GA__NSYMS <= GA_GOT_MAX_SYMS, "too many functions to redirect");

/* The name of redirected function i (0 .. GA__NSYMS-1). */
static const char *ga__sym_name(int i)
{
    if (i < GA_SYM_COUNT)
        return ga_real_name((enum ga_sym)i);
    return ga__dl_names[i - GA_SYM_COUNT];
}

/* The real function behind redirected function i (NULL when not resolved). */
static void *ga__sym_real(int i)
{
    return i < GA_SYM_COUNT ? ga_real_get((enum ga_sym)i) : ga__dl_get(i - GA_SYM_COUNT);
}

/* The table for got.c. A function whose global definition is not our hook (the program defines
 * it) is never rewritten: LD_PRELOAD would not have bound it to us either. */
static void ga__fill(ga_got_sym *s)
{
    for (int i = 0; i < GA__NSYMS; i++) {
        s[i].name = ga__sym_name(i);
        s[i].hook = dlsym(RTLD_DEFAULT, s[i].name);     /* the global definition */
        s[i].real = ga__from_self(s[i].hook) ? ga__sym_real(i) : NULL;
        s[i].lazy = NULL;
    }
    (void)dlerror();        /* a name nobody defines must leave no error behind */
}

/* A PLT slot not bound yet would be bound by the loader to the first definition in the new
 * object's own scope: dlsym(handle) asks exactly that. Redirect those that find libc's. */
static void ga__lazy_answers(void *h, ga_got_sym *s, uint64_t pending)
{
    for (int i = 0; i < GA__NSYMS; i++)
        if ((pending >> i) & 1) {
            void *p = dlsym(h, s[i].name);
            s[i].lazy = p != NULL && p == s[i].real ? s[i].hook : NULL;
        }
    (void)dlerror();        /* the dlopen succeeded: no error of ours may linger */
}

static void ga__redirect(void *h)
{
    struct link_map *lm = NULL;
    if (dlinfo(h, RTLD_DI_LINKMAP, &lm) != 0 || lm == NULL) {
        (void)dlerror();
        return;
    }
    ga_got_sym syms[GA__NSYMS];
    ga__fill(syms);
    const void *skip[2] = { (const void *)ga__redirect, ga_real_get(GA_SYM_connect) };   /* us, libc */
    static ga_got_done done;        /* one table of symbols per process: objects finished */
    ga_got_result r;
    int rc = ga_got_redirect(lm, syms, GA__NSYMS, skip, 2, &done, &r);
    if (rc == 0 && r.lazy_pending != 0) {
        ga__lazy_answers(h, syms, r.lazy_pending);
        unsigned n = r.rewritten;
        rc = ga_got_redirect(lm, syms, GA__NSYMS, skip, 2, &done, &r);
        r.rewritten += n;
    }
    const char *name = lm->l_name && *lm->l_name ? lm->l_name : "an object";
    const char *slash = strrchr(name, '/');
    if (rc == 0 && r.failed && strcmp(slash ? slash + 1 : name, r.failed_obj) == 0)
        rc = -1;                    /* the object itself: said as such */
    if (rc != 0)
        ga_warn(GA_LK_DLOPEN, "cannot make %s (loaded with RTLD_DEEPBIND) call the library's hooks: %s; "
                "its connections are not observed", name, r.why);
    else if (r.failed)
        ga_warn(GA_LK_DLOPEN, "cannot make %s (a dependency of %s, loaded with RTLD_DEEPBIND) call the "
                "library's hooks: %s; its connections are not observed", r.failed_obj, name, r.why);
    else
        ga_debug("%s (RTLD_DEEPBIND): %u objects examined, %u slots pointed at the hooks",
                 name, r.objects, r.rewritten);
}

/* ------------------------------------------------------------------ the hooks */

typedef struct ga__opener {
    void *fn;
    Lmid_t lmid;
} ga__opener;

static void *ga__open_base(void *ud, const char *file, int mode)
{
    return ((ga_dlopen_fn)((ga__opener *)ud)->fn)(file, mode);
}

static void *ga__open_ns(void *ud, const char *file, int mode)
{
    ga__opener *o = ud;
    return ((ga_dlmopen_fn)o->fn)(o->lmid, file, mode);
}

/* A load to redirect: opened as its caller would have (dlsearch.h), then redirected. Kept out
 * of the hooks so that their pass-through path stays a tail call. */
static __attribute__((noinline)) void *ga__deep(void *fn, int ns, Lmid_t lmid, const char *file, int mode,
                                                const void *caller)
{
    ga__opener o = { .fn = fn, .lmid = lmid };
    void *h = ga_dl_open_as(file, mode, caller, ns ? ga__open_ns : ga__open_base, &o);
    if (h != NULL) {
        int saved = errno;
        ga__redirect(h);
        errno = saved;
    }
    return h;
}

GA_EXPORT void *dlopen(const char *file, int mode)
{
    ga_dlopen_fn f = (ga_dlopen_fn)ga__dl_get(GA__DLOPEN);
    if (ga_unlikely(f == NULL))
        return NULL;
    if (ga_unlikely(mode & RTLD_DEEPBIND) && ga__wanted(file, __builtin_return_address(0)))
        return ga__deep((void *)f, 0, LM_ID_BASE, file, mode, __builtin_return_address(0));
    return f(file, mode);
}

static __attribute__((noinline)) void ga__other_namespace(const void *caller)
{
    if (!ga_cfg.disabled && !ga_tls_internal && !ga__from_self(caller))
        ga_warn(GA_LK_DLMOPEN, "a library was loaded with dlmopen() into a namespace of its own: "
                "its calls go to its own libc and are not observed");
}

GA_EXPORT void *dlmopen(Lmid_t lmid, const char *file, int mode)
{
    ga_dlmopen_fn f = (ga_dlmopen_fn)ga__dl_get(GA__DLMOPEN);
    if (ga_unlikely(f == NULL))
        return NULL;
    if (ga_unlikely(lmid != LM_ID_BASE)) {
        ga__other_namespace(__builtin_return_address(0));
    } else if (ga_unlikely(mode & RTLD_DEEPBIND) && ga__wanted(file, __builtin_return_address(0))) {
        return ga__deep((void *)f, 1, lmid, file, mode, __builtin_return_address(0));
    }
    return f(lmid, file, mode);
}

__typeof__(dlopen) ga__dlopen_self __attribute__((alias("dlopen"), copy(dlopen)));
__typeof__(dlmopen) ga__dlmopen_self __attribute__((alias("dlmopen"), copy(dlmopen)));
