# protocols/mysql/fuzz.mk — the MySQL/MariaDB wire parser's fuzz target (template: mk/fuzz.mk);
# a second parser fed the same chunks without the fast path checks it (tests/fuzz/mysql_diff.h).

MYSQL_PARSER_SRCS := $(wildcard protocols/mysql/*.c)

# Seeds (input format in tests/fuzz/fuzz_mysql.c): one command and its whole response per
# chunk — the parser's fast path — with EOF packets, with CLIENT_DEPRECATE_EOF (and a response
# split in two), and with a schema change reported by session tracking.
FUZZ_MYSQL_SEEDS := \
  '\001\237\033\000\000\000\003SELECT v FROM k WHERE id=7C\001\000\000\001\001\036\000\000\002\003def\004test\001k\001k\001v\001v\014!\000\220\001\000\000\375\000\000\000\000\000\005\000\000\003\376\000\000"\000\006\000\000\004\005seven\005\000\000\005\376\000\000"\000\241\035\000\000\000\003INSERT INTO k VALUES (9,\047x\047)\013\007\000\000\001\000\001\000\002\000\000\000' \
  '\003\237\033\000\000\000\003SELECT v FROM k WHERE id=7<\001\000\000\001\001\036\000\000\002\003def\004test\001k\001k\001v\001v\014!\000\220\001\000\000\375\000\000\000\000\000\006\000\000\003\005seven\007\000\000\004\376\000\000"\000\000\000\237\033\000\000\000\003SELECT v FROM k WHERE id=7\024\001\000\000\001\001\036\000\000\002\003def\004test\001k(\001k\001v\001v\014!\000\220\001\000\000\375\000\000\000\000\000\006\000\000\003\005seven\007\000\000\004\376\000\000"\000\000\000' \
  '\007\215\011\000\000\000\003USE test\024\020\000\000\001\000\000\000\002@\000\000\000\007\001\005\004test\237\033\000\000\000\003SELECT v FROM k WHERE id=7<\001\000\000\001\001\036\000\000\002\003def\004test\001k\001k\001v\001v\014!\000\220\001\000\000\375\000\000\000\000\000\006\000\000\003\005seven\007\000\000\004\376\000\000"\000\000\000'

FUZZ_PREP_mysql = @i=0; for s in $(FUZZ_MYSQL_SEEDS); do i=$$((i+1)); printf "$$s" > $(1)/corpus/seed$$i; done

$(eval $(call ga_fuzz_target,mysql,tests/fuzz/fuzz_mysql.c $(MYSQL_PARSER_SRCS),$(wildcard protocols/mysql/*.h) tests/fuzz/mysql_diff.h,15))
