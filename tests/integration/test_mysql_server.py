"""mariadbd itself under the library (install and server): its clients see exactly what they see with a
bare server, and the server's own connections are not mistaken for client ones (no database client
spans from the server process)."""
import json

import pytest

from conftest import LIB
from test_mysql_support import LITERAL, PASSWORD, USER, python, start_mariadb

CLIENT = """
import sys, pymysql
c = pymysql.connect(host="127.0.0.1", port=int(sys.argv[1]), user=sys.argv[2], password=sys.argv[3],
                    database="test")
cur = c.cursor()
cur.execute("SELECT id, body FROM messages ORDER BY id"); print(cur.fetchall())
cur.execute("SELECT COUNT(*), SUM(id) FROM big"); print(cur.fetchall())
for q in ("SELEC 1", "SELECT * FROM nosuch"):
    try: cur.execute(q)
    except pymysql.MySQLError as e: print(e.args)
stmt = "INSERT INTO messages VALUES (%s, %s)"
cur.execute(stmt, (100, "x")); cur.execute("DELETE FROM messages WHERE id = 100"); print(cur.rowcount)
c.close()
"""


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    out = tmp_path_factory.mktemp("mariadbd-spans")
    env = {"LD_PRELOAD": str(LIB), "GENESIS_CONSOLE_FILE": str(out / "spans-%p.jsonl")}
    bare = start_mariadb(tmp_path_factory, "mariadb-bare")
    pre = start_mariadb(tmp_path_factory, "mariadb-pre", env=env)
    yield bare, pre, out
    bare.stop()
    pre.stop()


def test_preloaded_mariadbd_behaves_identically(gen, servers):
    bare_srv, pre_srv, out = servers
    a = gen.run(python(CLIENT, bare_srv.port, USER, PASSWORD), preload=False)
    b = gen.run(python(CLIENT, pre_srv.port, USER, PASSWORD), preload=False)
    assert (a.rc, a.stdout, a.stderr) == (b.rc, b.stdout, b.stderr), f"{a.describe()}\n{b.describe()}"
    assert LITERAL.encode() in b.stdout and b"(10000, Decimal('50005000'))" in b.stdout
    r = pre_srv.cli_root("SELECT COUNT(*) FROM test.messages")
    assert r.returncode == 0 and r.stdout.split()[-1] == b"3", r


def test_preloaded_mariadbd_makes_no_client_spans(servers):
    bare_srv, pre_srv, out = servers
    pre_srv.stop()                      # flushes its exporter at exit
    spans = [json.loads(line) for p in out.iterdir() for line in p.read_text().splitlines()]
    assert any(s["type"] == "self" for s in spans), spans
    db = [s for s in spans if s["type"] == "span" and "db.system.name" in s["attributes"]]
    assert db == [], db
