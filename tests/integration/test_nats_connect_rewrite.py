"""NATS clients whose CONNECT does not declare headers (old or minimal clients): the library
rewrites CONNECT to declare them, so what they publish carries the traceparent, and turns every
HMSG the server then sends them back into the MSG they would have received bare. Raw-socket
clients in Python, a real nats-server, bytes compared with a bare run."""
from conftest import PY
from nats_common import (RAW_SUB, Background, assert_linked, assert_publish_span, nats_client,  # noqa: F401
                         nats_server, nats_spans)

# A raw publisher: CONNECT with the given JSON, the given protocol bytes, PING; "sent" on PONG.
RAW_PUB = r"""
import socket, sys
port, connect, data = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3].encode().decode('unicode_escape').encode('latin-1')
s = socket.create_connection(('127.0.0.1', port))
buf = b''
while b'\r\n' not in buf:
    buf += s.recv(65536)
s.sendall(b'CONNECT ' + connect + b'\r\n' + data + b'PING\r\n')
buf = b''
while b'PONG\r\n' not in buf:
    buf += s.recv(65536)
    if not buf or b'-ERR' in buf:
        break
print('sent' if b'PONG\r\n' in buf else 'refused %r' % buf)
"""

NO_HEADERS = '{"verbose":false,"pedantic":false}'
HEADERS_FALSE = '{"verbose":false,"pedantic":false,"headers":false}'
HEADERS = '{"verbose":false,"pedantic":false,"headers":true}'
# a subject long enough that a MSG control line outgrows the smallest reads below
LONG = "gen.rewrite." + ".".join("segment%02d" % i for i in range(18))


def raw_sub(gen, port, subject, n, connect, preload, size=65536, mode="block", env=None):
    return Background(gen.tmp, "rawsub", [PY, "-c", RAW_SUB, str(port), subject, str(n), connect,
                                          str(size), mode], preload=preload, env=env)


def raw_pub(gen, port, connect, data, preload=True, env=None):
    return gen.run([PY, "-c", RAW_PUB, str(port), connect, data.replace("\r\n", "\\r\\n")],
                   preload=preload, env=env)


def test_publisher_without_headers_gets_injection(gen, nats_server):
    """CONNECT without headers, with "headers":false, and an empty object: each publisher's
    messages arrive with its PRODUCER span's traceparent, and the server never refuses them."""
    port = nats_server.port
    for i, connect in enumerate((NO_HEADERS, HEADERS_FALSE, "{}", '{"verbose":true}')):
        subject = f"gen.rw{i}"
        aware = raw_sub(gen, port, subject, 2, HEADERS, False)
        pub = raw_pub(gen, port, connect, f"PUB {subject} 5\r\nhello\r\nPUB {subject} reply.to 3\r\nbye\r\n")
        got = aware.wait()
        assert pub.rc == 0 and pub.stdout == b"sent\n", pub.describe()
        assert got.stdout.count(f"HMSG {subject} 1 82 87\r\n".encode()) == 1, got.stdout
        assert got.stdout.count(f"HMSG {subject} 1 reply.to 82 85\r\n".encode()) == 1, got.stdout
        producers = nats_spans(pub.spans, "PRODUCER")
        assert len(producers) == 2, producers
        for p in producers:
            assert_publish_span(p, subject, port, injected=True)
            assert f"traceparent: 00-{p['trace_id']}-{p['span_id']}-01".encode() in got.stdout


def test_publisher_without_headers_bare_is_unchanged(gen, nats_server):
    port = nats_server.port
    aware = raw_sub(gen, port, "gen.rwbare", 1, HEADERS, False)
    pub = raw_pub(gen, port, NO_HEADERS, "PUB gen.rwbare 5\r\nhello\r\n", preload=False)
    assert pub.stdout == b"sent\n"
    assert aware.wait().stdout == b"ready\nMSG gen.rwbare 1 5\r\nhello\r\n"


def _subscriber_reads_bare_bytes(gen, nats_server, size, mode):
    port, url = nats_server.port, nats_server.nats_url
    got = {}
    for preload in (False, True):
        plain = raw_sub(gen, port, LONG, 4, NO_HEADERS, preload, size, mode)
        # libnats publishers: their messages carry our header block when preloaded
        pub = gen.run(nats_client("pub", url, LONG, 4, 300), preload=preload)
        assert pub.rc == 0, pub.describe()
        got[preload] = (plain.wait(), pub)
    (bare, _), (plain, pub) = got[False], got[True]
    assert bare.rc == 0 and plain.rc == 0, (plain.stdout[-200:], plain.stderr[-2000:])
    assert plain.stdout == bare.stdout, (plain.stdout[:300], bare.stdout[:300])
    assert plain.stdout.count(f"MSG {LONG} 1 300\r\n".encode()) == 4 and b"NATS/1.0" not in plain.stdout
    # the headers the subscriber never sees still give its CONSUMER spans their parents
    producers, consumers = nats_spans(pub.spans, "PRODUCER"), nats_spans(plain.spans, "CONSUMER")
    assert len(producers) == 4 and len(consumers) == 4, (producers, consumers)
    assert all(p["attributes"]["genesis.nats.injected"] for p in producers)
    assert_linked(consumers, producers)


def test_subscriber_without_headers_reads_bare_bytes(gen, nats_server):
    _subscriber_reads_bare_bytes(gen, nats_server, 65536, "block")


def test_subscriber_with_reads_shorter_than_a_line(gen, nats_server):
    """7-byte reads: a MSG line of ~230 bytes is given out over many reads from the slot."""
    _subscriber_reads_bare_bytes(gen, nats_server, 7, "block")


def test_nonblocking_subscriber_never_stalls(gen, nats_server):
    """A read whose bytes all vanish (a header block) says EAGAIN; select wakes for the rest."""
    _subscriber_reads_bare_bytes(gen, nats_server, 50, "nb")


def test_rewrite_can_be_turned_off(gen, nats_server):
    port, url = nats_server.port, nats_server.nats_url
    env = {"GENESIS_NATS_CONNECT_REWRITE": "false"}
    aware = raw_sub(gen, port, "gen.rwoff", 1, HEADERS, False)
    plain = raw_sub(gen, port, "gen.rwoff", 1, NO_HEADERS, True, env=env)
    pub = raw_pub(gen, port, NO_HEADERS, "PUB gen.rwoff 5\r\nhello\r\n", env=env)
    assert pub.stdout == b"sent\n", pub.describe()
    assert aware.wait().stdout == b"ready\nMSG gen.rwoff 1 5\r\nhello\r\n"
    assert plain.wait().stdout == b"ready\nMSG gen.rwoff 1 5\r\nhello\r\n"
    (p,) = nats_spans(pub.spans, "PRODUCER")
    assert_publish_span(p, "gen.rwoff", port, injected=False)
    (c,) = nats_spans(plain.spans, "CONSUMER")
    assert "parent_span_id" not in c
