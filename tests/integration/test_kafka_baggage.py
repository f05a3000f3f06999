"""W3C baggage across Kafka (OTEL_PROPAGATORS with `baggage`; preload/baggage.h,
plugins/kafka): the C producer (tests/progs/kafka_client) started with the BAGGAGE environment
carrier writes it into a `baggage` record header beside the `traceparent`; the consumer in
another process keeps a message's baggage with its CONSUMER span, so the HTTP request it makes
while processing the message carries both the span's context and that baggage. Without `baggage`
in the list nothing of it is written or passed on, a value the library does not keep (non-ASCII,
over 256 bytes) is refused with a warning, and a record with a `baggage` of the application's
gets none of ours."""
import pytest

from conftest import assert_same_behaviour
from http_recorder import Recorder
from kafka_support import c_consume, c_produce, kafka, kspans, messages  # noqa: F401

BAG = "tenant=acme;prio=1"
WITH = {"OTEL_PROPAGATORS": "tracecontext,baggage", "BAGGAGE": BAG}


def headers(line):
    """The headers a consumer line shows (`h=name:value,...`), as (name, value) pairs."""
    h = line.split(" h=", 1)[1]
    return [tuple(kv.split(":", 1)) for kv in h.split(",") if kv]


@pytest.fixture
def recorder():
    r = Recorder()
    yield r
    r.close()


@pytest.mark.parametrize("how", ["v", "vhdrs", "vtuple", "va"])
def test_producer_writes_the_baggage(gen, kafka, how):
    n = 2
    ta, tb = kafka.topic(), kafka.topic()
    bare = c_produce(gen, kafka, ta, how, n, preload=False)
    prod = c_produce(gen, kafka, tb, how, n, env=WITH)
    assert_same_behaviour(bare, prod)
    got_bare = messages(c_consume(gen, kafka, ta, "consume", n, preload=False))
    got = messages(c_consume(gen, kafka, tb, "consume", n, preload=False))
    assert len(got) == n
    for (line, tp), (bline, _) in zip(got, got_bare):
        assert tp == 1, line
        hs = headers(line)
        assert hs[-1] == ("baggage", BAG), (line, bline)    # after the application's own
        assert hs[:-1] == headers(bline), (line, bline)
        assert line.split(" h=")[0] == bline.split(" h=")[0]


def test_no_baggage_without_the_propagator(gen, kafka):
    n = 2
    t = kafka.topic()
    c_produce(gen, kafka, t, "vtuple", n, env={"OTEL_PROPAGATORS": "tracecontext", "BAGGAGE": BAG})
    got = messages(c_consume(gen, kafka, t, "consume", n, preload=False))
    assert got == [(f"p=0 o={i} k=key-{i} v=msg-{i} h=app:{i},", 1) for i in range(n)], got


@pytest.mark.parametrize("bad", ["tenant=acm\u00e9", "k=" + "v" * 300])
def test_a_value_not_kept_is_refused(gen, kafka, bad):
    n = 1
    t = kafka.topic()
    prod = c_produce(gen, kafka, t, "vtuple", n, env=dict(WITH, BAGGAGE=bad))
    assert b"BAGGAGE" in prod.stderr, prod.describe()
    got = messages(c_consume(gen, kafka, t, "consume", n, preload=False))
    assert got == [("p=0 o=0 k=key-0 v=msg-0 h=app:0,", 1)], got


def test_own_baggage_is_kept(gen, kafka):
    """The application's own baggage header (ownbag: a tuple `Baggage: app=1`, its name in
    another case): not doubled."""
    n = 2
    t = kafka.topic()
    c_produce(gen, kafka, t, "ownbag", n, env=WITH)
    got = messages(c_consume(gen, kafka, t, "consume", n, preload=False))
    assert got == [(f"p=0 o={i} k=key-{i} v=msg-{i} h=Baggage:app=1,", 1) for i in range(n)], got


@pytest.mark.parametrize("how", ["poll", "consume", "callback"])
def test_consumer_passes_the_message_baggage_on(gen, kafka, recorder, how):
    n = 2
    t = kafka.topic()
    c_produce(gen, kafka, t, "v", n, env=WITH)
    cons = c_consume(gen, kafka, t, how, n, env={"OTEL_PROPAGATORS": "tracecontext,baggage",
                                                  "KAFKA_CLIENT_HTTP_PORT": str(recorder.port)})
    procs = kspans(cons, "CONSUMER")
    assert len(procs) == n, procs
    assert len(recorder.heads) == n, recorder.heads
    for head, p in zip(recorder.heads, sorted(procs, key=lambda s: s["attributes"]["messaging.kafka.offset"])):
        assert head.get("baggage") == BAG, head
        tp = head["traceparent"].split("-")
        assert tp[1] == p["trace_id"], (head, p)
    # the HTTP CLIENT spans are the CONSUMER spans' children, whose span ids the requests carry
    clients = [r for r in cons.records if r["type"] == "span" and r["kind"] == "CLIENT"
               and r["attributes"].get("http.request.method") == "GET"]
    assert len(clients) == n, clients
    assert {c["parent_span_id"] for c in clients} == {p["span_id"] for p in procs}
    assert {h["traceparent"].split("-")[2] for h in recorder.heads} == {c["span_id"] for c in clients}


def test_consumer_without_the_propagator_passes_nothing(gen, kafka, recorder):
    n = 1
    t = kafka.topic()
    c_produce(gen, kafka, t, "v", n, env=WITH)
    c_consume(gen, kafka, t, "poll", n, env={"OTEL_PROPAGATORS": "tracecontext",
                                             "KAFKA_CLIENT_HTTP_PORT": str(recorder.port)})
    assert len(recorder.heads) == n, recorder.heads
    assert "baggage" not in recorder.heads[0] and "traceparent" in recorder.heads[0], recorder.heads


def test_message_without_baggage_gives_none(gen, kafka, recorder):
    """A consumer whose process has a BAGGAGE of its own: a message without baggage does not
    pick that up (the process's baggage is for spans with no active parent span)."""
    n = 1
    t = kafka.topic()
    c_produce(gen, kafka, t, "v", n, env={"OTEL_PROPAGATORS": "tracecontext,baggage"})
    c_consume(gen, kafka, t, "poll", n, env={"OTEL_PROPAGATORS": "tracecontext,baggage", "BAGGAGE": "proc=1",
                                             "KAFKA_CLIENT_HTTP_PORT": str(recorder.port)})
    assert len(recorder.heads) == n, recorder.heads
    assert "baggage" not in recorder.heads[0], recorder.heads
