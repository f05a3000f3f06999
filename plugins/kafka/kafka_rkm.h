/* kafka_rkm.h — the traceparent of a consumed message read from librdkafka's message itself,
 * without rd_kafka_message_headers(): that call builds a header list (a malloc per header and
 * the list's own) the first time it is asked, about 1,600 instructions per message on the
 * application's thread that an application which never reads headers would not spend.
 *
 * A consumed rd_kafka_message_t is the first member of librdkafka's internal rd_kafka_msg_t,
 * which keeps the record's header block unparsed until someone asks (rkm_u.consumer.binhdrs)
 * and the parsed list once someone did (rkm_headers). Their places are read from the sources
 * of every release from 1.6.0 to 2.15 (src/rdkafka_msg.h: unchanged before the union; binhdrs
 * first in the consumer member) and used only when rd_kafka_version() is in that range on an
 * LP64 ABI; any other version takes the public calls. The block is read by the pure parser
 * protocols/kafka/kafka_hdrs.c, with librdkafka's own rules (the last header of the name) but
 * for the case of the name, which is folded: a producer's `Traceparent` is read too. */
#ifndef GA_KAFKA_RKM_H
#define GA_KAFKA_RKM_H

#include <stdatomic.h>
#include <string.h>
#include "preload/context.h"
#include "protocols/kafka/kafka_hdrs.h"
#include "protocols/w3c/tp_fast.h"
#include "plugins/kafka/kafka_rdk.h"

/* rd_kafka_msg_t (LP64, librdkafka 1.6.0 .. 2.15): offsets from the message's start. */
enum {
    GA_KF_RKM_FLAGS = 88,           /* int rkm_flags, after the message and a TAILQ_ENTRY */
    GA_KF_RKM_HEADERS = 104,        /* rd_kafka_headers_t *rkm_headers */
    GA_KF_RKM_BINHDRS_LEN = 120,    /* rkm_u.consumer.binhdrs: int32_t len ... */
    GA_KF_RKM_BINHDRS_DATA = 128,   /* ... const void *data */
};
#define GA_KF_RKM_F_PRODUCER 0x40000    /* RD_KAFKA_MSG_F_PRODUCER */

/* What is known of the process's librdkafka (kafka_rkm.c): 0 not yet, 1 the layout above,
 * 2 public calls only. */
extern _Atomic int ga_kf_rkm_layout;

/* ga_kf_message_parent when the layout is not known to be the one above (kafka_rkm.c):
 * decides it on first use, else through the public calls. */
void ga_kf_message_parent_slow(const ga_kf_message *m, ga_span_ctx *p);
/* Through the public calls: h (the message's parsed list, or NULL: parsed now if it was not
 * yet), its last traceparent, any case (kafka_rkm.c). */
void ga_kf_message_parent_public(const ga_kf_message *m, rd_kafka_headers_t *h, ga_span_ctx *p);

/* For the layout above (ga_kf_rkm_layout == 1): 1 when m's header block is still unparsed in
 * place, with *v, *n its last `traceparent` (any case), undecoded (*n = 0: none, a null value or
 * a damaged block); 0 when someone parsed it already (or m is a producer's): *parsed then holds
 * the list, if any, for the public calls. */
static inline int ga_kf_message_tp_block(const ga_kf_message *m, rd_kafka_headers_t **parsed,
                                         const uint8_t **v, size_t *n)
{
    static const char tp_name[] = "traceparent";
    const char *base = (const char *)m;
    int32_t flags, len;
    const uint8_t *data;
    memcpy(parsed, base + GA_KF_RKM_HEADERS, sizeof *parsed);
    memcpy(&flags, base + GA_KF_RKM_FLAGS, sizeof flags);
    if (*parsed != NULL || (flags & GA_KF_RKM_F_PRODUCER))
        return 0;
    memcpy(&len, base + GA_KF_RKM_BINHDRS_LEN, sizeof len);
    memcpy(&data, base + GA_KF_RKM_BINHDRS_DATA, sizeof data);
    if (len > 0 && ga_kafka_hdr_one(data, (size_t)len, tp_name, sizeof tp_name - 1, v, n))
        return 1;                               /* the usual block: its one traceparent */
    *v = NULL;
    *n = 0;
    if (len > 0 && data != NULL &&
        (ga_kafka_hdr_last(data, (size_t)len, tp_name, sizeof tp_name - 1, v, n) != GA_KAFKA_HDR_FOUND ||
         *v == NULL))
        *n = 0;
    return 1;
}

/* ga_kf_message_parent for the layout above (ga_kf_rkm_layout == 1). */
static inline void ga_kf_message_parent_raw(const ga_kf_message *m, ga_span_ctx *p)
{
    rd_kafka_headers_t *parsed;
    const uint8_t *v;
    size_t n;
    p->valid = 0;
    if (!ga_kf_message_tp_block(m, &parsed, &v, &n))
        ga_kf_message_parent_public(m, parsed, p);  /* already a list: the cheap lookup */
    else if (n > 0)
        ga_tp_parse((const char *)v, n, p);
}

/* m's last `traceparent` as ga_kf_message_tp_block reads it, when the layout is known and the
 * block unparsed (1); 0 when only the public calls can tell (ga_kf_message_parent decides). */
static inline int ga_kf_message_tp_raw(const ga_kf_message *m, const uint8_t **v, size_t *n)
{
    rd_kafka_headers_t *parsed;
    return atomic_load_explicit(&ga_kf_rkm_layout, memory_order_relaxed) == 1 &&
           ga_kf_message_tp_block(m, &parsed, v, n);
}

/* The producer's context from m's last `traceparent` header (any case) into *p (valid = 0 if none).
 * Inline: it runs for every consumed message, and the usual one (a known layout, an unparsed
 * header block) is a few loads before the header reader and the traceparent decoder. */
static inline void ga_kf_message_parent(const ga_kf_message *m, ga_span_ctx *p)
{
    if (ga_likely(atomic_load_explicit(&ga_kf_rkm_layout, memory_order_relaxed) == 1))
        ga_kf_message_parent_raw(m, p);
    else
        ga_kf_message_parent_slow(m, p);
}

/* The producer's context with b3 or b3multi in OTEL_PROPAGATORS (kafka_rkm.c): the formats in
 * their listed order, the first valid one wins — `traceparent` as ga_kf_message_parent reads
 * it; B3 from the last `b3` header, else the last X-B3-TraceId, X-B3-SpanId, X-B3-Sampled and
 * X-B3-Flags, every name in any case. valid = 0 if none. */
void ga_kf_message_parent_prop(const ga_kf_message *m, ga_span_ctx *p);

/* The value of m's last `baggage` header (any case), read as the b3 headers are (the unparsed
 * block when the layout is known, else the public list); returns its length, 0 if none. */
size_t ga_kf_message_baggage(const ga_kf_message *m, const char **v);

/* 1 when rd_kafka_version() `v` has the layout this file knows. */
int ga_kf_rkm_layout_known(int v);

/* For tests: ask rd_kafka_version() again on the next message. */
void ga_kf_rkm_reset(void);

#endif
