# mk/fuzz.mk — the fuzzing template every pure parser uses (protocols/<parser>/fuzz.mk).
#
# A parser folder declares one or more targets with
#     $(eval $(call ga_fuzz_target,<name>,<sources>,<headers>,<seconds>))
# and may define FUZZ_PREP_<name> (a recipe line that fills the corpus directory $(1) with seeds
# or writes a dictionary) and FUZZ_ARGS_<name> (extra libFuzzer flags). `make fuzz-<name>`
# builds $(BUILD)/fuzz/<name>/fuzz_<name> with clang's libFuzzer + ASan/UBSan from the pure
# sources alone (no library: that is what proves the parser stands alone) and runs it for a
# bounded time; corpus in $(BUILD)/fuzz/<name>/corpus, crashes in $(BUILD)/fuzz/<name>/crash/.
# `make fuzz` (part of `make test`) runs every FUZZ_TARGETS entry.
#
# FUZZ_SEED (default 1) makes a run repeatable: `make test` explores the same inputs on every
# machine, so a failure there is a change's fault and reproduces with the same command, never
# a roll of the dice on a bug that was always there. Explore with a random seed and longer:
#     make fuzz FUZZ_SEED=0 FUZZ_TIME=300      (0 = libFuzzer picks a seed)

FUZZ_CC    ?= clang
FUZZ_TIME  ?=
FUZZ_SEED  ?= 1
FUZZ_FLAGS := -std=gnu11 -g -O1 -I. -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
              -fno-sanitize-recover=undefined

define ga_fuzz_target
FUZZ_TARGETS += fuzz-$(1)
.PHONY: fuzz-$(1)
$(BUILD)/fuzz/$(1)/fuzz_$(1): $(2) $(3)
	@mkdir -p $$(dir $$@)
	$$(FUZZ_CC) $$(FUZZ_FLAGS) -o $$@ $(2)

fuzz-$(1): $(BUILD)/fuzz/$(1)/fuzz_$(1)
	@mkdir -p $(BUILD)/fuzz/$(1)/corpus $(BUILD)/fuzz/$(1)/crash
	$$(call FUZZ_PREP_$(1),$(BUILD)/fuzz/$(1))
	$(BUILD)/fuzz/$(1)/fuzz_$(1) -max_total_time=$$(or $$(FUZZ_TIME),$(4)) -seed=$$(FUZZ_SEED) -rss_limit_mb=1024 \
	    -print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz/$(1)/crash/ $$(FUZZ_ARGS_$(1)) \
	    $(BUILD)/fuzz/$(1)/corpus
endef
