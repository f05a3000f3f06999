/* mysql_plugin.c — the MySQL/MariaDB plug-in: its descriptor (preload/plugin.h), its
 * configuration entries and their parsing.
 *
 * Wire: mysql_handler.c (detection from the server greeting, the parser of protocols/mysql/),
 * mysql_calls.c (parser events → spans), mysql_emit.c (records). Library hooks:
 * hook_libmysql.c with mysql_hookspan.c (one API call, one span; the SQL commenter).
 * Exporter side: mysql_ops.c (SQL sanitised and summarised there, with protocols/sql/). */
#include "preload/plugin.h"
#include "plugins/mysql/mysql_plugin.h"

/* The plug-in's configuration entries, X(NAME, TYPE, default, meaning[, type arguments]) as in
 * preload/env.h; the table keeps its texts in a string pool (no relocations). */
#define GA__VARS(X)                                                                            \
    X(GENESIS_SQL_TEXT, ENUM, "sanitized", "what db.query.text shows of COM_QUERY texts",       \
      "sanitized|raw|none")                                                                    \
    X(GENESIS_SQLCOMMENTER, BOOL, "false",                                                     \
      "append /*traceparent='...'*/ to queries sent through libmariadb")

GA_PLUGIN_VAR_TABLE(GA__VARS);

ga_my_cfg_t ga_my_cfg GA_START_DATA = { .sql_text = GA_SQL_SANITIZED };

GA_INIT_PATH static void ga__init(void)
{
    ga_my_cfg.sql_text = ga_var_enum(&ga__vtab.v[GA_V_GENESIS_SQL_TEXT]);   /* choices in GA_SQL_* order */
    ga_my_cfg.sqlcommenter = ga_var_bool(&ga__vtab.v[GA_V_GENESIS_SQLCOMMENTER]);
}

extern const struct ga_plugin_exp ga_mysql_exp;

const ga_plugin ga_plugin_mysql = {
    .name = "mysql",
    .detect = ga_my_detect,
    .data = ga_my_data,
    .closed = ga_my_closed,
    .init = ga__init,
    .vars = ga__vtab.v,
    .exp = &ga_mysql_exp,
};
