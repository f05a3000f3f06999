"""curl against python's http.server: the connect span, its attributes and its resource."""
import socket

from conftest import (HELLO, assert_self_line, assert_span_shape, assert_tcp_connect_span, tool)


def _curl(http_server):
    return [tool("curl"), "-sS", "--noproxy", "*", http_server.url("/hello.txt")]


def test_curl_connect_span_and_resource(gen, http_server):
    env = {"OTEL_SERVICE_NAME": "curl-under-test",
           "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=ci%20run,team=core"}
    bare, pre = gen.compare(_curl(http_server), env=env)
    assert pre.stdout == HELLO

    # One file, written by curl itself, named after its pid.
    assert list(pre.files) == [pre.pid], pre.describe()
    spans = pre.connect_spans()
    assert len(spans) == 1, spans
    span = spans[0]
    assert_span_shape(span, pre)
    assert_tcp_connect_span(span, http_server.port, status="UNSET")
    assert "parent_span_id" not in span, span     # no TRACEPARENT: a root span
    assert span["trace_flags"] == "01", span

    res = span["resource"]
    assert res["service.name"] == "curl-under-test", res
    assert res["process.pid"] == pre.pid, res
    assert res["process.executable.name"] == "curl", res
    assert res["host.name"] == socket.gethostname(), res
    assert res["deployment.environment"] == "ci run", res     # percent-decoded
    assert res["team"] == "core", res

    # The self line accounts for what was written.
    me = pre.self_line(pre.pid)
    assert_self_line(me, pre.pid)
    assert me["spans_exported"] == len(pre.spans), (me, len(pre.spans))
    assert me["operations"] >= 1, me
    assert me["dropped_queue_full"] == 0 and me["export_failures"] == 0, me
    assert me["spans_sampled_out"] == 0, me


def test_curl_default_service_name(gen, http_server):
    bare, pre = gen.compare(_curl(http_server))
    assert pre.stdout == HELLO
    spans = pre.connect_spans(pre.pid)
    assert len(spans) == 1, pre.describe()
    assert_span_shape(spans[0], pre)
    assert_tcp_connect_span(spans[0], http_server.port)
    res = spans[0]["resource"]
    assert res["service.name"] == "unknown_service:curl", res
    assert res["process.pid"] == pre.pid, res


def test_two_runs_have_distinct_ids(gen, http_server):
    """Ids are random per process: two runs never share a trace id, span id or instance id."""
    a = gen.run(_curl(http_server))
    b = gen.run(_curl(http_server))
    sa, sb = a.connect_spans(), b.connect_spans()
    assert len(sa) == 1 and len(sb) == 1, (a.describe(), b.describe())
    assert sa[0]["trace_id"] != sb[0]["trace_id"]
    assert sa[0]["span_id"] != sb[0]["span_id"]
    assert sa[0]["resource"]["service.instance.id"] != sb[0]["resource"]["service.instance.id"]
