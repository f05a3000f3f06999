# Benchmarks (tests/bench/*.c): standalone programs, no link with the library; they are run bare
# and under LD_PRELOAD=$(LIB) by scripts/bench.sh (`make bench`). See docs/benchmarks.md.
BENCH_NAMES := bench_write bench_sendrecv bench_connect bench_spawn rss_run
BENCH_BINS  := $(addprefix $(BUILD)/tests/bench/,$(BENCH_NAMES))
TEST_TARGETS += $(BENCH_BINS)

.PHONY: bench-progs
bench-progs: $(BENCH_BINS)

$(BENCH_BINS): $(BUILD)/tests/bench/%: tests/bench/%.c tests/bench/bench_util.h mk/bench.mk
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -o $@ $< -lpthread
