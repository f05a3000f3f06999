"""Kafka through librdkafka's API (plugins/kafka), with a C producer and a C consumer
(tests/progs/kafka_client) as separate processes against the mock cluster: every produce API
gives PRODUCER spans and (producev, produceva) one `traceparent` record header; every consume API
gives CONSUMER spans whose parent is the producer's span in the other process; a Redis command
made while a message is processed is the CONSUMER span's child; payloads and the application's
own headers are byte-identical to a run without the library."""
import pytest

from conftest import assert_same_behaviour, assert_span_shape, assert_unique_span_ids
from kafka_support import (OWN_TP, assert_linked, by_offset, c_consume, c_produce, kafka,  # noqa: F401
                           kspans, messages)

INJECTING = ["v", "vhdrs", "vtuple", "va"]
SPAN_ONLY = ["legacy", "batch"]


def assert_send(span, topic, res, body=None, error=None):
    assert_span_shape(span, res)
    assert span["name"] == f"send {topic}" and span["kind"] == "PRODUCER", span
    a = span["attributes"]
    assert a["messaging.system"] == "kafka" and a["messaging.operation.name"] == "send", a
    assert a["messaging.operation.type"] == "send" and a["messaging.destination.name"] == topic, a
    if body is not None:
        assert a["messaging.message.body.size"] == body, a
    if error is None:
        assert span["status"]["code"] == "UNSET" and "error.type" not in a, span
    else:
        assert span["status"]["code"] == "ERROR" and a["error.type"] == error, span
    assert "messaging.kafka.message.key" not in a, "keys only with GENESIS_KAFKA_KEYS"


@pytest.mark.parametrize("how", INJECTING + SPAN_ONLY)
def test_c_producer(gen, kafka, how):
    n = 4
    ta, tb = kafka.topic(), kafka.topic()
    bare = c_produce(gen, kafka, ta, how, n, preload=False)
    pre = c_produce(gen, kafka, tb, how, n)
    assert_same_behaviour(bare, pre)
    sends = kspans(pre, "PRODUCER")
    assert_unique_span_ids(sends)
    if how == "batch":
        assert len(sends) == 1, sends
        assert_send(sends[0], tb, pre)
        assert sends[0]["attributes"]["messaging.batch.message_count"] == n
        assert sends[0]["attributes"]["messaging.destination.partition.id"] == "0"
    else:
        if how == "vhdrs":      # the first call fails: value too large, with the application's list
            assert_send(sends[0], tb, pre, body=2 * 1024 * 1024, error="MSG_SIZE_TOO_LARGE")
            sends = sends[1:]
        assert len(sends) == n, sends
        for i, s in enumerate(sends):
            assert_send(s, tb, pre, body=len(f"msg-{i}"))
            assert "parent_span_id" not in s, "a root: nothing active on the producer's thread"
    # What arrives: the same payloads, keys and application headers; one traceparent more
    # per message when the call can carry headers.
    got_bare = messages(c_consume(gen, kafka, ta, "consume", n, preload=False))
    got_pre = messages(c_consume(gen, kafka, tb, "consume", n, preload=False))
    assert [m for m, _ in got_pre] == [m for m, _ in got_bare], (got_bare, got_pre)
    assert [tp for _, tp in got_bare] == [0] * n
    assert [tp for _, tp in got_pre] == [1 if how in INJECTING else 0] * n, got_pre


@pytest.mark.parametrize("how", ["poll", "thread", "consume", "callback", "batch"])
def test_c_consumer_links_and_children(gen, kafka, redis_server, how):
    n = 3
    t = kafka.topic()
    prod = c_produce(gen, kafka, t, "v", n)
    bare = c_consume(gen, kafka, t, how, n, preload=False, redis_port=redis_server.port)
    pre = c_consume(gen, kafka, t, how, n, redis_port=redis_server.port)
    assert_same_behaviour(bare, pre)
    assert [tp for _, tp in messages(pre)] == [1] * n
    sends = kspans(prod, "PRODUCER")
    procs = by_offset(kspans(pre, "CONSUMER"))
    assert [p["attributes"]["messaging.kafka.offset"] for p in procs] == list(range(n)), procs
    assert_linked(sends, procs)
    for i, p in enumerate(procs):
        assert_span_shape(p, pre)
        a = p["attributes"]
        assert p["name"] == f"process {t}", p
        assert a["messaging.operation.name"] == "process" and a["messaging.operation.type"] == "process", a
        assert a["messaging.destination.name"] == t and a["messaging.destination.partition.id"] == "0", a
        assert a["messaging.message.body.size"] == len(f"msg-{i}"), a
        if how in ("poll", "thread"):
            assert a["messaging.consumer.group.name"].startswith("genesis-g"), a
        else:
            assert "messaging.consumer.group.name" not in a, "the simple consumer has no group"
    pings = sorted(pre.spans_named("PING"), key=lambda s: s["start_time_unix_nano"])
    assert len(pings) == n, pre.describe()
    if how == "batch":
        # A batch hands over several messages at once: no message is the thread's context.
        assert all(p["start_time_unix_nano"] == p["end_time_unix_nano"] for p in procs), procs
        assert not {s.get("parent_span_id") for s in pings} & {p["span_id"] for p in procs}
        assert all("messaging.batch.message_count" in p["attributes"] for p in procs)
    else:
        for ping, proc in zip(pings, procs):
            assert ping["parent_span_id"] == proc["span_id"] and ping["trace_id"] == proc["trace_id"], (ping, proc)
            assert proc["start_time_unix_nano"] <= ping["start_time_unix_nano"], (ping, proc)
            assert ping["end_time_unix_nano"] <= proc["end_time_unix_nano"], (ping, proc)


def test_c_own_traceparent_is_kept(gen, kafka):
    """A list that already holds a traceparent: never a second one; it parents both sides."""
    n = 2
    t = kafka.topic()
    bare = c_produce(gen, kafka, kafka.topic(), "own", n, preload=False)
    prod = c_produce(gen, kafka, t, "own", n)
    assert_same_behaviour(bare, prod)
    assert b"too large: MSG_SIZE_TOO_LARGE, headers 2 -> 2\n" in prod.stdout
    got = messages(c_consume(gen, kafka, t, "consume", n, preload=False))
    assert got == [(f"p=0 o={i} k=key-{i} v=msg-{i} h=app:{i},traceparent:{OWN_TP},", 0) for i in range(n)], got
    own_trace, own_span = OWN_TP.split("-")[1:3]
    sends = kspans(prod, "PRODUCER")[1:]
    assert all(s["trace_id"] == own_trace and s["parent_span_id"] == own_span for s in sends), sends
    cons = c_consume(gen, kafka, t, "poll", n)
    for p in kspans(cons, "CONSUMER"):
        assert p["trace_id"] == own_trace and p["parent_span_id"] == own_span, p



@pytest.mark.parametrize("how,name", [("owncase", "Traceparent"), ("owncaselist", "TRACEPARENT")])
def test_c_own_traceparent_in_another_case_is_kept(gen, kafka, how, name):
    """The application's traceparent spelt `Traceparent` (a tuple) or `TRACEPARENT` (its list):
    header names match in any case, so the record carries exactly that one context, and it parents
    the PRODUCER span and, in the other process, the CONSUMER span."""
    n = 2
    t = kafka.topic()
    bare = c_produce(gen, kafka, kafka.topic(), how, n, preload=False)
    prod = c_produce(gen, kafka, t, how, n)
    assert_same_behaviour(bare, prod)
    got = messages(c_consume(gen, kafka, t, "consume", n, preload=False))
    assert got == [(f"p=0 o={i} k=key-{i} v=msg-{i} h=app:{i},{name}:{OWN_TP},", 0) for i in range(n)], got
    own_trace, own_span = OWN_TP.split("-")[1:3]
    sends = [s for s in kspans(prod, "PRODUCER") if s["status"]["code"] == "UNSET"]
    assert len(sends) == n, sends
    assert all(s["trace_id"] == own_trace and s["parent_span_id"] == own_span for s in sends), sends
    for api in ("poll", "consume"):
        procs = kspans(c_consume(gen, kafka, t, api, n), "CONSUMER")
        assert len(procs) == n, procs
        for p in procs:
            assert p["trace_id"] == own_trace and p["parent_span_id"] == own_span, (api, p)

def test_c_retry_with_the_same_list(gen, kafka):
    """kcat retries _QUEUE_FULL with the same list: after every refusal the list is as it was,
    and the message that finally goes carries exactly one traceparent — its own span's."""
    n = 6
    t = kafka.topic()
    prod = c_produce(gen, kafka, t, "retry", n)
    assert prod.stdout == b"queue full seen: yes, list intact: yes\ndelivered 6, failed 0\n", prod.describe()
    sends = kspans(prod, "PRODUCER")
    ok = [s for s in sends if s["status"]["code"] == "UNSET"]
    full = [s for s in sends if s["status"]["code"] == "ERROR"]
    assert len(ok) == n and full, sends
    assert {s["attributes"]["error.type"] for s in full} == {"_QUEUE_FULL"}
    cons = c_consume(gen, kafka, t, "poll", n)
    assert [tp for _, tp in messages(cons)] == [1] * n
    assert_linked(ok, by_offset(kspans(cons, "CONSUMER")))
