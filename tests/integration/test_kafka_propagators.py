"""OTEL_PROPAGATORS in Kafka record headers (plugins/kafka), with the C producer and consumer
(tests/progs/kafka_client) as separate processes against the mock cluster: with `b3` the
records carry a `b3` header naming the PRODUCER span, with `b3multi` the X-B3-TraceId,
X-B3-SpanId and X-B3-Sampled headers, and the CONSUMER span in the other process is the
producer's child either way; an application's own `b3` is left alone and parents both sides;
with the default propagators nothing but the `traceparent` is added."""
import pytest

from conftest import assert_same_behaviour
from kafka_support import assert_linked, by_offset, c_consume, c_produce, kafka, kspans, messages  # noqa: F401

OWN_B3 = "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1"


def headers(line):
    """The headers a consumer line shows (`h=name:value,...`), as (name, value) pairs."""
    h = line.split(" h=", 1)[1]
    return [tuple(kv.split(":", 1)) for kv in h.split(",") if kv]


def b3_of(span):
    return f"{span['trace_id']}-{span['span_id']}-1"


@pytest.mark.parametrize("how", ["v", "vhdrs", "vtuple", "va"])
def test_b3_single(gen, kafka, how):
    n = 3
    ta, tb = kafka.topic(), kafka.topic()
    env = {"OTEL_PROPAGATORS": "b3"}
    bare = c_produce(gen, kafka, ta, how, n, preload=False)
    prod = c_produce(gen, kafka, tb, how, n, env=env)
    assert_same_behaviour(bare, prod)
    sends = [s for s in kspans(prod, "PRODUCER") if s["status"]["code"] == "UNSET"]
    assert len(sends) == n, sends
    got_bare = messages(c_consume(gen, kafka, ta, "consume", n, preload=False))
    got = messages(c_consume(gen, kafka, tb, "consume", n, preload=False))
    for (line, tp), (bline, _), s in zip(got, got_bare, sends):
        assert tp == 0, "b3 alone: no traceparent"
        hs = headers(line)
        assert hs[-1] == ("b3", b3_of(s)), (line, s)      # added after the application's own
        assert hs[:-1] == headers(bline), (line, bline)
        assert line.split(" h=")[0] == bline.split(" h=")[0]
    cons = c_consume(gen, kafka, tb, "poll", n, env=env)
    assert_linked(sends, by_offset(kspans(cons, "CONSUMER")))


def test_b3multi_and_tracecontext(gen, kafka):
    n = 3
    t = kafka.topic()
    env = {"OTEL_PROPAGATORS": "tracecontext,b3multi"}
    prod = c_produce(gen, kafka, t, "vtuple", n, env=env)
    sends = kspans(prod, "PRODUCER")
    got = messages(c_consume(gen, kafka, t, "consume", n, preload=False))
    for i, ((line, tp), s) in enumerate(zip(got, sends)):
        assert tp == 1, line
        assert headers(line) == [("app", str(i)), ("X-B3-TraceId", s["trace_id"]),
                                 ("X-B3-SpanId", s["span_id"]), ("X-B3-Sampled", "1")], (line, s)
    # A consumer configured for b3multi alone finds the producer through the X-B3 headers.
    cons = c_consume(gen, kafka, t, "consume", n, env={"OTEL_PROPAGATORS": "b3multi"})
    assert_linked(sends, by_offset(kspans(cons, "CONSUMER")))


def test_default_adds_nothing_but_traceparent(gen, kafka):
    """tracecontext,baggage (the SDKs' default) with nothing to pass: today's bytes."""
    n = 2
    ta, tb = kafka.topic(), kafka.topic()
    c_produce(gen, kafka, ta, "vtuple", n)
    c_produce(gen, kafka, tb, "vtuple", n, env={"OTEL_PROPAGATORS": "tracecontext,baggage"})
    a = messages(c_consume(gen, kafka, ta, "consume", n, preload=False))
    b = messages(c_consume(gen, kafka, tb, "consume", n, preload=False))
    assert a == b == [(f"p=0 o={i} k=key-{i} v=msg-{i} h=app:{i},", 1) for i in range(n)], (a, b)


def test_own_b3_is_kept(gen, kafka):
    """A record that already carries the application's b3: nothing added; it parents both sides."""
    n = 2
    t = kafka.topic()
    env = {"OTEL_PROPAGATORS": "b3"}
    bare = c_produce(gen, kafka, kafka.topic(), "ownb3", n, preload=False)
    prod = c_produce(gen, kafka, t, "ownb3", n, env=env)
    assert_same_behaviour(bare, prod)
    got = messages(c_consume(gen, kafka, t, "consume", n, preload=False))
    assert got == [(f"p=0 o={i} k=key-{i} v=msg-{i} h=b3:{OWN_B3},", 0) for i in range(n)], got
    own_trace, own_span = OWN_B3.split("-")[:2]
    sends = kspans(prod, "PRODUCER")
    assert len(sends) == n
    assert all(s["trace_id"] == own_trace and s["parent_span_id"] == own_span for s in sends), sends
    cons = c_consume(gen, kafka, t, "poll", n, env=env)
    procs = kspans(cons, "CONSUMER")
    assert len(procs) == n
    for p in procs:
        assert p["trace_id"] == own_trace and p["parent_span_id"] == own_span, p
