# mk/resp.mk — Redis: the RESP fuzz target and the hiredis test programs' extras.
#
# `make fuzz-resp` builds $(BUILD)/tests/fuzz/fuzz_resp with clang's libFuzzer + ASan/UBSan,
# linking the parser, session and text sources directly (no library), and runs it for
# FUZZ_TIME seconds (default 20) from a corpus kept in $(BUILD)/fuzz/resp-corpus, seeded from
# a dictionary of RESP tokens. FUZZ_TARGETS collects such targets for `make test`.
#
# tests/progs/redis_*.c use Debian's libhiredis: -rdynamic so the hook's caller resolves to a
# function name; redis_rtld loads $(BUILD)/tests/progs/redis_ext.so with RTLD_LOCAL, the way
# Python and Perl load extension modules linked against libhiredis.

FUZZ_CC        ?= clang
FUZZ_TIME      ?= 20
FUZZ_RESP_SRCS := tests/fuzz/fuzz_resp.c protocols/resp_req.c protocols/resp_rep.c \
                  protocols/resp_sess.c protocols/resp_sess_req.c protocols/resp_sess_rep.c \
                  protocols/resp_cmd.c protocols/resp_text.c protocols/resp_keys.c
FUZZ_RESP_BIN  := $(BUILD)/tests/fuzz/fuzz_resp
FUZZ_RESP_DIR  := $(BUILD)/fuzz
FUZZ_TARGETS   += fuzz-resp

.PHONY: fuzz-resp
$(FUZZ_RESP_BIN): $(FUZZ_RESP_SRCS) $(wildcard protocols/resp*.h) mk/resp.mk
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 -g -O1 -D_GNU_SOURCE -I. -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -o $@ $(FUZZ_RESP_SRCS)

# libFuzzer dictionary entries: only \xNN escapes (CRLF = \x0d\x0a).
FUZZ_RESP_TOKENS := '*2' '$$3' GET '$$-1' '*-1' +OK -ERR +QUEUED '$$?' ';0' . _ ,1.5 '\#t' '(123' \
                    =5 '!3' %1 '~1' '>3' '|1' MULTI EXEC DISCARD SUBSCRIBE UNSUBSCRIBE message \
                    subscribe unsubscribe AUTH HELLO SELECT CLIENT REPLY OFF SKIP RESET
$(FUZZ_RESP_DIR)/resp.dict: mk/resp.mk
	@mkdir -p $(dir $@)
	@rm -f $@
	@for t in $(FUZZ_RESP_TOKENS); do printf '"%s"\n"%s\\x0d\\x0a"\n' "$$t" "$$t" >> $@; done

fuzz-resp: $(FUZZ_RESP_BIN) $(FUZZ_RESP_DIR)/resp.dict
	@mkdir -p $(FUZZ_RESP_DIR)/resp-corpus
	$(FUZZ_RESP_BIN) -max_total_time=$(FUZZ_TIME) -rss_limit_mb=1024 -max_len=4096 \
	    -dict=$(FUZZ_RESP_DIR)/resp.dict -print_final_stats=1 $(FUZZ_RESP_DIR)/resp-corpus

# ---------------------------------------------------------------------------- test programs
PROG_CFLAGS_redis_hiredis := -rdynamic -Wl,--no-as-needed -lhiredis
PROG_CFLAGS_redis_rtld    := -rdynamic

REDIS_EXT := $(BUILD)/tests/progs/redis_ext.so
ALL_TARGETS += $(REDIS_EXT)

$(REDIS_EXT): tests/progs/redis_rtld.c mk/resp.mk
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -DREDIS_EXT -fPIC -shared -o $@ $< -lhiredis
