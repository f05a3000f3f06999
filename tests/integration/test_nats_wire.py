"""NATS on the wire with raw-socket clients: what a subscriber that never asked for headers
receives, a fake server that announces "headers":false, max_payload, and a message that carries a
traceparent of its own. The bytes each side sees are compared with a bare run."""
import signal
import socket
import threading
import time

import pytest

from conftest import PY
from nats_common import (RAW_SUB, Background, assert_linked, assert_publish_span, nats_client, nats_server,  # noqa: F401
                         nats_server_with, nats_spans)

RAW_PUB = r"""
import socket, sys
port, data = int(sys.argv[1]), sys.argv[2].encode().decode('unicode_escape').encode('latin-1')
s = socket.create_connection(('127.0.0.1', port))
buf = b''
while b'\r\n' not in buf:
    buf += s.recv(65536)
s.sendall(b'CONNECT {"verbose":false,"headers":true}\r\n' + data + b'PING\r\n')
buf = b''
while b'PONG\r\n' not in buf:
    buf += s.recv(65536)
print('sent')
"""

NO_HEADERS = '{"verbose":false,"pedantic":false}'
HEADERS = '{"verbose":false,"pedantic":false,"headers":true}'


def raw_sub(gen, port, subject, n, connect, preload):
    return Background(gen.tmp, "rawsub", [PY, "-c", RAW_SUB, str(port), subject, str(n), connect], preload=preload)


def test_subscriber_without_headers_gets_bare_bytes(gen, nats_server):
    port, url = nats_server.port, nats_server.nats_url
    got = {}
    for preload in (False, True):
        plain = raw_sub(gen, port, "gen.bare", 3, NO_HEADERS, preload)
        aware = raw_sub(gen, port, "gen.bare", 3, HEADERS, False)
        pub = gen.run(nats_client("pub", url, "gen.bare", 3), preload=preload)
        assert pub.rc == 0, pub.describe()
        got[preload] = (plain.wait(), aware.wait(), pub)
    (bare_plain, bare_aware, _), (plain, aware, pub) = got[False], got[True]
    # the subscriber that never asked for headers sees exactly the bare bytes
    assert plain.stdout == bare_plain.stdout, (plain.stdout, bare_plain.stdout)
    assert plain.stdout.count(b"MSG gen.bare 1 ") == 3 and b"traceparent" not in plain.stdout
    # while a subscriber that did ask sees the context the library added
    assert bare_aware.stdout.count(b"MSG gen.bare 1 ") == 3 and b"HMSG" not in bare_aware.stdout
    assert aware.stdout.count(b"HMSG gen.bare 1 82 ") == 3, aware.stdout
    producers = nats_spans(pub.spans, "PRODUCER")
    for p in producers:
        assert_publish_span(p, "gen.bare", port, injected=True)
        assert f"traceparent: 00-{p['trace_id']}-{p['span_id']}-01".encode() in aware.stdout
    # the plain subscriber, itself preloaded, had its CONNECT made to declare headers: the
    # library read the context from the HMSG it turned back into MSG
    # (test_nats_connect_rewrite.py; with the rewrite off its spans are roots)
    consumers = nats_spans(plain.spans, "CONSUMER")
    assert len(consumers) == 3, consumers
    assert_linked(consumers, producers)


class FakeServer:
    """A NATS server that announces "headers":false, answers PING, and keeps what it received."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.received = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            c.sendall(b'INFO {"server_id":"FAKE","version":"2.9.10","proto":1,"headers":false,'
                      b'"max_payload":1048576} \r\n')
            got = b""
            while True:
                d = c.recv(65536)
                if not d:
                    break
                got += d
                c.sendall(b"PONG\r\n" * d.count(b"PING\r\n"))
            self.received.append(got)
            c.close()

    def wait_for(self, n, timeout=10):
        """The first n connections' bytes: a connection is kept only once the client closed it,
        which may come after the client process has reported its result."""
        deadline = time.monotonic() + timeout
        while len(self.received) < n and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.received

    def close(self):
        self.sock.close()


def test_server_without_headers_gets_no_injection(gen):
    srv = FakeServer()
    try:
        url = f"nats://127.0.0.1:{srv.port}"
        bare = gen.run(nats_client("pub", url, "gen.fake", 3), preload=False)
        pre = gen.run(nats_client("pub", url, "gen.fake", 3))
        assert bare.rc == 0 and pre.rc == 0 and pre.stdout == bare.stdout == b"published 3\n", pre.describe()
        assert len(srv.wait_for(2)) == 2, srv.received
        assert srv.received[1] == srv.received[0], srv.received       # byte for byte
        assert b'"headers":false' in srv.received[0] and srv.received[0].count(b"PUB gen.fake 10\r\n") == 3
        producers = nats_spans(pre.spans, "PRODUCER")
        assert len(producers) == 3
        for p in producers:
            assert_publish_span(p, "gen.fake", srv.port, injected=False)
    finally:
        srv.close()


def test_max_payload_is_never_crossed(gen, tmp_path):
    srv = nats_server_with(tmp_path, "max_payload: 200")
    try:
        port, url = srv.port, srv.nats_url
        sub = Background(gen.tmp, "sub", nats_client("sub", url, "gen.max", 2))
        # 100 + 82 fits: injected; 150 + 82 would cross 200: sent untouched
        small = gen.run(nats_client("pub", url, "gen.max", 1, 100))
        large = gen.run(nats_client("pub", url, "gen.max", 1, 150))
        sub.wait()
        assert small.rc == 0 and large.rc == 0, (small.describe(), large.describe())
        assert sub.stdout.count(b"got gen.max-0") == 2, sub.stdout
        assert b"Maximum Payload" not in large.stderr + small.stderr
        (ps,), (pl,) = nats_spans(small.spans, "PRODUCER"), nats_spans(large.spans, "PRODUCER")
        assert_publish_span(ps, "gen.max", port, body=100, injected=True)
        assert_publish_span(pl, "gen.max", port, body=150, injected=False)
        consumers = sorted(nats_spans(sub.spans, "CONSUMER"),
                           key=lambda c: c["attributes"]["messaging.message.body.size"])
        assert consumers[0].get("parent_span_id") == ps["span_id"]
        assert "parent_span_id" not in consumers[1]
    finally:
        srv.stop()


def test_own_traceparent_is_left_alone(gen, nats_server):
    port = nats_server.port
    tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    block = f"NATS/1.0\r\nX-Id: 7\r\ntraceparent: {tp}\r\n\r\n"
    msg = f"HPUB gen.own {len(block)} {len(block) + 5}\r\n{block}hello\r\n"
    aware = raw_sub(gen, port, "gen.own", 2, HEADERS, False)
    sub = Background(gen.tmp, "csub", nats_client("sub", nats_server.nats_url, "gen.own", 2))
    pub = gen.run([PY, "-c", RAW_PUB, str(port), (msg + "PUB gen.own 3\r\nbye\r\n").replace("\r\n", "\\r\\n")])
    assert pub.rc == 0 and pub.stdout == b"sent\n", pub.describe()
    aware.wait()
    sub.wait()
    # the first message arrives with its header block exactly as the application wrote it
    assert f"HMSG gen.own 1 {len(block)} {len(block) + 5}\r\n{block}hello\r\n".encode() in aware.stdout
    assert b"HMSG gen.own 1 82 85\r\n" in aware.stdout          # the second got ours
    consumers = {c["attributes"]["messaging.message.body.size"]: c for c in nats_spans(sub.spans, "CONSUMER")}
    assert consumers[5]["parent_span_id"] == "b7ad6b7169203331"   # the application's own context
    assert consumers[5]["trace_id"] == "0af7651916cd43dd8448eb211c80319c"
    producers = {p["attributes"]["messaging.message.body.size"]: p for p in nats_spans(pub.spans, "PRODUCER")}
    assert producers[5]["attributes"]["genesis.nats.injected"] is False
    assert_linked([consumers[3]], [producers[3]])


# A raw publisher of n messages of `size` bytes on `subject`, then PING/PONG. Mode `all`: one
# buffer of every message, sent as an event-loop client does; mode `each`: one message per call,
# its rest (after a short send) in the calls that follow; mode `msg`: as `each`, by sendmsg. With a file name as argv[6] it has a
# 4 KiB send buffer, says "ready" and sends, non-blocking, once that file exists (the test stops
# the server meanwhile, so the socket fills up and sends come short); with "-" it sends at once,
# blocking. It prints whether every byte went and whether a send was short.
RAW_PUBLISHER = r"""
import os, select, socket, sys, time
port, subject, n, size, mode, go = int(sys.argv[1]), sys.argv[2].encode(), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
s = socket.socket()
if go != '-':
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
s.connect(('127.0.0.1', port))
buf = b''
while b'\r\n' not in buf:
    buf += s.recv(65536)
s.sendall(b'CONNECT {"verbose":false,"headers":true}\r\n')
print('ready', flush=True)
if go != '-':
    while not os.path.exists(go):
        time.sleep(0.01)
    s.setblocking(False)
msgs = [b'PUB %s %d\r\n%s\r\n' % (subject, size, (b'%d-' % i).ljust(size, b'x')) for i in range(n)]
units = [b''.join(msgs)] if mode == 'all' else msgs
sent = short = 0
for data in units:
    off = 0
    while off < len(data):
        select.select([], [s], [], 5)
        try:
            k = s.sendmsg([data[off:]]) if mode == 'msg' else s.send(data[off:])
        except BlockingIOError:
            continue
        short += k < len(data) - off
        off += k
    sent += off
s.setblocking(True)
s.sendall(b'PING\r\n')
buf = b''
while b'PONG\r\n' not in buf:
    buf += s.recv(65536)
print('sent', sent == sum(map(len, msgs)), 'short writes', short > 0)
"""


def publish_into_stopped_server(gen, tmp_path, mode, subject, n, size):
    """RAW_PUBLISHER (`mode`) publishes n messages of `size` bytes on `subject` while the server is stopped
    (nobody reads: the socket fills, sends come short), a libnats subscriber takes them; the
    publisher, what the subscriber got, and the spans of both, checked for linking."""
    srv = nats_server_with(tmp_path, "")
    try:
        port, url = srv.port, srv.nats_url
        sub = Background(gen.tmp, "csub", nats_client("sub", url, subject, n))
        go = tmp_path / "go"
        pub = Background(gen.tmp, "pub", [PY, "-c", RAW_PUBLISHER, str(port), subject, str(n), str(size), mode,
                                          str(go)])
        srv.proc.send_signal(signal.SIGSTOP)
        go.write_text("go")
        time.sleep(0.5)
        srv.proc.send_signal(signal.SIGCONT)
        pub.wait()
        sub.wait()
    finally:
        srv.proc.send_signal(signal.SIGCONT)
        srv.stop()
    got = [line for line in sub.stdout.splitlines() if line.startswith(b"got ")]
    assert got == [b"got " + (b"%d-" % i).ljust(size, b"x") for i in range(n)], [g[:40] for g in got[:3]]
    producers = nats_spans(pub.spans, "PRODUCER")
    consumers = nats_spans(sub.spans, "CONSUMER")
    assert len(producers) == n and len(consumers) == n
    assert all(p["attributes"]["genesis.nats.injected"] for p in producers)
    assert_linked(consumers, producers)
    return pub


def test_partial_writes_keep_every_byte(gen, tmp_path):
    """Heads cut by the kernel mid-rewrite: the rest is owed, the application's count stays its own."""
    pub = publish_into_stopped_server(gen, tmp_path, "all", "gen.partial", 600, 700)
    assert pub.rc == 0 and pub.stdout == b"ready\nsent True short writes True\n", (pub.stdout, pub.stderr)


@pytest.mark.parametrize("mode", ["each", "msg"])
def test_one_message_per_call_carries_its_span(gen, nats_server, mode):
    """The write raw clients make most, one whole PUB per send (or sendmsg): each message carries
    the traceparent of the PRODUCER span recorded for it, and the bytes the application wrote are
    counted as its own (genesis.network.io), whatever the library added on the wire."""
    port = nats_server.port
    aware = raw_sub(gen, port, "gen.one", 20, HEADERS, False)
    pub = gen.run([PY, "-c", RAW_PUBLISHER, str(port), "gen.one", "20", "16", mode, "-"],
                  env={"OTEL_METRICS_EXPORTER": "console"})
    assert pub.rc == 0 and pub.stdout == b"ready\nsent True short writes False\n", pub.describe()
    got = aware.wait().stdout
    assert got.count(b"HMSG gen.one 1 82 ") == 20, got
    for i in range(20):
        assert (b"%d-" % i).ljust(16, b"x") + b"\r\n" in got
    producers = nats_spans(pub.spans, "PRODUCER")
    assert len(producers) == 20, producers
    for p in producers:
        assert_publish_span(p, "gen.one", port, injected=True)
        assert f"traceparent: 00-{p['trace_id']}-{p['span_id']}-01\r\n".encode() in got
    assert len({p["span_id"] for p in producers}) == 20
    written = len(b'CONNECT {"verbose":false,"headers":true}\r\n') + len(b"PING\r\n") + sum(
        len(b"PUB gen.one 16\r\n%s\r\n" % (b"%d-" % i).ljust(16, b"x")) for i in range(20))
    sent = [r["value"] for r in pub.records if r["type"] == "metric" and r["name"] == "genesis.network.io"
            and r["attributes"].get("network.io.direction") == "transmit"
            and r["attributes"].get("network.peer.port") == port]
    assert sent and sent[-1] == written, (sent, written)


def test_one_message_per_call_with_short_sends(gen, tmp_path):
    """One PUB per call, each larger than the socket's buffer: the first call of each message
    is short, the calls that follow send its rest; every byte arrives, every message keeps its
    span."""
    pub = publish_into_stopped_server(gen, tmp_path, "each", "gen.one", 20, 200000)
    assert pub.rc == 0 and pub.stdout == b"ready\nsent True short writes True\n", (pub.stdout, pub.stderr)
