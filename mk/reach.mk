# mk/reach.mk — test objects for the dlopen(RTLD_DEEPBIND) redirect (hooks/dl.c, preload/got.c):
# a plugin built with lazy binding and its dependency, in $(BUILD)/tests/progs/plug/, which the
# program deepbind_plugin finds through its RUNPATH ($ORIGIN/plug).

PLUG_DIR  := $(BUILD)/tests/progs/plug
PLUG_SOS  := $(PLUG_DIR)/libga_dldep.so $(PLUG_DIR)/libga_dlplug.so
TEST_TARGETS += $(PLUG_SOS)

PROG_LIBS_deepbind_plugin := -ldl -Wl,-rpath,'$$ORIGIN/plug' -Wl,--enable-new-dtags -rdynamic
PROG_LIBS_deepbind_curl := -ldl
$(BUILD)/tests/progs/deepbind_plugin: | $(PLUG_SOS)

$(PLUG_DIR)/libga_dldep.so: tests/progs/plug/ga_dldep.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -fPIC -shared -o $@ $<

# -z lazy -z norelro: PLT slots stay unbound (and writable) until first called.
$(PLUG_DIR)/libga_dlplug.so: tests/progs/plug/ga_dlplug.c $(PLUG_DIR)/libga_dldep.so
	$(CC) $(CFLAGS_COMMON) -fPIC -shared -Wl,-z,lazy -Wl,-z,norelro -o $@ $< \
	    -L$(PLUG_DIR) -lga_dldep -Wl,-rpath,'$$ORIGIN'

# The cost of the dlopen hook, counted in instructions: scripts/bench-dlopen.sh.
TEST_TARGETS += $(BUILD)/tests/bench/bench_dlopen
$(BUILD)/tests/bench/bench_dlopen: tests/bench/bench_dlopen.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -o $@ $< -ldl
PROG_LIBS_deepbind_seccomp := -ldl
