/* nats_hint.h — the publisher's trace context, handed from the thread that publishes a message
 * to the thread that writes it to the socket.
 *
 * libnats appends a published message to a buffer and a flusher thread of its own sends it
 * later, batched with others (SPECS-2 §5): on the socket, the message no longer tells whose
 * request it belonged to. The publish hook (hook_libnats.c) leaves a hint — the publishing
 * thread's active span, the time of the call, the subject's hash and the payload size — and
 * the wire, when it sees that message go out on a libnats connection, takes the oldest hint
 * that matches it. A small process-wide table: no lock, no allocation; a hint nobody takes
 * (the wire could not follow the bytes) is overwritten or expires after GA_NATS_HINT_TTL_NS. */
#ifndef GA_NATS_HINT_H
#define GA_NATS_HINT_H

#include <stddef.h>
#include <stdint.h>
#include "protocols/w3c/w3c.h"

#define GA_NATS_HINTS         64
#define GA_NATS_HINT_TTL_NS   (10ull * 1000000000ull)

/* FNV-1a of a subject. */
uint32_t ga_nats_subject_hash(const uint8_t *s, size_t n);

/* Leave a hint (publisher thread). */
void ga_nats_hint_put(uint32_t subj_hash, uint64_t body, const ga_span_ctx *parent,
                      uint64_t start_ns);

/* Take the oldest live hint for (subject subj[0..subj_len), payload size): 1 with *parent and
 * *start_ns, else 0. Cheap when the table is empty: the subject is hashed only when some hint
 * is live (a publisher without an active span leaves none, and that is the common case). */
int ga_nats_hint_take(const uint8_t *subj, size_t subj_len, uint64_t body, uint64_t now_ns,
                      ga_span_ctx *parent, uint64_t *start_ns);

/* Child after fork: hints of the parent's threads mean nothing here. */
void ga_nats_hint_after_fork(void);

#endif
