# protocols/resp/fuzz.mk — the RESP parsers, the session and the text renderer under one fuzz
# target (template: mk/fuzz.mk). The session runs through its injected environment, so the
# whole client-side Redis logic is fuzzed without the library.

FUZZ_RESP_SRCS := tests/fuzz/fuzz_resp.c $(wildcard protocols/resp/*.c)

# libFuzzer dictionary entries: only \xNN escapes (CRLF = \x0d\x0a).
FUZZ_RESP_TOKENS := '*2' '$$3' GET '$$-1' '*-1' +OK -ERR +QUEUED '$$?' ';0' . _ ,1.5 '\#t' '(123' \
                    =5 '!3' %1 '~1' '>3' '|1' MULTI EXEC DISCARD SUBSCRIBE UNSUBSCRIBE message \
                    subscribe unsubscribe AUTH HELLO SELECT CLIENT REPLY OFF SKIP RESET
FUZZ_PREP_resp = @rm -f $(1)/resp.dict; for t in $(FUZZ_RESP_TOKENS); do \
    printf '"%s"\n"%s\\x0d\\x0a"\n' "$$t" "$$t" >> $(1)/resp.dict; done
FUZZ_ARGS_resp = -max_len=4096 -dict=$(BUILD)/fuzz/resp/resp.dict

$(eval $(call ga_fuzz_target,resp,$(FUZZ_RESP_SRCS),$(wildcard protocols/resp/*.h) protocols/resp/fuzz.mk,20))
