# protocols/sql/fuzz.mk — the SQL sanitiser and summary's fuzz target (template: mk/fuzz.mk).

SQL_SRCS := $(wildcard protocols/sql/*.c)

$(eval $(call ga_fuzz_target,sql,tests/fuzz/fuzz_sql_sanitize.c $(SQL_SRCS),$(wildcard protocols/sql/*.h),15))
