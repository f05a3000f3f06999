"""OTLP/HTTP trace export: real programs (curl, a Python client, node) under the library send their
spans to genesis-view or to the test's own receiver; everything is checked on the decoded protobuf
(ids, flags, kind, attributes, resource, scope), plus what only a receiver sees: the exact URL path
of a per-signal endpoint, configured headers, gzip, batching, retries after 503 + Retry-After.
The collector connection itself must never appear as a span, and the program's output must be the
same as without the library.
"""
import os
import time

import otlp_pb
from conftest import PY, LIB, free_port, tool
from test_otlp_support import (CLIENT, assert_collector_unobserved, attr_map, genesis_lines, otlp_env,  # noqa: F401
                               receiver, sink, view, without_genesis_lines)

PY_EXE = os.path.basename(os.path.realpath(PY))     # process.executable.name: python3.11
EMPTY_OK = otlp_pb.ExportTraceServiceResponse().SerializeToString()


def connect_spans(spans, port):
    return [s for s in spans if s.name == f"connect 127.0.0.1:{port}"]


def assert_resource(res_attrs, pid, exe, service=None):
    assert res_attrs["process.pid"] == pid, res_attrs
    assert res_attrs["process.executable.name"] == exe, res_attrs
    assert res_attrs["service.name"] == (service or f"unknown_service:{exe}"), res_attrs
    assert res_attrs["telemetry.sdk.name"] == "genesis-auto", res_attrs
    assert res_attrs["telemetry.sdk.language"] == "c", res_attrs
    assert res_attrs["telemetry.sdk.version"] == "0.1.0", res_attrs
    assert len(res_attrs["service.instance.id"]) == 36, res_attrs


def test_curl_to_genesis_view(gen, http_server, view):
    """curl emits its span at close(), right before it exits and its OpenSSL cleanup runs: the span
    arrives only if libcurl was prepared before that cleanup, which needs the exit barrier to be
    registered by the application thread that starts the exporter (docs/otlp.md)."""
    v = view()
    env = otlp_env(v.url())
    bare, pre = gen.compare([tool("curl"), "-sS", http_server.url("/hello.txt")], env=env)
    recs = [r for r in v.records(want=1) if r["signal"] == "span"]
    target = [r for r in recs if r["name"] == f"connect 127.0.0.1:{http_server.port}"]
    assert len(target) == 1, recs
    assert_collector_unobserved(recs, v.port)
    assert_collector_unobserved(pre.spans, v.port)
    s = target[0]
    assert len(s["trace_id"]) == 32 and len(s["span_id"]) == 16 and "parent_span_id" not in s, s
    assert s["kind"] == "INTERNAL" and s["flags"] == 0x101 and s["trace_flags"] == "01", s
    assert s["status"]["code"] == "UNSET", s
    assert s["attributes"] == {"network.peer.address": "127.0.0.1", "network.peer.port": http_server.port,
                               "network.transport": "tcp", "network.type": "ipv4"}, s
    assert pre.t0_ns <= s["start_time_unix_nano"] <= s["end_time_unix_nano"] <= pre.t1_ns, s
    assert_resource(s["resource"], pre.pid, "curl")
    assert s["scope"]["name"] == "genesis-auto" and s["scope"]["version"] == "0.1.0", s
    # the same span, as the console exporter wrote it
    con = pre.spans_named(f"connect 127.0.0.1:{http_server.port}")
    assert [(c["trace_id"], c["span_id"]) for c in con] == [(s["trace_id"], s["span_id"])], con


def test_python_client_decoded(gen, http_server, receiver):
    rcv = receiver([{"status": 200, "body": EMPTY_OK}])
    env = otlp_env(rcv.url(), OTEL_SERVICE_NAME="otlp-client")
    bare, pre = gen.compare([PY, "-c", CLIENT, str(http_server.port), "3"], env=env)
    reqs = rcv.wait_requests(1)
    assert len(reqs) == 1, [r.path for r in reqs]
    req = reqs[0]
    assert req.path == "/v1/traces"
    assert req.headers["content-type"] == "application/x-protobuf"
    assert req.headers["user-agent"].startswith("genesis-auto/0.1.0 OTel-OTLP-Exporter-C/"), req.headers
    assert "content-encoding" not in req.headers
    msg = req.traces()
    assert len(msg.resource_spans) == 1 and len(msg.resource_spans[0].scope_spans) == 1
    rs = msg.resource_spans[0]
    assert_resource(attr_map(rs.resource.attributes), pre.pid, PY_EXE, "otlp-client")
    ss = rs.scope_spans[0]
    assert (ss.scope.name, ss.scope.version) == ("genesis-auto", "0.1.0")
    spans = connect_spans(ss.spans, http_server.port)
    assert len(spans) == 3 == len(ss.spans), [s.name for s in ss.spans]
    assert len({s.span_id for s in spans}) == 3
    for s in spans:
        assert len(s.trace_id) == 16 and len(s.span_id) == 8 and s.parent_span_id == b""
        assert s.trace_id != bytes(16) and s.span_id != bytes(8)
        assert s.flags == 0x101 and s.kind == 1 and s.status.code == 0
        assert pre.t0_ns <= s.start_time_unix_nano <= s.end_time_unix_nano <= pre.t1_ns
        kinds = {kv.key: kv.value.WhichOneof("value") for kv in s.attributes}
        assert kinds == {"network.peer.address": "string_value", "network.peer.port": "int_value",
                         "network.transport": "string_value", "network.type": "string_value"}, kinds
        assert attr_map(s.attributes)["network.peer.port"] == http_server.port
    assert not connect_spans(rcv.all_spans(), rcv.port)
    assert [r["name"] for r in pre.connect_spans()] == [f"connect 127.0.0.1:{http_server.port}"] * 3
    assert_collector_unobserved(pre.spans, rcv.port)


def test_gzip_on_and_off(gen, http_server, receiver):
    for compression in ("gzip", "none"):
        rcv = receiver()
        env = otlp_env(rcv.url(), OTEL_EXPORTER_OTLP_COMPRESSION=compression)
        pre = gen.run([PY, "-c", CLIENT, str(http_server.port), "2"], env=env)
        assert pre.rc == 0, pre.describe()
        req = rcv.wait_requests(1)[0]
        if compression == "gzip":
            assert req.headers.get("content-encoding") == "gzip" and req.body[:2] == b"\x1f\x8b"
        else:
            assert "content-encoding" not in req.headers and req.body[:2] != b"\x1f\x8b"
        assert len(connect_spans(req.spans(), http_server.port)) == 2


def test_endpoint_paths(gen, http_server, receiver):
    rcv = receiver()
    cases = [
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": rcv.url("/custom/traces-in?tenant=a")}, "/custom/traces-in?tenant=a"),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": rcv.url()}, "/"),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": rcv.url("/base")}, "/base/v1/traces"),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1",            # per-signal wins
          "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": rcv.url("/t")}, "/t"),
    ]
    for n, (env, path) in enumerate(cases, 1):
        pre = gen.run([PY, "-c", CLIENT, str(http_server.port), "1"], env=otlp_env(**env))
        assert pre.rc == 0, pre.describe()
        reqs = rcv.wait_requests(n)
        assert len(reqs) == n and reqs[-1].path == path, (env, [r.path for r in reqs])
        assert len(connect_spans(reqs[-1].spans(), http_server.port)) == 1


def test_headers_arrive(gen, http_server, receiver):
    rcv = receiver()
    env = otlp_env(rcv.url(), OTEL_EXPORTER_OTLP_HEADERS="x-api-key=s%3Dcr%2Cet, x-tenant = team%20a",
                   OTEL_EXPORTER_OTLP_METRICS_HEADERS="x-only-metrics=1")
    pre = gen.run([PY, "-c", CLIENT, str(http_server.port), "1"], env=env)
    assert pre.rc == 0 and not genesis_lines(pre.stderr), pre.describe()
    h = rcv.wait_requests(1)[0].headers
    assert h["x-api-key"] == "s=cr,et" and h["x-tenant"] == "team a", h
    assert "x-only-metrics" not in h
    # a malformed value: one warning that does not echo it, no header sent, export still works
    rcv2 = receiver()
    env = otlp_env(rcv2.url(), OTEL_EXPORTER_OTLP_HEADERS="x-api-key=secret%ZZ")
    pre = gen.run([PY, "-c", CLIENT, str(http_server.port), "1"], env=env)
    lines = genesis_lines(pre.stderr)
    assert len(lines) == 1 and "OTEL_EXPORTER_OTLP_HEADERS" in lines[0] and "secret" not in lines[0], lines
    h = rcv2.wait_requests(1)[0].headers
    assert "x-api-key" not in h


def test_batches(gen, sink, receiver):
    rcv = receiver()
    env = otlp_env(rcv.url(), OTEL_BSP_MAX_EXPORT_BATCH_SIZE=50, OTEL_BSP_SCHEDULE_DELAY=100)
    pre = gen.run([PY, "-c", CLIENT, str(sink), "230", "0.5"], env=env)
    assert pre.rc == 0, pre.describe()
    reqs = rcv.wait_requests(5)
    sizes = [len(connect_spans(r.spans(), sink)) for r in reqs]
    assert sum(sizes) == 230 and max(sizes) <= 50 and len(reqs) >= 5, sizes
    ids = [s.span_id for r in reqs for s in r.spans()]
    assert len(set(ids)) == 230
    assert pre.self_line(pre.pid)["export_failures"] == 0


def test_schedule_delay_exports_while_running(gen, http_server, receiver):
    rcv = receiver()
    env = otlp_env(rcv.url(), OTEL_BSP_SCHEDULE_DELAY=200)
    t0 = time.monotonic()
    pre = gen.run([PY, "-c", CLIENT, str(http_server.port), "1", "1.5"], env=env)
    reqs = rcv.wait_requests(1)
    assert reqs and reqs[0].time - t0 < 1.2, "the span waited for the exit instead of the schedule delay"
    assert pre.elapsed > 1.5


def test_retry_after_503(gen, http_server, receiver):
    rcv = receiver([{"status": 503, "headers": {"Retry-After": "1"}}, {"status": 200, "body": EMPTY_OK}])
    env = otlp_env(rcv.url(), OTEL_BSP_SCHEDULE_DELAY=50)
    pre = gen.run([PY, "-c", CLIENT, str(http_server.port), "2", "2.0"], env=env)
    reqs = rcv.wait_requests(2)
    assert len(reqs) == 2, [r.path for r in reqs]
    assert reqs[1].time - reqs[0].time >= 0.95, "Retry-After: 1 was not honoured"
    assert reqs[0].body == reqs[1].body
    assert len(connect_spans(reqs[1].spans(), http_server.port)) == 2
    assert pre.self_line(pre.pid)["export_failures"] == 0 and not genesis_lines(pre.stderr), pre.describe()


def test_traceparent_from_environment(gen, http_server, receiver):
    rcv = receiver()
    env = otlp_env(rcv.url(), TRACEPARENT="00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                   TRACESTATE="congo=t61rcWkgMzE")
    gen.run([PY, "-c", CLIENT, str(http_server.port), "1"], env=env)
    s = connect_spans(rcv.wait_requests(1)[0].spans(), http_server.port)[0]
    assert s.trace_id.hex() == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert s.parent_span_id.hex() == "00f067aa0ba902b7"
    assert s.flags == 0x301 and s.trace_state == "congo=t61rcWkgMzE"


FORK = r"""
import os, socket, sys
port = int(sys.argv[1])
def hit():
    s = socket.create_connection(("127.0.0.1", port)); s.close()
hit()
pid = os.fork()
if pid == 0:
    hit(); hit()
    sys.exit(0)         # a normal exit: the child's exit flush sends its two spans
os.waitpid(pid, 0)
print("parent done")
"""


def test_fork_child_exports_its_own(gen, http_server, receiver):
    rcv = receiver()
    env = otlp_env(rcv.url(), OTEL_BSP_SCHEDULE_DELAY=100)
    bare, pre = gen.compare([PY, "-c", FORK, str(http_server.port)], env=env)
    time.sleep(0.3)
    by_pid = {}
    for r in rcv.requests:
        for rs in r.traces().resource_spans:
            pid = attr_map(rs.resource.attributes)["process.pid"]
            by_pid.setdefault(pid, []).extend(s.span_id for ss in rs.scope_spans for s in ss.spans)
    assert len(by_pid.get(pre.pid, [])) == 1, by_pid
    children = [p for p in by_pid if p != pre.pid]
    assert len(children) == 1 and len(by_pid[children[0]]) == 2, by_pid
    ids = [i for v in by_pid.values() for i in v]
    assert len(ids) == len(set(ids)) == 3, "the child re-sent the parent's spans"


NODE = r"""
const http = require('http');
const crypto = require('crypto');
console.log(crypto.createHash('sha256').update('genesis').digest('hex'));
console.log(crypto.createHmac('sha1', 'k').update('v').digest('base64'));
http.get(process.argv[1], (res) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (d) => { body += d; });
  res.on('end', () => { console.log(res.statusCode, JSON.stringify(body)); });
}).on('error', (e) => { console.error('error', e.code); process.exit(3); });
"""


def test_node_exports_over_otlp(gen, http_server, view):
    """node carries its own OpenSSL; the library's libcurl (and the system OpenSSL it pulls in) is
    loaded with RTLD_DEEPBIND so neither sees the other's symbols."""
    v = view()
    bare, pre = gen.compare([tool("node"), "-e", NODE, http_server.url("/hello.txt")], env=otlp_env(v.url()))
    assert pre.stdout.decode().splitlines()[-1] == '200 "hello from genesis-auto\\n"', pre.stdout
    recs = [r for r in v.records(want=1) if r["signal"] == "span"]
    spans = [r for r in recs if r["name"] == f"connect 127.0.0.1:{http_server.port}"]
    assert len(spans) == 1, recs
    assert_resource(spans[0]["resource"], pre.pid, "node")
    assert pre.self_line(pre.pid)["export_failures"] == 0


def test_libcurl_unavailable(gen, http_server, receiver):
    rcv = receiver()
    env = otlp_env(rcv.url(), GENESIS_LIBCURL="/nonexistent/libcurl.so.4", OTEL_BSP_SCHEDULE_DELAY=50)
    bare = gen.run([PY, "-c", CLIENT, str(http_server.port), "3", "0.5"], preload=False, env=env)
    pre = gen.run([PY, "-c", CLIENT, str(http_server.port), "3", "0.5"], env=env)
    assert (pre.rc, pre.stdout) == (bare.rc, bare.stdout)
    lines = genesis_lines(pre.stderr)
    assert len(lines) == 1 and "cannot use /nonexistent/libcurl.so.4" in lines[0], lines
    assert without_genesis_lines(pre.stderr) == without_genesis_lines(bare.stderr)
    assert pre.self_line(pre.pid)["export_failures"] >= 1
    assert not rcv.requests


def test_host_with_its_own_malloc(gen, sink, receiver):
    """A host whose malloc is not glibc's (jemalloc, as redis-server): libcurl, loaded with
    RTLD_DEEPBIND, must still allocate and free with one allocator."""
    rcv = receiver()
    jemalloc = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
    env = otlp_env(rcv.url(), OTEL_BSP_MAX_EXPORT_BATCH_SIZE=20, OTEL_BSP_SCHEDULE_DELAY=50)
    pre = gen.run([PY, "-c", CLIENT, str(sink), "100", "0.3"], env=env, ld_preload=f"{jemalloc}:{LIB}")
    assert pre.rc == 0 and not genesis_lines(pre.stderr), pre.describe()
    rcv.wait_requests(5)
    assert len(connect_spans(rcv.all_spans(), sink)) == 100


def test_collector_down_at_exit_keeps_output(gen, http_server):
    cport = free_port()
    env = otlp_env(f"http://127.0.0.1:{cport}")
    bare = gen.run([tool("curl"), "-sS", http_server.url("/hello.txt")], preload=False, env=env)
    pre = gen.run([tool("curl"), "-sS", http_server.url("/hello.txt")], env=env)
    assert (pre.rc, pre.stdout) == (bare.rc, bare.stdout)
    lines = genesis_lines(pre.stderr)
    # "cannot connect"; or, when curl's OPENSSL_cleanup ran before the exporter thread could
    # prepare libcurl, "already shut OpenSSL down" (see docs/otlp.md, the exit barrier)
    assert len(lines) == 1 and ("cannot connect" in lines[0] or "shut OpenSSL down" in lines[0]), lines
    assert pre.elapsed < bare.elapsed + 0.3 + 1.5
    assert [s["name"] for s in pre.connect_spans()] == [f"connect 127.0.0.1:{http_server.port}"]
    assert_collector_unobserved(pre.spans, cport)



PREFORK = r"""
import os, socket, sys
port = int(sys.argv[1])
def hit():
    s = socket.create_connection(("127.0.0.1", port)); s.close()
hit()                       # the exporter starts and loads libcurl ...
kids = []
for _ in range(6):          # ... while the "workers" are forked
    pid = os.fork()
    if pid == 0:
        hit()
        sys.exit(0)
    kids.append(pid)
for pid in kids:
    os.waitpid(pid, 0)
print("workers", len(kids))
"""


def test_prefork_children_export(gen, sink, receiver):
    """Children forked while the parent's exporter is loading libcurl export their spans too."""
    rcv = receiver()
    pre = gen.run([PY, "-c", PREFORK, str(sink)], env=otlp_env(rcv.url()))
    assert pre.rc == 0 and not genesis_lines(pre.stderr), pre.describe()
    time.sleep(0.3)
    pids = {attr_map(rs.resource.attributes)["process.pid"]
            for r in rcv.requests for rs in r.traces().resource_spans}
    assert len(pids) == 7 and len(connect_spans(rcv.all_spans(), sink)) == 7, pids


STEAL = r"""
import os, socket, sys, time
port, path = int(sys.argv[1]), sys.argv[2]
def hit():
    s = socket.create_connection(("127.0.0.1", port)); s.close()
hit()
time.sleep(0.6)             # exported: the collector connection is kept alive
os.closerange(3, 1024)      # a daemon closing every descriptor ...
fds = [os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND) for _ in range(16)]  # ... and reusing them
hit()
time.sleep(0.6)             # exported again, over a new connection
for fd in fds:
    os.close(fd)
print("file bytes", os.path.getsize(path))
"""


def test_application_takes_the_collector_descriptor(gen, sink, receiver, tmp_path):
    """The application closes every descriptor and reopens the numbers on a file: the exporter must
    never write into that file, and must reconnect."""
    rcv = receiver()
    # OTLP only: the console exporter has its own descriptor (its problem, not this test's)
    env = otlp_env(rcv.url(), OTEL_BSP_SCHEDULE_DELAY=100, OTEL_TRACES_EXPORTER="otlp")
    target = tmp_path / "app-file"
    pre = gen.run([PY, "-c", STEAL, str(sink), str(target)], env=env)
    assert pre.rc == 0 and pre.stdout == b"file bytes 0\n", pre.describe()
    reqs = rcv.wait_requests(2)
    assert len(reqs) == 2 and all(len(connect_spans(r.spans(), sink)) == 1 for r in reqs)


def test_https_export(gen, http_server, receiver):
    """https with a private CA (OTEL_EXPORTER_OTLP_CERTIFICATE), gzip; a Python host and node (whose
    own OpenSSL must not meet the system one libcurl uses). Without the CA: one warning, no retry."""
    rcv = receiver(tls=True)
    env = otlp_env(rcv.url(), OTEL_EXPORTER_OTLP_CERTIFICATE=rcv.cert_file, OTEL_EXPORTER_OTLP_COMPRESSION="gzip")
    pre = gen.run([PY, "-c", CLIENT, str(http_server.port), "2"], env=env)
    assert pre.rc == 0 and not genesis_lines(pre.stderr), pre.describe()
    bare, pre = gen.compare([tool("node"), "-e", NODE, http_server.url("/hello.txt")], env=env)
    assert not genesis_lines(pre.stderr), pre.describe()
    reqs = rcv.wait_requests(2)
    assert [len(connect_spans(r.spans(), http_server.port)) for r in reqs] == [2, 1]
    assert all(r.headers.get("content-encoding") == "gzip" for r in reqs)
    env.pop("OTEL_EXPORTER_OTLP_CERTIFICATE")
    pre = gen.run([PY, "-c", CLIENT, str(http_server.port), "1"], env=env)
    lines = genesis_lines(pre.stderr)
    assert pre.rc == 0 and len(lines) == 1 and "certificate" in lines[0], lines
    assert len(rcv.requests) == 2


def test_bad_per_signal_values_fall_back_to_the_generic_ones(gen, http_server, receiver):
    """A bad OTEL_EXPORTER_OTLP_TRACES_COMPRESSION is ignored in favour of the generic variable, and
    the warning says so (it does not claim the default is used)."""
    rcv = receiver([{"status": 200, "body": EMPTY_OK}])
    env = otlp_env(rcv.url(), OTEL_EXPORTER_OTLP_TRACES_COMPRESSION="zstd",
                   OTEL_EXPORTER_OTLP_COMPRESSION="gzip")
    res = gen.run([PY, "-c", CLIENT, str(http_server.port), "1"], env=env)
    assert res.rc == 0, res.describe()
    reqs = rcv.wait_requests(1)
    assert reqs and reqs[0].headers.get("content-encoding") == "gzip", [r.headers for r in reqs]
    assert genesis_lines(res.stderr) == [
        "genesis: OTEL_EXPORTER_OTLP_TRACES_COMPRESSION=zstd is not gzip or none; using "
        "gzip (OTEL_EXPORTER_OTLP_COMPRESSION)"]
