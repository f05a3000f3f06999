# protocols/nats/fuzz.mk — the NATS parser's fuzz target (template: mk/fuzz.mk).
# Input of tests/fuzz/fuzz_nats.c: byte 0 = direction (bit 0: 0 client to server, 1 server to
# client) and propagator order (bits 1-3), byte 1 = split step, then the stream. The context
# extraction (nats_ctx.c) uses the W3C and B3 parsers of protocols/w3c.

NATS_PARSER_SRCS := $(wildcard protocols/nats/*.c) protocols/w3c/b3.c protocols/w3c/tp_fast.c \
                    protocols/w3c/w3c.c

FUZZ_NATS_SEEDS := \
  '\001\003INFO {"server_id":"x","headers":true,"max_payload":1048576,"connect_urls":["a:1"]} \r\n' \
  '\000\005CONNECT {"verbose":false,"lang":"C","headers":true,"no_responders":true}\r\nPING\r\n' \
  '\000\002PUB foo 5\r\nhello\r\nHPUB foo r 22 27\r\nNATS/1.0\r\nA: b\r\n\r\nhello\r\nSUB foo  1\r\n' \
  '\000\007HPUB x 82 87\r\nNATS/1.0\r\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n\r\nhello\r\n' \
  '\001\004MSG foo 1 5\r\nhello\r\nHMSG FOO.BAR 9 BAZ.69 34 45\r\nNATS/1.0\r\nFoodGroup: vegetable\r\n\r\nHello World\r\n' \
  '\001\001+OK\r\n-ERR '"'"'Maximum Payload Violation'"'"'\r\nPING\r\nHMSG i 2 16 16\r\nNATS/1.0 503\r\n\r\n\r\n' \
  '\013\003HMSG a 1 148 148\r\nNATS/1.0\r\nb3: 80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1\r\nX-B3-TraceId: 80f198ee56343ba864fe8b2a57d3eff7\r\nx-b3-spanid: e457b5a2e4d86bd1\r\n\r\n\r\n' \
  '\005\002HMSG a 1 107 107\r\nNATS/1.0\r\nX-B3-Sampled: 0\r\nX-B3-SpanId: e457b5a2e4d86bd1\r\nX-B3-Flags: 1\r\nX-B3-TraceId: 64fe8b2a57d3eff7\r\n\r\n\r\n'

FUZZ_PREP_nats = @i=0; for s in $(FUZZ_NATS_SEEDS); do i=$$((i+1)); printf "$$s" > $(1)/corpus/seed$$i; done
FUZZ_ARGS_nats := -max_len=4096

$(eval $(call ga_fuzz_target,nats,tests/fuzz/fuzz_nats.c $(NATS_PARSER_SRCS),$(wildcard protocols/nats/*.h) protocols/nats/fuzz.mk,20))
