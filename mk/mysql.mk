# mk/mysql.mk — MySQL/MariaDB area: the libmariadb test programs' flags and the fuzz targets.
#
# tests/progs/mysql_*.c are built by mk/integration.mk; they need libmariadb's headers and
# library (Debian: libmariadb-dev, pkg-config name libmariadb).
# `make fuzz-mysql` builds two libFuzzer targets with clang, linking the pure sources directly
# (no library), and runs each for FUZZ_MYSQL_TIME seconds: the wire parser (tests/fuzz/
# fuzz_mysql.c) and the SQL sanitiser + summary (tests/fuzz/fuzz_sql_sanitize.c).

MARIADB_CFLAGS := $(shell pkg-config --cflags libmariadb 2>/dev/null)
MARIADB_LIBS   := $(shell pkg-config --libs libmariadb 2>/dev/null || echo -lmariadb)

PROG_CFLAGS_mysql_client := $(MARIADB_CFLAGS)
PROG_LIBS_mysql_client   := $(MARIADB_LIBS)
PROG_CFLAGS_mysql_bench  := $(MARIADB_CFLAGS)
PROG_LIBS_mysql_bench    := $(MARIADB_LIBS)

MYSQL_PARSER_SRCS := protocols/mysql_frame.c protocols/mysql_login.c protocols/mysql_cmd.c \
                     protocols/mysql_resp.c
MYSQL_SQL_SRCS    := protocols/sql_sanitize.c protocols/mysql_summary.c
FUZZ_CC           ?= clang
FUZZ_MYSQL_TIME   ?= 15
FUZZ_MYSQL_FLAGS  := -std=gnu11 -g -O1 -I. -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
                     -fno-sanitize-recover=undefined
FUZZ_MYSQL_BIN    := $(BUILD)/tests/fuzz/fuzz_mysql
FUZZ_SQL_BIN      := $(BUILD)/tests/fuzz/fuzz_sql_sanitize
FUZZ_TARGETS      += fuzz-mysql

$(FUZZ_MYSQL_BIN): tests/fuzz/fuzz_mysql.c $(MYSQL_PARSER_SRCS) protocols/mysql.h protocols/mysql_int.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_MYSQL_FLAGS) -o $@ tests/fuzz/fuzz_mysql.c $(MYSQL_PARSER_SRCS)

$(FUZZ_SQL_BIN): tests/fuzz/fuzz_sql_sanitize.c $(MYSQL_SQL_SRCS) protocols/sql_sanitize.h protocols/mysql_summary.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_MYSQL_FLAGS) -o $@ tests/fuzz/fuzz_sql_sanitize.c $(MYSQL_SQL_SRCS)

.PHONY: fuzz-mysql
fuzz-mysql: $(FUZZ_MYSQL_BIN) $(FUZZ_SQL_BIN)
	@mkdir -p $(BUILD)/tests/fuzz/corpus-mysql $(BUILD)/tests/fuzz/corpus-sql
	$(FUZZ_MYSQL_BIN) -max_total_time=$(FUZZ_MYSQL_TIME) -print_final_stats=0 \
	    $(BUILD)/tests/fuzz/corpus-mysql
	$(FUZZ_SQL_BIN) -max_total_time=$(FUZZ_MYSQL_TIME) -print_final_stats=0 \
	    $(BUILD)/tests/fuzz/corpus-sql
