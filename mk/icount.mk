# mk/icount.mk — the instruction-count benchmark (scripts/icount/, docs/benchmarks.md).
#
#   make icount            every callgrind row (no wall-clock part), table + build/bench/icount.json
#   make icount-check      the CI subset, compared with tests/bench/icount_baseline.json: fails when
#                          a row's added instructions grow more than 15% (run by `make test`)
#   make icount-baseline   measure the CI subset and rewrite tests/bench/icount_baseline.json
# `make bench` runs the full set plus the wall-clock ratios through scripts/bench.sh.
ICOUNT_NAMES := icount_ops icount_http
ICOUNT_BINS  := $(addprefix $(BUILD)/tests/bench/,$(ICOUNT_NAMES))
ICOUNT_PY    := $(PY) scripts/icount/icount.py --build $(BUILD)
ICOUNT_BASE  := tests/bench/icount_baseline.json
TEST_TARGETS += $(ICOUNT_BINS)

.PHONY: icount icount-check icount-baseline icount-progs
icount-progs: $(ICOUNT_BINS)

$(ICOUNT_BINS): $(BUILD)/tests/bench/%: tests/bench/%.c mk/icount.mk
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -o $@ $<

# libfloor.so: the floor of any LD_PRELOAD agent (interpose, timestamp, copy; FLOOR_LEVEL), a
# reference for the full set's floor_* rows, never shipped (tests/bench/floor/floor.c).
FLOOR_LIB    := $(BUILD)/tests/bench/libfloor.so
TEST_TARGETS += $(FLOOR_LIB)
$(FLOOR_LIB): tests/bench/floor/floor.c mk/icount.mk
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -fPIC -shared -fvisibility=hidden -o $@ $< -ldl -lpthread

# genesis-view receives the exporter rows' spans (spelt out: mk/view.mk is read after this file);
# the messaging rows run tests/bench/nats_bench (mk/bench.mk) and tests/progs/kafka_{mock,bench}
# (mk/integration.mk, also read after this file).
ICOUNT_DEPS  := $(LIB) $(ICOUNT_BINS) $(FLOOR_LIB) $(BUILD)/genesis-view $(NATS_BENCH) \
                $(BUILD)/tests/progs/kafka_mock $(BUILD)/tests/progs/kafka_bench

icount: $(ICOUNT_DEPS)
	@$(ICOUNT_PY) --set full --json $(BUILD)/bench/icount.json

icount-check: $(ICOUNT_DEPS)
	@$(ICOUNT_PY) --set ci --check $(ICOUNT_BASE) --json $(BUILD)/bench/icount-ci.json

icount-baseline: $(ICOUNT_DEPS)
	@$(ICOUNT_PY) --set ci --write-baseline $(ICOUNT_BASE)
