# mk/mysql.mk — MySQL/MariaDB area: the libmariadb test programs' flags (the fuzz targets are
# protocols/mysql/fuzz.mk and protocols/sql/fuzz.mk).
#
# tests/progs/mysql_*.c are built by mk/integration.mk; they need libmariadb's headers and
# library (Debian: libmariadb-dev, pkg-config name libmariadb).

MARIADB_CFLAGS := $(shell pkg-config --cflags libmariadb 2>/dev/null)
MARIADB_LIBS   := $(shell pkg-config --libs libmariadb 2>/dev/null || echo -lmariadb)

PROG_CFLAGS_mysql_client := $(MARIADB_CFLAGS)
PROG_LIBS_mysql_client   := $(MARIADB_LIBS)
PROG_CFLAGS_mysql_bench  := $(MARIADB_CFLAGS)
PROG_LIBS_mysql_bench    := $(MARIADB_LIBS)
