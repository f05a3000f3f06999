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

# `make bench-gzip`: instructions per span of each gzip codec on a 512-span trace request
# (tests/bench/gzip_codecs.c, callgrind, 1 and 3 repetitions differenced); docs/otlp.md.
GZIP_BENCH := $(BUILD)/tests/bench/gzip_codecs
$(GZIP_BENCH): tests/bench/gzip_codecs.c $(CORE_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -o $@ $< $(CORE_A) $(LIB_LDLIBS) $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

.PHONY: bench-gzip
bench-gzip: $(GZIP_BENCH)
	@for kind in http redis; do for c in "zlib 4" "zlib 1" "libdeflate 1" "spans 0"; do \
	    set -- $$c; \
	    a=$$(valgrind --tool=callgrind --callgrind-out-file=/dev/null $(GZIP_BENCH) $$1 $$2 1 $$kind 2>&1 | awk '/refs/ {gsub(",", "", $$NF); print $$NF}'); \
	    b=$$(valgrind --tool=callgrind --callgrind-out-file=/dev/null $(GZIP_BENCH) $$1 $$2 3 $$kind 2>&1 | awk '/refs/ {gsub(",", "", $$NF); print $$NF}'); \
	    size=$$($(GZIP_BENCH) $$1 $$2 1 $$kind 2>&1); \
	    echo "$$kind $$1 $$2: $$(( (b - a) / 2 / 512 )) instructions per span; $$size"; \
	done; done

# nats_bench drives NATS workloads for instruction counts (tests/bench/nats_bench.sh); it links
# libnats (Debian libnats-dev).
NATS_BENCH := $(BUILD)/tests/bench/nats_bench
TEST_TARGETS += $(NATS_BENCH)
bench-progs: $(NATS_BENCH)
$(NATS_BENCH): tests/bench/nats_bench.c mk/bench.mk
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -o $@ $< $(shell pkg-config --libs libnats 2>/dev/null || echo -lnats) -lpthread
