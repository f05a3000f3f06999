#!/usr/bin/python3
"""icount_mysqldb.py — N point selects through MySQLdb (python3-mysqldb, i.e. libmariadb), for
the instruction-count benchmark (scripts/icount/): run under callgrind with two values of N,
bare and preloaded; the difference per select is the cost of one query, start-up cancelled.

    /usr/bin/python3 tests/bench/icount_mysqldb.py PORT N [execute|polled]

execute (default): cursor.execute() + fetchall(), what applications do. libmariadb reads the
    answer with recv(MSG_DONTWAIT) and, when it is not there yet, poll() and recv() again: which
    of the two paths a query takes depends on timing, so its instruction count varies a little.
polled: the same query as send_query(), poll() until the answer is there, read_query_result()
    and store_result(): the same libmariadb entry points and wire traffic, one path only, for
    the deterministic CI guard.
Needs database `ic` with table `k (id INT PRIMARY KEY, v VARCHAR(32))` holding id 7 (the harness
creates it). Exit status 0, or 1 when a result is not the expected row.
"""
import select
import sys

import MySQLdb

QUERY = "SELECT v FROM k WHERE id=7"
EXPECT = (("seven",),)


def run_execute(conn, n):
    cur = conn.cursor()
    for _ in range(n):
        cur.execute(QUERY)
        if cur.fetchall() != EXPECT:
            return 1
    return 0


def run_polled(conn, n):
    p = select.poll()
    p.register(conn.fileno(), select.POLLIN)
    for _ in range(n):
        conn.send_query(QUERY)
        p.poll()
        conn.read_query_result()
        if conn.store_result().fetch_row(0) != EXPECT:
            return 1
    return 0


def main():
    port, n = int(sys.argv[1]), int(sys.argv[2])
    mode = sys.argv[3] if len(sys.argv) > 3 else "execute"
    conn = MySQLdb.connect(host="127.0.0.1", port=port, user="root", passwd="", db="ic")
    rc = (run_polled if mode == "polled" else run_execute)(conn, n)
    if rc:
        print("icount_mysqldb: unexpected result", file=sys.stderr)
    conn.close()
    return rc


if __name__ == "__main__":
    sys.exit(main())
