"""NATS with the npm `nats` client (nats.js 2.29, one event-loop thread, several protocol messages
per write) in both directions against C programs on libnats: node publishes to a libnats
subscriber, libnats publishes to a node subscriber that calls Redis while processing. Payloads
are byte-identical to a bare run and the spans link across processes."""
from conftest import tool
from nats_common import (Background, assert_linked, assert_process_span, assert_publish_span, by_id,
                         nats_client, nats_server, node_env, nats_spans)  # noqa: F401 (fixture)

PUB = r"""
const { connect } = require('nats');
(async () => {
  const [url, subject, n] = process.argv.slice(1);
  const nc = await connect({ servers: url });
  for (let i = 0; i < +n; i++) nc.publish(subject, new TextEncoder().encode(`${subject}-js-${i}`));
  await nc.flush();
  console.log('published', n);
  await nc.close();
})().catch((e) => { console.error(e); process.exit(3); });
"""

SUB = r"""
const { connect } = require('nats');
const net = require('net');
// PING Redis over a plain socket; resolves with its first reply line
function ping(port) {
  return new Promise((resolve) => {
    const s = net.createConnection({ host: '127.0.0.1', port }, () => s.write('*1\r\n$4\r\nPING\r\n'));
    s.once('data', (d) => { resolve(d.toString().trim()); s.end(); });
    s.on('error', (e) => resolve(e.code));
  });
}
(async () => {
  const [url, subject, n, redis] = process.argv.slice(1);
  const nc = await connect({ servers: url });
  let got = 0, done;
  const finished = new Promise((r) => { done = r; });
  nc.subscribe(subject, { callback: async (err, m) => {
    const text = new TextDecoder().decode(m.data);
    const r = +redis ? ` redis=${await ping(+redis)}` : '';
    console.log(`got ${text}${r}`);
    if (++got === +n) done();
  } });
  await nc.flush();
  console.log('ready');
  await finished;
  await nc.close();
})().catch((e) => { console.error(e); process.exit(3); });
"""


def node(script, *args):
    return [tool("node"), "-e", script] + [str(a) for a in args]


def test_node_publishes_to_libnats(gen, nats_server):
    port, url = nats_server.port, nats_server.nats_url
    runs = []
    for preload in (False, True):
        sub = Background(gen.tmp, "csub", nats_client("sub", url, "gen.js", 5), preload=preload)
        pub = gen.run(node(PUB, url, "gen.js", 5), preload=preload, env=node_env())
        assert pub.rc == 0 and pub.stdout == b"published 5\n", pub.describe()
        runs.append((pub, sub.wait()))
    (_, bare_sub), (pub, sub) = runs
    assert sub.stdout == bare_sub.stdout and sub.stdout.count(b"got gen.js-js-") == 5, sub.stdout
    producers = nats_spans(pub.spans, "PRODUCER")
    consumers = nats_spans(sub.spans, "CONSUMER")
    assert len(producers) == 5 and len(consumers) == 5, (producers, consumers)
    for p in producers:
        assert_publish_span(p, "gen.js", port, body=len("gen.js-js-0"), source="wire", injected=True)
        assert p["resource"]["process.executable.name"] == "node"
    for c in consumers:
        assert_process_span(c, "gen.js", port, source="libnats")
    assert_linked(consumers, producers)


def test_libnats_publishes_to_node(gen, nats_server, redis_server):
    port, url = nats_server.port, nats_server.nats_url
    runs = []
    for preload in (False, True):
        sub = Background(gen.tmp, "jssub", node(SUB, url, "gen.tojs", 4, redis_server.port), preload=preload,
                         env=node_env())
        # one message per read: a read that brings several leaves the last one's context active
        pub = gen.run(nats_client("pub", url, "gen.tojs", 4, 0, 100), preload=preload)
        assert pub.rc == 0, pub.describe()
        runs.append((pub, sub.wait()))
    (_, bare_sub), (pub, sub) = runs
    assert sub.rc == 0, sub.stderr
    # the pings race each other: the lines may come in any order, the same lines either way
    assert sorted(sub.stdout.splitlines()) == sorted(bare_sub.stdout.splitlines()), (sub.stdout, bare_sub.stdout)
    assert sub.stdout.count(b"redis=+PONG") == 4, sub.stdout
    producers = nats_spans(pub.spans, "PRODUCER")
    consumers = nats_spans(sub.spans, "CONSUMER")
    assert len(producers) == 4 and len(consumers) == 4, (producers, consumers)
    for c in consumers:
        assert_process_span(c, "gen.tojs", port, body=len("gen.tojs-0"), source="wire")
    assert_linked(consumers, producers)
    # the Redis call made while processing a message is that message's child
    by_c = by_id(consumers)
    pings = [s for s in sub.spans if s["name"] == "PING" and s["kind"] == "CLIENT"]
    assert len(pings) == 4, sub.spans
    parents = [by_c.get(p.get("parent_span_id")) for p in pings]
    assert all(parents), pings
    assert len({p["span_id"] for p in parents}) == 4      # one per message
    for p, c in zip(pings, parents):
        assert p["trace_id"] == c["trace_id"], (p, c)
