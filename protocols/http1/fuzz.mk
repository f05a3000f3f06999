# protocols/http1/fuzz.mk — the HTTP/1.x parser's fuzz target (template: mk/fuzz.mk).
# Input of tests/fuzz/fuzz_http.c: byte 0 = direction/method, byte 1 = split step, then the stream.

HTTP_PARSER_SRCS := protocols/http1/http1.c protocols/http1/http1_body.c \
                    protocols/http1/http1_names.c protocols/http1/http1_fast.c \
                    protocols/http1/http1_fast_field.c protocols/w3c/b3.c protocols/w3c/w3c.c

FUZZ_HTTP_SEEDS := \
  '\000\003GET /a?b=1 HTTP/1.1\r\nHost: h:1\r\ntraceparent: x\r\n\r\n' \
  '\000\007POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;e\r\nhello\r\n0\r\nT: 1\r\n\r\n' \
  '\000\001PUT / HTTP/1.0\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nabcGET / HTTP/1.1\n\n' \
  '\007\005HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' \
  '\007\002HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n' \
  '\011\004HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nHTTP/1.1 304 X\r\n\r\n' \
  '\003\011HTTP/1.0 200 OK\r\nServer: x\r\n\r\nuntil close' \
  '\000\005GET / HTTP/1.1\r\nb3: 80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1\r\nX-B3-TraceId: 0af7651916cd43dd\r\nX-B3-Sampled: 1\r\nbaggage: k=v\r\n\r\n' \
  '\003\001HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\201\005hello'

# Words of the fields the fast path reads (http1_fast_field.c), so the fuzzer reaches them.
FUZZ_HTTP_DICT := '"Content-Length: "' '"content-length:"' '"Transfer-Encoding: "' '"chunked"' \
  '"Connection: "' '"keep-alive"' '"close"' '"Upgrade"' '"Host: "' '"User-Agent: "' '"traceparent: "' \
  '"tracestate: "' '"X-Forwarded-For: "' '"Expect: "' '"HTTP/1.1"' '"HTTP/1.0"' '"\x0d\x0a"' '"GET "' \
  '"POST "' '"12345678"' '"123456789"' '"b3: "' '"baggage: "' '"X-B3-TraceId: "' '"X-B3-SpanId: "' \
  '"X-B3-Sampled: "' '"X-B3-Flags: "'

FUZZ_PREP_http = @i=0; for s in $(FUZZ_HTTP_SEEDS); do i=$$((i+1)); printf "$$s" > $(1)/corpus/seed$$i; done; \
  : > $(1)/http.dict; for w in $(FUZZ_HTTP_DICT); do echo "$$w" >> $(1)/http.dict; done
FUZZ_ARGS_http := -max_len=4096 -dict=$(BUILD)/fuzz/http/http.dict

$(eval $(call ga_fuzz_target,http,tests/fuzz/fuzz_http.c $(HTTP_PARSER_SRCS),$(wildcard protocols/http1/*.h) $(wildcard protocols/w3c/*.h),20))
