"""A login the server refuses (1045 Access denied) is a database span and a metric point, not
only an unset `connect` span: a CLIENT span named CONNECT with db.operation.name CONNECT,
db.response.status_code and error.type 1045, status ERROR, and a db.client.operation.duration
point with the same attributes (pushed over OTLP to genesis-view at exit).

- wire: PyMySQL (pure Python) and the mariadb CLI (Connector/C compiled in) against a real
  mariadbd with a wrong password; the parser sees the server's ERR after the handshake response;
- libmariadb: the C client, whose mysql_real_connect hook opens the span the wire parser adopts
  (one span, not two);
- hooks alone: a server whose greeting is an ERR (1040 Too many connections) never looks like
  MySQL on the wire; the mysql_real_connect hook reports it from mysql_errno().
Each run is compared with a bare run: same exit code, same output."""
import re
import socket
import struct
import subprocess
import threading
import time

import pytest

import otlp_pb
from conftest import prog, tool
from test_mysql_support import USER, db_spans, python, start_mariadb

WRONG = "not-the-password"


@pytest.fixture(scope="module")
def mariadb(tmp_path_factory):
    srv = start_mariadb(tmp_path_factory, "mariadb-login")
    yield srv
    srv.stop()


@pytest.fixture
def view(tmp_path):
    """genesis-view on a free port writing every metric point to view.jsonl."""
    err, jsonl = tmp_path / "view.err", tmp_path / "view.jsonl"
    with open(err, "wb") as e:
        proc = subprocess.Popen([f"{otlp_pb.BUILD}/genesis-view", "--port", "0", "--quiet", "--jsonl", str(jsonl)],
                                stderr=e)
    deadline = time.monotonic() + 5
    while not (m := re.search(r"listening on http://127\.0\.0\.1:(\d+)", err.read_text())):
        assert time.monotonic() < deadline, err.read_text()
        time.sleep(0.01)
    yield f"http://127.0.0.1:{m.group(1)}", jsonl
    proc.terminate()
    proc.wait(5)


def otlp_env(view):
    return {"OTEL_METRICS_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": view[0]}


def connect_points(jsonl):
    """The db.client.operation.duration points of CONNECT (waits a little for the exit push)."""
    deadline = time.monotonic() + 5
    while True:
        pts = [p for p in otlp_pb.read_jsonl(jsonl) if p["signal"] == "metric"
               and p["name"] == "db.client.operation.duration"
               and p["attributes"].get("db.operation.name") == "CONNECT"] if jsonl.exists() else []
        if pts or time.monotonic() > deadline:
            return pts
        time.sleep(0.05)


def check_refused(pre, view, code, port, system="mariadb"):
    spans = db_spans(pre)
    assert len(spans) == 1, f"{[s['name'] for s in spans]}\n{pre.describe()}"
    s = spans[0]
    a = s["attributes"]
    assert s["name"] == "CONNECT" and s["kind"] == "CLIENT", s
    assert s["status"]["code"] == "ERROR", s
    assert a["db.system.name"] == system, a
    assert a["db.operation.name"] == "CONNECT", a
    assert a["db.response.status_code"] == code and a["error.type"] == code, a
    assert a["server.port"] == port, a
    assert s["end_time_unix_nano"] >= s["start_time_unix_nano"]
    pts = connect_points(view[1])
    assert len(pts) == 1 and pts[0]["count"] == 1, pts
    pa = pts[0]["attributes"]
    assert pa["db.response.status_code"] == code and pa["error.type"] == code, pa
    assert pa["db.system.name"] == system and pa["server.port"] == port, pa
    return s


def test_pymysql_access_denied(gen, mariadb, view):
    script = ("import pymysql, sys\n"
              "try:\n"
              "    pymysql.connect(host='127.0.0.1', port=int(sys.argv[1]), user=sys.argv[2], password=sys.argv[3],"
              " database='test')\n"
              "except pymysql.err.OperationalError as e:\n"
              "    print('refused', e.args[0])\n")
    bare, pre = gen.compare(python(script, mariadb.port, USER, WRONG), env=otlp_env(view))
    assert pre.stdout == b"refused 1045\n", pre.describe()
    s = check_refused(pre, view, "1045", mariadb.port)
    assert s["attributes"]["db.namespace"] == "test"
    assert s["attributes"]["network.peer.port"] == mariadb.port
    assert WRONG.encode() not in (pre.outdir / f"spans-{pre.pid}.jsonl").read_bytes()


def test_mariadb_cli_access_denied(gen, mariadb, view):
    argv = [tool("mariadb"), "--no-defaults", "-h127.0.0.1", f"-P{mariadb.port}", f"-u{USER}", f"-p{WRONG}",
            "-e", "SELECT 1"]
    bare, pre = gen.compare(argv, env=otlp_env(view), expect_rc=1)
    assert b"1045" in pre.stderr, pre.describe()
    check_refused(pre, view, "1045", mariadb.port)


def test_libmariadb_access_denied_one_span(gen, mariadb, view):
    argv = [prog("mysql_client"), "text", "127.0.0.1", str(mariadb.port), USER, WRONG, "test"]
    bare, pre = gen.compare(argv, env=otlp_env(view), expect_rc=1)
    s = check_refused(pre, view, "1045", mariadb.port)
    assert s["attributes"]["server.address"] == "127.0.0.1"


class RefusingServer:
    """Answers every connection with an ERR greeting: 1040 Too many connections."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        payload = b"\xff" + struct.pack("<H", 1040) + b"Too many connections"
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with c:
                c.sendall(struct.pack("<I", len(payload))[:3] + b"\x00" + payload)
                time.sleep(0.05)

    def close(self):
        self.sock.close()


def test_libmariadb_refused_greeting_from_the_hook(gen, view):
    srv = RefusingServer()
    try:
        argv = [prog("mysql_client"), "text", "127.0.0.1", str(srv.port), USER, WRONG, "test"]
        bare, pre = gen.compare(argv, env=otlp_env(view), expect_rc=1)
    finally:
        srv.close()
    assert pre.stdout == b"connect: error 1040 (HY000)\n", pre.describe()
    s = check_refused(pre, view, "1040", srv.port, system="mysql")
    a = s["attributes"]
    assert a["server.address"] == "127.0.0.1" and a["db.namespace"] == "test", a
