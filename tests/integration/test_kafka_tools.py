"""Kafka clients that link librdkafka, unmodified: kcat (producev with and without a header list,
the simple consumer's callback queue, the group consumer's poll) and Debian's confluent-kafka for
Python (loaded by an RTLD_LOCAL extension module; produce, poll, consume(num_messages)), each
producer and consumer its own process: headers arrive, spans link across processes, what the
consumers print is what they print without the library, and a Redis call made while a message is
processed (redis-py) is the CONSUMER span's child."""
import re

from conftest import assert_same_behaviour, assert_span_shape, tool
from kafka_support import OWN_TP, assert_linked, by_offset, group, kafka, kspans, py  # noqa: F401

TP = re.compile(rb"traceparent=00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]")


def kcat_produce(gen, kafka, topic, lines, extra=(), preload=True):
    res = gen.run([tool("kcat"), "-q", "-P", "-b", kafka.bootstrap, "-t", topic, "-k", "the-key", *extra],
                  input=lines, preload=preload, timeout=60)
    assert res.rc == 0, res.describe()
    return res


def kcat_consume(gen, kafka, topic, grp=None, preload=True):
    how = ["-G", grp, "-X", "auto.offset.reset=earliest", topic] if grp else ["-C", "-t", topic]
    res = gen.run([tool("kcat"), "-q", "-b", kafka.bootstrap, *how, "-e", "-f", "%k|%s|%h\n"], preload=preload,
                  timeout=60)
    assert res.rc == 0, res.describe()
    return res


def test_kcat_producer_and_consumers(gen, kafka):
    lines = b"one\ntwo\nthree\n"
    for extra in ((), ("-H", "app=1")):            # V_HEADERS(NULL) and an application list
        ta, tb = kafka.topic(), kafka.topic()
        bare = kcat_produce(gen, kafka, ta, lines, extra, preload=False)
        pre = kcat_produce(gen, kafka, tb, lines, extra)
        assert_same_behaviour(bare, pre)
        sends = kspans(pre, "PRODUCER")
        assert [s["attributes"]["messaging.message.body.size"] for s in sends] == [3, 3, 5], sends
        for s in sends:
            assert_span_shape(s, pre)
            assert s["name"] == f"send {tb}", s
        plain = kcat_consume(gen, kafka, ta, preload=False).stdout
        got = kcat_consume(gen, kafka, tb, preload=False).stdout
        app = b"app=1" if extra else b""
        assert plain == b"".join(b"the-key|%s|%s\n" % (w, app) for w in lines.split()), plain
        # one traceparent per message, after the application's headers; nothing else changed
        assert len(TP.findall(got)) == 3, got
        assert TP.sub(b"", got).replace(b"|,", b"|").replace(b",\n", b"\n") == plain, got
        for grouped in (False, True):              # callback queue; group consumer (poll)
            grp = group() if grouped else None      # a group of its own per run: kcat commits
            b = kcat_consume(gen, kafka, tb, grp, preload=False)
            c = kcat_consume(gen, kafka, tb, grp and group())
            assert_same_behaviour(b, c)
            procs = by_offset(kspans(c, "CONSUMER"))
            assert_linked(sends, procs)
            assert [p["name"] for p in procs] == [f"process {tb}"] * 3
            assert all(("messaging.consumer.group.name" in p["attributes"]) == bool(grp) for p in procs), procs


PY_PRODUCER = r"""
import sys
from confluent_kafka import Producer
p = Producer({'bootstrap.servers': sys.argv[1]})
t, own = sys.argv[2], sys.argv[3]
p.produce(t, b'v0', key=b'k0')
p.produce(t, b'v1', key=b'k1', headers=[('app', b'1')])
p.produce(t, b'v2', key=b'k2', headers={'traceparent': own})
p.produce(t, None, key=b'k3')
try:
    p.produce(t, b'x' * (2 * 1024 * 1024), headers=[('app', b'big')])
except Exception as e:
    print('refused', e.args[0].name())
print('flushed', p.flush(10))
"""

PY_CONSUMER = r"""
import sys, redis
from confluent_kafka import Consumer
bootstrap, topic, grp, way, port = sys.argv[1:6]
r = redis.Redis(host='127.0.0.1', port=int(port))
c = Consumer({'bootstrap.servers': bootstrap, 'group.id': grp, 'auto.offset.reset': 'earliest'})
c.subscribe([topic])
got = []
while len(got) < 4:
    ms = [c.poll(5)] if way == 'poll' else c.consume(num_messages=10, timeout=5)
    for m in ms:
        if m is None or m.error():
            continue
        hs = m.headers() or []
        tp = [v for k, v in hs if k == 'traceparent']
        got.append(m)
        print(m.offset(), m.key(), m.value(), [(k, v) for k, v in hs if k != 'traceparent'], len(tp),
              tp == [sys.argv[6].encode()])
        r.ping()
c.close()
"""


def test_confluent_kafka_python(gen, kafka, redis_server):
    ta, tb = kafka.topic(), kafka.topic()
    bare = gen.run(py(PY_PRODUCER, kafka.bootstrap, ta, OWN_TP), preload=False, timeout=60)
    pre = gen.run(py(PY_PRODUCER, kafka.bootstrap, tb, OWN_TP), timeout=60)
    assert_same_behaviour(bare, pre)
    assert pre.stdout == b"refused MSG_SIZE_TOO_LARGE\nflushed 0\n", pre.describe()
    sends = kspans(pre, "PRODUCER")
    assert len(sends) == 5, sends
    assert sends[4]["attributes"]["error.type"] == "MSG_SIZE_TOO_LARGE", sends[4]
    assert sends[3]["attributes"]["messaging.kafka.message.tombstone"] is True, sends[3]
    own_trace, own_span = OWN_TP.split("-")[1:3]
    assert sends[2]["trace_id"] == own_trace and sends[2]["parent_span_id"] == own_span, sends[2]
    for way in ("poll", "consume"):
        ca = gen.run(py(PY_CONSUMER, kafka.bootstrap, ta, group(), way, redis_server.port, OWN_TP), preload=False,
                     timeout=60)
        cb = gen.run(py(PY_CONSUMER, kafka.bootstrap, tb, group(), way, redis_server.port, OWN_TP), timeout=60)
        assert ca.rc == 0 and cb.rc == 0, (ca.describe(), cb.describe())
        rows_a = ca.stdout.decode().splitlines()
        rows_b = cb.stdout.decode().splitlines()
        # payloads, keys and application headers identical; a traceparent on every message, the
        # application's own one (message 2) alone and untouched
        assert [r.rsplit(" ", 2)[0] for r in rows_a] == [r.rsplit(" ", 2)[0] for r in rows_b], (rows_a, rows_b)
        assert [r.rsplit(" ", 2)[1:] for r in rows_a] == [["0", "False"]] * 2 + [["1", "True"]] + [["0", "False"]]
        assert [r.rsplit(" ", 2)[1:] for r in rows_b] == [["1", "False"]] * 2 + [["1", "True"]] + [["1", "False"]]
        procs = by_offset(kspans(cb, "CONSUMER"))
        # message 2's parent is the application's own context, like its producer span's
        assert_linked(sends[:2] + [dict(sends[2], span_id=own_span)] + sends[3:4], procs)
        assert all(p["attributes"]["messaging.consumer.group.name"].startswith("genesis-g") for p in procs)
        pings = sorted(cb.spans_named("PING"), key=lambda s: s["start_time_unix_nano"])
        assert len(pings) == 4, cb.describe()
        if way == "poll":
            assert [p["parent_span_id"] for p in pings] == [p["span_id"] for p in procs], (pings, procs)
        else:       # consume(num_messages): a batch, no message is the thread's context
            assert not {p.get("parent_span_id") for p in pings} & {p["span_id"] for p in procs}
