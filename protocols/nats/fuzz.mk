# protocols/nats/fuzz.mk — the NATS parser's fuzz target (template: mk/fuzz.mk).
# Input of tests/fuzz/fuzz_nats.c: byte 0 = direction (0 client to server, 1 server to
# client), byte 1 = split step, then the stream.

NATS_PARSER_SRCS := $(wildcard protocols/nats/*.c)

FUZZ_NATS_SEEDS := \
  '\001\003INFO {"server_id":"x","headers":true,"max_payload":1048576,"connect_urls":["a:1"]} \r\n' \
  '\000\005CONNECT {"verbose":false,"lang":"C","headers":true,"no_responders":true}\r\nPING\r\n' \
  '\000\002PUB foo 5\r\nhello\r\nHPUB foo r 22 27\r\nNATS/1.0\r\nA: b\r\n\r\nhello\r\nSUB foo  1\r\n' \
  '\000\007HPUB x 82 87\r\nNATS/1.0\r\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n\r\nhello\r\n' \
  '\001\004MSG foo 1 5\r\nhello\r\nHMSG FOO.BAR 9 BAZ.69 34 45\r\nNATS/1.0\r\nFoodGroup: vegetable\r\n\r\nHello World\r\n' \
  '\001\001+OK\r\n-ERR '"'"'Maximum Payload Violation'"'"'\r\nPING\r\nHMSG i 2 16 16\r\nNATS/1.0 503\r\n\r\n\r\n'

FUZZ_PREP_nats = @i=0; for s in $(FUZZ_NATS_SEEDS); do i=$$((i+1)); printf "$$s" > $(1)/corpus/seed$$i; done
FUZZ_ARGS_nats := -max_len=4096

$(eval $(call ga_fuzz_target,nats,tests/fuzz/fuzz_nats.c $(NATS_PARSER_SRCS),$(wildcard protocols/nats/*.h) protocols/nats/fuzz.mk,20))
