# genesis-auto — top-level build.
#
# `make` builds build/libgenesis_auto.so (the LD_PRELOAD library) and build/genesis-view;
# `make build-all` adds the test programs, unit tests, benchmarks and examples.
# Each area may add its own rules in mk/<area>.mk; they are included at the end and can use
# the variables defined here. Targets: all test bench demo install asan tsan clean.

VERSION    := 0.1.0
BUILD      ?= build
PREFIX     ?= /usr/local
DESTDIR    ?=
CC         ?= cc
# libprotobuf-c is for the tests and genesis-view (they decode what the library sends with it);
# the preloaded library writes and reads the wire format itself and links libdeflate only.
PKGS       := libprotobuf-c libdeflate
LIB_PKGS   := libdeflate
TEST_PKGS  := zlib

# Strict warnings; new warnings are errors. SANFLAGS is set by the asan/tsan targets.
WARN       := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
              -Wno-unused-parameter -Wpointer-arith -Wformat=2
OPT        ?= -O2 -g
CFLAGS_COMMON := -std=gnu11 $(OPT) $(WARN) -D_GNU_SOURCE -DGA_VERSION=\"$(VERSION)\" \
              -fno-strict-aliasing -I. -I$(BUILD)/gen $(SANFLAGS)
# Link-time optimisation of the preloaded library: inlining across files (a hook into the
# dispatch to its plug-in, the emit door into the ring, ...) takes 3-10 % off the instructions
# the library adds on the application's threads (docs/benchmarks.md, "The night session"). Fat
# objects: the static core the tests link holds the same code compiled as usual. Not with the
# sanitizers (their builds keep each file's code as it is).
LTO        := $(if $(SANFLAGS),,-flto=auto -ffat-lto-objects)
# The library's own optimisation level, after OPT's: -O3 took another 3-5 % off the same rows
# (docs/benchmarks.md). Empty with the sanitizers; LIB_OPT= keeps OPT's level.
LIB_OPT    ?= $(if $(SANFLAGS),,-O3)
# Frame pointers only in the sanitizer builds (their fast unwinder walks them): elsewhere rbp is
# one more register, and the prologues lose a push, a move and a pop (nginx GET -57 instructions,
# the C client -83). Stacks are taken with libunwind (.eh_frame), as valgrind, gdb and
# perf --call-graph=dwarf read them.
LIB_CFLAGS := $(CFLAGS_COMMON) $(LIB_OPT) -fPIC -fvisibility=hidden -ftls-model=initial-exec \
              $(if $(SANFLAGS),-fno-omit-frame-pointer) $(LTO) \
              $(shell pkg-config --cflags $(LIB_PKGS) 2>/dev/null)
LIB_LDLIBS := -ldl -lpthread $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# The preloaded library carries its own private copy of libdeflate (static, symbols hidden): a
# host without libdeflate.so.0 must still start (the dynamic loader refuses to run a program
# whose preloaded library lacks a dependency), and a host with its own copy never shares state
# with ours. libdeflate gives gzip (level 1) and the CRC-32 of the trace requests' own encoder
# at a fraction of zlib's instruction count (docs/otlp.md#compression). protobuf-c is not in the
# library at all: the requests are written with exporter/pbw.h and the answers read by
# exporter/otlp_resp.c, which keeps its descriptor tables (hundreds of relocations at every
# start) out of every host. libcurl stays dlopen'ed (otlp_curl.c). zlib is for the tests and
# genesis-view only (they inflate what the library sends).
# The copy is made from the system's libdeflate.a with its references to malloc and free renamed
# to the library's own wrappers (exporter/deflate_alloc.c): libdeflate initialises two data
# pointers with them, and pointers to libc's would be two symbol lookups at every process start.
DEFLATE_SYS_A := $(shell $(CC) -print-file-name=libdeflate.a)
DEFLATE_A  := $(BUILD)/libdeflate_ga.a
LIB_SO_LDLIBS := -ldl -lpthread $(DEFLATE_A) -Wl,--exclude-libs,ALL
LIB        := $(BUILD)/libgenesis_auto.so
CORE_A     := $(BUILD)/libgenesis_core.a

# Library sources: the core (preload/), the libc hooks (hooks/), the exporter (exporter/), the
# pure parsers (protocols/<parser>/) and one folder per protocol plug-in (plugins/<name>/).
LIB_SRCS   := $(wildcard preload/*.c hooks/*.c exporter/*.c protocols/*/*.c plugins/*/*.c)
# The core archive (for unit tests) holds everything but the interposed symbols: hooks/ and
# the plug-ins' library hooks (plugins/<name>/hook_*.c).
CORE_SRCS  := $(filter-out hooks/% plugins/%,$(LIB_SRCS)) \
              $(filter-out $(wildcard plugins/*/hook_*.c),$(filter plugins/%,$(LIB_SRCS)))
# Generated sources (mk/proto.mk: the protobuf-c code of the OTLP messages) go into the core
# archive for the unit tests, which use protobuf-c as their oracle; never into the library.
GEN_SRCS   :=
LIB_OBJS    = $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
CORE_OBJS   = $(patsubst %.c,$(BUILD)/obj/%.o,$(CORE_SRCS) $(GEN_SRCS))

PY         := /usr/bin/python3
# `make` builds what a user installs (the library; mk/view.mk adds genesis-view); the test
# programs, unit tests, benchmarks and examples are TEST_TARGETS, built by build-all (make test,
# demo, bench and the sanitizer trees), so a plain `make` needs no test dependency.
ALL_TARGETS = $(LIB)
TEST_TARGETS = $(CORE_A)

.PHONY: all test unit unit-asan fuzz walls integration bench soak demo install deps asan tsan clean
all: build-lib

# mk/*.mk fragments append to ALL_TARGETS, TEST_TARGETS, GEN_SRCS, ... before they expand.
include $(sort $(wildcard mk/*.mk))
# Each pure parser's fuzz target, each plug-in's own build rules (if any).
include $(sort $(wildcard protocols/*/fuzz.mk plugins/*/plugin.mk))

.PHONY: build-lib build-all
build-lib: $(ALL_TARGETS)
build-all: $(ALL_TARGETS) $(TEST_TARGETS)

# The version script: the core's libc hooks plus each plug-in's exported library hooks
# (plugins/<name>/exports.sym, one line of `symbol;` entries).
EXPORT_SYMS := $(sort $(wildcard plugins/*/exports.sym))
$(BUILD)/exports.map: preload/exports.map $(EXPORT_SYMS)
	@mkdir -p $(dir $@)
	sed -n '1,/^ *local:/{/^ *local:/!p}' preload/exports.map > $@.tmp
	for f in $(EXPORT_SYMS); do sed 's/^/    /' $$f >> $@.tmp; done
	sed -n '/^ *local:/,$$p' preload/exports.map >> $@.tmp
	mv $@.tmp $@

$(DEFLATE_A): $(DEFLATE_SYS_A)
	@mkdir -p $(dir $@)
	objcopy --redefine-sym malloc=ga_deflate_malloc --redefine-sym free=ga_deflate_free $< $@

$(LIB): $(LIB_OBJS) $(BUILD)/exports.map $(DEFLATE_A)
	$(CC) -shared -o $@ $(LIB_OBJS) -Wl,--version-script=$(BUILD)/exports.map \
	    -Wl,-z,lazy -Wl,-z,relro -Wl,-z,defs $(SANFLAGS) $(if $(LTO),-flto=auto $(OPT) $(LIB_OPT)) $(LIB_SO_LDLIBS)

$(CORE_A): $(CORE_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

deps:
	@scripts/install-deps.sh

# The include walls, unit tests, bounded fuzz runs (FUZZ_TARGETS from protocols/*/fuzz.mk), the
# instruction-count guard (mk/icount.mk), then the integration suite,
# whose pytest summary is the last line printed.
test: deps
	@$(MAKE) --no-print-directory walls
	@$(MAKE) --no-print-directory build-all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory unit-asan
	@$(MAKE) --no-print-directory fuzz
	@$(MAKE) --no-print-directory icount-check
	@$(MAKE) --no-print-directory integration

fuzz: $(FUZZ_TARGETS)

# The include walls between the core, the hooks, the parsers, the plug-ins and the exporter.
walls:
	@$(PY) scripts/check-walls.py

demo: deps
	@$(MAKE) --no-print-directory build-all
	@scripts/demo.sh

bench: deps
	@$(MAKE) --no-print-directory build-all
	@scripts/bench.sh

# CPython's own regression tests bare and under the library, compared test by test
# (scripts/soak.sh, docs/testing.md). Not part of `make test`: it takes minutes.
soak: deps
	@$(MAKE) --no-print-directory build-lib $(VIEW)
	@scripts/soak.sh

# Sanitizer builds live in their own build trees so they never mix with the normal objects.
asan:
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g" \
	    SANFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined" build-all
tsan:
	@$(MAKE) --no-print-directory BUILD=build-tsan OPT="-O1 -g" SANFLAGS="-fsanitize=thread" build-all

# Every unit test again from the ASan/UBSan build, leaks included: a test that loses memory, or
# library code that does, fails here rather than only when someone runs the binary by hand.
unit-asan: asan
	@fails=0; for t in build-asan/tests/unit/test_*; do \
	    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $$t \
	        > build-asan/unit-$$(basename $$t).log 2>&1 \
	    || { echo "unit-asan: $$t failed:"; tail -30 build-asan/unit-$$(basename $$t).log; fails=1; }; \
	done; [ $$fails = 0 ] && echo "unit-asan: $$(ls build-asan/tests/unit/test_* | wc -l) unit tests clean under ASan/UBSan"

install: build-lib
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(LIB) $(DESTDIR)$(PREFIX)/lib/libgenesis_auto.so
	sed 's|@GENESIS_LIB@|$(PREFIX)/lib/libgenesis_auto.so|' scripts/genesis-run \
	    > $(DESTDIR)$(PREFIX)/bin/genesis-run
	chmod 0755 $(DESTDIR)$(PREFIX)/bin/genesis-run
	for t in $(INSTALL_BINS); do install -m 0755 $$t $(DESTDIR)$(PREFIX)/bin/; done

clean:
	rm -rf build build-asan build-tsan
