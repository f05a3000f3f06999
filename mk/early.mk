# mk/early.mk — the "hooks before the constructor" test program: early_main links a shared
# library whose constructor uses sockets; the dynamic loader runs it before ours.
EARLY_DIR  := $(BUILD)/tests/early
EARLY_BINS := $(EARLY_DIR)/libearly.so $(EARLY_DIR)/early_main
TEST_TARGETS += $(EARLY_BINS)

$(EARLY_DIR)/libearly.so: tests/early/early_lib.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -fPIC -shared -o $@ $<

$(EARLY_DIR)/early_main: tests/early/early_main.c $(EARLY_DIR)/libearly.so
	$(CC) $(CFLAGS_COMMON) -o $@ $< -L$(EARLY_DIR) -learly -Wl,-rpath,'$$ORIGIN'
