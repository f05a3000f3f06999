"""OTEL_PROPAGATORS in NATS message headers (plugins/nats, protocols/nats/nats_ctx.c), against a
real nats-server, every process exporting over OTLP to one receiver (decoded with otlp_pb):
with `b3` a published message carries `b3: <trace>-<span>-1`, with `b3multi` the X-B3-TraceId,
X-B3-SpanId and X-B3-Sampled fields, all naming the PRODUCER span, next to the `traceparent`
when tracecontext is listed too; what a raw subscriber that asked for headers receives is
decoded field by field. The CONSUMER spans of a raw wire subscriber, of a subscriber that
declared no headers (it still reads bare bytes, compared with a bare run) and of a libnats
subscriber (the callback hooks) are the producer's children. An application's own b3 is left
alone and parents the consumer."""
import time

import pytest

import otlp_pb
from conftest import PY
from nats_common import RAW_SUB, Background, by_id, nats_client, nats_server, nats_spans  # noqa: F401
from test_nats_wire import HEADERS, NO_HEADERS, RAW_PUB
from test_otlp_support import receiver  # noqa: F401  (fixture)


def otlp_env(rcv, propagators):
    return {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": rcv.url(),
            "OTEL_BSP_SCHEDULE_DELAY": "100", "GENESIS_EXIT_FLUSH_MS": "3000",
            "OTEL_METRICS_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "none",
            "OTEL_PROPAGATORS": propagators}


def otlp_nats_spans(rcv, pid, kind, want, timeout=10):
    """The NATS spans of `kind` process `pid` exported, once there are `want` of them."""
    deadline = time.monotonic() + timeout
    while True:
        spans = [d for r in list(rcv.requests) if r.path.endswith("/v1/traces")
                 for d in otlp_pb.span_dicts(r.traces())]
        got = [s for s in nats_spans(spans, kind) if s["resource"].get("process.pid") == pid]
        if len(got) >= want or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def messages(raw):
    """The messages of a raw subscriber's bytes: (header fields as (name, value) pairs, or None
    for a MSG; payload)."""
    out, i = [], 0
    if raw.startswith(b"ready\n"):
        raw = raw[6:]
    while True:
        j = raw.find(b"\r\n", i)
        if j < 0:
            return out
        f = raw[i:j].split()
        if f and f[0] == b"HMSG":
            h, t = int(f[-2]), int(f[-1])
            lines = raw[j + 2:j + 2 + h].split(b"\r\n")
            assert lines[0] == b"NATS/1.0" and lines[-2:] == [b"", b""], raw
            fields = [tuple(x.decode().split(": ", 1)) for x in lines[1:-2]]
            out.append((fields, raw[j + 2 + h:j + 2 + t]))
            i = j + 2 + t + 2
        elif f and f[0] == b"MSG":
            t = int(f[-1])
            out.append((None, raw[j + 2:j + 2 + t]))
            i = j + 2 + t + 2
        else:
            i = j + 2


def expected_fields(propagators, span):
    """The fields the library adds for `span`: traceparent, b3, X-B3-*, in that order."""
    t, s, names = span["trace_id"], span["span_id"], propagators.split(",")
    out = []
    if "tracecontext" in names:
        out.append(("traceparent", f"00-{t}-{s}-01"))
    if "b3" in names:
        out.append(("b3", f"{t}-{s}-1"))
    if "b3multi" in names:
        out += [("X-B3-TraceId", t), ("X-B3-SpanId", s), ("X-B3-Sampled", "1")]
    return out


def assert_children(consumers, producers, n):
    prod = by_id(producers)
    assert len(consumers) == n, consumers
    assert {c.get("parent_span_id") for c in consumers} == set(prod), (consumers, producers)
    for c in consumers:
        p = prod[c["parent_span_id"]]
        assert c["trace_id"] == p["trace_id"] and c.get("parent_remote") is True, (c, p)


def raw_sub(gen, port, subject, n, connect, preload, env=None):
    return Background(gen.tmp, "rawsub", [PY, "-c", RAW_SUB, str(port), subject, str(n), connect],
                      preload=preload, env=env)


def pubs(subject, n):
    return "".join(f"PUB {subject} 5\r\nmsg-{i}\r\n" for i in range(n)).replace("\r\n", "\\r\\n")


@pytest.mark.parametrize("propagators", ["b3", "b3multi", "tracecontext,b3", "b3multi,tracecontext"])
def test_raw_publisher_carries_the_configured_formats(gen, nats_server, receiver, propagators):
    n, port, url = 3, nats_server.port, nats_server.nats_url
    subject = "gen.prop." + propagators.replace(",", "-")
    rcv = receiver()
    env = otlp_env(rcv, propagators)
    # the bytes a subscriber without headers reads when nothing is preloaded
    bare_plain = raw_sub(gen, port, subject, n, NO_HEADERS, False)
    bare = gen.run([PY, "-c", RAW_PUB, str(port), pubs(subject, n)], preload=False)
    assert bare.rc == 0, bare.describe()
    bare_plain.wait()
    aware = raw_sub(gen, port, subject, n, HEADERS, False)            # sees our fields
    wire = raw_sub(gen, port, subject, n, HEADERS, True, env)         # wire CONSUMER spans
    plain = raw_sub(gen, port, subject, n, NO_HEADERS, True, env)     # HMSG turned back into MSG
    lib = Background(gen.tmp, "csub", nats_client("sub", url, subject, n), env=env)   # libnats hooks
    pub = gen.run([PY, "-c", RAW_PUB, str(port), pubs(subject, n)], env=env)
    assert pub.rc == 0 and pub.stdout == b"sent\n", pub.describe()
    for b in (aware, wire, plain, lib):
        b.wait()
        assert b.rc == 0, (b.stdout, b.stderr)
    producers = otlp_nats_spans(rcv, pub.pid, "PRODUCER", n)
    assert len(producers) == n and all(p["attributes"]["genesis.nats.injected"] for p in producers), producers
    prod = by_id(producers)
    got = messages(aware.stdout)
    assert [body for _, body in got] == [b"msg-%d" % i for i in range(n)], aware.stdout
    for fields, _ in got:
        assert fields is not None, aware.stdout
        sid = dict((k.lower(), v) for k, v in fields).get("x-b3-spanid") or \
            (dict(fields).get("b3") or dict(fields).get("traceparent")).split("-")[-2]
        assert fields == expected_fields(propagators, prod[sid]), (fields, prod[sid])
    # the subscriber that declared no headers reads byte for byte what it reads bare
    assert plain.stdout == bare_plain.stdout, (plain.stdout, bare_plain.stdout)
    assert b"HMSG" not in plain.stdout and b"b3:" not in plain.stdout.lower() and b"x-b3" not in plain.stdout.lower()
    for b in (wire, plain, lib):
        assert_children(otlp_nats_spans(rcv, b.proc.pid, "CONSUMER", n), producers, n)


@pytest.mark.parametrize("propagators", ["b3", "b3multi"])
def test_libnats_publisher(gen, nats_server, receiver, propagators):
    """libnats sends from its flusher thread, batched: the wire adds the fields all the same."""
    n, url = 5, nats_server.nats_url
    subject = "gen.plib." + propagators
    rcv = receiver()
    env = otlp_env(rcv, propagators)
    aware = raw_sub(gen, nats_server.port, subject, n, HEADERS, False)
    lib = Background(gen.tmp, "csub", nats_client("sub", url, subject, n), env=env)
    bare_lib = Background(gen.tmp, "csub", nats_client("sub", url, subject, n), preload=False)
    pub = gen.run(nats_client("pub", url, subject, n), env=env)
    assert pub.rc == 0 and pub.stdout == b"published %d\n" % n, pub.describe()
    aware.wait()
    lib.wait()
    bare_lib.wait()
    assert lib.stdout == bare_lib.stdout and lib.stdout.count(b"got ") == n, (lib.stdout, bare_lib.stdout)
    producers = otlp_nats_spans(rcv, pub.pid, "PRODUCER", n)
    prod = by_id(producers)
    got = messages(aware.stdout)
    assert len(got) == n
    for fields, _ in got:
        sid = dict(fields)["b3"].split("-")[1] if propagators == "b3" else dict(fields)["X-B3-SpanId"]
        assert fields == expected_fields(propagators, prod[sid]), fields
    assert_children(otlp_nats_spans(rcv, lib.proc.pid, "CONSUMER", n), producers, n)


def test_own_b3_is_left_alone(gen, nats_server, receiver):
    port, url = nats_server.port, nats_server.nats_url
    rcv = receiver()
    env = otlp_env(rcv, "b3")
    own = "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1"
    block = f"NATS/1.0\r\nX-Id: 7\r\nB3: {own}\r\n\r\n"
    msg = f"HPUB gen.ownb3 {len(block)} {len(block) + 5}\r\n{block}hello\r\n"
    aware = raw_sub(gen, port, "gen.ownb3", 2, HEADERS, False)
    wire = raw_sub(gen, port, "gen.ownb3", 2, HEADERS, True, env)
    # a consumer with the default propagators reads no B3: its spans are roots
    dflt = raw_sub(gen, port, "gen.ownb3", 2, HEADERS, True, otlp_env(rcv, "tracecontext"))
    pub = gen.run([PY, "-c", RAW_PUB, str(port), (msg + "PUB gen.ownb3 3\r\nbye\r\n").replace("\r\n", "\\r\\n")],
                  env=env)
    assert pub.rc == 0, pub.describe()
    for b in (aware, wire, dflt):
        b.wait()
    assert f"HMSG gen.ownb3 1 {len(block)} {len(block) + 5}\r\n{block}hello\r\n".encode() in aware.stdout
    (p,) = [p for p in otlp_nats_spans(rcv, pub.pid, "PRODUCER", 2)
            if p["attributes"]["messaging.message.body.size"] == 3]
    assert messages(aware.stdout)[1] == ([("b3", f"{p['trace_id']}-{p['span_id']}-1")], b"bye")
    cons = {c["attributes"]["messaging.message.body.size"]: c
            for c in otlp_nats_spans(rcv, wire.proc.pid, "CONSUMER", 2)}
    assert cons[5]["trace_id"] == own[:32] and cons[5]["parent_span_id"] == own[33:49]
    assert cons[3]["trace_id"] == p["trace_id"] and cons[3]["parent_span_id"] == p["span_id"]
    roots = otlp_nats_spans(rcv, dflt.proc.pid, "CONSUMER", 2)
    assert len(roots) == 2 and not any("parent_span_id" in c for c in roots), roots
