"""MySQL/MariaDB clients under the library against a real mariadbd (bare, started once per session):
a C program on libmariadb (hooks + wire), the mariadb CLI (Connector/C compiled in: wire only),
MySQLdb (libmariadb loaded RTLD_LOCAL by Python) and PyMySQL (pure Python: wire only). Each run is
compared with a bare run of the same program; the spans are checked for names, errors, namespace,
statement texts, and that neither a query literal nor the login ever reaches an exported byte."""
import re

import pytest

from conftest import assert_span_shape, assert_unique_span_ids, prog, tool
from test_mysql_support import (LITERAL, PASSWORD, USER, assert_db_span, assert_no_secrets, by_name,
                                db_spans, python, start_mariadb)


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory):
    srv = start_mariadb(tmp_path_factory)
    yield srv
    srv.stop()


def c_client(mariadb, mode):
    return [prog("mysql_client"), mode, "127.0.0.1", str(mariadb.port), USER, PASSWORD, "test"]


def test_c_client_text_queries(gen, mariadb):
    bare, pre = gen.compare(c_client(mariadb, "text"))
    assert LITERAL.encode() in pre.stdout and b"big: 10000 rows" in pre.stdout
    assert_no_secrets(pre)
    spans = db_spans(pre)
    names = [s["name"] for s in spans]
    assert names == ["SELECT messages", "SELEC", "SELECT nosuch", "USE", "SELECT",
                     "SELECT SELECT SELECT test.messages", "USE", "SELECT big", "SELECT messages"], names
    # their ids drawn by the exporter thread (leaf spans): well formed, each its own, roots
    for s in spans:
        assert_span_shape(s, pre)
        assert "parent_span_id" not in s, s
    assert_unique_span_ids(spans)
    assert len({s["trace_id"] for s in spans}) == len(spans)
    port = mariadb.port
    assert_db_span(spans[0], port, namespace="test")
    assert spans[0]["attributes"]["db.query.text"] == "SELECT id, body FROM messages WHERE body = ?"
    assert spans[0]["attributes"]["db.query.summary"] == "SELECT messages"
    for span, code in ((spans[1], "1064"), (spans[2], "1146")):
        assert_db_span(span, port, namespace="test", status="ERROR")
        assert span["attributes"]["db.response.status_code"] == code
        assert span["attributes"]["error.type"] == code
    assert spans[3]["attributes"]["db.query.text"] == "USE other"     # the comment is dropped
    assert_db_span(spans[4], port, namespace="other")           # told by session tracking
    multi = spans[5]["attributes"]
    assert multi["db.query.text"] == "SELECT ? AS a; SELECT ? AS b; SELECT id FROM test.messages WHERE id IN (?)"
    big = spans[7]
    assert_db_span(big, port, namespace="test")
    # 10,000 rows read with four 20 ms pauses: the span ends at the last row, not at the header.
    assert big["end_time_unix_nano"] - big["start_time_unix_nano"] >= 60_000_000, big
    for s in spans:
        assert s["resource"]["process.executable.name"] == "mysql_client"


def test_c_client_prepared_statements(gen, mariadb):
    bare, pre = gen.compare(c_client(mariadb, "prepared"))
    assert b"prepared: 100 rows" in pre.stdout
    assert_no_secrets(pre)
    spans = db_spans(pre)
    stmt = "SELECT body FROM messages WHERE id = ?"
    prepares = by_name(spans, "PREPARE SELECT messages")
    assert len(prepares) == 1 and prepares[0]["attributes"]["db.operation.name"] == "PREPARE"
    assert prepares[0]["attributes"]["db.query.text"] == stmt
    executes = by_name(spans, "SELECT messages")
    assert len(executes) == 100, [s["name"] for s in spans]
    for s in executes:
        assert_db_span(s, mariadb.port, namespace="test")
        assert s["attributes"]["db.query.text"] == stmt
    bad = by_name(spans, "PREPARE SELECT nosuch")
    assert len(bad) == 1 and bad[0]["status"]["code"] == "ERROR"
    assert bad[0]["attributes"]["db.response.status_code"] == "1146"
    assert len(spans) == 102


def test_c_client_compressed_prepared_uses_the_hooks(gen, mariadb):
    """Compressed protocol: the wire is opaque, the libmariadb hooks alone make the spans; executes
    still carry the statement text and the connection's names (mysql_stmt_init ties them)."""
    argv = c_client(mariadb, "prepared") + ["compress"]
    bare = gen.run(argv, preload=False)
    pre = gen.run(argv)
    assert (pre.rc, pre.stdout) == (bare.rc, bare.stdout) == (0, bare.stdout), pre.describe()
    assert pre.stderr.count(b"genesis: MySQL compressed protocol") == 1, pre.stderr
    assert_no_secrets(pre)
    spans = db_spans(pre)
    executes = by_name(spans, "SELECT messages")
    assert len(executes) == 100, [s["name"] for s in spans]
    for s in executes + by_name(spans, "PREPARE SELECT messages"):
        a = s["attributes"]
        assert a["db.query.text"] == "SELECT body FROM messages WHERE id = ?", s
        assert (a["db.system.name"], a["db.namespace"], a["server.address"], a["server.port"]) == \
            ("mariadb", "test", "127.0.0.1", mariadb.port), s
        assert "network.peer.address" not in a, s
    bad = by_name(spans, "PREPARE SELECT nosuch")
    assert len(bad) == 1 and bad[0]["attributes"]["error.type"] == "1146", spans


def test_c_client_send_and_read(gen, mariadb):
    bare, pre = gen.compare(c_client(mariadb, "send"))
    assert pre.stdout == f"send: {LITERAL}\n".encode()
    spans = db_spans(pre)
    assert [s["name"] for s in spans] == ["SELECT messages"]
    assert spans[0]["attributes"]["db.query.text"] == "SELECT body FROM messages WHERE id = ?"


def test_sqlcommenter_carries_the_span(gen, mariadb):
    env = {"GENESIS_SQLCOMMENTER": "1", "GENESIS_SQL_TEXT": "raw"}
    bare, pre = gen.compare(c_client(mariadb, "send"), env=env)
    span = db_spans(pre)[0]
    text = span["attributes"]["db.query.text"]
    m = re.search(r"/\*traceparent='00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]'\*/$", text)
    assert m, text
    assert (m.group(1), m.group(2)) == (span["trace_id"], span["span_id"])


def test_sqlcommenter_values(gen, mariadb):
    """Booleans in any usual spelling; anything else leaves the commenter off with one warning
    (the shared format: the variable read, its value, what applies instead)."""
    pre = gen.run(c_client(mariadb, "send"), env={"GENESIS_SQLCOMMENTER": "ON", "GENESIS_SQL_TEXT": "raw"})
    assert "/*traceparent='" in db_spans(pre)[0]["attributes"]["db.query.text"]
    assert b"genesis:" not in pre.stderr
    pre = gen.run(c_client(mariadb, "send"), env={"GENESIS_SQLCOMMENTER": "maybe", "GENESIS_SQL_TEXT": "raw"})
    assert pre.rc == 0, pre.describe()
    assert "traceparent" not in db_spans(pre)[0]["attributes"]["db.query.text"]
    assert [ln for ln in pre.stderr.decode().splitlines() if ln.startswith("genesis:")] == [
        "genesis: GENESIS_SQLCOMMENTER=maybe is not a boolean (true/false, 1/0, yes/no, on/off); "
        "using false"]


def test_mariadb_cli(gen, mariadb):
    script = (f"SELECT body FROM messages WHERE body = '{LITERAL}';\nSELEC 1;\nSELECT * FROM nosuch;\n"
              "USE other;\nSELECT DATABASE();\n").encode()
    argv = [tool("mariadb"), "--no-defaults", "-h127.0.0.1", f"-P{mariadb.port}", f"-u{USER}",
            f"-p{PASSWORD}", "--force", "test"]
    bare, pre = gen.compare(argv, input=script)
    assert_no_secrets(pre)
    spans = db_spans(pre)
    names = [s["name"] for s in spans]
    assert names[:3] == ["SELECT messages", "SELEC", "SELECT nosuch"], names
    assert [s["status"]["code"] for s in spans[:3]] == ["UNSET", "ERROR", "ERROR"]
    last = spans[-1]
    assert last["name"] == "SELECT" and last["attributes"]["db.namespace"] == "other", names
    for s in spans:
        assert_db_span(s, mariadb.port, status=s["status"]["code"])


MYSQLDB = """
import sys, time, MySQLdb
extra = {"compress": True} if sys.argv[4] == "compress" else {}     # any value turns it on
c = MySQLdb.connect(host="127.0.0.1", port=int(sys.argv[1]), user=sys.argv[2], passwd=sys.argv[3],
                    db="test", **extra)
cur = c.cursor()
cur.execute("SELECT id, body FROM messages WHERE body = %s", (sys.argv[5],)); print(cur.fetchall())
for q in ("SELEC 1", "SELECT * FROM nosuch"):
    try: cur.execute(q)
    except MySQLdb.Error as e: print(e.args[0])
cur.execute("USE other"); cur.execute("SELECT DATABASE()"); print(cur.fetchall())
c.close()
"""


def test_mysqldb(gen, mariadb):
    argv = python(MYSQLDB, mariadb.port, USER, PASSWORD, "plain", LITERAL)
    bare, pre = gen.compare(argv)
    assert_no_secrets(pre)
    spans = db_spans(pre)
    names = [s["name"] for s in spans]
    assert names[-5:] == ["SELECT messages", "SELEC", "SELECT nosuch", "USE", "SELECT"], names
    assert [s["attributes"].get("error.type") for s in spans[-4:-2]] == ["1064", "1146"]
    assert spans[-1]["attributes"]["db.namespace"] == "other"
    for s in spans:
        assert_db_span(s, mariadb.port, status=s["status"]["code"])


def test_mysqldb_compressed_uses_the_hooks(gen, mariadb):
    """The compressed protocol hides the wire: spans come from the libmariadb hooks alone, which
    Python loads RTLD_LOCAL (the symbols are found through dlopen(RTLD_NOLOAD))."""
    argv = python(MYSQLDB, mariadb.port, USER, PASSWORD, "compress", LITERAL)
    bare = gen.run(argv, preload=False)
    pre = gen.run(argv)
    assert (pre.rc, pre.stdout) == (bare.rc, bare.stdout) == (0, bare.stdout), pre.describe()
    assert pre.stderr.count(b"genesis: MySQL compressed protocol") == 1, pre.stderr
    assert_no_secrets(pre)
    spans = db_spans(pre)
    names = [s["name"] for s in spans]
    assert names[-5:] == ["SELECT messages", "SELEC", "SELECT nosuch", "USE", "SELECT"], names
    assert spans[-4]["attributes"]["db.response.status_code"] == "1064"
    assert spans[-1]["attributes"]["db.namespace"] == "other"
    for s in spans:
        a = s["attributes"]
        assert s["kind"] == "CLIENT" and a["db.system.name"] == "mariadb", s
        assert a["server.address"] == "127.0.0.1" and a["server.port"] == mariadb.port, s
        assert "network.peer.address" not in a, s              # not seen on the wire


PYMYSQL = """
import sys, time, pymysql, pymysql.cursors
c = pymysql.connect(host="127.0.0.1", port=int(sys.argv[1]), user=sys.argv[2], password=sys.argv[3],
                    database="test", client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS)
cur = c.cursor()
cur.execute("SELECT id, body FROM messages WHERE body = %s", (sys.argv[4],)); print(cur.fetchall())
for q in ("SELEC 1", "SELECT * FROM nosuch"):
    try: cur.execute(q)
    except pymysql.MySQLError as e: print(e.args[0])
cur.execute("SELECT 1; SELECT 2"); print(cur.fetchall()); cur.nextset(); print(cur.fetchall())
cur.execute("USE other"); cur.execute("SELECT DATABASE()"); print(cur.fetchall())
ss = c.cursor(pymysql.cursors.SSCursor)
ss.execute("SELECT id FROM test.big ORDER BY id")
n = 0
for row in ss:
    n += 1
    if n % 2000 == 0: time.sleep(0.02)
print("big", n)
c.close()
"""


def test_pymysql(gen, mariadb):
    bare, pre = gen.compare(python(PYMYSQL, mariadb.port, USER, PASSWORD, LITERAL))
    assert b"big 10000" in pre.stdout
    assert_no_secrets(pre)
    spans = db_spans(pre)
    names = [s["name"] for s in spans]
    assert names[-7:] == ["SELECT messages", "SELEC", "SELECT nosuch", "SELECT SELECT", "USE", "SELECT",
                          "SELECT test.big"], names
    assert spans[-6]["attributes"]["error.type"] == "1064"
    assert spans[-5]["attributes"]["db.response.status_code"] == "1146"
    assert spans[-4]["attributes"]["db.query.text"] == "SELECT ?; SELECT ?"
    assert spans[-2]["attributes"]["db.namespace"] == "other"
    big = spans[-1]
    assert big["end_time_unix_nano"] - big["start_time_unix_nano"] >= 60_000_000, big
    for s in spans:
        assert_db_span(s, mariadb.port, status=s["status"]["code"])


def test_sql_text_modes(gen, mariadb):
    argv = python(PYMYSQL, mariadb.port, USER, PASSWORD, "rawvalue42")
    raw = gen.run(argv, env={"GENESIS_SQL_TEXT": "raw"})
    texts = [s["attributes"].get("db.query.text") for s in db_spans(raw)]
    assert "SELECT id, body FROM messages WHERE body = 'rawvalue42'" in texts, texts
    none = gen.run(argv, env={"GENESIS_SQL_TEXT": "none"})
    spans = db_spans(none)
    assert spans and all("db.query.text" not in s["attributes"] for s in spans), spans
    assert "SELECT messages" in [s["attributes"].get("db.query.summary") for s in spans]
    assert b"rawvalue42" not in b"".join(p.read_bytes() for p in none.outdir.iterdir())
