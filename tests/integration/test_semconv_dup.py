"""OTEL_SEMCONV_STABILITY_OPT_IN: `database/dup` adds the older database attribute names to DB
spans (db.system, db.name, db.statement, db.operation, net.peer.name, net.peer.port — what
Grafana Tempo's service graph keys on), `http/dup` the older HTTP names (http.method,
http.status_code, http.url / http.target, http.scheme, net.host.* / net.peer.*, ...), each with
the same value as its stable twin. `database`, `http` alone or unset: stable names only. Span
names and metric series never change.

Programs: redis-cli against a real redis-server, PyMySQL against a real mariadbd, and a Python
process serving HTTP on one thread and requesting it from another (server and client spans)."""
import json

import pytest

from conftest import PY, tool
from test_mysql_support import PASSWORD, USER, db_spans, python, start_mariadb

DB_OLD = ("db.system", "db.name", "db.statement", "db.operation", "net.peer.name", "net.peer.port")
HTTP_OLD = ("http.method", "http.status_code", "http.url", "http.target", "http.scheme", "net.host.name",
            "net.host.port", "net.peer.name", "net.peer.port", "http.user_agent", "net.sock.peer.addr")


def redis(gen, redis_server, optin, metrics=False):
    env = {"OTEL_SEMCONV_STABILITY_OPT_IN": optin}
    if metrics:
        env["OTEL_METRICS_EXPORTER"] = "console"
    bare, pre = gen.compare([tool("redis-cli"), "-p", str(redis_server.port)], env=env,
                            input=b"SET k v\nGET k\n")
    assert pre.stdout == b"OK\nv\n", pre.describe()
    return pre


def cmd_spans(pre):
    return [s for s in pre.spans if s["attributes"].get("db.system.name") == "redis"
            and s["name"] in ("SET", "GET")]


def test_database_dup_redis(gen, redis_server):
    pre = redis(gen, redis_server, "http,database/dup", metrics=True)
    spans = cmd_spans(pre)
    assert [s["name"] for s in spans] == ["SET", "GET"], pre.describe()
    for s in spans:
        a = s["attributes"]
        assert a["db.system"] == a["db.system.name"] == "redis", a
        assert a["db.operation"] == a["db.operation.name"] == s["name"], a
        assert a["db.statement"] == a["db.query.text"], a
        assert a["net.peer.name"] == a["server.address"] == "127.0.0.1", a
        assert a["net.peer.port"] == a["server.port"] == redis_server.port, a
        assert not any(k.startswith("http.") for k in a), a       # http: stable only
    # metric series keep the stable names only
    pts = [r for r in pre.records if r["type"] == "metric" and r["name"] == "db.client.operation.duration"]
    assert pts and all("db.system" not in p["attributes"] and "db.system.name" in p["attributes"] for p in pts)


@pytest.mark.parametrize("optin", [None, "database", "database,http", "rpc/dup"])
def test_stable_only(gen, redis_server, optin):
    pre = redis(gen, redis_server, optin)
    spans = cmd_spans(pre)
    assert len(spans) == 2
    for s in spans:
        assert not set(DB_OLD) & set(s["attributes"]), s["attributes"]
    assert b"OTEL_SEMCONV_STABILITY_OPT_IN" not in pre.stderr


def test_unknown_value_warns_once(gen, redis_server):
    pre = gen.run([tool("redis-cli"), "-p", str(redis_server.port)], input=b"SET k v\nGET k\n",
                  env={"OTEL_SEMCONV_STABILITY_OPT_IN": "database/dup,bogus"})
    assert pre.rc == 0 and pre.stdout == b"OK\nv\n", pre.describe()
    assert pre.stderr.count(b"OTEL_SEMCONV_STABILITY_OPT_IN") == 1, pre.stderr
    assert all(s["attributes"]["db.system"] == "redis" for s in cmd_spans(pre))


@pytest.fixture(scope="module")
def mariadb(tmp_path_factory):
    srv = start_mariadb(tmp_path_factory, "mariadb-semconv")
    yield srv
    srv.stop()


def test_database_dup_mysql(gen, mariadb):
    script = ("import pymysql, sys\n"
              "c = pymysql.connect(host='127.0.0.1', port=int(sys.argv[1]), user=sys.argv[2], password=sys.argv[3],"
              " database='test')\n"
              "cur = c.cursor(); cur.execute('SELECT body FROM messages WHERE id = 1'); print(cur.fetchall())\n")
    bare, pre = gen.compare(python(script, mariadb.port, USER, PASSWORD),
                            env={"OTEL_SEMCONV_STABILITY_OPT_IN": "database/dup"})
    spans = [s for s in db_spans(pre) if s["name"] == "SELECT messages"]
    assert len(spans) == 1, [s["name"] for s in db_spans(pre)]
    a = spans[0]["attributes"]
    assert a["db.system"] == "mariadb" and a["db.name"] == "test", a
    assert a["db.statement"] == a["db.query.text"] == "SELECT body FROM messages WHERE id = ?", a
    assert a["net.peer.name"] == "127.0.0.1" and a["net.peer.port"] == mariadb.port, a


SERVER = """
import http.server, sys, threading, urllib.request
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"hi\\n"
        self.send_response(200 if self.path.startswith("/ok") else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
threading.Thread(target=srv.serve_forever, daemon=True).start()
port = srv.server_address[1]
for path in ("/ok/x?a=1", "/missing"):
    try:
        print(urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5).status)
    except urllib.error.HTTPError as e:
        print(e.code)
srv.shutdown()
print(port)
"""


def http_run(gen, optin):
    pre = gen.run([PY, "-c", SERVER], env={"OTEL_SEMCONV_STABILITY_OPT_IN": optin})
    assert pre.rc == 0, pre.describe()
    lines = pre.stdout.decode().split()
    assert lines[:2] == ["200", "404"], lines
    port = int(lines[2])
    servers = sorted((s for s in pre.spans if s["kind"] == "SERVER"), key=lambda s: s["start_time_unix_nano"])
    clients = sorted((s for s in pre.spans if s["kind"] == "CLIENT" and "http.request.method" in s["attributes"]),
                     key=lambda s: s["start_time_unix_nano"])
    assert len(servers) == 2 and len(clients) == 2, pre.describe()
    return port, servers, clients


def test_http_dup(gen):
    port, servers, clients = http_run(gen, "http/dup")
    for s, target, code in zip(servers, ("/ok/x?a=1", "/missing"), (200, 404)):
        a = s["attributes"]
        assert a["http.method"] == a["http.request.method"] == "GET", a
        assert a["http.status_code"] == a["http.response.status_code"] == code, a
        assert a["http.target"] == target, a
        assert a["http.scheme"] == a["url.scheme"] == "http", a
        assert a["net.host.name"] == a["server.address"] and a["net.host.port"] == a["server.port"] == port, a
        assert "net.peer.name" not in a and "db.system" not in a, a
        assert a["net.sock.peer.addr"] == a["network.peer.address"] == "127.0.0.1", a
    for s, path, code in zip(clients, ("/ok/x?a=1", "/missing"), (200, 404)):
        a = s["attributes"]
        assert a["http.method"] == "GET" and a["http.status_code"] == code, a
        assert a["http.url"] == a["url.full"] == f"http://127.0.0.1:{port}{path}", a
        assert a["net.peer.name"] == a["server.address"] == "127.0.0.1" and a["net.peer.port"] == port, a
        assert "net.host.name" not in a and "http.target" not in a, a
    assert [s["name"] for s in servers + clients] == ["GET"] * 4


def test_http_stable_only(gen):
    port, servers, clients = http_run(gen, "http,database/dup")
    for s in servers + clients:
        assert not set(HTTP_OLD) & set(s["attributes"]), s["attributes"]


def test_dup_over_otlp(tmp_path, redis_server):
    """The OTLP encoder writes attributes straight into the span (wire mode): the older names
    are there too, decoded by genesis-view."""
    import re
    import subprocess
    import time

    import otlp_pb
    from conftest import LIB, clean_env
    err, jsonl = tmp_path / "view.err", tmp_path / "view.jsonl"
    with open(err, "wb") as e:
        view = subprocess.Popen([f"{otlp_pb.BUILD}/genesis-view", "--port", "0", "--quiet", "--jsonl", str(jsonl)],
                                stderr=e)
    try:
        deadline = time.monotonic() + 5
        while not (m := re.search(r"listening on http://127\.0\.0\.1:(\d+)", err.read_text())):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        env = clean_env({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_METRICS_EXPORTER": "none", "LD_PRELOAD": str(LIB),
                         "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{m.group(1)}",
                         "OTEL_SEMCONV_STABILITY_OPT_IN": "database/dup"})
        r = subprocess.run([tool("redis-cli"), "-p", str(redis_server.port)], input=b"SET k v\nGET k\n",
                           capture_output=True, env=env, timeout=30)
        assert r.returncode == 0 and r.stdout == b"OK\nv\n", r
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            spans = [s for s in otlp_pb.read_jsonl(jsonl) if s["signal"] == "span"
                     and s["name"] in ("SET", "GET")] if jsonl.exists() else []
            if len(spans) == 2:
                break
            time.sleep(0.05)
    finally:
        view.terminate()
        view.wait(5)
    assert len(spans) == 2, spans
    for s in spans:
        a = s["attributes"]
        assert a["db.system"] == a["db.system.name"] == "redis", a
        assert a["net.peer.port"] == a["server.port"] == redis_server.port, a
        assert a["db.operation"] == s["name"], a
