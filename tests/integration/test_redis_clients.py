"""Clients other than redis-cli: a C program on Debian's libhiredis (symbol hooks + wire: one span
per command), the same calls from a module loaded RTLD_LOCAL (the Python/Perl situation), redis-py
(pure Python: wire only) with pipelines, transactions, a 5 MB value and pub/sub, and a raw RESP3
client with server pushes. Same output with and without the library."""
from conftest import BUILD, assert_span_shape, prog
from test_redis_common import assert_redis_span, by_time, names, py, redis_spans

SYNC = ["DEL", "SET", "GET", "HSET", "GET", "CLIENT SETNAME", "SELECT", "INCR", "DEL", "FLUSHDB"]
PIPELINED = ["SET", "SET", "GET", "MGET", "DEL"]
CLEANUP = ["SELECT", "DEL"]


def test_hiredis_program(gen, redis_server):
    port = redis_server.port
    bare, pre = gen.compare([prog("redis_hiredis"), str(port)])
    assert b"GET hash: error WRONGTYPE" in pre.stdout, pre.stdout
    spans = by_time(redis_spans(pre))
    assert names(spans) == SYNC + PIPELINED + CLEANUP, names(spans)   # one span per command, never two
    for s in spans:
        assert_span_shape(s, pre)
        a = s["attributes"]
        assert a["genesis.redis.source"] == "hiredis+wire", s
        assert "db.operation.batch.size" not in a, s         # appends are not a wire pipeline
    funcs = [s["attributes"].get("code.function.name") for s in spans]
    assert funcs == ["main"] + ["sync_commands"] * 9 + ["pipelined_appends"] * 5 + ["main"] * 2, funcs
    assert_redis_span(spans[4], port, "GET", status="ERROR", code="WRONGTYPE")
    assert spans[5]["attributes"]["db.query.text"] == "CLIENT SETNAME ?"
    assert [s["attributes"]["db.namespace"] for s in spans[6:]] == ["0"] + ["3"] * 9 + ["0"]
    assert spans[11]["attributes"]["db.query.text"] == "SET hr:p2 ?"
    # the five appended commands were written together and answered together
    first, last = spans[10], spans[14]
    assert last["start_time_unix_nano"] - first["start_time_unix_nano"] < 5_000_000
    # trace context: every span its own id, all roots (no active span in this program)
    assert len({s["span_id"] for s in spans}) == len(spans)


def test_hiredis_hook_alone(gen, redis_server):
    """When the wire cannot follow a connection, the hooks still give one span per command."""
    port = redis_server.port
    bare, pre = gen.compare([prog("redis_hiredis"), str(port), "-", "blind"])
    spans = by_time(redis_spans(pre))
    assert names(spans) == SYNC + PIPELINED + CLEANUP, names(spans)
    for s in spans:
        a = s["attributes"]
        assert a["genesis.redis.source"] == "hiredis", s
        assert a["server.address"] == "127.0.0.1" and a["server.port"] == port, a
        assert "network.peer.address" not in a and "db.namespace" not in a, a
        assert "db.query.text" not in a, a
    assert spans[4]["status"]["code"] == "ERROR"
    assert spans[4]["attributes"]["db.response.status_code"] == "WRONGTYPE"
    assert spans[5]["name"] == "CLIENT SETNAME"


def test_hiredis_in_rtld_local_module(gen, redis_server):
    """dlsym(RTLD_NEXT) cannot see libhiredis here; the hooks must still reach it (no crash)."""
    ext = str(BUILD / "tests" / "progs" / "redis_ext.so")
    bare, pre = gen.compare([prog("redis_rtld"), ext, str(redis_server.port)])
    assert pre.stdout == b"SET: OK\nreply: v\nreply: 1\n", pre.stdout
    spans = by_time(redis_spans(pre))
    assert names(spans) == ["SET", "GET", "DEL"], names(spans)
    assert all(s["attributes"]["genesis.redis.source"] == "hiredis+wire" for s in spans), spans


REDIS_PY = r"""
import hashlib, sys, redis
r = redis.Redis(host='127.0.0.1', port=int(sys.argv[1]))
big = b'x' * 5_000_000
print(r.set('gen:py:big', big))
v = r.get('gen:py:big')
print(len(v), hashlib.sha1(v).hexdigest())
p = r.pipeline(transaction=False)
p.get('gen:py:none'); p.set('gen:py:b', 1); p.incr('gen:py:c')
print(p.execute())
p = r.pipeline()
p.set('gen:py:b', 2); p.set('gen:py:c', 3)
print(p.execute())
try:
    r.lpush('gen:py:b', 1)
except redis.ResponseError as e:
    print('error', str(e).split()[0])
print(r.delete('gen:py:big', 'gen:py:b', 'gen:py:c'))
"""


def test_redis_py(gen, redis_server):
    port = redis_server.port
    bare, pre = gen.compare(py(REDIS_PY, port))
    assert pre.stdout.startswith(b"True\n5000000 "), pre.stdout
    spans = by_time(redis_spans(pre))
    assert names(spans) == ["SET", "GET", "PIPELINE", "MULTI SET", "LPUSH", "DEL"], names(spans)
    a = [s["attributes"] for s in spans]
    assert a[0]["db.query.text"] == "SET gen:py:big ?"
    assert a[2]["db.operation.batch.size"] == 3
    assert a[2]["db.query.text"] == "GET gen:py:none; SET gen:py:b ?; INCRBY gen:py:c ?"
    assert a[3]["db.operation.batch.size"] == 2
    assert_redis_span(spans[4], port, "LPUSH", status="ERROR", code="WRONGTYPE")
    for s in spans[:4]:
        assert_redis_span(s, port)
        assert s["attributes"]["genesis.redis.source"] == "wire"
    # the 5 MB value crossed many reads: the GET ends when its last byte was read
    assert spans[1]["end_time_unix_nano"] > spans[1]["start_time_unix_nano"]


PUBSUB = r"""
import sys, time, redis
r = redis.Redis(host='127.0.0.1', port=int(sys.argv[1]))
ps = r.pubsub()
ps.subscribe('gen:ch1', 'gen:ch2')
for i in range(3):
    r.publish('gen:ch1', 'm%d' % i)
got = []
deadline = time.time() + 5
while len(got) < 5 and time.time() < deadline:
    m = ps.get_message(timeout=1)
    if m:
        got.append((m['type'], m['data'] if m['type'] == 'message' else m['channel']))
print(got)
ps.ping()
ps.unsubscribe()
deadline = time.time() + 5
seen = 0
while seen < 3 and time.time() < deadline:
    m = ps.get_message(timeout=1)
    if m:
        seen += 1
ps.close()
print(r.set('gen:ps:after', 1), r.get('gen:ps:after'), r.delete('gen:ps:after'))
"""


def test_pubsub_messages_are_not_replies(gen, redis_server):
    port = redis_server.port
    bare, pre = gen.compare(py(PUBSUB, port))
    assert pre.stdout.count(b"'message'") == 3, pre.stdout
    spans = redis_spans(pre)
    assert sorted(names(spans)) == sorted(["SUBSCRIBE", "PUBLISH", "PUBLISH", "PUBLISH", "PING", "UNSUBSCRIBE",
                                           "SET", "GET", "DEL"]), names(spans)
    for s in spans:
        assert_redis_span(s, port)


RESP3_RAW = r"""
import socket, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
o = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
def cmd(*a):
    return b'*%d\r\n' % len(a) + b''.join(b'$%d\r\n%s\r\n' % (len(x), x) for x in a)
def read_until(sock, marker):
    data = b''
    while marker not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data
s.sendall(cmd(b'HELLO', b'3'))
print(b'proto' in read_until(s, b'proto\r\n:3\r\n'))
s.sendall(cmd(b'CLIENT', b'TRACKING', b'on'))
read_until(s, b'+OK\r\n')
s.sendall(cmd(b'SET', b'gen:r3:k', b'v1') + cmd(b'GET', b'gen:r3:k'))
read_until(s, b'v1\r\n')
o.sendall(cmd(b'SET', b'gen:r3:k', b'v2'))                  # invalidation push for s
read_until(o, b'+OK\r\n')
s.sendall(cmd(b'SUBSCRIBE', b'gen:r3:ch'))
data = read_until(s, b'gen:r3:ch\r\n:1\r\n')
o.sendall(cmd(b'PUBLISH', b'gen:r3:ch', b'hello'))
read_until(o, b':1\r\n')
s.sendall(cmd(b'PING'))
print(b'invalidate' in data, b'hello' in read_until(s, b'+PONG\r\n'))
s.sendall(cmd(b'UNSUBSCRIBE') + cmd(b'DEL', b'gen:r3:k'))
print(read_until(s, b':1\r\n').endswith(b':1\r\n'))
"""


def test_resp3_pushes_are_not_replies(gen, redis_server):
    port = redis_server.port
    bare, pre = gen.compare(py(RESP3_RAW, port))
    assert pre.stdout == b"True\nTrue True\nTrue\n", pre.stdout
    spans = redis_spans(pre)
    own = by_time([s for s in spans if s["attributes"]["network.peer.port"] == port])
    assert sorted(names(own)) == sorted(["HELLO", "CLIENT TRACKING", "PIPELINE", "SUBSCRIBE", "PING",
                                         "UNSUBSCRIBE", "DEL", "SET", "PUBLISH"]), names(own)
    for s in own:
        assert_redis_span(s, port)
