/* mysql_summary.h — `db.query.summary` from an SQL text (SPECS.md §5.3): the operations and
 * the tables they touch, in order, e.g. `SELECT messages`, `INSERT shipping_details SELECT
 * orders`, `UPDATE users`, `CREATE TABLE t`; statements without a table give their first
 * keyword (`SHOW`, `SET`, `BEGIN`, `USE`). Operations are upper-cased, identifiers kept as
 * written (backquotes removed). Never contains a literal: only keywords and identifiers are
 * copied. Pure; runs on the exporter thread. */
#ifndef GA_MYSQL_SUMMARY_H
#define GA_MYSQL_SUMMARY_H

#include <stddef.h>

#define GA_SQL_SUMMARY_MAX 255

/* The summary of `in` into out (NUL-terminated, at most cap-1 and GA_SQL_SUMMARY_MAX
 * characters); returns its length, 0 when nothing could be derived. */
size_t ga_sql_summary(const char *in, size_t n, char *out, size_t cap);

#endif
