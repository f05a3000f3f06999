/* mysql_plugin.c — the MySQL/MariaDB plug-in: its descriptor (preload/plugin.h), its
 * configuration entries and their parsing.
 *
 * Wire: mysql_handler.c (detection from the server greeting, the parser of protocols/mysql/),
 * mysql_calls.c (parser events → spans), mysql_emit.c (records). Library hooks:
 * hook_libmysql.c with mysql_hookspan.c (one API call, one span; the SQL commenter).
 * Exporter side: mysql_ops.c (SQL sanitised and summarised there, with protocols/sql/). */
#include "preload/plugin.h"
#include "plugins/mysql/mysql_plugin.h"

enum { GA_MV_SQL_TEXT, GA_MV_SQLCOMMENTER };

static ga_var ga__vars[] = {
    [GA_MV_SQL_TEXT] = GA_VAR_ENUM("GENESIS_SQL_TEXT", "sanitized",
                                   "what db.query.text shows of COM_QUERY texts",
                                   "sanitized|raw|none"),
    [GA_MV_SQLCOMMENTER] = GA_VAR_BOOL("GENESIS_SQLCOMMENTER", "false",
                                       "append /*traceparent='...'*/ to queries sent through libmariadb"),
    { .name = NULL },
};

ga_my_cfg_t ga_my_cfg = { .sql_text = GA_SQL_SANITIZED };

static void ga__init(void)
{
    ga_my_cfg.sql_text = ga_var_enum(&ga__vars[GA_MV_SQL_TEXT]);   /* choices in GA_SQL_* order */
    ga_my_cfg.sqlcommenter = ga_var_bool(&ga__vars[GA_MV_SQLCOMMENTER]);
}

extern const struct ga_plugin_exp ga_mysql_exp;

const ga_plugin ga_plugin_mysql = {
    .name = "mysql",
    .detect = ga_my_detect,
    .data = ga_my_data,
    .closed = ga_my_closed,
    .init = ga__init,
    .vars = ga__vars,
    .exp = &ga_mysql_exp,
};
