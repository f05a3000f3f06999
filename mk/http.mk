# mk/http.mk — the HTTP/1.x parser's fuzz target (libFuzzer, clang from Debian).
#
# `make fuzz-http` builds $(BUILD)/tests/fuzz/fuzz_http from tests/fuzz/fuzz_http.c and the
# parser sources (pure code, linked directly, no library) and runs it for a bounded time.
# The lead runs every FUZZ_TARGETS entry in `make test`.

HTTP_PARSER_SRCS := protocols/http1.c protocols/http1_body.c protocols/http1_names.c protocols/http1_fast.c
FUZZ_CC          ?= clang
FUZZ_HTTP_BIN    := $(BUILD)/tests/fuzz/fuzz_http
FUZZ_HTTP_TIME   ?= 20
FUZZ_TARGETS     += fuzz-http

.PHONY: fuzz-http
$(FUZZ_HTTP_BIN): tests/fuzz/fuzz_http.c $(HTTP_PARSER_SRCS) protocols/http1.h protocols/http1_int.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 -g -O1 -I. -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -o $@ tests/fuzz/fuzz_http.c $(HTTP_PARSER_SRCS)

# Seeds: byte 0 = direction/method, byte 1 = split step, then the stream.
FUZZ_HTTP_SEEDS := \
  '\000\003GET /a?b=1 HTTP/1.1\r\nHost: h:1\r\ntraceparent: x\r\n\r\n' \
  '\000\007POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;e\r\nhello\r\n0\r\nT: 1\r\n\r\n' \
  '\000\001PUT / HTTP/1.0\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nabcGET / HTTP/1.1\n\n' \
  '\007\005HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' \
  '\007\002HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n' \
  '\011\004HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nHTTP/1.1 304 X\r\n\r\n' \
  '\003\011HTTP/1.0 200 OK\r\nServer: x\r\n\r\nuntil close' \
  '\003\001HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\201\005hello'

fuzz-http: $(FUZZ_HTTP_BIN)
	@mkdir -p $(BUILD)/fuzz-corpus/http
	@i=0; for s in $(FUZZ_HTTP_SEEDS); do i=$$((i+1)); \
	    printf "$$s" > $(BUILD)/fuzz-corpus/http/seed$$i; done
	@mkdir -p $(BUILD)/fuzz-crash/http
	$(FUZZ_HTTP_BIN) -max_total_time=$(FUZZ_HTTP_TIME) -max_len=4096 -print_final_stats=1 \
	    -artifact_prefix=$(BUILD)/fuzz-crash/http/ $(BUILD)/fuzz-corpus/http
