"""Real servers and clients under the library: nginx serving files to curl (one trace, the
server span a child of the client span), a three-process chain curl → nginx (proxy_pass) →
python http.server, 1,000 keep-alive requests on one connection, pipelined requests, 404s.
Every client's own output must be the same with and without the library."""
import http.client

import pytest

from conftest import assert_same_behaviour, assert_span_shape, prog, tool
from test_http_support import by_id, http_spans, start_http_server, start_nginx

FILES = {"index.html": b"<h1>hello nginx</h1>\n" * 20, "f1": b"a" * 10, "f2": b"b" * 200,
         "f3": b"c" * 3000, "f4": b"d" * 40000, "f5": b""}


@pytest.fixture
def www(tmp_path):
    d = tmp_path / "www"
    d.mkdir()
    for name, data in FILES.items():
        (d / name).write_bytes(data)
    return d


@pytest.fixture
def nginx(tmp_path, www):
    srv = start_nginx(tmp_path, www)
    yield srv
    srv.stop()


def curl(gen, urls, env=None):
    argv = [tool("curl"), "-s", "-S", "--no-progress-meter", "-w", "%{http_code} %{size_download}\\n"] + list(urls)
    bare, pre = gen.compare(argv, env=env)
    return pre


def pairs(client_spans, server_spans):
    """(client, server) for each client span: exactly one server span is its child. Server
    spans of requests from the bare runs (no traceparent: roots) are left out."""
    by_parent = {}
    for s in server_spans:
        by_parent.setdefault(s.get("parent_span_id"), []).append(s)
    out = []
    for c in client_spans:
        kids = by_parent.get(c["span_id"], [])
        assert len(kids) == 1, f"client span {c['span_id']} has {len(kids)} server children"
        s = kids[0]
        assert s["trace_id"] == c["trace_id"] and s["parent_remote"] is True
        out.append((c, s))
    return out


def test_nginx_and_curl_one_trace(gen, nginx):
    pre = curl(gen, [nginx.url("/index.html"), nginx.url("/missing")])
    nginx.stop()
    clients, servers = http_spans(pre.spans, "CLIENT"), http_spans(nginx.spans, "SERVER")
    assert len(clients) == 2 and len(servers) == 4, (clients, servers)   # + 2 from the bare run
    got = {s["attributes"]["url.path"]: (c, s) for c, s in pairs(clients, servers)}
    c, s = got["/index.html"]
    for span in (c, s):
        assert_span_shape(span)
        assert span["name"] == "GET"
        assert span["attributes"]["http.response.status_code"] == 200
        assert span["attributes"]["http.response.body.size"] == len(FILES["index.html"])
        assert span["status"]["code"] == "UNSET"
    a = s["attributes"]
    assert a["url.scheme"] == "http" and a["server.address"] == "127.0.0.1" and a["server.port"] == nginx.port
    assert a["client.address"] == "127.0.0.1" and a["network.peer.address"] == "127.0.0.1"
    assert a["user_agent.original"].startswith("curl/") and a["network.protocol.version"] == "1.1"
    assert c["attributes"]["url.full"] == nginx.url("/index.html")
    # the server's end is taken when its last write returns, which may be a hair after the
    # client read those bytes: allow 50 ms
    assert c["start_time_unix_nano"] <= s["start_time_unix_nano"] <= s["end_time_unix_nano"]
    assert s["end_time_unix_nano"] <= c["end_time_unix_nano"] + 50_000_000
    # 404: Unset on the server, Error on the client (semantic conventions)
    c, s = got["/missing"]
    assert s["attributes"]["http.response.status_code"] == 404 and s["status"]["code"] == "UNSET"
    assert "error.type" not in s["attributes"]
    assert c["status"]["code"] == "ERROR" and c["attributes"]["error.type"] == "404"


def test_three_processes_one_trace(gen, tmp_path, www):
    backend = start_http_server(tmp_path, www)
    proxy = start_nginx(tmp_path, www, upstream=backend.port)
    try:
        pre = curl(gen, [proxy.url("/proxy/f3")])
    finally:
        proxy.stop()
        backend.stop()
    (c1,) = http_spans(pre.spans, "CLIENT")
    mine = lambda spans: [s for s in spans if s["trace_id"] == c1["trace_id"]]  # not the bare run's
    (s1,) = mine(http_spans(proxy.spans, "SERVER"))
    (c2,) = mine(http_spans(proxy.spans, "CLIENT"))
    (s2,) = mine(http_spans(backend.spans, "SERVER"))
    assert {c1["trace_id"], s1["trace_id"], c2["trace_id"], s2["trace_id"]} == {c1["trace_id"]}
    assert s1["parent_span_id"] == c1["span_id"]
    assert c2["parent_span_id"] == s1["span_id"] and c2["parent_remote"] is False
    assert s2["parent_span_id"] == c2["span_id"]
    assert "parent_span_id" not in c1
    assert s1["attributes"]["url.path"] == "/proxy/f3" and s2["attributes"]["url.path"] == "/f3"
    assert s2["resource"]["process.executable.name"].startswith("python")
    for s in (c1, s1, c2, s2):
        assert s["attributes"]["http.response.status_code"] == 200
    assert c2["attributes"]["url.full"] == backend.url("/f3")
    # the proxy's connect to the backend belongs to the request too
    connects = [s for s in mine(proxy.spans) if s["name"].startswith("connect ")]
    assert len(connects) == 1 and connects[0]["parent_span_id"] == s1["span_id"]


def test_keepalive_thousand_requests(gen, nginx):
    res = gen.run([prog("http_client"), str(nginx.port), "whole", "1000", "/f%d"], timeout=120)
    nginx.stop()
    assert res.rc == 0, res.describe()
    lines = res.stdout.decode().split("\n")
    assert sum(1 for l in lines if l.startswith("resp ")) == 1000
    clients, servers = http_spans(res.spans, "CLIENT"), http_spans(nginx.spans, "SERVER")
    assert len(clients) == 1000 and len(servers) == 1000
    assert len({s["attributes"]["network.peer.port"] for s in servers}) == 1     # one connection
    for c, s in pairs(clients, servers):
        want = c["attributes"]["url.full"].rsplit("/", 1)[1]
        assert s["attributes"]["url.path"] == "/" + want
        assert s["attributes"]["http.response.status_code"] == c["attributes"]["http.response.status_code"]


def test_pipelined_requests(gen, nginx):
    bare = gen.run([prog("http_client"), str(nginx.port), "pipeline", "5", "/f%d"], preload=False)
    res = gen.run([prog("http_client"), str(nginx.port), "pipeline", "5", "/f%d"])
    nginx.stop()
    assert_same_behaviour(bare, res)
    sizes = [len(FILES[f"f{i}"]) for i in range(1, 6)]
    assert res.stdout.decode().split("\n")[1:6] == [f"resp 200 {n}" for n in sizes]
    clients, servers = http_spans(res.spans, "CLIENT"), http_spans(nginx.spans, "SERVER")
    assert len(clients) == 5 and len(servers) == 10          # + 5 from the bare run
    for c, s in pairs(clients, servers):
        path = s["attributes"]["url.path"]
        assert c["attributes"]["url.full"].endswith(path)
        n = len(FILES[path[1:]])
        assert s["attributes"]["http.response.body.size"] == n == c["attributes"]["http.response.body.size"]


INVALID = [
    "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",     # uppercase
    "00-00000000000000000000000000000000-00f067aa0ba902b7-01",     # zero trace id
    "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",     # zero parent id
    "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",     # forbidden version
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",   # extra field on v00
    "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",      # short version
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",        # missing flags
    "garbage",
    "",
]


def test_incoming_traceparents(nginx):
    """Invalid values start a new trace (W3C), a valid one is the parent; no crash."""
    valid = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    conn = http.client.HTTPConnection("127.0.0.1", nginx.port, timeout=10)
    for tp in INVALID + [valid]:
        conn.request("GET", "/f1", headers={"traceparent": tp})
        assert conn.getresponse().read() == FILES["f1"]
    conn.putrequest("GET", "/f2")                      # two traceparent fields: invalid
    conn.putheader("traceparent", valid)
    conn.putheader("traceparent", valid)
    conn.endheaders()
    assert conn.getresponse().read() == FILES["f2"]
    conn.close()
    nginx.stop()
    servers = sorted(http_spans(nginx.spans, "SERVER"), key=lambda s: s["start_time_unix_nano"])
    assert len(servers) == len(INVALID) + 2
    bad = servers[:len(INVALID)] + servers[-1:]
    for s in bad:
        assert "parent_span_id" not in s, s
        assert s["trace_id"] not in ("4bf92f3577b34da6a3ce929d0e0e4736", "0af7651916cd43dd8448eb211c80319c")
    assert len({s["trace_id"] for s in bad}) == len(bad)
    good = servers[len(INVALID)]
    assert good["trace_id"] == "0af7651916cd43dd8448eb211c80319c"
    assert good["parent_span_id"] == "b7ad6b7169203331" and good["parent_remote"] is True
