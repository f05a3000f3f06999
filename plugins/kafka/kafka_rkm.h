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
 * protocols/kafka/kafka_hdrs.c, with librdkafka's own rules (the last header of the name). */
#ifndef GA_KAFKA_RKM_H
#define GA_KAFKA_RKM_H

#include "preload/context.h"
#include "plugins/kafka/kafka_rdk.h"

/* The producer's context from m's last `traceparent` header into *p (valid = 0 if none). */
void ga_kf_message_parent(const ga_kf_message *m, ga_span_ctx *p);

/* 1 when rd_kafka_version() `v` has the layout this file knows. */
int ga_kf_rkm_layout_known(int v);

/* For tests: ask rd_kafka_version() again on the next message. */
void ga_kf_rkm_reset(void);

#endif
