/* kafka_rkm.c — a consumed message's traceparent (contracts and the why in kafka_rkm.h). */
#include <string.h>
#include "protocols/kafka/kafka_hdrs.h"
#include "protocols/w3c/tp_fast.h"
#include "plugins/kafka/kafka_rkm.h"
#include "plugins/kafka/kafka_lib.h"

/* rd_kafka_msg_t (LP64, librdkafka 1.6.0 .. 2.15): offsets from the message's start. */
enum {
    GA__RKM_FLAGS = 88,             /* int rkm_flags, after the message and a TAILQ_ENTRY */
    GA__RKM_HEADERS = 104,          /* rd_kafka_headers_t *rkm_headers */
    GA__RKM_BINHDRS_LEN = 120,      /* rkm_u.consumer.binhdrs: int32_t len ... */
    GA__RKM_BINHDRS_DATA = 128,     /* ... const void *data */
};
#define GA__RKM_F_PRODUCER 0x40000  /* RD_KAFKA_MSG_F_PRODUCER */

static const char ga__tp_name[] = "traceparent";
static _Atomic int ga__layout;      /* 0 not known yet, 1 known layout, 2 public calls only */

int ga_kf_rkm_layout_known(int v)
{
    return sizeof(void *) == 8 && v >= 0x01060000 && v <= 0x020fffff;
}

void ga_kf_rkm_reset(void)
{
    atomic_store_explicit(&ga__layout, 0, memory_order_relaxed);
}

static int ga__raw(void)
{
    int l = atomic_load_explicit(&ga__layout, memory_order_relaxed);
    if (ga_likely(l != 0))
        return l == 1;
    ga_kf_rd_kafka_version_fn ver = GA_KF_HELPER(rd_kafka_version);
    l = ver != NULL && ga_kf_rkm_layout_known(ver()) ? 1 : 2;
    atomic_store_explicit(&ga__layout, l, memory_order_relaxed);
    return l == 1;
}

/* Through the public calls: the list (parsed now if it was not yet), its last traceparent. */
static void ga__public(const ga_kf_message *m, rd_kafka_headers_t *h, ga_span_ctx *p)
{
    ga_kf_rd_kafka_message_headers_fn mh = GA_KF_HELPER(rd_kafka_message_headers);
    ga_kf_rd_kafka_header_get_last_fn get = GA_KF_HELPER(rd_kafka_header_get_last);
    const void *v = NULL;
    size_t len = 0;
    if (get == NULL || (h == NULL && (mh == NULL || mh(m, &h) != GA_KF_ERR_NO_ERROR || h == NULL)))
        return;
    if (get(h, ga__tp_name, &v, &len) == GA_KF_ERR_NO_ERROR && v != NULL)
        ga_tp_parse(v, len, p);
}

void ga_kf_message_parent(const ga_kf_message *m, ga_span_ctx *p)
{
    p->valid = 0;
    if (!ga__raw()) {
        ga__public(m, NULL, p);
        return;
    }
    const char *base = (const char *)m;
    rd_kafka_headers_t *parsed;
    int32_t flags, len;
    const uint8_t *data, *v;
    size_t vlen;
    memcpy(&parsed, base + GA__RKM_HEADERS, sizeof parsed);
    memcpy(&flags, base + GA__RKM_FLAGS, sizeof flags);
    if (parsed != NULL || (flags & GA__RKM_F_PRODUCER)) {
        ga__public(m, parsed, p);           /* already a list: the cheap lookup */
        return;
    }
    memcpy(&len, base + GA__RKM_BINHDRS_LEN, sizeof len);
    memcpy(&data, base + GA__RKM_BINHDRS_DATA, sizeof data);
    if (len > 0 && data != NULL &&
        ga_kafka_hdr_last(data, (size_t)len, ga__tp_name, sizeof ga__tp_name - 1, &v, &vlen) == GA_KAFKA_HDR_FOUND &&
        v != NULL)
        ga_tp_parse((const char *)v, vlen, p);
}
