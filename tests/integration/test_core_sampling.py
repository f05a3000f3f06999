"""TRACEPARENT in the environment, and the OTEL_TRACES_SAMPLER family."""
from conftest import assert_self_line, assert_span_shape, assert_tcp_connect_span, prog, tool

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"


def _curl(http_server):
    return [tool("curl"), "-s", "--noproxy", "*", http_server.url("/hello.txt")]


def test_traceparent_is_the_parent(gen, http_server):
    bare, pre = gen.compare(_curl(http_server), env={"TRACEPARENT": f"00-{TRACE}-{PARENT}-01",
                                                     "TRACESTATE": "vendor=value"})
    spans = pre.connect_spans(pre.pid)
    assert len(spans) == 1, pre.describe()
    s = spans[0]
    assert_span_shape(s, pre)
    assert_tcp_connect_span(s, http_server.port)
    assert s["trace_id"] == TRACE, s
    assert s["parent_span_id"] == PARENT, s
    assert s["parent_remote"] is True, s
    assert s["trace_flags"] == "01", s
    assert s["span_id"] != PARENT, s


def test_unsampled_traceparent_with_default_sampler(gen, http_server):
    """The default sampler is parentbased_always_on: a parent with flags 00 means not sampled."""
    bare, pre = gen.compare(_curl(http_server), env={"TRACEPARENT": f"00-{TRACE}-{PARENT}-00"})
    assert pre.spans == [], pre.describe()
    me = pre.self_line(pre.pid)
    assert_self_line(me, pre.pid)
    assert me["spans_exported"] == 0 and me["spans_sampled_out"] >= 1, me


def test_invalid_traceparent_is_ignored(gen, http_server):
    """A malformed TRACEPARENT is ignored (root spans, sampled) with one warning on stderr."""
    env = {"TRACEPARENT": "00-zzzz-00f067aa0ba902b7-01"}
    bare = gen.run(_curl(http_server), preload=False, env=env)
    pre = gen.run(_curl(http_server), env=env)
    assert (pre.rc, pre.stdout) == (bare.rc, bare.stdout), pre.describe()
    lines = pre.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("genesis: "), pre.stderr
    spans = pre.connect_spans(pre.pid)
    assert len(spans) == 1 and "parent_span_id" not in spans[0], pre.describe()


def _connects(gen, n, env):
    argv = [prog("threads_connect"), "1", str(n)]
    bare, pre = gen.compare(argv, env=dict(env, GENESIS_QUEUE_SIZE="8192", GENESIS_EXIT_FLUSH_MS="20000"))
    me = pre.self_line(pre.pid)
    assert_self_line(me, pre.pid)
    assert me["operations"] == n, me
    assert me["dropped_queue_full"] == 0, me
    assert len(pre.spans) == me["spans_exported"], (len(pre.spans), me)
    assert me["spans_exported"] + me["spans_sampled_out"] == n, me
    return pre, me


def test_always_off(gen):
    pre, me = _connects(gen, 500, {"OTEL_TRACES_SAMPLER": "always_off"})
    assert pre.spans == [], "always_off wrote span lines"
    assert me["spans_exported"] == 0 and me["spans_sampled_out"] == 500, me


def test_always_on_ignores_unsampled_parent(gen):
    pre, me = _connects(gen, 200, {"OTEL_TRACES_SAMPLER": "always_on",
                                   "TRACEPARENT": f"00-{TRACE}-{PARENT}-00"})
    assert len(pre.spans) == 200, me
    assert all(s["trace_id"] == TRACE and s["parent_span_id"] == PARENT for s in pre.spans)


def test_parentbased_always_off_with_sampled_parent(gen):
    pre, me = _connects(gen, 200, {"OTEL_TRACES_SAMPLER": "parentbased_always_off",
                                   "TRACEPARENT": f"00-{TRACE}-{PARENT}-01"})
    assert len(pre.spans) == 200, me


def test_traceidratio_half(gen):
    n = 2000
    pre, me = _connects(gen, n, {"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.5"})
    frac = len(pre.spans) / n
    assert 0.3 <= frac <= 0.7, f"{len(pre.spans)} of {n} sampled with ratio 0.5"
    # Each root span is its own trace: sampling is decided per trace id.
    assert len({s["trace_id"] for s in pre.spans}) == len(pre.spans)


def test_traceidratio_zero_and_one(gen):
    pre, me = _connects(gen, 300, {"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0"})
    assert pre.spans == [] and me["spans_sampled_out"] == 300, me
    pre, me = _connects(gen, 300, {"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "1"})
    assert len(pre.spans) == 300, me
