/* stack.h — call-site stacks of slow and failed client operations (docs/stacks.md).
 *
 * When a client or producer span (database, Redis, HTTP client, message publish) ends slow or
 * in error, the emit door (preload/emit.c) captures the calling thread's stack while that
 * thread is still inside the call: the instruction pointers, from the first frame outside this
 * library on, bounded (GA_STACK_DEPTH) and delta-encoded into the record (attribute
 * GA_A_STACK). Nothing else happens on the application thread: symbols, module names, the
 * skipping of client-library frames and the text are the exporter's (exporter/stack_sym.c).
 *
 * libunwind is loaded privately (dlopen RTLD_LOCAL) on the first capture, never linked: linked
 * or global, its _Unwind_* symbols would take over the host's C++ exceptions (SPECS-2 §7). If
 * it cannot be loaded there are no stacks, and the captures missed are counted.
 *
 * The encoding, GA_A_STACK's value: one zigzag LEB128 varint per frame, the difference between
 * its instruction pointer and the previous one's (the first one's from 0), innermost first. */
#ifndef GA_STACK_H
#define GA_STACK_H

#include <stdint.h>
#include "preload/record.h"

#define GA_STACK_DEPTH 32           /* frames kept after this library's own */

/* A capture happens when (end - start) >= ga_stack_slow_ns or status == ga_stack_err_status:
 * UINT64_MAX and 0xff switch either test off (GENESIS_STACKS, GENESIS_STACK_SLOW_MS). */
extern GA_HIDDEN uint64_t ga_stack_slow_ns;     /* hidden: read without a GOT load */
extern GA_HIDDEN uint8_t ga_stack_err_status;

/* Counters (relaxed atomics, read by the exporter's self-metrics). */
extern _Atomic uint64_t ga_stack_captured;      /* stacks attached */
extern _Atomic uint64_t ga_stack_unavailable;   /* wanted, but libunwind could not be loaded */
extern _Atomic uint64_t ga_stack_skipped;       /* wanted while another thread loaded it, or no room */

/* Read GENESIS_STACKS and GENESIS_STACK_SLOW_MS from the configuration table (constructor). */
void ga_stack_configure(void);

/* The emit door's test: one subtraction, two compares, no call for a fast success (seven
 * instructions in ga_emit_commit). */
static inline int ga_stack_wanted(const ga_rec *r)
{
    return (r->h.end_ns - r->h.start_ns >= ga_stack_slow_ns) | (r->h.status == ga_stack_err_status);
}

/* Capture the calling thread's stack into r when r is a client or producer span and the
 * thread is an application thread. Application thread; never fails the caller. */
void ga_stack_attach(ga_rec *r);

/* Does r carry a stack? (An op that names its caller otherwise — the hiredis hook's
 * code.function.name — leaves the name to the stack then: one key, one value.) */
static inline int ga_rec_has_stack(const ga_rec *r)
{
    if (!ga_stack_wanted(r))        /* the emit door's own test: most records stop here */
        return 0;
    size_t off = 0, len;
    uint8_t key, type;
    const uint8_t *v;
    while (ga_rec_next(r, &off, &key, &type, &v, &len))
        if (key == GA_A_STACK)
            return 1;
    return 0;
}

/* Decode a GA_A_STACK value into ips[0 .. max); returns the count (exporter, tests). */
int ga_stack_decode(const uint8_t *v, size_t len, uint64_t *ips, int max);

/* Encode ips[0 .. n) into out (at most cap bytes, whole frames only); returns the bytes used
 * (application thread, tests). */
size_t ga_stack_encode(const uint64_t *ips, int n, uint8_t *out, size_t cap);

#endif
