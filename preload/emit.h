/* emit.h — the one door from the application thread to the exporter thread: every record
 * (a plug-in's or the core's) is begun and committed here.
 *
 * ga_emit_begin() reserves a ring slot and fills its header in one place: protocol and op,
 * span kind, the span identity, times, and the writing thread's id (cached per thread, renewed
 * after fork). The caller then sets the status, adds its attributes (record.h, ga_rec_put*)
 * and commits. Application thread, hot path: no lock, no malloc, no syscall but a gettid once
 * per thread. */
#ifndef GA_EMIT_H
#define GA_EMIT_H

#include <stdint.h>
#include "preload/record.h"
#include "preload/plugins.h"
#include "protocols/w3c/w3c.h"

/* CLOCK_REALTIME in ns since the epoch (vDSO, no syscall). */
uint64_t ga_now_ns(void);

/* Fill r's header (attributes emptied): proto/op (enum ga_proto; the plug-in's op), kind
 * (GA_KIND_*; 0 = not a span, ids may then be NULL), the identity from ids, start and end
 * (end is clamped to start), this thread's id. Pure but for the thread id: tests build
 * records with it. */
void ga_rec_init(ga_rec *r, uint8_t proto, uint8_t op, uint8_t kind, const ga_span_ids *ids,
                 uint64_t start_ns, uint64_t end_ns);

/* Begin a record: a ring slot initialised by ga_rec_init(), or NULL when there is no room
 * (the drop is counted) — then there is nothing to commit. Starts the exporter thread on
 * first use. */
ga_rec *ga_emit_begin(uint8_t proto, uint8_t op, uint8_t kind, const ga_span_ids *ids,
                      uint64_t start_ns, uint64_t end_ns);

/* Begin a log-chunk record (preload/logcap.h: proto core, op GA_OP_LOG, not a span) at time t:
 * the lean door for the highest-volume record. Only the header's first word, the ids, the
 * times, attr_len and the thread id are set; NULL when the ring is more than half full (the
 * caller counts the drop), so output never crowds spans out. */
ga_rec *ga_emit_begin_log(uint64_t t);

/* dst = src's header and its attr_len bytes of attributes, in one copy, but for the thread id
 * (this thread's) and end_ns (end_ns, clamped to src's start_ns); what lies past the
 * attributes is not copied. Pure but for the thread id, as ga_rec_init. */
void ga_rec_copy(ga_rec *dst, const ga_rec *src, uint64_t end_ns);

/* Emit ga_rec_copy of a record the caller prepared in its own memory (a span that stays open
 * across calls, its record built when it opens: one copy at its end, where ga_emit_begin fills
 * a header field by field), committed as ga_emit_commit does (a stack when ga_stack_wanted
 * says so). Dropped, and counted, when the ring has no room. Starts the exporter thread on
 * first use, as ga_emit_begin. */
void ga_emit_copy(const ga_rec *src, uint64_t end_ns);

/* In a forked child (lifecycle.c): the next record starts the child's exporter thread. */
void ga_emit_after_fork(void);

/* Hand a begun record to the exporter thread. Exactly once per ga_emit_begin() that
 * returned a record. */
void ga_emit_commit(ga_rec *r);

#endif
