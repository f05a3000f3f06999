"""Kafka and the configuration: no header when GENESIS_PROPAGATE=0 or when no trace exporter is
configured (spans or metrics are still made), message keys only with GENESIS_KAFKA_KEYS, a pure
pass-through when disabled; and the messaging metrics and spans as an OTLP collector receives them
(decoded with the protobuf definitions)."""
import otlp_pb
from conftest import assert_same_behaviour, free_port
from kafka_support import (assert_linked, by_offset, c_consume, c_produce, kafka, kspans,  # noqa: F401
                           messages)
from test_otlp_support import receiver  # noqa: F401  (fixture)

MSG_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]


def test_no_header_when_propagation_is_off(gen, kafka):
    t = kafka.topic()
    prod = c_produce(gen, kafka, t, "v", 2, env={"GENESIS_PROPAGATE": "0"})
    assert len(kspans(prod, "PRODUCER")) == 2
    assert [tp for _, tp in messages(c_consume(gen, kafka, t, "consume", 2, preload=False))] == [0, 0]


def test_no_header_without_a_trace_exporter(gen, kafka):
    t = kafka.topic()
    env = {"OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "prometheus",
           "OTEL_EXPORTER_PROMETHEUS_PORT": str(free_port())}
    bare = c_produce(gen, kafka, kafka.topic(), "vhdrs", 2, preload=False, env=env)
    prod = c_produce(gen, kafka, t, "vhdrs", 2, env=env)
    assert_same_behaviour(bare, prod)
    assert not prod.spans
    assert [tp for _, tp in messages(c_consume(gen, kafka, t, "consume", 2, preload=False))] == [0, 0]


def test_keys_only_when_asked(gen, kafka):
    t = kafka.topic()
    prod = c_produce(gen, kafka, t, "v", 2)
    cons = c_consume(gen, kafka, t, "poll", 2)
    assert all("messaging.kafka.message.key" not in s["attributes"] for s in kspans(prod) + kspans(cons))
    t = kafka.topic()
    env = {"GENESIS_KAFKA_KEYS": "true"}
    prod = c_produce(gen, kafka, t, "v", 2, env=env)
    cons = c_consume(gen, kafka, t, "poll", 2, env=env)
    assert [s["attributes"]["messaging.kafka.message.key"] for s in kspans(prod)] == ["key-0", "key-1"]
    assert [s["attributes"]["messaging.kafka.message.key"] for s in by_offset(kspans(cons))] == ["key-0", "key-1"]


def test_disabled_is_a_pass_through(gen, kafka):
    t = kafka.topic()
    env = {"GENESIS_DISABLED": "1"}
    bare = c_produce(gen, kafka, kafka.topic(), "vhdrs", 2, preload=False, env=env)
    prod = c_produce(gen, kafka, t, "vhdrs", 2, env=env)
    assert_same_behaviour(bare, prod)
    cons = c_consume(gen, kafka, t, "poll", 2, env=env)
    assert not prod.files and not cons.files
    assert [tp for _, tp in messages(cons)] == [0, 0]


def _points(requests, name):
    pts = []
    for r in requests:
        if r.path.endswith("/v1/metrics"):
            pts += [p for p in otlp_pb.metric_point_dicts(otlp_pb.decode_metrics(r.body)) if p["name"] == name]
    return pts


def _last(pts):
    """The last point of each series (cumulative: the latest push holds the totals)."""
    out = {}
    for p in pts:
        out[tuple(sorted(p["attributes"].items()))] = p
    return list(out.values())


def test_otlp_spans_and_messaging_metrics(gen, kafka, receiver):
    rcv = receiver()
    env = {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_METRICS_EXPORTER": "otlp",
           "OTEL_EXPORTER_OTLP_ENDPOINT": rcv.url(), "OTEL_BSP_SCHEDULE_DELAY": "100"}
    t, n = kafka.topic(), 3
    c_produce(gen, kafka, t, "v", n, env=env)
    c_consume(gen, kafka, t, "poll", n, env=env)
    spans = [s for r in rcv.requests if r.path.endswith("/v1/traces") for s in otlp_pb.span_dicts(r.traces())]
    sends = sorted((s for s in spans if s["kind"] == "PRODUCER"), key=lambda s: s["start_time_unix_nano"])
    procs = by_offset([s for s in spans if s["kind"] == "CONSUMER"])
    assert [s["name"] for s in sends] == [f"send {t}"] * n and [s["name"] for s in procs] == [f"process {t}"] * n
    assert_linked(sends, procs)

    sent = _last(_points(rcv.requests, "messaging.client.sent.messages"))
    assert len(sent) == 1 and sent[0]["value"] == n and sent[0]["is_monotonic"], sent
    assert sent[0]["unit"] == "{message}"
    assert sent[0]["attributes"] == {"messaging.system": "kafka", "messaging.operation.name": "send",
                                     "messaging.destination.name": t}, sent
    dur = _last(_points(rcv.requests, "messaging.client.operation.duration"))
    assert len(dur) == 1 and dur[0]["count"] == n and dur[0]["unit"] == "s", dur
    assert dur[0]["explicit_bounds"] == MSG_BOUNDS
    assert dur[0]["attributes"]["messaging.operation.type"] == "send", dur

    consumed = _last(_points(rcv.requests, "messaging.client.consumed.messages"))
    assert len(consumed) == 1 and consumed[0]["value"] == n, consumed
    a = consumed[0]["attributes"]
    assert a["messaging.operation.name"] == "process" and a["messaging.destination.partition.id"] == "0", a
    assert a["messaging.consumer.group.name"].startswith("genesis-g"), a
    proc = _last(_points(rcv.requests, "messaging.process.duration"))
    assert len(proc) == 1 and proc[0]["count"] == n and proc[0]["explicit_bounds"] == MSG_BOUNDS, proc
    for p in sent + dur + consumed + proc:
        assert not {"messaging.kafka.offset", "messaging.kafka.message.key",
                    "messaging.message.body.size"} & p["attributes"].keys(), p
