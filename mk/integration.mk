# mk/integration.mk — integration test programs and `make integration`.
#
# Every tests/progs/<name>.c becomes $(BUILD)/tests/progs/<name> (built by `make` through
# build-all (TEST_TARGETS), so sanitizer trees get their own copies). `make integration` runs the pytest suite in
# tests/integration against $(LIB); the suite finds the library and the programs through
# GENESIS_LIB and GENESIS_BUILD.

PROG_SRCS := $(sort $(wildcard tests/progs/*.c))
PROG_BINS := $(patsubst tests/progs/%.c,$(BUILD)/tests/progs/%,$(PROG_SRCS))
TEST_TARGETS += $(PROG_BINS)

# Per-program extra flags (PROG_CFLAGS_<name>, before the source) and libraries
# (PROG_LIBS_<name>, after it), set here or in another area's mk/*.mk.
# errno_check must reach the fortified __recv_chk/__read_chk/__recvfrom_chk entry points: -O2 and _FORTIFY_SOURCE=2 (Debian's gcc does not define it).
PROG_CFLAGS_errno_check := -O2 -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2

$(BUILD)/tests/progs/%: tests/progs/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(PROG_CFLAGS_$*) -o $@ $< $(PROG_LIBS_$*) -lpthread

integration: $(LIB) $(PROG_BINS)
	GENESIS_LIB=$(abspath $(LIB)) GENESIS_BUILD=$(abspath $(BUILD)) $(PY) -m pytest -q tests/integration

# nats_client links libnats (the NATS C client, Debian libnats-dev).
PROG_LIBS_nats_client := $(shell pkg-config --libs libnats 2>/dev/null || echo -lnats)

# A shim loaded after the library in LD_PRELOAD that holds a writer between its real call and
# the library's hook (tests/progs/shim/slow_write.c, test_http_two_threads.py).
SHIM_SOS := $(BUILD)/tests/progs/shim/libslow_write.so
TEST_TARGETS += $(SHIM_SOS)
$(BUILD)/tests/progs/shim/libslow_write.so: tests/progs/shim/slow_write.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -fPIC -shared -o $@ $< -ldl
