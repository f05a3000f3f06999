/* kafka_plugin.c — the Kafka plug-in: its descriptor (preload/plugin.h) and configuration.
 *
 * Kafka is observed through librdkafka's API, not on the wire (its record batches carry CRCs
 * and lengths and may be compressed: nothing can be added there). Library hooks:
 * hook_rdkafka_produce.c (PRODUCER spans, the `traceparent`/`b3`/`X-B3-*` headers: kafka_inject.c,
 * kafka_send.c) and hook_rdkafka_consume.c (CONSUMER spans and the thread's active context:
 * kafka_process.c), on the functions kafka_lib.c finds. Exporter side: kafka_ops.c. */
#include "preload/plugin.h"
#include "preload/config.h"
#include "plugins/kafka/kafka_plugin.h"

/* The plug-in's configuration entries, X(NAME, TYPE, default, meaning[, type arguments]) as in
 * preload/env.h; the table keeps its texts in a string pool (no relocations). */
#define GA__VARS(X)                                                                            \
    X(GENESIS_KAFKA_KEYS, BOOL, "false", "export message keys as messaging.kafka.message.key")

GA_PLUGIN_VAR_TABLE(GA__VARS);

ga_kafka_cfg_t ga_kafka_cfg GA_START_DATA;

GA_INIT_PATH static void ga__init(void)
{
    ga_kafka_cfg.keys = (uint8_t)ga_var_bool(&ga__vtab.v[GA_V_GENESIS_KAFKA_KEYS]);
    /* A header is only worth adding when the producer's span goes somewhere. */
    unsigned ctx = ga_cfg.propagators & (GA_PROP_TC | GA_PROP_B3 | GA_PROP_B3MULTI);
    ga_kafka_cfg.inject = ga_cfg.propagate && ga_cfg.traces_exporters != 0 ? (uint8_t)ctx : 0;
    ga_kafka_cfg.extract_b3 = (ga_cfg.propagators & (GA_PROP_B3 | GA_PROP_B3MULTI)) != 0;
    /* baggage rides along a context (a message with no context of ours carries none) */
    ga_kafka_cfg.bag = ga_kafka_cfg.inject != 0 && (ga_cfg.propagators & GA_PROP_BAGGAGE) != 0;
    ga_kafka_cfg.other = ga_kafka_cfg.inject != GA_PROP_TC || ga_kafka_cfg.bag;
    ga_kafka_cfg.bag_in = (ga_cfg.propagators & GA_PROP_BAGGAGE) != 0;
    ga_kafka_cfg.lazy = !ga_kafka_cfg.extract_b3 && !ga_kafka_cfg.bag_in && !ga_cfg.env_parent.valid;
}

extern const struct ga_plugin_exp ga_kafka_exp;

const ga_plugin ga_plugin_kafka = {
    .name = "kafka",
    .init = ga__init,
    .after_fork = ga_kf_process_after_fork,
    .vars = ga__vtab.v,
    .exp = &ga_kafka_exp,
};
