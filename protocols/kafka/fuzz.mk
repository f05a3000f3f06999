# protocols/kafka/fuzz.mk — the record-header block reader (template: mk/fuzz.mk).

# The B3 values a consumer finds are parsed too (protocols/w3c/b3.c, pure as well).
FUZZ_KAFKA_SRCS := tests/fuzz/fuzz_kafka_hdrs.c $(wildcard protocols/kafka/*.c) protocols/w3c/b3.c \
                   protocols/w3c/w3c.c
FUZZ_PREP_kafka_hdrs = @printf '\x02\x16traceparent\x6e00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' \
    > $(1)/corpus/seed-one; printf '\x04\x06app\x021\x16traceparent\x01' > $(1)/corpus/seed-null; \
    printf '\x02\x04b3\x6680f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1' > $(1)/corpus/seed-b3; \
    printf '\x06\x18X-B3-TraceId\x20a3ce929d0e0e4736\x16X-B3-SpanId\x2000f067aa0ba902b7\x18X-B3-Sampled\x020' \
    > $(1)/corpus/seed-b3multi; \
    printf '\x04\x06app\x021\x16Traceparent\x6e00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' \
    > $(1)/corpus/seed-case
FUZZ_ARGS_kafka_hdrs = -max_len=1024

$(eval $(call ga_fuzz_target,kafka_hdrs,$(FUZZ_KAFKA_SRCS),$(wildcard protocols/kafka/*.h) protocols/w3c/b3.h protocols/kafka/fuzz.mk,10))
