# protocols/logline/fuzz.mk — the log-line helpers' fuzz target (template: mk/fuzz.mk).
# Input of tests/fuzz/fuzz_logline.c: one line, any bytes.

LOGLINE_SRCS := $(wildcard protocols/logline/*.c)

FUZZ_LOGLINE_SEEDS := \
  '{"level":"error","msg":"x"}' \
  'ERROR:root:boom' \
  '2026/12/06 19:12:55 [error] 1\#0: x' \
  'E1206 19:12:55.1 1 a.cc:1] x' \
  '\033[31mred\033[0m \033]0;t\007 level=warn'

FUZZ_PREP_logline = @i=0; for s in $(FUZZ_LOGLINE_SEEDS); do i=$$((i+1)); printf "$$s" > $(1)/corpus/seed$$i; done
FUZZ_ARGS_logline := -max_len=4096

$(eval $(call ga_fuzz_target,logline,tests/fuzz/fuzz_logline.c $(LOGLINE_SRCS),$(wildcard protocols/logline/*.h) protocols/logline/fuzz.mk,10))
