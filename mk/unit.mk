# mk/unit.mk — unit tests (cmocka): every tests/unit/test_<name>.c becomes
# $(BUILD)/tests/unit/test_<name>, linked with the core archive (everything but the hooks).
# `make unit` runs them all and stops at the first failing binary.

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS += $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))
UNIT_LIBS := $(CORE_A) -lcmocka $(LIB_LDLIBS) $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)
TEST_TARGETS += $(UNIT_BINS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(CORE_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -fno-omit-frame-pointer $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
	    -o $@ $< $(UNIT_LIBS)

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done
