/* kafka_rkm.c — a consumed message's traceparent (contracts and the why in kafka_rkm.h). */
#include <string.h>
#include "protocols/kafka/kafka_hdrs.h"
#include "protocols/w3c/tp_fast.h"
#include "plugins/kafka/kafka_rkm.h"
#include "plugins/kafka/kafka_lib.h"

static const char ga__tp_name[] = "traceparent";
_Atomic int ga_kf_rkm_layout;

int ga_kf_rkm_layout_known(int v)
{
    return sizeof(void *) == 8 && v >= 0x01060000 && v <= 0x020fffff;
}

void ga_kf_rkm_reset(void)
{
    atomic_store_explicit(&ga_kf_rkm_layout, 0, memory_order_relaxed);
}

static int ga__raw(void)
{
    int l = atomic_load_explicit(&ga_kf_rkm_layout, memory_order_relaxed);
    if (ga_likely(l != 0))
        return l == 1;
    ga_kf_rd_kafka_version_fn ver = GA_KF_HELPER(rd_kafka_version);
    l = ver != NULL && ga_kf_rkm_layout_known(ver()) ? 1 : 2;
    atomic_store_explicit(&ga_kf_rkm_layout, l, memory_order_relaxed);
    return l == 1;
}

void ga_kf_message_parent_public(const ga_kf_message *m, rd_kafka_headers_t *h, ga_span_ctx *p)
{
    ga_kf_rd_kafka_message_headers_fn mh = GA_KF_HELPER(rd_kafka_message_headers);
    ga_kf_rd_kafka_header_get_last_fn get = GA_KF_HELPER(rd_kafka_header_get_last);
    const void *v = NULL;
    size_t len = 0;
    p->valid = 0;
    if (get == NULL || (h == NULL && (mh == NULL || mh(m, &h) != GA_KF_ERR_NO_ERROR || h == NULL)))
        return;
    if (get(h, ga__tp_name, &v, &len) == GA_KF_ERR_NO_ERROR && v != NULL)
        ga_tp_parse(v, len, p);
}

void ga_kf_message_parent_slow(const ga_kf_message *m, ga_span_ctx *p)
{
    if (ga__raw())
        ga_kf_message_parent_raw(m, p);     /* the layout is known now */
    else
        ga_kf_message_parent_public(m, NULL, p);
}
