/* ring.h — the bounded lock-free multi-producer single-consumer queue of records between
 * application threads and the exporter thread.
 *
 * Producers reserve a slot, fill the record in place and commit; when the ring is full the
 * newest record is dropped and counted (the application never waits). The single consumer
 * (exporter thread) takes committed records in order. Memory is mmap'd on first use, so a
 * process that never touches a socket pays nothing. Algorithm: Vyukov's bounded queue,
 * one sequence number per slot. */
#ifndef GA_RING_H
#define GA_RING_H

#include "preload/record.h"

/* Reserve a slot for a new record. Returns NULL when the ring is full (the drop is
 * counted) or could not be allocated. The record holds what the slot's last use left: the
 * caller writes the whole header (ga_rec_init, preload/emit.h). */
ga_rec *ga_ring_reserve(void);

/* ga_ring_reserve for a caller that must not call out (the emit door's fast path, whose
 * registers then need no saving): GA_RING_UNMAPPED, with nothing counted, when the ring is not
 * mapped yet — the caller then takes ga_ring_reserve. */
#define GA_RING_UNMAPPED ((ga_rec *)1)
ga_rec *ga_ring_reserve_mapped(void);

/* The same for records that must not crowd others out (log chunks): NULL also when more than
 * half the ring is waiting (that drop is the caller's to count); the header is not cleared
 * either. */
ga_rec *ga_ring_reserve_half(void);

/* Publish a record obtained from ga_ring_reserve(). Must be called exactly once. */
void ga_ring_commit(ga_rec *r);

/* Consumer side: the oldest committed record or NULL; release it with ga_ring_release()
 * before taking the next one. */
ga_rec *ga_ring_peek(void);
void ga_ring_release(ga_rec *r);

/* Number of records waiting (approximate; for the queue-depth self-metric). */
uint32_t ga_ring_depth(void);

/* Records dropped because the ring was full, since process start (or since fork). */
uint64_t ga_ring_dropped(void);

/* Child after fork: forget everything in flight (the parent exports its own records). The
 * ring was wiped by the kernel at fork (MADV_WIPEONFORK) when it could be: it is then kept,
 * empty; otherwise it is unmapped and a new one is mapped on first use. */
void ga_ring_after_fork(void);

/* Unmap the ring (a new one is mapped on first use). Only while no other thread uses it: a
 * child after fork whose ring was not wiped, and tests. */
void ga_ring_unmap(void);

/* For tests: the capacity in slots (0 before first use). */
uint32_t ga_ring_capacity(void);

#endif
