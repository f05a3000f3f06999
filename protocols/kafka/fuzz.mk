# protocols/kafka/fuzz.mk — the record-header block reader (template: mk/fuzz.mk).

FUZZ_KAFKA_SRCS := tests/fuzz/fuzz_kafka_hdrs.c $(wildcard protocols/kafka/*.c)
FUZZ_PREP_kafka_hdrs = @printf '\x02\x16traceparent\x6e00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' \
    > $(1)/corpus/seed-one; printf '\x04\x06app\x021\x16traceparent\x01' > $(1)/corpus/seed-null
FUZZ_ARGS_kafka_hdrs = -max_len=1024

$(eval $(call ga_fuzz_target,kafka_hdrs,$(FUZZ_KAFKA_SRCS),$(wildcard protocols/kafka/*.h) protocols/kafka/fuzz.mk,10))
