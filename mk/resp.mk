# mk/resp.mk — Redis: the hiredis test programs' extras (the RESP fuzz target is
# protocols/resp/fuzz.mk).
#
# tests/progs/redis_*.c use Debian's libhiredis: -rdynamic so the hook's caller resolves to a
# function name; redis_rtld loads $(BUILD)/tests/progs/redis_ext.so with RTLD_LOCAL, the way
# Python and Perl load extension modules linked against libhiredis.

# ---------------------------------------------------------------------------- test programs
PROG_CFLAGS_redis_hiredis := -rdynamic -Wl,--no-as-needed -lhiredis
PROG_CFLAGS_redis_rtld    := -rdynamic

REDIS_EXT := $(BUILD)/tests/progs/redis_ext.so
TEST_TARGETS += $(REDIS_EXT)

$(REDIS_EXT): tests/progs/redis_rtld.c mk/resp.mk
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -DREDIS_EXT -fPIC -shared -o $@ $< -lhiredis
