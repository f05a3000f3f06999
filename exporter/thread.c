/* thread.c — the exporter thread's life: lazy start, the drain loop, the bounded flush at
 * exit, and the restart after fork (contract in exporter.h).
 *
 * The thread blocks every signal (the host's handlers never run on it), marks itself
 * internal (its own I/O is never observed) and never holds a lock an application thread
 * could wait for: the application only ever touches the ring and two atomics. The work is
 * done by components (exporter.h): this file only schedules them. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include "exporter/alone.h"
#include "exporter/exporter.h"
#include "exporter/components.h"
#include "exporter/metrics_reg.h"
#include "exporter/logs.h"
#include "exporter/memo.h"
#include "exporter/otlp_health.h"
#include "exporter/resource.h"
#include "exporter/tail.h"
#include "preload/config.h"
#include "preload/family.h"
#include "preload/fdtable.h"
#include "preload/log.h"
#include "preload/ring.h"

extern void ga_otlp_http_exit_barrier(void) __attribute__((weak));
ga_logs_stats ga_logs_self;

/* DEFERRED: a forked child whose every collector is known down by its family (otlp_health.h)
 * queues its records without starting a thread; below RUNNING = the thread is not started. */
enum { GA_EXP_NONE = 0, GA_EXP_DEFERRED, GA_EXP_RUNNING, GA_EXP_FAILED, GA_EXP_PARKED };
#define GA_MAX_POLL 32
#define GA_IDLE_MAX_MS 100

ga_self_stats ga_self;
static _Atomic int ga__state GA_START_DATA;
static _Atomic uint64_t ga__defer_until;   /* DEFERRED: look again at this CLOCK_MONOTONIC ms */
static _Atomic int ga__flush_req;
static _Atomic unsigned ga__flush_ms;
static _Atomic uint64_t ga__flush_deadline_ms;  /* CLOCK_MONOTONIC ms, set by the exiting thread */
static _Atomic int ga__closing;        /* exit flush over: start no new output */
static _Atomic int ga__in_io;          /* the exporter is inside an output write */
static _Atomic uint64_t ga__wake = 0xffffffffu;  /* the wake eventfd's token, packed (none) */
static uint64_t ga__wake_retry_ms;      /* when to try creating it again after a failure */
static sem_t ga__flush_done;

static ga_component ga__comp[GA_MAX_COMPONENTS];     /* the open ones, as their get() describes them */
static int ga__ncomp;
static int ga__tail;                   /* tail sampling on, and a span exporter to feed */
static uint64_t ga__drained;

int ga_exporter_io_begin(void)
{
    atomic_store(&ga__in_io, 1);
    if (atomic_load(&ga__closing)) {
        atomic_store(&ga__in_io, 0);
        return 0;
    }
    return 1;
}

void ga_exporter_io_end(void)
{
    atomic_store(&ga__in_io, 0);
}

/* Once the flush time is over, no new output starts; one already under way is given a
 * short grace so that exit never cuts a line or a request in half (bounded: 200 ms). */
static void ga__close_output(void)
{
    atomic_store(&ga__closing, 1);
    for (int i = 0; i < 200 && atomic_load(&ga__in_io); i++) {
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
}

void ga_self_export_failed(enum ga_fail_reason why)
{
    ga_self.export_failures++;
    ga_self.export_failures_by[why < GA_FAIL_COUNT ? why : GA_FAIL_OTHER]++;
}

uint64_t ga_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Hand a span to every span exporter (counted once when one took it). */
static void ga__span_out(const ga_rec *r)
{
    int took = 0;
    for (int i = 0; i < ga__ncomp; i++) {
        if (ga__comp[i].span) {
            ga__comp[i].span(r);
            took = 1;
        }
    }
    ga_self.spans_exported += (uint64_t)took;
}

static void ga__open_components(void)
{
    ga_metrics_define();                /* the instruments every component may read */
    ga__ncomp = 0;
    for (int i = 0; i < GA_MAX_COMPONENTS && ga__ncomp < GA_MAX_COMPONENTS; i++) {
        if (ga_all_components[i] == NULL)
            continue;
        ga_component *c = &ga__comp[ga__ncomp];
        ga_all_components[i](c);
        if (c->open == NULL || c->open() == 0)
            ga__ncomp++;
    }
    int spans = 0;
    for (int i = 0; i < ga__ncomp; i++)
        spans |= ga__comp[i].span != NULL;
    ga__tail = spans && ga_tail_open(ga__span_out);
}

/* Take every committed record off the ring. Returns how many. Every record feeds the
 * components' `record` hook (metrics); sampled spans go on to the span exporters, and the
 * spans the head sampler dropped to the tail sampler when it is on (exporter/tail.h). */
static uint64_t ga__drain(void)
{
    uint64_t n = 0;
    ga_rec *r;
    while ((r = ga_ring_peek()) != NULL) {
        n++;
        if (ga_rec_ids_pending(r))
            ga_rec_draw_ids(r);                 /* a leaf span's ids: ours to draw */
        for (int i = 0; i < ga__ncomp; i++)
            if (ga__comp[i].record)
                ga__comp[i].record(r);
        if (ga_rec_is_span(r)) {
            if (r->h.trace_flags & GA_TF_SAMPLED) {
                ga__span_out(r);
            } else {
                ga_self.spans_sampled_out++;
                if (ga__tail)
                    ga_tail_span(r);
            }
        }
        ga_ring_release(r);
    }
    ga__drained += n;
    ga_self.dropped_queue_full = ga_ring_dropped();
    ga_self.operations = ga__drained + ga_self.dropped_queue_full;
    return n;
}

void ga_exporter_log_line(const ga_logline *l)
{
    ga_logs_self.lines++;
    for (int i = 0; i < ga__ncomp; i++)
        if (ga__comp[i].log)
            ga__comp[i].log(l);
}

static void ga__flush(int final, uint64_t deadline_ms)
{
    for (int i = 0; i < ga__ncomp; i++)
        if (ga__comp[i].flush)
            ga__comp[i].flush(final, deadline_ms);
}

/* Periodic work of every component; returns the ms until the earliest next tick. */
static int ga__tick(int wait_ms)
{
    uint64_t now = ga_mono_ms();
    int tail = ga__tail ? ga_tail_tick(now) : -1;
    if (tail >= 0 && tail < wait_ms)
        wait_ms = tail;
    for (int i = 0; i < ga__ncomp; i++) {
        if (ga__comp[i].tick == NULL)
            continue;
        int next = ga__comp[i].tick(now);
        if (next >= 0 && next < wait_ms)
            wait_ms = next;
    }
    return wait_ms;
}

static ga_own ga__wake_get(void)
{
    return ga_own_unpack(atomic_load(&ga__wake));
}

/* A new wake descriptor, ours from birth; GA_OWN_NONE if none could be made. */
static ga_own ga__wake_new(void)
{
    /* The system call itself: glibc's eventfd() is this one call, and importing it would make
     * the loader check one more symbol version (GLIBC_2.7) at every process start. */
    int fd = (int)syscall(SYS_eventfd2, 0, EFD_CLOEXEC | EFD_NONBLOCK);
    ga_own o = ga_fd_own(fd);
    if (fd >= 0 && o.fd < 0)
        syscall(SYS_close, fd);     /* the table cannot hold it: unusable, and known to nobody */
    return o;
}

/* The wake descriptor to poll, made anew when the application took the old one (closed its
 * number, maybe reopened it for itself): the old number is never polled or read again. A
 * failure is retried once a second; meanwhile an exit flush is seen at the next turn. */
static ga_own ga__wake_ensure(void)
{
    ga_own w = ga__wake_get();
    if (ga_fd_own_valid(w))
        return w;
    uint64_t now = ga_mono_ms();
    if (now < ga__wake_retry_ms)
        return GA_OWN_NONE;
    w = ga__wake_new();
    ga__wake_retry_ms = w.fd < 0 ? now + 1000 : 0;
    atomic_store(&ga__wake, ga_own_pack(w));
    return w;
}

/* Sleep until woken, a component's descriptor is ready, or `ms` passed. The eventfd is
 * only written at exit, so the loop otherwise polls the ring: hooks never pay a syscall. */
static void ga__wait(int ms)
{
    struct pollfd p[GA_MAX_POLL];
    int n = 0, owner[GA_MAX_POLL], first[GA_MAX_COMPONENTS];
    ga_own w = ga__wake_ensure();
    if (w.fd >= 0)
        p[n++] = (struct pollfd){ .fd = w.fd, .events = POLLIN };
    for (int i = 0; i < ga__ncomp; i++) {
        first[i] = n;
        int k = ga__comp[i].pollfds ? ga__comp[i].pollfds(p + n, GA_MAX_POLL - n) : 0;
        for (int j = 0; j < k; j++)
            owner[n + j] = i;
        n += k;
    }
    if (poll(p, (nfds_t)n, ms) <= 0)
        return;
    if (w.fd >= 0 && (p[0].revents & POLLIN) && ga_fd_own_valid(w)) {
        uint64_t v;
        (void)!syscall(SYS_read, w.fd, &v, sizeof v);
    }
    for (int i = 0; i < ga__ncomp; i++) {
        int k = 0;
        while (first[i] + k < n && owner[first[i] + k] == i)
            k++;
        if (k > 0 && ga__comp[i].events)
            ga__comp[i].events(p + first[i], k);
    }
}

static void ga__park(void)
{
    uint64_t deadline = atomic_load(&ga__flush_deadline_ms);
    if (deadline == 0)
        deadline = ga_mono_ms() + atomic_load(&ga__flush_ms);
    ga__drain();
    if (ga__tail)
        ga_tail_final();                /* held segments are decided before the last export */
    ga__flush(1, deadline);
    atomic_store(&ga__state, GA_EXP_PARKED);
    sem_post(&ga__flush_done);
    for (;;)
        poll(NULL, 0, -1);              /* parked until the process ends */
}

/* Every application thread has ended (the last one through pthread_exit): bare, glibc's last
 * thread would now call exit(0); this thread keeps the process alive instead. So it exports what
 * is left, as the exit flush would, and calls exit(0) itself (the atexit flush then finds the
 * thread parked and returns). Checked at most once a second, and only while idle. */
static void ga__end_if_alone(uint64_t now_ms)
{
    static uint64_t next_ms;
    if (now_ms < next_ms)
        return;
    next_ms = now_ms + 1000;
    if (!ga_exporter_alone())
        return;
    ga__drain();
    if (ga__tail)
        ga_tail_final();
    ga__flush(1, ga_mono_ms() + atomic_load(&ga__flush_ms));
    atomic_store(&ga__state, GA_EXP_PARKED);
    exit(0);
}

static void *ga__main(void *arg)
{
    (void)arg;
    ga_tls_internal = 1;
    pthread_setname_np(pthread_self(), "genesis-export");
    ga_resource_build(&ga_res);
    ga__open_components();
    ga_otlp_health_prime();         /* for the children forked from now on */
    int idle_ms = 1;
    for (;;) {
        uint64_t n = ga__drain();
        if (atomic_load(&ga__flush_req))
            ga__park();
        if (n > 0) {
            ga__flush(0, 0);
            idle_ms = 1;
        } else {
            if (idle_ms < GA_IDLE_MAX_MS)
                idle_ms *= 2;
            ga__end_if_alone(ga_mono_ms());
        }
        ga__wait(ga__tick(idle_ms));
    }
    return NULL;
}

/* The parent's exporter-side state (components, memo, tail sampler, self-metrics) is reset
 * when this process starts its own thread, not at fork: it is read by that thread only, and a
 * child that never starts one (it exits first, or its collectors are known down) then writes
 * none of those pages, each of which the kernel would copy for it. */
static int ga__reset_pending;
static void ga__forget_parent(void);

/* Start the thread; `from` is the state the caller saw (NONE or DEFERRED): one caller wins. */
static void ga__start(int from)
{
    int expected = from;
    if (!atomic_compare_exchange_strong(&ga__state, &expected, GA_EXP_RUNNING))
        return;
    int saved = errno;
    ga__forget_parent();
    ga_family_ensure();             /* before any child can be forked from what we learn */
    sem_init(&ga__flush_done, 0, 0);
    atomic_store(&ga__wake, ga_own_pack(ga__wake_new()));
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
    /* The OTLP transport's exit barrier must run before the host's OpenSSL cleanup, so it is
     * registered now, by the application thread, not later by the exporter thread. */
    if (rc == 0 && ga_otlp_http_exit_barrier != NULL &&
        ((ga_cfg.traces_exporters | ga_cfg.metrics_exporters | ga_cfg.logs_exporters) & GA_EXP_OTLP))
        atexit(ga_otlp_http_exit_barrier);
    if (rc != 0) {
        atomic_store(&ga__state, GA_EXP_FAILED);
        ga_error(GA_LK_THREAD, "cannot start the exporter thread (%s); telemetry is dropped", strerror(rc));
    }
    errno = saved;
}

/* May the thread stay unstarted? Only while every collector is known down (a forked child of
 * a family that already found them so: its thread would only drop what it drains) and the
 * ring is less than half full (a busy child is long-lived enough to be worth its thread: it
 * then aggregates its metrics for when the collector is back). */
GA_FORK_PATH static int ga__may_defer(uint64_t now)
{
    uint64_t until;
    if (!ga_otlp_health_all_down(now, &until))
        return 0;
    uint32_t cap = ga_ring_capacity();
    if (cap != 0 && ga_ring_depth() > cap / 2)
        return 0;
    atomic_store(&ga__defer_until, until);
    return 1;
}

GA_FORK_PATH static void ga__ensure_slow(int st)
{
    uint64_t now = ga_mono_ms();
    if (st == GA_EXP_DEFERRED && now < atomic_load_explicit(&ga__defer_until, memory_order_relaxed)) {
        uint32_t cap = ga_ring_capacity();
        if (cap == 0 || ga_ring_depth() <= cap / 2)
            return;
    }
    int saved = errno;
    if (ga__may_defer(now)) {
        if (st == GA_EXP_NONE)
            atomic_compare_exchange_strong(&ga__state, &st, GA_EXP_DEFERRED);
    } else {
        ga__start(st);
    }
    errno = saved;
}

/* Kept out of line under link-time optimisation too: the frame names the exporter thread's
 * creation in memory checkers' stacks (its TLS block is the one "possibly lost" allocation,
 * tests/integration/test_kafka_memory.py). Called once per process on the records' path. */
__attribute__((noinline)) int ga_exporter_ensure(void)
{
    int st = atomic_load_explicit(&ga__state, memory_order_relaxed);
    if (ga_likely(st >= GA_EXP_RUNNING))
        return 1;
    ga__ensure_slow(st);
    return atomic_load_explicit(&ga__state, memory_order_relaxed) >= GA_EXP_RUNNING;
}

/* Exit with the thread never started and every collector known down: what is queued is taken
 * off the ring and counted as dropped, here, without starting or waking anything. */
GA_FORK_PATH static void ga__drop_queued(void)
{
    if (ga__reset_pending) {            /* the parent's counts are not ours */
        ga__drained = 0;
        memset(&ga_self, 0, sizeof ga_self);
    }
    ga_rec *r;
    while ((r = ga_ring_peek()) != NULL) {
        if (ga_rec_is_span(r) && (r->h.trace_flags & GA_TF_SAMPLED))
            ga_self.spans_dropped_export++;
        ga__drained++;
        ga_ring_release(r);
    }
    ga_self.dropped_queue_full = ga_ring_dropped();
    ga_self.operations = ga__drained + ga_self.dropped_queue_full;
}

GA_FORK_PATH void ga_exporter_flush_at_exit(unsigned ms)
{
    int st = atomic_load(&ga__state);
    if (st == GA_EXP_DEFERRED) {
        int saved = errno;
        if (ga__may_defer(ga_mono_ms())) {
            /* Closed for good first, so that no other thread starts a consumer while this one
             * takes the records off the ring (one consumer at a time); records made after this
             * stay queued until the process ends. */
            if (atomic_compare_exchange_strong(&ga__state, &st, GA_EXP_PARKED)) {
                ga__drop_queued();
                errno = saved;
                return;
            }
        } else {
            ga__start(GA_EXP_DEFERRED);     /* a collector may be back: export as usual */
        }
        errno = saved;
    }
    if (atomic_load(&ga__state) != GA_EXP_RUNNING)
        return;
    atomic_store(&ga__flush_ms, ms);
    atomic_store(&ga__flush_deadline_ms, ga_mono_ms() + ms);
    atomic_store(&ga__flush_req, 1);
    uint64_t one = 1;
    ga_own w = ga__wake_get();
    if (ga_fd_own_valid(w))         /* never into a number the application took from us */
        (void)syscall(SYS_write, w.fd, &one, sizeof one);
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
    ga__close_output();
}

int ga_exporter_forked_from_running;

static void ga__forget_parent(void)
{
    if (!ga__reset_pending)
        return;
    ga__reset_pending = 0;
    /* The parent's wake descriptor was closed by ga_fd_after_fork; nothing reads ga__wake before
     * the thread starts (a separate page: not written in a child that never starts one). */
    atomic_store(&ga__wake, ga_own_pack(GA_OWN_NONE));
    ga__wake_retry_ms = 0;
    ga__drained = 0;
    memset(&ga_self, 0, sizeof ga_self);
    ga__tail = 0;
    ga_tail_after_fork();
    ga_memo_after_fork();
    for (int i = 0; i < GA_MAX_COMPONENTS; i++) {
        ga_component c;
        if (ga_all_components[i] == NULL)
            continue;
        ga_all_components[i](&c);
        if (c.after_fork)
            c.after_fork();
    }
    ga__ncomp = 0;
}

GA_FORK_PATH void ga_exporter_after_fork(void)
{
    /* A parent whose thread was running may not have opened its components yet (a scheduling
     * delay): its child must still treat them as the parent's (the Prometheus port). */
    int st = atomic_load(&ga__state);
    if (st >= GA_EXP_RUNNING && !ga_exporter_forked_from_running)
        ga_exporter_forked_from_running = 1;
    if (st != GA_EXP_NONE) {
        atomic_store(&ga__state, GA_EXP_NONE);
        atomic_store(&ga__flush_req, 0);
        atomic_store(&ga__closing, 0);
        atomic_store(&ga__in_io, 0);
        atomic_store(&ga__flush_deadline_ms, 0);
        atomic_store(&ga__defer_until, 0);
    }
    if (!ga__reset_pending && st != GA_EXP_NONE)
        ga__reset_pending = 1;
}
