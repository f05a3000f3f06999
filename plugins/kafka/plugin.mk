# plugins/kafka/plugin.mk — the Kafka plug-in's test programs link Debian's librdkafka (the
# library itself never links it: its hooks find librdkafka at run time).
PROG_LIBS_kafka_mock   := -lrdkafka
PROG_LIBS_kafka_client := -lrdkafka
PROG_LIBS_kafka_bench  := -lrdkafka
