/* tail.h — local tail sampling on the exporter thread (GENESIS_TAIL_SAMPLING, docs/sampling.md).
 *
 * The span records of traces the head sampler dropped are held, copied, in a bounded buffer and
 * grouped by local segment: the spans this process made under one local root, a span without a
 * parent or with a remote one (a server span, a consumer span, a top-level client span). When
 * the root's record arrives, the segment is decided: handed to the span exporters when one of
 * its spans ended in error or the root lasted longer than GENESIS_TAIL_SLOW_MS, else discarded.
 *
 * Nothing of this runs on an application thread: a record's header already says whether it is
 * a local root (no parent, or a remote one) and which segment it belongs to (its own span id,
 * or its parent's). A span whose parent is a local span that is not a root (a consumer span
 * nested in a server span) takes the spans held under its own id along into its parent's
 * segment when it arrives, so deeper trees come together too. */
#ifndef GA_TAIL_H
#define GA_TAIL_H

#include <stdint.h>
#include "preload/record.h"

/* Why a held span was exported: the value of its GA_A_TAIL attribute. */
enum ga_tail_why { GA_TAIL_ERROR = 1, GA_TAIL_SLOW = 2 };

/* Where kept spans go (the exporter thread's hand-off to its span exporters). */
typedef void (*ga_tail_out)(const ga_rec *r);

/* Read the configuration, remember `out`. Returns 1 when tail sampling is on. The buffer is
 * allocated on the first held span. */
int ga_tail_open(ga_tail_out out);

/* Whether tail sampling is on (after ga_tail_open). */
int ga_tail_on(void);

/* A span record the head sampler dropped: held, decided, or — tail sampling off, no memory —
 * let go. The record is copied; the caller keeps ownership of r. */
void ga_tail_span(const ga_rec *r);

/* Periodic: segments whose root has not ended within the age limit (60 s, or four times
 * GENESIS_TAIL_SLOW_MS when that is longer) are decided as they stand (kept only for an error).
 * Returns the ms until the next call is useful, or -1 when nothing is held. */
int ga_tail_tick(uint64_t now_ms);

/* At exit: every held segment is decided as it stands. */
void ga_tail_final(void);

/* Child after fork: forget (never free) the parent's buffer. */
void ga_tail_after_fork(void);

/* Tests: free the buffer and forget the configuration, counters and kept traces, as if
 * ga_tail_open had never run; ga_tail_after_fork leaks instead. Not for a forked child. */
void ga_tail_clear(void);

/* Self-metrics: segments kept, discarded, and dropped undecided because the buffer was full
 * (GENESIS_TAIL_BUFFER). Owned by the exporter thread. */
typedef struct ga_tail_stats {
    uint64_t kept, discarded, overflowed;
    uint64_t spans_held;        /* spans now in the buffer (a gauge) */
} ga_tail_stats;
extern ga_tail_stats ga_tail_self;

#endif
