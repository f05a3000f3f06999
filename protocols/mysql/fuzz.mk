# protocols/mysql/fuzz.mk — the MySQL/MariaDB wire parser's fuzz target (template: mk/fuzz.mk).

MYSQL_PARSER_SRCS := $(wildcard protocols/mysql/*.c)

$(eval $(call ga_fuzz_target,mysql,tests/fuzz/fuzz_mysql.c $(MYSQL_PARSER_SRCS),$(wildcard protocols/mysql/*.h),15))
