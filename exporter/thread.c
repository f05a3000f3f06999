/* thread.c — the exporter thread's life: lazy start, the drain loop, the bounded flush at
 * exit, and the restart after fork (contract in exporter.h).
 *
 * The thread blocks every signal (the host's handlers never run on it), marks itself
 * internal (its own I/O is never observed) and never holds a lock an application thread
 * could wait for: the application only ever touches the ring and two atomics. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include "exporter/exporter.h"
#include "exporter/resource.h"
#include "preload/config.h"
#include "preload/fdtable.h"
#include "preload/log.h"
#include "preload/ring.h"

enum { GA_EXP_NONE = 0, GA_EXP_RUNNING, GA_EXP_FAILED, GA_EXP_PARKED };

ga_self_stats ga_self;
static _Atomic int ga__state;
static _Atomic int ga__flush_req;
static int ga__wake_fd = -1;
static sem_t ga__flush_done;

static const ga_span_sink *ga__sinks[4];
static int ga__nsinks;
static uint64_t ga__drained;

static void ga__open_sinks(void)
{
    ga__nsinks = 0;
    if ((ga_cfg.traces_exporters & GA_EXP_CONSOLE) && ga_console_sink.open() == 0)
        ga__sinks[ga__nsinks++] = &ga_console_sink;
    if (ga_cfg.traces_exporters & GA_EXP_OTLP)
        ga_log(GA_LOG_INFO, GA_LK_OTLP, "the OTLP span exporter is not part of this build; "
               "use OTEL_TRACES_EXPORTER=console");
}

/* Take every committed record off the ring. Returns how many. */
static uint64_t ga__drain(void)
{
    uint64_t n = 0;
    ga_rec *r;
    while ((r = ga_ring_peek()) != NULL) {
        n++;
        if (r->h.trace_flags & GA_TF_SAMPLED) {
            for (int i = 0; i < ga__nsinks; i++)
                ga__sinks[i]->span(r);
            if (ga__nsinks > 0)
                ga_self.spans_exported++;
        } else {
            ga_self.spans_sampled_out++;
        }
        ga_ring_release(r);
    }
    ga__drained += n;
    ga_self.dropped_queue_full = ga_ring_dropped();
    ga_self.operations = ga__drained + ga_self.dropped_queue_full;
    return n;
}

static void ga__flush_sinks(int final)
{
    for (int i = 0; i < ga__nsinks; i++)
        ga__sinks[i]->flush(final);
}

/* Sleep until woken or `ms` passed. The eventfd is only written at exit, so the loop
 * otherwise polls the ring: hooks never pay a syscall to wake us. */
static void ga__sleep(int ms)
{
    struct pollfd p = { .fd = ga__wake_fd, .events = POLLIN };
    if (poll(&p, 1, ms) > 0) {
        uint64_t v;
        (void)!read(ga__wake_fd, &v, sizeof v);
    }
}

static void *ga__main(void *arg)
{
    (void)arg;
    ga_tls_internal = 1;
    pthread_setname_np(pthread_self(), "genesis-export");
    ga_resource_build(&ga_res);
    ga__open_sinks();
    int idle_ms = 1;
    for (;;) {
        uint64_t n = ga__drain();
        if (atomic_load(&ga__flush_req)) {
            ga__drain();
            ga__flush_sinks(1);
            atomic_store(&ga__state, GA_EXP_PARKED);
            sem_post(&ga__flush_done);
            for (;;)
                poll(NULL, 0, -1);      /* parked until the process ends */
        }
        if (n > 0) {
            ga__flush_sinks(0);
            idle_ms = 1;
        } else if (idle_ms < 100) {
            idle_ms *= 2;
        }
        ga__sleep(idle_ms);
    }
    return NULL;
}

void ga_exporter_ensure(void)
{
    if (ga_likely(atomic_load_explicit(&ga__state, memory_order_relaxed) != GA_EXP_NONE))
        return;
    int expected = GA_EXP_NONE;
    if (!atomic_compare_exchange_strong(&ga__state, &expected, GA_EXP_RUNNING))
        return;
    int saved = errno;
    sem_init(&ga__flush_done, 0, 0);
    ga__wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (ga__wake_fd >= 0)
        ga_fd_mark_internal(ga__wake_fd);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);   /* the thread inherits a full mask */
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&a, 1 << 20);
    pthread_t t;
    int rc = pthread_create(&t, &a, ga__main, NULL);
    pthread_attr_destroy(&a);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        atomic_store(&ga__state, GA_EXP_FAILED);
        ga_error(GA_LK_THREAD, "cannot start the exporter thread (%s); telemetry is dropped", strerror(rc));
    }
    errno = saved;
}

void ga_exporter_flush_at_exit(unsigned ms)
{
    if (atomic_load(&ga__state) != GA_EXP_RUNNING)
        return;
    atomic_store(&ga__flush_req, 1);
    uint64_t one = 1;
    if (ga__wake_fd >= 0)
        (void)syscall(SYS_write, ga__wake_fd, &one, sizeof one);
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    dl.tv_sec += ms / 1000;
    dl.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    int rc;
    while ((rc = sem_clockwait(&ga__flush_done, CLOCK_MONOTONIC, &dl)) < 0 && errno == EINTR)
        ;
    if (rc < 0)
        ga_warn(GA_LK_FLUSH, "exit flush did not finish within GENESIS_EXIT_FLUSH_MS=%u; "
                "unsent telemetry dropped", ms);
}

void ga_exporter_after_fork(void)
{
    atomic_store(&ga__state, GA_EXP_NONE);
    atomic_store(&ga__flush_req, 0);
    ga__wake_fd = -1;                   /* closed by ga_fd_after_fork */
    ga__drained = 0;
    memset(&ga_self, 0, sizeof ga_self);
    for (int i = 0; i < ga__nsinks; i++)
        if (ga__sinks[i]->after_fork)
            ga__sinks[i]->after_fork();
    ga__nsinks = 0;
}
