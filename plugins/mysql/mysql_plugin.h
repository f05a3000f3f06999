/* mysql_plugin.h — the MySQL plug-in's settings and wire entry points, shared by its
 * descriptor (mysql_plugin.c) and the files that use them. */
#ifndef GA_MYSQL_PLUGIN_H
#define GA_MYSQL_PLUGIN_H

#include <stdint.h>
#include "preload/conn.h"
#include "preload/fdtable.h"

enum { GA_SQL_SANITIZED = 0, GA_SQL_RAW, GA_SQL_NONE };

/* Parsed in the constructor (mysql_plugin.c); read-only afterwards. */
typedef struct ga_my_cfg_t {
    int sql_text;                   /* GENESIS_SQL_TEXT: GA_SQL_* */
    int sqlcommenter;               /* GENESIS_SQLCOMMENTER */
} ga_my_cfg_t;

extern ga_my_cfg_t ga_my_cfg;

/* The wire entry points (mysql_handler.c; contracts in preload/plugin.h). */
int ga_my_detect(const ga_fd *e, int out, const uint8_t *p, size_t n);
void ga_my_data(int fd, ga_fd *e, ga_conn *c, int out, const uint8_t *p, size_t n);
void ga_my_closed(ga_conn *c);

#endif
