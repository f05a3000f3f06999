/* lifecycle.c — the library's life in a process: the constructor (read the configuration
 * table, resolve the real symbols, set up the plug-ins), the fork handler, and the bounded
 * flush at exit.
 *
 * Nothing starts here: no thread, no allocation, no socket. The exporter thread is started
 * by the first record (exporter/thread.c), so the many short-lived children that inherit
 * LD_PRELOAD and never touch a socket pay only this constructor. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "preload/ga.h"
#include "preload/config.h"
#include "preload/conn.h"
#include "preload/context.h"
#include "preload/emit.h"
#include "preload/fdtable.h"
#include "preload/logcap.h"
#include "preload/proto.h"
#include "preload/real.h"
#include "preload/ring.h"
#include "preload/scratch.h"
#include "exporter/exporter.h"

GA_TLS int ga_tls_internal;
GA_TLS int ga_tls_busy;
GA_TLS int ga_tls_presend_fed;
int ga_enabled GA_START_DATA;
_Atomic uint32_t ga_fork_generation;

const char *ga_argv0 GA_START_DATA;

/* Child after fork (not vfork, not posix_spawn: those never run atfork handlers). The
 * child has only the forking thread; the parent's exporter thread and its data stay with
 * the parent. */
GA_FORK_PATH static void ga__after_fork_child(void)
{
    int saved = errno;
    ga_context_after_fork();
    ga_fd_after_fork();
    ga_ring_after_fork();
    ga_conn_after_fork();
    ga_scratch_after_fork();
    ga_proto_after_fork();
    ga_exporter_after_fork();
    ga_emit_after_fork();
    errno = saved;
}

/* The bounded flush at exit (GENESIS_EXIT_FLUSH_MS); _exit() and fatal signals skip it,
 * losing only telemetry. A destructor: the loader runs it when it finalises this object at
 * exit, after the application's atexit handlers and the program's own destructors. That is
 * where a handler our constructor registered with atexit() would run too (the object's
 * finalisation runs such handlers right after its destructors), without the registration's
 * lazy binding of __cxa_atexit in every process that starts (~750 instructions). */
__attribute__((destructor)) GA_FORK_PATH static void ga__at_exit(void)
{
    if (!ga_enabled)
        return;
    int saved = errno;
    ga_exporter_flush_at_exit(ga_cfg.exit_flush_ms);
    errno = saved;
}

static pid_t ga__start_pid GA_START_DATA;

int ga_process_forked(void)
{
    return atomic_load_explicit(&ga_fork_generation, memory_order_relaxed) != 0 ||
           (pid_t)syscall(SYS_getpid) != ga__start_pid;
}

void ga_lifecycle_arm(void)
{
    static _Atomic int armed;
    if (ga_likely(atomic_load_explicit(&armed, memory_order_relaxed)))
        return;
    if (!atomic_exchange(&armed, 1))
        pthread_atfork(ga_exporter_before_fork, NULL, ga__after_fork_child);
}

/* The program's short name: argv[0] after its last '/' (what glibc calls
 * program_invocation_short_name; "" without an argv[0]). */
static const char *ga__short_name(const char *argv0)
{
    const char *s = argv0 != NULL ? argv0 : "";
    for (const char *p = s; *p != '\0'; p++)
        if (*p == '/')
            s = p + 1;
    return s;
}

/* The loader calls a shared object's constructors with the program's argc, argv and
 * environment (glibc does, for preloaded and dlopen'ed objects alike). Taking them here keeps
 * the library free of references to `environ` and `program_invocation_*`: each such data
 * symbol is a lookup the loader makes in every process, a few hundred instructions. */
__attribute__((constructor)) static void ga__init(int argc, char **argv, char **envp)
{
    int saved = errno;
    /* Every process resolves each real function on its first call (real.h), the cheap way
     * once this has run: a process pays for the functions it uses. */
    ga_real_init();
    ga_argv0 = argc > 0 && argv != NULL ? argv[0] : NULL;
    ga_config_load(&ga_cfg, ga__short_name(ga_argv0), envp);
    /* With every exporter `none` nothing the library could record would be seen, and it
     * injects trace context only for a process whose spans go somewhere: it stays a pure
     * pass-through (no thread, no record, no byte changed), like a disabled one. */
    if (!ga_cfg.disabled && (ga_cfg.traces_exporters | ga_cfg.metrics_exporters |
                             (ga_cfg.logs_capture ? ga_cfg.logs_exporters : 0)) != 0) {
        ga__start_pid = (pid_t)ga_sys5(SYS_getpid, 0, 0, 0, 0, 0);
        ga_proto_init(ga_cfg.propagate && ga_cfg.traces_exporters != 0);
        ga_logcap_init();
        if (ga_cfg.metrics_exporters & GA_EXP_PROMETHEUS)
            ga_lifecycle_arm();     /* a pre-forking master that observes nothing still forks
                                     * the family that shares its endpoint (before-fork hook) */
        ga_enabled = 1;
    }
    errno = saved;
}
