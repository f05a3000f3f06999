/* map_once.c — map a region once per process, by the first thread that needs it (contract in
 * map_once.h). */
#include <errno.h>
#include <limits.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "preload/map_once.h"
#include "preload/ga.h"
#include "preload/log.h"

static uint64_t ga__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Sleep while *word == val, at most `ns`; returns early on a wake, a signal, or a change. */
static void ga__futex_wait(_Atomic uint32_t *word, uint32_t val, uint64_t ns)
{
    struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, val, &ts, NULL, 0);
}

/* Map, prepare and publish a region; the caller holds the current turn. A mapper that
 * finds a region already published (the one it took over from, or the one that took over
 * from it) unmaps its own. Ends the waiting either way. */
static void *ga__map(ga_map_once *m, size_t bytes, ga_map_once_init_fn init, void *arg)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        ga_error(m->log_kind, "cannot allocate %s (%zu bytes); telemetry is dropped", m->what, bytes);
    } else {
        init(p, arg);
        void *none = NULL;
        if (!atomic_compare_exchange_strong_explicit(&m->ptr, &none, p, memory_order_acq_rel,
                                                     memory_order_acquire))
            munmap(p, bytes);
    }
    /* seq_cst store then load, against the waiter's seq_cst store of `sleepers` then the
     * futex's own check of `turn`: either we see the sleeper or it sees the change. */
    atomic_store(&m->turn, GA_MAP_ONCE_OVER);
    if (atomic_load(&m->sleepers))
        syscall(SYS_futex, (uint32_t *)&m->turn, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
    return atomic_load_explicit(&m->ptr, memory_order_acquire);
}

/* Claim the turn and map if nobody is mapping or the mapper is late; otherwise sleep until
 * the region is published, the mapping fails, or the mapper's time is up. */
static void *ga__get_slow(ga_map_once *m, size_t bytes, ga_map_once_init_fn init, void *arg)
{
    uint32_t seen = 0;
    uint64_t deadline = 0;
    for (;;) {
        void *p = atomic_load_explicit(&m->ptr, memory_order_acquire);
        if (p != NULL)
            return p;
        uint32_t t = atomic_load(&m->turn);
        if (t == GA_MAP_ONCE_OVER)
            return atomic_load_explicit(&m->ptr, memory_order_acquire);   /* NULL: failed */
        uint64_t now = t == 0 ? 0 : ga__now_ns();
        if (t != 0 && t != seen) {
            seen = t;                   /* a new mapper: it gets its full time */
            deadline = now + GA_MAP_ONCE_WAIT_NS;
        }
        if (t == 0 || now >= deadline) {
            if (atomic_compare_exchange_strong(&m->turn, &t, t + 1))
                return ga__map(m, bytes, init, arg);
            continue;
        }
        atomic_store(&m->sleepers, 1);
        ga__futex_wait(&m->turn, t, deadline > now ? deadline - now : 1);
    }
}

void *ga_map_once_get(ga_map_once *m, size_t bytes, ga_map_once_init_fn init, void *arg)
{
    void *p = atomic_load_explicit(&m->ptr, memory_order_acquire);
    if (p != NULL)
        return p;
    if (atomic_load_explicit(&m->turn, memory_order_acquire) == GA_MAP_ONCE_OVER)
        return atomic_load_explicit(&m->ptr, memory_order_acquire);    /* published meanwhile, or failed */
    int saved = errno;
    p = ga__get_slow(m, bytes, init, arg);
    errno = saved;
    return p;
}

GA_FORK_PATH void ga_map_once_reset(ga_map_once *m)
{
    atomic_store(&m->ptr, NULL);
    atomic_store(&m->turn, 0);
    atomic_store(&m->sleepers, 0);
}
