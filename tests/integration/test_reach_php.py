"""PHP 8.2 under the library (tests/integration/reach/reach.php): curl, file_get_contents, the
built-in server (`php -S`), phpredis, mysqli and PDO.

- curl: PHP loads curl.so with RTLD_DEEPBIND, so libcurl binds to libc inside its own scope; the
  library redirects it (hooks/dl.c). The curl call makes a connect span and an HTTP CLIENT span,
  exported over OTLP (decoded by genesis-view), and python http.server, under the library too,
  continues that span's trace: the traceparent arrived. The library's own libcurl (the same
  object, loaded for the OTLP export) stays unobserved.
- file_get_contents: the same through PHP's own streams.
- php -S: SERVER spans with the client's IPv4 peer.
- phpredis: upper-case names; mysqli and PDO (mysqlnd: wire only): one span per query.
Every program's output is the same with and without the library.
"""
import urllib.request

import pytest

from conftest import assert_span_shape, assert_tcp_connect_span, free_port
from reach_support import HERE, child_of, php, php_script, wait_spans
from test_http_support import Service, http_spans, start_http_server
from test_mysql_support import PASSWORD, USER, db_spans, start_mariadb
from test_otlp_support import assert_collector_unobserved, view  # noqa: F401  (fixture)
from test_redis_common import assert_redis_span, by_time, names, redis_spans


@pytest.fixture(scope="module")
def mariadb(tmp_path_factory):
    srv = start_mariadb(tmp_path_factory, "mariadb-php")
    yield srv
    srv.stop()


@pytest.fixture
def www(tmp_path):
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "p.txt").write_text("hello php")
    srv = start_http_server(tmp_path, tmp_path / "www", preload=True)
    yield srv
    srv.stop()


def test_curl_joins_the_trace_and_is_exported(gen, www, view):  # noqa: F811
    v = view()
    env = {"OTEL_TRACES_EXPORTER": "otlp,console", "OTEL_EXPORTER_OTLP_ENDPOINT": v.url(),
           "GENESIS_EXIT_FLUSH_MS": "3000"}
    bare, pre = gen.compare(php_script("curl") + ["curl", www.url("/p.txt")], env=env)
    assert pre.stdout == b"200 hello php\n", pre.stdout
    (client,) = http_spans(pre.spans, "CLIENT")
    assert_span_shape(client, pre)
    assert client["attributes"]["url.full"] == www.url("/p.txt"), client
    assert client["attributes"]["http.response.status_code"] == 200, client
    (conn,) = pre.connect_spans()
    assert_tcp_connect_span(conn, www.port)

    exported = [r for r in v.records(want=2, timeout=10) if r.get("signal") == "span"]
    assert [(s["span_id"], s["trace_id"]) for s in exported if s["kind"] == "CLIENT"] == \
        [(client["span_id"], client["trace_id"])], exported
    assert_collector_unobserved(exported, v.port)
    assert_collector_unobserved(pre.spans, v.port)

    servers = wait_spans(lambda: http_spans(www.spans, "SERVER"), lambda s: len(s) >= 2)
    assert len(servers) == 2, servers                    # the bare run and the preloaded one
    child_of(servers, client)


def test_file_get_contents(gen, www):
    bare, pre = gen.compare(php_script() + ["fgc", www.url("/p.txt")])
    assert pre.stdout == b"hello php\n", pre.stdout
    (client,) = http_spans(pre.spans, "CLIENT")
    child_of(wait_spans(lambda: http_spans(www.spans, "SERVER"), lambda s: len(s) >= 2), client)


def test_builtin_server(tmp_path):
    port = free_port()
    svc = Service("php-S", php() + ["-S", f"127.0.0.1:{port}", str(HERE / "reach.php")], port, tmp_path,
                  env={"REACH_NEXT": ""})
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/route/a?x=1", timeout=30) as r:
            assert r.read() == b"php"
        spans = wait_spans(lambda: http_spans(svc.spans, "SERVER"), lambda s: len(s) >= 1)
    finally:
        svc.stop()
    servers = [s for s in spans if s["attributes"].get("url.path") == "/route/a"]
    assert len(servers) == 1, svc.spans
    a = servers[0]["attributes"]
    assert servers[0]["name"] == "GET" and a["http.response.status_code"] == 200, servers[0]
    assert a["network.peer.address"] == "127.0.0.1" and a["network.type"] == "ipv4", a


def test_phpredis(gen, redis_server):
    port = redis_server.port
    bare, pre = gen.compare(php_script("redis") + ["redis", str(port)])
    assert pre.stdout == b"v1\n1\n", pre.stdout
    spans = by_time(redis_spans(pre))
    assert names(spans) == ["SET", "DEL", "GET", "INCR"], names(spans)
    for s in spans:
        assert_span_shape(s, pre)
        assert_redis_span(s, port)


@pytest.mark.parametrize("mode,ext", [("mysqli", "mysqli"), ("pdo", "pdo_mysql")])
def test_mysql_clients(gen, mariadb, mode, ext):
    bare, pre = gen.compare(php_script(ext) + [mode, str(mariadb.port), USER, PASSWORD])
    assert pre.stdout == b"hello\nthird\n", pre.stdout
    spans = db_spans(pre)
    selects = [s for s in spans if s["name"] == "SELECT messages"]
    assert len(selects) == 2, [(s["name"], s["attributes"].get("db.query.text")) for s in spans]
    for s in spans:
        assert_span_shape(s, pre)
        a = s["attributes"]
        assert a["server.address"] == "127.0.0.1" and a["server.port"] == mariadb.port, a
        assert a["network.type"] == "ipv4", a
    assert selects[0]["attributes"]["db.query.text"] == "SELECT body FROM messages WHERE id = ?", selects[0]


def test_extensions_load_quietly(gen):
    """php loading its ~25 extensions with RTLD_DEEPBIND: same output, nothing on stderr."""
    bare, pre = gen.compare(php() + ["-r", 'echo count(get_loaded_extensions()), "\\n";'])
    assert pre.stderr == b"", pre.stderr
    assert int(pre.stdout) > 10, pre.stdout
