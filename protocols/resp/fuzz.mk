# protocols/resp/fuzz.mk — the RESP parsers, the session and the text renderer under one fuzz
# target (template: mk/fuzz.mk). The session runs through its injected environment, so the
# whole client-side Redis logic is fuzzed without the library; a second session fed the same
# chunks without the fast path checks that path against the general one (tests/fuzz/resp_diff.h).

FUZZ_RESP_SRCS := tests/fuzz/fuzz_resp.c $(wildcard protocols/resp/*.c)

# libFuzzer dictionary entries: only \xNN escapes (CRLF = \x0d\x0a).
FUZZ_RESP_TOKENS := '*2' '$$3' GET '$$-1' '*-1' +OK -ERR +QUEUED '$$?' ';0' . _ ,1.5 '\#t' '(123' \
                    =5 '!3' %1 '~1' '>3' '|1' MULTI EXEC DISCARD SUBSCRIBE UNSUBSCRIBE message \
                    subscribe unsubscribe AUTH HELLO SELECT CLIENT REPLY OFF SKIP RESET
# Seeds: one command per write and one reply per read (the session's fast path), with and
# without hook claims and copied arguments, and two commands written apart then answered
# together (a raw text that another command joins); the last one has client chunks taken as
# the words of one command (tests/fuzz/fuzz_resp.c, as_command).
FUZZ_RESP_SEEDS := \
  '\000\224*2\r\n$$3\r\nGET\r\n$$1\r\nk\r\n\007$$1\r\nv\r\n\233*3\r\n$$3\r\nSET\r\n$$1\r\nk\r\n$$1\r\nv\r\n\005+OK\r\n\234*3\r\n$$4\r\nHGET\r\n$$1\r\nh\r\n$$1\r\nf\r\n\010-ERR x\r\n\234*3\r\n$$4\r\nMGET\r\n$$1\r\na\r\n$$1\r\nb\r\n\017*2\r\n$$1\r\na\r\n:1\r\n' \
  '\r\224*2\r\n$$3\r\nGET\r\n$$1\r\nk\r\n\005$$-1\r\n\261*5\r\n$$3\r\nSET\r\n$$3\r\nkey\r\n$$5\r\nvalue\r\n$$2\r\nEX\r\n$$2\r\n10\r\n\005+OK\r\n' \
  '\002\224*2\r\n$$3\r\nGET\r\n$$1\r\na\r\n\224*2\r\n$$3\r\nGET\r\n$$1\r\nb\r\n\016$$1\r\n1\r\n$$1\r\n2\r\n' \
  '\020\207GET key\007$$1\r\nv\r\n\223SET key value EX 10\005+OK\r\n\210MGET a b\017*2\r\n$$1\r\na\r\n:1\r\n'

FUZZ_PREP_resp = @rm -f $(1)/resp.dict; for t in $(FUZZ_RESP_TOKENS); do \
    printf '"%s"\n"%s\\x0d\\x0a"\n' "$$t" "$$t" >> $(1)/resp.dict; done; \
    i=0; for s in $(FUZZ_RESP_SEEDS); do i=$$((i+1)); printf "$$s" > $(1)/corpus/seed$$i; done
FUZZ_ARGS_resp = -max_len=4096 -dict=$(BUILD)/fuzz/resp/resp.dict

$(eval $(call ga_fuzz_target,resp,$(FUZZ_RESP_SRCS),$(wildcard protocols/resp/*.h) tests/fuzz/resp_diff.h protocols/resp/fuzz.mk,20))
