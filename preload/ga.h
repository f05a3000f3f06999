/* ga.h — common definitions for every part of genesis-auto: visibility, branch hints,
 * thread-local storage model, the per-thread flags every hook consults.
 *
 * Naming: public hook symbols keep their libc names; everything else is `ga_` (module
 * internals `ga__`). Nothing but the hooks is exported (see preload/exports.map). */
#ifndef GA_H
#define GA_H

#include <stddef.h>
#include <stdint.h>
#include <stdatomic.h>

#define GA_EXPORT   __attribute__((visibility("default")))
#define GA_HIDDEN   __attribute__((visibility("hidden")))
#define GA_TLS      __thread __attribute__((tls_model("initial-exec")))
#define ga_likely(x)   __builtin_expect(!!(x), 1)
#define ga_unlikely(x) __builtin_expect(!!(x), 0)
/* Code that runs in a forked child between fork and its first record, and at exit: placed
 * together (.text.unlikely), so that a child — which maps every code page it runs anew, one
 * page fault each — touches a few pages of it rather than one per module. */
#define GA_FORK_PATH __attribute__((cold))
/* The same for code that runs once, in the constructor (set-up of the plug-ins): grouped with
 * the other cold code next to the constructor, a process start faults in one window of the
 * library's text for it instead of one per module it touches. */
#define GA_INIT_PATH __attribute__((cold))
/* Data the constructor writes in every process, gathered in a section of its own: the linker
 * places it right after .data, on the page the loader already writes when it zeroes the start
 * of .bss, so these writes cost no page fault of their own (docs/benchmarks.md, start-up).
 * Only for small, writable, non-TLS variables. */
#define GA_START_DATA __attribute__((section("ga_start")))
#define GA_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* <ctype.h>'s tests as the C locale answers them, inline. The library reads configuration and
 * protocol text, never locale text, so an application's setlocale() must not change what it
 * parses; and libc's tables would be one more symbol version (GLIBC_2.3) for the loader to
 * check at every start. */
static inline int ga_isdigit(int c)
{
    return c >= '0' && c <= '9';
}

static inline int ga_isspace(int c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static inline int ga_isalnum(int c)
{
    return ga_isdigit(c) || (unsigned)((c | 0x20) - 'a') < 26;
}

/* Spin-wait hint for the few bounded busy-waits the library does. */
static inline void ga_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#ifndef GA_VERSION
#define GA_VERSION "0.0.0"
#endif
#define GA_SDK_NAME "genesis-auto"

/* Per-thread flags. `ga_tls_internal` marks our own threads (exporter): their sockets are
 * never observed. `ga_tls_busy` is the reentrancy guard: set while library code runs on
 * an application thread, so a hook entered from inside the library passes straight through. */
extern GA_TLS int ga_tls_internal;
extern GA_TLS int ga_tls_busy;

/* The program's argv[0] as the constructor saw it (NULL: none, or the constructor has not
 * run), what glibc calls program_invocation_name. */
extern const char *ga_argv0;

/* fd + 1, set by a plug-in's pre-send step (preload/proto.h) that made a send itself and has
 * already given its own parser the bytes that went out; 0 = none. The write hook's after-step
 * (hooks/hook.h, ga_io_done_data) then counts those bytes but does not hand them to the
 * plug-in a second time. A step marks only a call on a connection its plug-in still follows,
 * so the call's own after-step sees the mark; it clears it, as does any after-step that reaches
 * it (a followed socket, whatever the descriptor, or a descriptor no longer a socket): the mark
 * speaks of the one call just made. (A signal handler that writes to a followed socket between
 * the step and its after-step clears it first; the bytes then also reach data(), which follows
 * them a second time: telemetry only, never the bytes or the result.) */
extern GA_TLS int ga_tls_presend_fed;

/* Process-wide switch, written only by the constructor and the fork handler.
 * 0 = pass-through (disabled, excluded, or not yet initialised), 1 = observing. */
extern int ga_enabled;

/* Incremented in every forked child; per-thread state compares against it to reseed. */
extern _Atomic uint32_t ga_fork_generation;

/* The library is about to hold state a forked child must reset (span ids, records): register
 * the fork handler now. Cheap after the first call. Registering it lazily keeps a process that
 * never observes anything from paying the handler's allocation (malloc's first use) at start. */
void ga_lifecycle_arm(void);

/* 1 in a process forked from the one that loaded the library (also when the fork happened
 * before the fork handler was registered). */
int ga_process_forked(void);

/* A system call made without libc: no errno written, no lazy symbol binding. For the
 * constructor's path only, where each first call into libc costs a binding in ld.so (~700
 * instructions) that a process which never calls it again would pay for nothing. Returns
 * what the kernel returns: -errno on failure. */
#if defined(__x86_64__)
static inline long ga_sys5(long n, long a, long b, long c, long d, long e)
{
    long r;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    __asm__ __volatile__("syscall" : "=a"(r) : "0"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                         : "rcx", "r11", "memory");
    return r;
}
#else
#include <errno.h>
#include <unistd.h>
static inline long ga_sys5(long n, long a, long b, long c, long d, long e)
{
    int saved = errno;
    long r = syscall(n, a, b, c, d, e);
    if (r == -1)
        r = -errno;
    errno = saved;
    return r;
}
#endif

#endif
