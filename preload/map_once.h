/* map_once.h — a region of memory mapped once per process, at first use, by whichever thread
 * needs it first, without any thread losing its work because another one is mapping it.
 *
 * One thread maps the region; threads arriving meanwhile sleep on a futex until it is
 * published (they do not spin: on a small machine, spinning waiters keep the mapping thread
 * off the CPU for milliseconds). If the region is not published within GA_MAP_ONCE_WAIT_NS
 * (the mapping thread preempted on a loaded machine, or interrupted by a signal handler that
 * needs the region itself), one waiter takes over and maps a region of its own; the first to
 * publish wins and the other one is unmapped. So a process has at most one mapping in
 * progress per wait period, never one per thread (64 threads each mapping a 131072-slot ring
 * at once were 3.5 GB of address space). */
#ifndef GA_MAP_ONCE_H
#define GA_MAP_ONCE_H

#include <stddef.h>
#include <stdint.h>
#include <stdatomic.h>

#define GA_MAP_ONCE_WAIT_NS 2000000u        /* 2 ms: an unhindered mapping takes ~10 µs */

typedef struct ga_map_once {
    void *_Atomic ptr;              /* the published region, NULL until then */
    _Atomic uint32_t turn;          /* 0 unclaimed, n the n-th mapper at work, GA_MAP_ONCE_OVER */
    _Atomic uint32_t sleepers;      /* a waiter may sleep on `turn`: wake it when it changes */
    const char *what;               /* for the error line: "the record queue" */
    int log_kind;                   /* GA_LK_* of the error line */
} ga_map_once;

#define GA_MAP_ONCE_OVER UINT32_MAX    /* published, or the mapping failed (ptr stays NULL) */

/* Prepares a fresh region before any other thread can see it. */
typedef void (*ga_map_once_init_fn)(void *region, void *arg);

/* The region: `m->ptr` if published, else mapped now (`bytes`, anonymous, zeroed, then
 * `init(region, arg)`) or waited for. NULL only when the mapping failed (logged once, and
 * every later call returns NULL at once). Blocks only while another thread maps, at most
 * about GA_MAP_ONCE_WAIT_NS before mapping itself. Async-signal-safe; errno is kept. */
void *ga_map_once_get(ga_map_once *m, size_t bytes, ga_map_once_init_fn init, void *arg);

/* Child after fork (one thread, not inside ga_map_once_get): back to "not mapped". The
 * caller unmaps the parent's region if it wants it gone. */
void ga_map_once_reset(ga_map_once *m);

#endif
