"""Connections inherited across fork are followed in the child: a prefork server that accepts in the
parent and serves in a child (HTTP), and a child that reuses its parent's client connection (Redis),
joining it at the next request even when the child's first bytes are the end of the parent's
exchange. The child's spans carry the child's process resource, never the parent's.
"""
import os
import threading
import time
import urllib.request

from conftest import PY

# Accepts in the parent, forks, serves the request in the child, which ends through exit()
# (sys.exit: the library's exit flush runs; os._exit, as socketserver.ForkingMixIn's children
# use, would skip it by design). The parent has been observed before its first fork (a connect to
# a peer that is not there yet), as any server that talked to something at start-up.
PREFORK = r'''
import os, socket, sys
port_file, n = sys.argv[1], int(sys.argv[2])
probe = socket.socket()
probe.bind(("127.0.0.1", 0))
assert socket.socket().connect_ex(probe.getsockname()) != 0
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(16)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.getsockname()[1]))
os.rename(port_file + ".tmp", port_file)
kids = []
for _ in range(n):
    conn, _ = srv.accept()
    pid = os.fork()
    if pid == 0:
        srv.close()
        req = b""
        while b"\r\n\r\n" not in req:
            chunk = conn.recv(4096)
            if not chunk:
                break
            req += chunk
        path = req.split(b" ")[1].decode()
        body = f"served {path} by {os.getpid()}\n".encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
        conn.close()
        sys.exit(0)
    conn.close()
    kids.append(pid)
for pid in kids:
    _, st = os.waitpid(pid, 0)
    assert st == 0, st
print("served", n)
'''

# The parent connects and sends PING, forks before reading the answer; the child reads +PONG (the
# end of the parent's exchange), then sends SET and GET on the same connection; the parent waits
# and sends DEL.
REUSE = r'''
import os, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
def read(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        assert c, "closed"
        b += c
    return b
s.sendall(b"*1\r\n$4\r\nPING\r\n")
pid = os.fork()
if pid == 0:
    assert read(7) == b"+PONG\r\n"
    s.sendall(b"*3\r\n$3\r\nSET\r\n$9\r\nforkinher\r\n$1\r\nv\r\n")
    assert read(5) == b"+OK\r\n"
    s.sendall(b"*2\r\n$3\r\nGET\r\n$9\r\nforkinher\r\n")
    assert read(7) == b"$1\r\nv\r\n"
    print("child", os.getpid(), flush=True)
    sys.exit(0)
_, st = os.waitpid(pid, 0)
assert st == 0, st
s.sendall(b"*2\r\n$3\r\nDEL\r\n$9\r\nforkinher\r\n")
assert read(4) == b":1\r\n"
print("parent ok")
'''


def _get_when_up(port_file, paths, out):
    deadline = time.monotonic() + 20
    while not os.path.exists(port_file) and time.monotonic() < deadline:
        time.sleep(0.02)
    port = int(open(port_file).read())
    for p in paths:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{p}", timeout=10) as r:
            out.append(r.read().decode())


def test_prefork_server_child_spans(gen, tmp_path):
    paths = ["/one", "/two", "/three"]
    port_file = str(tmp_path / "port")
    answers = []
    t = threading.Thread(target=_get_when_up, args=(port_file, paths, answers))
    t.start()
    pre = gen.run([PY, "-c", PREFORK, port_file, str(len(paths))], timeout=60)
    t.join(30)
    assert pre.rc == 0 and pre.stdout == b"served 3\n", pre.describe()
    assert len(answers) == 3, answers
    served_by = {a.split()[1]: int(a.split()[3]) for a in answers}
    assert set(served_by) == set(paths), answers
    for path, pid in served_by.items():
        assert pid != pre.pid, answers
        spans = [s for s in pre.files.get(pid, []) if s["type"] == "span" and s["kind"] == "SERVER"]
        assert len(spans) == 1, f"child {pid} serving {path}: server spans {spans}\n{pre.describe()}"
        s = spans[0]
        assert s["name"] == "GET", s
        assert s["attributes"].get("url.path") == path, s
        assert s["attributes"].get("http.response.status_code") == 200, s
        assert s["resource"]["process.pid"] == pid, s
    parent_server = [s for s in pre.files.get(pre.pid, []) if s["type"] == "span" and s["kind"] == "SERVER"]
    assert parent_server == [], parent_server


def test_child_reuses_parent_redis_connection(gen, redis_server):
    bare = gen.run([PY, "-c", REUSE, str(redis_server.port)], preload=False)
    pre = gen.run([PY, "-c", REUSE, str(redis_server.port)])
    assert bare.rc == 0 and pre.rc == 0, pre.describe()
    lines = pre.stdout.decode().split("\n")
    assert lines[0].startswith("child ") and lines[1] == "parent ok", pre.describe()
    child = int(lines[0].split()[1])
    spans = [s for s in pre.files.get(child, []) if s["type"] == "span" and s["kind"] == "CLIENT"]
    names = [s["name"] for s in sorted(spans, key=lambda s: s["start_time_unix_nano"])]
    assert names == ["SET", "GET"], f"child {child} Redis spans: {names}\n{pre.describe()}"
    for s in spans:
        assert s["resource"]["process.pid"] == child, s
        a = s["attributes"]
        assert a.get("db.system.name", a.get("db.system")) == "redis", a
        assert a.get("server.port") == redis_server.port or a.get("network.peer.port") == redis_server.port, a


# The parent opens a keep-alive HTTP connection and makes one request; the child makes the next
# one on the same connection: it gets its own client span, with traceparent injected into its
# request (the server echoes it back), and the host reads exactly the answer it would read bare.
KEEPALIVE = r'''
import http.client, os, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = (self.headers.get("traceparent") or "none").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
threading.Thread(target=srv.serve_forever, daemon=True).start()
c = http.client.HTTPConnection("127.0.0.1", srv.server_address[1])
c.request("GET", "/parent")
r = c.getresponse()
r.read()
pid = os.fork()
if pid == 0:
    c.request("GET", "/child")
    r = c.getresponse()
    tp = r.read().decode()
    print("child", os.getpid(), r.status, "injected" if tp.startswith("00-") else tp, flush=True)
    sys.exit(0)
_, st = os.waitpid(pid, 0)
assert st == 0, st
print("parent ok")
'''


def test_child_reuses_parent_http_connection(gen):
    bare = gen.run([PY, "-c", KEEPALIVE], preload=False)
    pre = gen.run([PY, "-c", KEEPALIVE])
    assert bare.rc == 0 and bare.stdout.split(b"\n")[0].endswith(b" 200 none"), bare.describe()
    assert pre.rc == 0, pre.describe()
    lines = pre.stdout.decode().split("\n")
    assert lines[0].endswith(" 200 injected") and lines[1] == "parent ok", pre.describe()
    child = int(lines[0].split()[1])
    spans = [s for s in pre.files.get(child, []) if s["type"] == "span" and s["kind"] == "CLIENT"]
    assert len(spans) == 1, f"child {child} client spans: {spans}\n{pre.describe()}"
    s = spans[0]
    assert s["resource"]["process.pid"] == child, s
    assert s["attributes"].get("url.full", "").endswith("/child") or \
        s["attributes"].get("url.path") == "/child", s
    assert s["attributes"].get("http.response.status_code") == 200, s
