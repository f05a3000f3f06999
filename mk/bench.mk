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

# nats_bench drives NATS workloads for instruction counts (tests/bench/nats_bench.sh); it links
# libnats (Debian libnats-dev).
NATS_BENCH := $(BUILD)/tests/bench/nats_bench
TEST_TARGETS += $(NATS_BENCH)
bench-progs: $(NATS_BENCH)
$(NATS_BENCH): tests/bench/nats_bench.c mk/bench.mk
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -o $@ $< $(shell pkg-config --libs libnats 2>/dev/null || echo -lnats) -lpthread
