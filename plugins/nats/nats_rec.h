/* nats_rec.h — the NATS record format: the plug-in's ops and attribute keys, written on the
 * application thread (nats_span.c, hook_libnats.c) and decoded on the exporter thread
 * (nats_ops.c). */
#ifndef GA_NATS_REC_H
#define GA_NATS_REC_H

#include "preload/record.h"

enum {
    GA_OP_NATS_PUBLISH = 1,     /* PUB / HPUB went out: PRODUCER `publish <subject>` */
    GA_OP_NATS_PROCESS,         /* a libnats callback processed a message: CONSUMER
                                 * `process <subject>`, exactly the callback's time */
    GA_OP_NATS_DELIVER,         /* MSG / HMSG read from the wire: CONSUMER `process <subject>`,
                                 * until the thread reads the connection again */
    GA_OP_NATS_COUNT
};

enum ga_nats_attr_key {
    GA_A_NATS_INFO = GA_A_PLUGIN_FIRST, /* int: GA_NATS_I_* bits (always present) */
    GA_A_NATS_BODY,                     /* int: payload bytes, headers excluded */
    GA_A_NATS_SUBJECT,                  /* str: the subject (cut at the state's copy) */
    GA_A_NATS_QUEUE,                    /* str: the queue group of the subscription */
    GA_A_NATS_HOST,                     /* str: server host (libnats hooks: no socket known) */
    GA_A_NATS_PORT,                     /* int: server port (libnats hooks) */
};

/* GA_A_NATS_INFO bits. */
#define GA_NATS_I_INJECTED  0x01    /* publish: our context rode in the message headers */
#define GA_NATS_I_OWN_CTX   0x02    /* publish: the message carried a context of its own, of a
                                     * configured format (traceparent, b3, X-B3-*) */
#define GA_NATS_I_REPLY     0x04    /* the message has a reply subject (a request) */
#define GA_NATS_I_LIBNATS   0x08    /* made by the libnats hooks (not the wire) */
#define GA_NATS_I_CUT       0x10    /* the subject was longer than what was kept */
#define GA_NATS_I_HEADERS   0x20    /* the message had a header block (HPUB / HMSG) */

#endif
