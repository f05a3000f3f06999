"""NATS between C programs on libnats (tests/progs/nats_client) through a real nats-server: plain
publish/subscribe, a queue group, request/reply, a Redis call made while processing, and
GENESIS_PROPAGATE=0. Publisher and subscribers are separate processes; every run is compared with
a bare one (same output), and the spans must link across processes through the message headers."""
from conftest import assert_span_shape
from nats_common import (Background, assert_linked, assert_process_span, assert_publish_span, by_id,
                         nats_client, nats_server, nats_spans)  # noqa: F401 (fixture)


def pubsub(gen, nats_server, subject, n, sub_args=(), pub_args=(), preload=True, env=None, subs=1):
    subs = [Background(gen.tmp, f"sub{i}", nats_client("sub", nats_server.nats_url, subject, n, *sub_args),
                       preload=preload, env=env) for i in range(subs)]
    pub = gen.run(nats_client("pub", nats_server.nats_url, subject, n, *pub_args), preload=preload, env=env)
    assert pub.rc == 0, pub.describe()
    return pub, [s.wait() for s in subs]


def test_pubsub(gen, nats_server):
    port = nats_server.port
    _, bare_subs = pubsub(gen, nats_server, "gen.plain", 5, preload=False)
    pub, subs = pubsub(gen, nats_server, "gen.plain", 5)
    assert subs[0].stdout == bare_subs[0].stdout, subs[0].stdout   # payloads byte-identical
    assert subs[0].stdout.count(b"got gen.plain-") == 5
    assert pub.stdout == b"published 5\n"
    producers = nats_spans(pub.spans, "PRODUCER")
    consumers = nats_spans(subs[0].spans, "CONSUMER")
    assert len(producers) == 5 and len(consumers) == 5, (producers, consumers)
    for s in producers:
        assert_span_shape(s, pub)
        assert_publish_span(s, "gen.plain", port, body=len("gen.plain-0"), source="wire", injected=True)
    for s in consumers:
        assert_span_shape(s)
        assert_process_span(s, "gen.plain", port, body=len("gen.plain-0"), source="libnats")
    assert_linked(consumers, producers)


def test_queue_group(gen, nats_server):
    """Two workers of one queue group share the messages; each span names the group."""
    port = nats_server.port
    subs = [Background(gen.tmp, f"w{i}", nats_client("sub", nats_server.nats_url, "gen.work", 10, "workers",
                                                     0, 1500)) for i in range(2)]
    pub = gen.run(nats_client("pub", nats_server.nats_url, "gen.work", 10))
    assert pub.rc == 0, pub.describe()
    outs = [s.wait() for s in subs]
    got = sorted(line for s in outs for line in s.stdout.splitlines() if line.startswith(b"got "))
    assert got == sorted(b"got gen.work-%d" % i for i in range(10)), got
    consumers = [c for s in outs for c in nats_spans(s.spans, "CONSUMER")]
    assert len(consumers) == 10, consumers
    for c in consumers:
        assert_process_span(c, "gen.work", port, source="libnats", group="workers")
    assert_linked(consumers, nats_spans(pub.spans, "PRODUCER"))


def test_request_reply(gen, nats_server):
    port = nats_server.port
    url = nats_server.nats_url
    bare_srv = Background(gen.tmp, "serve", nats_client("serve", url, "gen.rpc", 3), preload=False)
    bare = gen.run(nats_client("req", url, "gen.rpc", 3), preload=False)
    bare_srv.wait()
    srv = Background(gen.tmp, "serve", nats_client("serve", url, "gen.rpc", 3))
    req = gen.run(nats_client("req", url, "gen.rpc", 3))
    srv.wait()
    assert req.stdout == bare.stdout == b"reply re:q-0\nreply re:q-1\nreply re:q-2\n", req.stdout
    assert srv.stdout == bare_srv.stdout
    requests = nats_spans(req.spans, "PRODUCER")
    served = nats_spans(srv.spans, "CONSUMER")
    replies = nats_spans(srv.spans, "PRODUCER")
    assert len(requests) == 3 and len(served) == 3 and len(replies) == 3, (requests, served, replies)
    for s in requests:
        assert_publish_span(s, "gen.rpc", port, body=3, injected=True)
    for s in served:
        assert_process_span(s, "gen.rpc", port, body=3, source="libnats")
    assert_linked(served, requests)
    # each reply goes to the requester's inbox, published while processing the request
    processing = by_id(served)
    for r in replies:
        assert r["name"] == "publish (temporary)", r
        assert r["attributes"]["messaging.destination.name"].startswith("_INBOX."), r
        assert r["attributes"]["messaging.destination.temporary"] is True, r
        assert r.get("parent_span_id") in processing, r
        assert r["trace_id"] == processing[r["parent_span_id"]]["trace_id"]


def test_redis_call_is_a_child(gen, nats_server, redis_server):
    pub, subs = pubsub(gen, nats_server, "gen.db", 3, sub_args=("-", redis_server.port))
    assert subs[0].stdout.count(b"redis=+PONG") == 3, subs[0].stdout
    consumers = by_id(nats_spans(subs[0].spans, "CONSUMER"))
    pings = [s for s in subs[0].spans if s["name"] == "PING" and s["kind"] == "CLIENT"]
    assert len(pings) == 3 and len(consumers) == 3, subs[0].spans
    for p in pings:
        c = consumers.get(p.get("parent_span_id"))
        assert c is not None, f"PING is not a child of a process span: {p}"
        assert p["trace_id"] == c["trace_id"] and p["parent_remote"] is False
        assert c["start_time_unix_nano"] <= p["start_time_unix_nano"] <= p["end_time_unix_nano"] \
            <= c["end_time_unix_nano"], (c, p)
    assert_linked(list(consumers.values()), nats_spans(pub.spans, "PRODUCER"))


def test_propagation_off(gen, nats_server):
    env = {"GENESIS_PROPAGATE": "0"}
    _, bare_subs = pubsub(gen, nats_server, "gen.off", 3, preload=False)
    pub, subs = pubsub(gen, nats_server, "gen.off", 3, env=env)
    assert subs[0].stdout == bare_subs[0].stdout
    producers = nats_spans(pub.spans, "PRODUCER")
    consumers = nats_spans(subs[0].spans, "CONSUMER")
    assert len(producers) == 3 and len(consumers) == 3
    for s in producers:
        assert_publish_span(s, "gen.off", nats_server.port, injected=False)
    for c in consumers:                          # nothing carried the context: new traces
        assert "parent_span_id" not in c, c
    assert not {c["trace_id"] for c in consumers} & {p["trace_id"] for p in producers}


def test_large_messages_and_batches(gen, nats_server):
    """Many messages in one libnats send, and payloads over several socket writes/reads."""
    _, bare_subs = pubsub(gen, nats_server, "gen.big", 40, pub_args=(70000,), preload=False)
    pub, subs = pubsub(gen, nats_server, "gen.big", 40, pub_args=(70000,))
    assert subs[0].stdout == bare_subs[0].stdout
    producers = nats_spans(pub.spans, "PRODUCER")
    consumers = nats_spans(subs[0].spans, "CONSUMER")
    assert len(producers) == 40 and len(consumers) == 40
    assert all(p["attributes"]["messaging.message.body.size"] == 70000 for p in producers)
    assert_linked(consumers, producers)
    _, bare_subs = pubsub(gen, nats_server, "gen.many", 500, preload=False)
    pub, subs = pubsub(gen, nats_server, "gen.many", 500)
    assert subs[0].stdout == bare_subs[0].stdout
    assert_linked(nats_spans(subs[0].spans, "CONSUMER"), nats_spans(pub.spans, "PRODUCER"))
