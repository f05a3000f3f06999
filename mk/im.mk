# mk/im.mk — the IM example backend (examples/im/): im-gateway, im-logic and im-comet, three
# small blocking HTTP servers with no tracing code, used to show what the preloaded library
# sees (HTTP, hiredis, libmariadb, NATS through libnats) joined into one trace. See
# examples/im/README.md.
#
# Programs, not library code: their own object directory and flags (no -fPIC, no hidden
# visibility). The shared helpers go into a static archive.

IM_DIR      := examples/im
IM_OBJDIR   := $(BUILD)/im/obj
IM_CFLAGS   := $(CFLAGS_COMMON) $(shell pkg-config --cflags hiredis libmariadb libnats 2>/dev/null)
IM_LDLIBS   := $(shell pkg-config --libs hiredis libmariadb libnats 2>/dev/null || \
                 echo -lhiredis -lmariadb -lnats) -lpthread

IM_HELPERS  := im_buf im_form im_util im_jlog im_args im_http_wire im_http_request im_http_server \
               im_http_client im_redis im_mysql im_nats
IM_HELPER_A := $(BUILD)/im/libim.a
IM_GATEWAY  := $(BUILD)/im-gateway
IM_LOGIC    := $(BUILD)/im-logic
IM_COMET    := $(BUILD)/im-comet
IM_BINS     := $(IM_GATEWAY) $(IM_LOGIC) $(IM_COMET)

TEST_TARGETS += $(IM_BINS)

$(IM_OBJDIR)/%.o: $(IM_DIR)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(IM_CFLAGS) -MMD -MP -c -o $@ $<

$(IM_HELPER_A): $(patsubst %,$(IM_OBJDIR)/%.o,$(IM_HELPERS))
	@rm -f $@
	ar rcs $@ $^

$(IM_GATEWAY): $(IM_OBJDIR)/im_gateway.o $(IM_HELPER_A)
	$(CC) -o $@ $^ $(SANFLAGS) $(IM_LDLIBS)

$(IM_LOGIC): $(IM_OBJDIR)/im_logic.o $(IM_OBJDIR)/im_logic_send.o $(IM_OBJDIR)/im_logic_history.o \
             $(IM_HELPER_A)
	$(CC) -o $@ $^ $(SANFLAGS) $(IM_LDLIBS)

$(IM_COMET): $(IM_OBJDIR)/im_comet.o $(IM_HELPER_A)
	$(CC) -o $@ $^ $(SANFLAGS) $(IM_LDLIBS)

.PHONY: im
im: $(IM_BINS)

-include $(wildcard $(IM_OBJDIR)/*.d)
