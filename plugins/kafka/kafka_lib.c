/* kafka_lib.c — finding the process's librdkafka and its functions (contracts in kafka_lib.h). */
#include <dlfcn.h>
#include <link.h>
#include <string.h>
#include "preload/namepool.h"
#include "preload/real.h"
#include "plugins/kafka/kafka_lib.h"

GA_NAMEPOOL(GA_KF_SYMBOLS, GA_KF_S_COUNT);      /* the names, without relocations */

void *_Atomic ga_kf_fn[GA_KF_S_COUNT];
static void *_Atomic ga__handle;            /* the librdkafka object, kept loaded */
static _Atomic uint64_t ga__missing;        /* symbols looked up in vain (older versions) */

_Static_assert(GA_KF_S_COUNT <= 64, "missing symbols are bits of one word");

#define GA__PROBE "rd_kafka_version"        /* defined by every librdkafka, hooked by nobody */

static void *ga__sym(void *handle, const char *name)
{
    void *p = handle != NULL ? dlsym(handle, name) : NULL;
    return p != NULL && !ga_real_is_ours(p) ? p : NULL;
}

/* A handle on the object that defines `fn` (a reference the caller keeps or drops). */
static void *ga__object_of(void *fn)
{
    Dl_info info;
    if (fn == NULL || dladdr(fn, &info) == 0 || info.dli_fname == NULL)
        return NULL;
    return dlopen(info.dli_fname, RTLD_NOLOAD | RTLD_LAZY);
}

/* The librdkafka that the module containing `addr` is linked with. */
static void *ga__from_module(const void *addr)
{
    Dl_info info;
    if (addr == NULL || dladdr(addr, &info) == 0 || info.dli_fname == NULL || info.dli_fname[0] == '\0')
        return NULL;
    void *h = dlopen(info.dli_fname, RTLD_NOLOAD | RTLD_LAZY);
    void *obj = ga__object_of(ga__sym(h, GA__PROBE));
    if (h != NULL)
        dlclose(h);
    return obj;
}

#define GA__MAX_OBJECTS 128
typedef struct { const char *name[GA__MAX_OBJECTS]; int n; } ga__objects;

static int ga__collect(struct dl_phdr_info *info, size_t size, void *arg)
{
    ga__objects *o = arg;
    (void)size;
    if (info->dlpi_name != NULL && info->dlpi_name[0] != '\0' && o->n < GA__MAX_OBJECTS)
        o->name[o->n++] = info->dlpi_name;
    return 0;
}

/* Any loaded object defining the probe (a copy bundled under another name). */
static void *ga__scan(void)
{
    ga__objects o = { .n = 0 };
    dl_iterate_phdr(ga__collect, &o);           /* names first: no dlopen under its lock */
    for (int i = 0; i < o.n; i++) {
        if (strstr(o.name[i], "rdkafka") == NULL)
            continue;
        void *h = dlopen(o.name[i], RTLD_NOLOAD | RTLD_LAZY);
        void *obj = ga__object_of(ga__sym(h, GA__PROBE));
        if (h != NULL)
            dlclose(h);
        if (obj != NULL)
            return obj;
    }
    return NULL;
}

static void *ga__find_object(const void *caller)
{
    void *obj = ga__from_module(caller);
    if (obj == NULL)
        obj = ga__object_of(ga__sym(RTLD_NEXT, GA__PROBE));
    if (obj == NULL) {
        void *h = dlopen("librdkafka.so.1", RTLD_NOLOAD | RTLD_LAZY);
        obj = ga__object_of(ga__sym(h, GA__PROBE));
        if (h != NULL)
            dlclose(h);
    }
    return obj != NULL ? obj : ga__scan();
}

static void *ga__object(const void *caller)
{
    void *h = atomic_load_explicit(&ga__handle, memory_order_acquire);
    if (h != NULL)
        return h;
    void *obj = ga__find_object(caller);
    if (obj == NULL)
        return NULL;
    if (!atomic_compare_exchange_strong(&ga__handle, &h, obj)) {
        dlclose(obj);                           /* another thread published one first */
        return h;
    }
    return obj;
}

void *ga_kf_resolve(int sym, const void *caller)
{
    if (sym < 0 || sym >= GA_KF_S_COUNT ||
        (atomic_load_explicit(&ga__missing, memory_order_relaxed) & (1ull << sym)))
        return NULL;
    int busy = ga_tls_busy;
    ga_tls_busy = 1;                            /* our own I/O hooks pass through meanwhile */
    void *obj = ga__object(caller);
    void *p = ga__sym(obj, GA_NAMEPOOL_NAME(sym));
    ga_tls_busy = busy;
    if (p != NULL)
        atomic_store_explicit(&ga_kf_fn[sym], p, memory_order_release);
    else                                        /* not there: never looked up again */
        atomic_fetch_or(&ga__missing, 1ull << sym);
    return p;
}
