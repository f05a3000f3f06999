# mk/stacks.mk — call-site stacks (docs/stacks.md): the test programs' flags.
#
# stacks_prog (C, libmariadb + hiredis) is built -g -rdynamic so that dladdr names its
# functions; throw_loop (C++) is the host whose exceptions must not change under the library.

PROG_CFLAGS_stacks_prog := -g -O1 -rdynamic $(MARIADB_CFLAGS)
PROG_LIBS_stacks_prog   := $(MARIADB_LIBS) -lhiredis

CXX ?= g++
THROW_LOOP := $(BUILD)/tests/progs/throw_loop
TEST_TARGETS += $(THROW_LOOP)

$(THROW_LOOP): tests/progs/throw_loop.cc
	@mkdir -p $(dir $@)
	$(CXX) -O2 -g -Wall -Wextra -Werror -o $@ $<
