"""Java 17 under the library (tests/integration/reach/Reach.java, run with the source launcher).

Java's sockets are AF_INET6: a peer 127.0.0.1 is ::ffff:127.0.0.1 on the socket. It must be reported
as 127.0.0.1 with network.type=ipv4 everywhere:
- a java.net.Socket connect: the connect span's name and attributes;
- HttpURLConnection and java.net.http.HttpClient: CLIENT spans (HttpClient: see its test);
  com.sun.net.httpserver: a SERVER span whose peer is the (accepted, v4-mapped) client;
- MariaDB Connector/J: CLIENT spans with server.address=127.0.0.1, and Prometheus series of
  db.client.operation.duration and genesis.network.io identical to those of a Python (PyMySQL)
  client of the same database: one series, whichever client.
Every program's output is the same with and without the library, a refused connect included.
"""
import socket
import subprocess
import urllib.request

import pytest

from conftest import LIB, PY, assert_same_behaviour, assert_span_shape, assert_tcp_connect_span, clean_env, \
    free_port
from reach_support import JavaServer, java, read_line, wait_spans
from test_http_support import http_spans, start_http_server
from test_mysql_support import PASSWORD, USER, db_spans, start_mariadb
from test_prometheus import samples, wait_scrape


@pytest.fixture(scope="module")
def mariadb(tmp_path_factory):
    srv = start_mariadb(tmp_path_factory, "mariadb-java")
    yield srv
    srv.stop()


@pytest.fixture
def sink():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    yield s.getsockname()[1]
    s.close()


def test_socket_connect_is_ipv4(gen, sink):
    bare, pre = gen.compare(java() + ["connect", str(sink)], timeout=120)
    assert pre.stdout == b"connected\n"
    (span,) = pre.connect_spans()
    assert_span_shape(span, pre)
    assert_tcp_connect_span(span, sink)          # connect 127.0.0.1:PORT, 127.0.0.1, ipv4


def _www(tmp_path):
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "j.txt").write_text("hello java\n")
    return start_http_server(tmp_path, tmp_path / "www", preload=False)


def _check_client(client, res, url):
    assert_span_shape(client, res)
    a = client["attributes"]
    assert client["name"] == "GET" and a["http.response.status_code"] == 200, client
    assert a["url.full"] == url, a
    assert a["network.peer.address"] == "127.0.0.1" and a["network.type"] == "ipv4", a


def test_httpurlconnection(gen, tmp_path):
    srv = _www(tmp_path)
    try:
        bare, pre = gen.compare(java() + ["get", srv.url("/j.txt")], timeout=120)
    finally:
        srv.stop()
    assert pre.stdout == b"200 hello java\n\n", pre.stdout
    (client,) = http_spans(pre.spans, "CLIENT")
    _check_client(client, pre, srv.url("/j.txt"))
    (conn,) = pre.connect_spans()
    assert_tcp_connect_span(conn, srv.port)


def test_httpclient(gen, tmp_path):
    """HttpClient writes a request on the calling thread and reads the answer on its selector
    thread, and the answer is often read before the write's hook has recorded the request (the
    two threads race). The reader waits for that record (docs/limits.md, one connection, two
    threads): five requests, a connect span and a CLIENT span with IPv4 attributes for each, no
    `connection_closed` one. Before the wait, two runs in three lost an exchange."""
    srv = _www(tmp_path)
    try:
        bare, pre = gen.compare(java() + ["client", srv.url("/j.txt"), "5"], timeout=120)
    finally:
        srv.stop()
    assert pre.stdout == b"200 hello java\n\n" * 5, pre.stdout
    conns = pre.connect_spans()
    assert len(conns) == 5, pre.describe()
    for c in conns:
        assert_tcp_connect_span(c, srv.port)
    spans = http_spans(pre.spans, "CLIENT")
    clients = [c for c in spans if "error.type" not in c["attributes"]]
    print(f"httpclient: {len(clients)} CLIENT spans, {len(spans) - len(clients)} others")
    assert len(clients) == 5 and len(spans) == 5, pre.describe()
    for c in clients:
        _check_client(c, pre, srv.url("/j.txt"))


def test_httpserver_sees_an_ipv4_client(tmp_path):
    svc = JavaServer(tmp_path, "-")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{svc.port}/hello?q=1", timeout=30) as r:
            assert r.read() == b"java"
    finally:
        svc.stop()
    (server,) = wait_spans(lambda: http_spans(svc.spans, "SERVER"), lambda s: len(s) >= 1)
    a = server["attributes"]
    assert server["name"] == "GET" and a["http.response.status_code"] == 200, server
    assert a["network.peer.address"] == "127.0.0.1" and a["network.type"] == "ipv4", a
    assert a["url.path"] == "/hello", a


PYMYSQL = r"""
import sys, pymysql
c = pymysql.connect(host="127.0.0.1", port=int(sys.argv[1]), user=sys.argv[2], password=sys.argv[3], database="test")
with c.cursor() as cur:
    cur.execute("SELECT body FROM messages WHERE id = 1")
    print(cur.fetchone()[0])
    cur.execute("SELECT body FROM messages WHERE id = %s", (3,))
    print(cur.fetchone()[0])
c.close()
print("done", flush=True)
sys.stdin.read()
"""


def test_jdbc_spans(gen, mariadb):
    bare, pre = gen.compare(java(jdbc=True) + ["jdbc", str(mariadb.port), USER, PASSWORD], timeout=120)
    assert pre.stdout == b"hello\nthird\n", pre.stdout
    spans = db_spans(pre)
    selects = [s for s in spans if s["name"] == "SELECT messages"]
    assert len(selects) == 2, [(s["name"], s["attributes"].get("db.query.text")) for s in spans]
    assert [s["attributes"]["db.query.text"] for s in selects] == ["SELECT body FROM messages WHERE id = ?"] * 2
    for s in spans:
        assert_span_shape(s, pre)
        a = s["attributes"]
        assert a["server.address"] == "127.0.0.1" and a["network.peer.address"] == "127.0.0.1", a
        assert a["network.type"] == "ipv4" and a["server.port"] == mariadb.port, a
    (conn,) = [s for s in pre.connect_spans() if s["attributes"]["network.peer.port"] == mariadb.port]
    assert_tcp_connect_span(conn, mariadb.port)


def _series(text, prefix, port):
    """{name: set of frozen label sets} of the samples of `prefix` about the database at `port`."""
    out = {}
    for name, lab, _, _ in samples(text):
        if name.startswith(prefix) and (lab.get("server_port") == str(port) or lab.get("network_peer_port") == str(port)):
            out.setdefault(name, set()).add(frozenset(lab.items()))
    return out


def test_jdbc_and_pymysql_share_metric_series(tmp_path, mariadb):
    """The same queries from Java and from Python make identical series on the Prometheus
    endpoints: same server.address, network.peer.address, network.type."""
    texts = {}
    for who, argv in (("java", java(jdbc=True) + ["jdbc", str(mariadb.port), USER, PASSWORD, "wait"]),
                      ("python", [PY, "-c", PYMYSQL, str(mariadb.port), USER, PASSWORD])):
        prom = free_port()
        env = clean_env({"LD_PRELOAD": str(LIB), "OTEL_METRICS_EXPORTER": "prometheus", "OTEL_TRACES_EXPORTER": "none",
                         "OTEL_EXPORTER_PROMETHEUS_PORT": str(prom)})
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                cwd=tmp_path)
        try:
            read_line(proc, r"done", timeout=120)

            def ready(text):
                ops = [lab for n, lab, _, _ in samples(text) if n == "db_client_operation_duration_seconds_count"]
                io = [lab for n, lab, _, _ in samples(text) if n.startswith("genesis_network_io")]
                return any(l.get("db_query_summary") == "SELECT messages" for l in ops) and io
            _, texts[who] = wait_scrape(prom, ready, timeout=30)
        finally:
            proc.stdin.close()
            proc.wait(60)
            proc.stdout.close()
            proc.stderr.close()
    for who, text in texts.items():
        assert "ffff" not in text, f"{who}: an IPv4-mapped address reached a label:\n{text}"
    db = {w: {s for s in _series(t, "db_client_operation_duration_seconds_count", mariadb.port)
                 .get("db_client_operation_duration_seconds_count", set())
              if ("db_query_summary", "SELECT messages") in s} for w, t in texts.items()}
    assert db["java"] and db["java"] == db["python"], db
    (labels,) = db["java"]
    assert dict(labels)["server_address"] == "127.0.0.1", labels
    io = {w: _series(t, "genesis_network_io", mariadb.port) for w, t in texts.items()}
    assert io["java"] and io["java"] == io["python"], io
    for series in io["java"].values():
        for lab in series:
            d = dict(lab)
            assert d["network_peer_address"] == "127.0.0.1" and d["network_type"] == "ipv4", d


def test_refused_connect_same_error(gen):
    """A refused connect: the same exception either way (errno untouched), an ECONNREFUSED span."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = s.getsockname()[1]
    s.close()
    bare = gen.run(java() + ["connect", str(dead)], preload=False, timeout=120)
    pre = gen.run(java() + ["connect", str(dead)], timeout=120)
    assert bare.rc != 0 and b"Connection refused" in bare.stderr, bare.describe()
    assert_same_behaviour(bare, pre)
    (span,) = pre.connect_spans()
    assert_tcp_connect_span(span, dead, status="ERROR", error_type="ECONNREFUSED")
