"""Trace-context injection on the wire: a capturing server records the exact bytes a client
program (tests/progs/http_client.c) sends, bare and under the library. The preloaded bytes
must be the bare bytes plus exactly one `traceparent` line per request (before its blank
line), for writes split every way; the client must see identical return values (its stdout
lists every write's result); the injected ids must be those of the client spans."""
import pytest

from conftest import assert_same_behaviour, assert_span_shape, free_port, prog
from test_http_support import Capture, by_id, http_spans, strip_injected

OWN_TP = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def run_pair(gen, args, env=None, slow=False):
    """Run the client bare, then preloaded, against one capture server (same Host bytes)."""
    cap = Capture(slow=slow)
    try:
        runs = [gen.run([prog("http_client"), str(cap.port)] + args, preload=p, env=env, timeout=60)
                for p in (False, True)]
    finally:
        cap.close()
    bare, pre = runs
    assert bare.rc == 0, bare.describe()
    assert_same_behaviour(bare, pre)
    assert len(cap.conns) == 2, cap.conns
    return bytes(cap.conns[0]), pre, bytes(cap.conns[1])


def check_injected(pre, bare_wire, pre_wire, n):
    rest, ids = strip_injected(pre_wire, n)
    assert rest == bare_wire
    clients = http_spans(pre.spans, "CLIENT")
    assert len(clients) == n, pre.describe()
    for s in clients:
        assert_span_shape(s, pre)
        assert s["attributes"]["http.response.status_code"] == 200
    assert {(s["trace_id"], s["span_id"]) for s in clients} == set(ids)


@pytest.mark.parametrize("mode", ["whole", "bytes", "lines", "writev", "sendmsg"])
def test_split_writes(gen, mode):
    bare_wire, pre, pre_wire = run_pair(gen, [mode, "2", "/r%d?q=1"])
    check_injected(pre, bare_wire, pre_wire, 2)


def test_pipelined_in_one_write(gen):
    bare_wire, pre, pre_wire = run_pair(gen, ["pipeline", "4", "/p%d"])
    check_injected(pre, bare_wire, pre_wire, 4)
    paths = sorted(s["attributes"]["url.full"].rsplit("/", 1)[1] for s in http_spans(pre.spans, "CLIENT"))
    assert paths == ["p1", "p2", "p3", "p4"]


def test_nonblocking_partial_writes(gen):
    """Two pipelined 256 KiB POSTs through a 4 KiB send buffer to a slow reader: EAGAIN and
    short writes everywhere, the second header block deep inside a partial write."""
    bare_wire, pre, pre_wire = run_pair(gen, ["bigpost", "1", "/upload"], slow=True)
    assert len(bare_wire) > 2 * 256 * 1024
    check_injected(pre, bare_wire, pre_wire, 2)
    for s in http_spans(pre.spans, "CLIENT"):
        assert s["attributes"]["http.request.method"] == "POST"
        assert s["attributes"]["http.request.body.size"] == 256 * 1024


def test_propagate_off(gen):
    bare_wire, pre, pre_wire = run_pair(gen, ["whole", "2", "/x"], env={"GENESIS_PROPAGATE": "0"})
    assert pre_wire == bare_wire
    assert len(http_spans(pre.spans, "CLIENT")) == 2


@pytest.mark.parametrize("metrics", ["none", "prometheus"])
def test_no_injection_without_a_trace_exporter(gen, metrics):
    """With OTEL_TRACES_EXPORTER=none the library changes no byte of a request: a traceparent
    would name a span nobody will ever see (issue found with CPython's test_xmlrpc, whose server
    echoes header names)."""
    env = {"OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": metrics,
           "OTEL_EXPORTER_PROMETHEUS_PORT": str(free_port())}
    bare_wire, pre, pre_wire = run_pair(gen, ["whole", "2", "/x"], env=env)
    assert pre_wire == bare_wire
    assert b"traceparent" not in pre_wire


def test_own_traceparent_respected(gen):
    bare_wire, pre, pre_wire = run_pair(gen, ["lines", "1", "/own", f"traceparent: {OWN_TP}"])
    assert pre_wire == bare_wire, "an application's own traceparent must be left alone"
    (s,) = http_spans(pre.spans, "CLIENT")
    assert s["trace_id"] == OWN_TP[3:35]
    assert s["parent_span_id"] == OWN_TP[36:52]
    assert s["parent_remote"] is False


def test_client_span_attributes(gen):
    bare_wire, pre, pre_wire = run_pair(gen, ["whole", "1", "/a/b?token=secret&x=1"])
    rest, ids = strip_injected(pre_wire, 1)
    (s,) = http_spans(pre.spans, "CLIENT")
    a = s["attributes"]
    assert s["name"] == "GET" and s["kind"] == "CLIENT" and s["status"]["code"] == "UNSET"
    assert a["url.full"].startswith("http://127.0.0.1:") and a["url.full"].endswith("/a/b?token=REDACTED&x=1")
    assert a["server.address"] == "127.0.0.1" and isinstance(a["server.port"], int)
    assert a["network.protocol.version"] == "1.1"
    assert a["http.response.body.size"] == 2
    assert a["user_agent.original"] == "ga-test"
    assert s["span_id"] in by_id(http_spans(pre.spans, "CLIENT"))
