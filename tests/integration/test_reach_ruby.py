"""Ruby 3.1 under the library (tests/integration/reach/reach.rb): Net::HTTP, redis-rb and mysql2.

- Net::HTTP: a connect span and an HTTP CLIENT span; the server (python http.server, under the
  library too) continues the client's trace: the traceparent arrived.
- redis-rb sends its commands in lower case (`get`): span names and db.operation.name are the
  upper-case command (`GET`, as from redis-py), db.query.text is what was sent; the
  db.client.operation.duration series is the one redis-py makes.
- mysql2 (libmariadb: symbol hooks and wire): one CLIENT span per query, sanitized text.
Every program's output is the same with and without the library.
"""
import subprocess
import time

import pytest

from conftest import LIB, PY, assert_span_shape, assert_tcp_connect_span, clean_env
from reach_support import child_of, ruby, wait_spans
from test_http_support import http_spans, start_http_server
from test_mysql_support import PASSWORD, USER, db_spans, start_mariadb
from test_otlp_support import view  # noqa: F401  (fixture)
from test_redis_common import assert_redis_span, by_time, names, redis_spans


@pytest.fixture(scope="module")
def mariadb(tmp_path_factory):
    srv = start_mariadb(tmp_path_factory, "mariadb-ruby")
    yield srv
    srv.stop()


def test_net_http_joins_the_server_trace(gen, tmp_path):
    argv = ruby()
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "r.txt").write_text("hello ruby")
    srv = start_http_server(tmp_path, tmp_path / "www", preload=True)
    try:
        bare, pre = gen.compare(argv + ["http", srv.url("/r.txt")])
    finally:
        srv.stop()
    assert pre.stdout == b"200 hello ruby\n", pre.stdout
    (client,) = http_spans(pre.spans, "CLIENT")
    assert_span_shape(client, pre)
    assert client["attributes"]["url.full"] == srv.url("/r.txt"), client
    (conn,) = pre.connect_spans()
    assert_tcp_connect_span(conn, srv.port)
    servers = wait_spans(lambda: http_spans(srv.spans, "SERVER"), lambda s: len(s) >= 2)
    assert len(servers) == 2, servers                     # the bare run and the preloaded one
    child_of(servers, client)


def test_redis_rb_names_are_upper_case(gen, redis_server):
    port = redis_server.port
    bare, pre = gen.compare(ruby("redis") + ["redis", str(port)])
    assert pre.stdout == b'v1\n1\n["v1", "v1"]\n', pre.stdout
    spans = by_time(redis_spans(pre))
    assert names(spans) == ["SET", "GET", "DEL", "INCR", "PIPELINE GET"], names(spans)
    for s in spans:
        assert_span_shape(s, pre)
        assert_redis_span(s, port)                        # db.operation.name == name
    texts = [s["attributes"]["db.query.text"] for s in spans]
    assert texts[:4] == ["set reach:rb ?", "get reach:rb", "del reach:rb:n", "incr reach:rb:n"], texts
    assert texts[4].startswith("get reach:rb"), texts


REDIS_PY = r"""
import redis, sys
r = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]))
r.set("reach:py", "v1")
print(r.get("reach:py").decode())
"""


def test_redis_rb_and_redis_py_share_a_series(tmp_path, redis_server, view):  # noqa: F811
    """redis-rb's `get` and redis-py's `GET` are one db.client.operation.duration series."""
    v = view()
    got = {}
    for who, argv in (("ruby", ruby("redis") + ["redis", str(redis_server.port)]),
                      ("python", [PY, "-c", REDIS_PY, str(redis_server.port)])):
        env = clean_env({"LD_PRELOAD": str(LIB), "OTEL_METRICS_EXPORTER": "otlp", "OTEL_TRACES_EXPORTER": "none",
                         "OTEL_EXPORTER_OTLP_ENDPOINT": v.url(), "OTEL_SERVICE_NAME": f"reach-{who}",
                         "GENESIS_EXIT_FLUSH_MS": "3000"})
        r = subprocess.run(argv, env=env, capture_output=True, timeout=120, cwd=tmp_path)
        assert r.returncode == 0, r
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        points = [p for p in v.records() if p.get("signal") == "metric" and p["name"] == "db.client.operation.duration"]
        for who in ("ruby", "python"):
            got[who] = {frozenset(p["attributes"].items()) for p in points
                        if p["resource"]["service.name"] == f"reach-{who}"
                        and p["attributes"].get("db.operation.name") == "GET"}
        if got["ruby"] and got["python"]:
            break
        time.sleep(0.1)
    assert got["ruby"] and got["ruby"] == got["python"], got


def test_mysql2(gen, mariadb):
    bare, pre = gen.compare(ruby("mysql2") + ["mysql2", str(mariadb.port), USER, PASSWORD])
    assert pre.stdout == b"hello\nthird\n", pre.stdout
    spans = db_spans(pre)
    selects = [s for s in spans if s["name"] == "SELECT messages"]
    assert len(selects) == 2, [(s["name"], s["attributes"].get("db.query.text")) for s in spans]
    for s in spans:
        assert_span_shape(s, pre)
        a = s["attributes"]
        assert a["server.address"] == "127.0.0.1" and a["server.port"] == mariadb.port, a
    assert selects[0]["attributes"]["db.query.text"] == "SELECT body FROM messages WHERE id = ?", selects[0]

