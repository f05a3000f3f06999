/* scratch.h — a few KiB of working memory for hooks that need them inside an application's
 * write call (a header-injection plan, a log line being rewritten or gathered), taken from a
 * fixed pool instead of the application thread's stack.
 *
 * Why: a thread created with a small stack (PTHREAD_STACK_MIN is 16 KiB, and glibc carves
 * the static TLS out of it) that was fine bare must not overflow because a write it makes
 * went through the library. With the pool, a hook's own frames stay under a few hundred
 * bytes. The pool is GA_SCRATCH_SLOTS buffers in .bss (no page is touched until a slot is
 * first used). A slot is held across the real call it prepares (a blocking send may wait
 * there), so threads blocked in such calls can take every slot: then a caller falls back to
 * its old stack frame (a noinline function) or, where that is only telemetry, goes without
 * (a log line not rewritten). Behaviour seen by the application never depends on the pool. */
#ifndef GA_SCRATCH_H
#define GA_SCRATCH_H

#include <stddef.h>

#define GA_SCRATCH_SLOTS 64
#define GA_SCRATCH_SIZE  8192

/* A free slot of GA_SCRATCH_SIZE bytes (contents undefined), or NULL when all are taken.
 * Async-signal-safe: one atomic compare-and-swap, no allocation. */
void *ga_scratch_get(void);

/* Give back a slot from ga_scratch_get (the same thread). p == NULL is allowed. */
void ga_scratch_put(void *p);

/* Child after fork: only the slots the forking thread held stay taken. */
void ga_scratch_after_fork(void);

#endif
