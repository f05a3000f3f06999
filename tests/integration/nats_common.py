"""Helpers and fixtures shared by the NATS integration tests (test_nats_*.py import them).

A real nats-server (Debian's, a Go program the library never sees) listens on a free loopback
port; clients are separate processes: tests/progs/nats_client (libnats), node scripts on the npm
`nats` client (installed by scripts/install-deps.sh into .deps/npm), and raw-socket Python
clients. `Background` runs a client in the background (bare or preloaded, its spans in files of
its own), waits for it to print "ready", and collects what it printed and its spans when it ends.
"""
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import LIB, ROOT, Server, clean_env, free_port, prog, read_span_files, tool

NODE_MODULES = ROOT / ".deps" / "npm" / "node_modules"


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory):
    """nats-server on 127.0.0.1:<free port> (headers on, max_payload 1 MiB), stopped by pid."""
    d = tmp_path_factory.mktemp("nats")
    port = free_port()
    srv = Server("nats-server", [tool("nats-server"), "-a", "127.0.0.1", "-p", str(port)], port, d)
    srv.nats_url = f"nats://127.0.0.1:{port}"
    yield srv
    srv.stop()


def nats_server_with(tmp_path, conf):
    """A nats-server of its own with extra configuration lines (the caller stops it)."""
    port = free_port()
    cfg = tmp_path / f"nats-{port}.conf"
    cfg.write_text(f"listen: 127.0.0.1:{port}\n{conf}\n")
    srv = Server(f"nats-{port}", [tool("nats-server"), "-c", str(cfg)], port, tmp_path)
    srv.nats_url = f"nats://127.0.0.1:{port}"
    return srv


def node_env():
    assert (NODE_MODULES / "nats" / "package.json").is_file(), \
        f"{NODE_MODULES}/nats is missing: run scripts/install-deps.sh (make deps)"
    return {"NODE_PATH": str(NODE_MODULES)}


# A raw subscriber: CONNECT with the JSON argv[4], SUB, PING/PONG, "ready", then the raw bytes of
# N messages. It reads with a buffer of argv[5] bytes (64 KiB), blocking or not (argv[6] "nb": a
# non-blocking socket under select, as an event loop reads); "stall" if nothing readable came for
# 10 s while a message was incomplete.
RAW_SUB = r"""
import select, socket, sys
port, subject, n, connect = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
size = int(sys.argv[5]) if len(sys.argv) > 5 else 65536
mode = sys.argv[6] if len(sys.argv) > 6 else 'block'
s = socket.create_connection(('127.0.0.1', port))
def read(k):
    if mode != 'nb':
        return s.recv(k)
    while True:
        if not select.select([s], [], [], 10)[0]:
            print('stall', flush=True)
            sys.exit(3)
        try:
            return s.recv(k)
        except BlockingIOError:
            continue
buf = b''
while b'\r\n' not in buf:
    buf += s.recv(65536)
s.sendall(b'CONNECT ' + connect.encode() + b'\r\nSUB ' + subject.encode() + b' 1\r\nPING\r\n')
buf = b''
while b'PONG\r\n' not in buf:
    buf += s.recv(65536)
print('ready', flush=True)
if mode == 'nb':
    s.setblocking(False)
buf = buf.split(b'PONG\r\n', 1)[1]
def complete(b):
    count, i = 0, 0
    while True:
        j = b.find(b'\r\n', i)
        if j < 0:
            return count
        f = b[i:j].split()
        if f and f[0] in (b'MSG', b'HMSG'):
            end = j + 2 + int(f[-1]) + 2
            if end > len(b):
                return count
            count, i = count + 1, end
        else:
            i = j + 2
while complete(buf) < n:
    got = read(size)
    if not got:
        print('eof', flush=True)
        sys.exit(4)
    buf += got
sys.stdout.buffer.write(buf)
"""


class Background:
    """A program running while the test does other things."""

    def __init__(self, tmp, name, argv, preload=True, env=None, ready=b"ready"):
        self.outdir = Path(tmp) / f"bg-{name}-{'pre' if preload else 'bare'}-{time.monotonic_ns()}"
        self.outdir.mkdir()
        e = clean_env(env)
        e.setdefault("GENESIS_CONSOLE_FILE", str(self.outdir / "spans-%p.jsonl"))
        if preload:
            e["LD_PRELOAD"] = str(LIB)
        self.argv = argv
        self.err = open(self.outdir / "stderr", "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.err,
                                     env=e, start_new_session=True)
        self.lines = []
        if ready is not None:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                line = self.proc.stdout.readline()
                if not line:
                    break
                self.lines.append(line)
                if line.strip() == ready:
                    return
            self.kill()
            pytest.fail(f"{argv} did not get ready: {b''.join(self.lines)!r} "
                        f"{(self.outdir / 'stderr').read_bytes()[-2000:]!r}")

    def wait(self, timeout=30):
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"{self.argv} did not finish within {timeout}s: {b''.join(self.lines)!r}")
        self.err.close()
        self.stdout = b"".join(self.lines) + out
        self.stderr = (self.outdir / "stderr").read_bytes()
        self.rc = self.proc.returncode
        self.files = read_span_files(self.outdir)
        return self

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    @property
    def spans(self):
        return [r for recs in self.files.values() for r in recs if r["type"] == "span"]


def nats_spans(spans, kind=None):
    out = [s for s in spans if s["attributes"].get("messaging.system") == "nats"]
    return [s for s in out if kind is None or s["kind"] == kind]


def by_id(spans):
    return {s["span_id"]: s for s in spans}


def assert_publish_span(s, subject, port, body=None, source=None, injected=None):
    a = s["attributes"]
    assert s["kind"] == "PRODUCER" and s["name"] == f"publish {subject}", s
    assert a["messaging.operation.name"] == "publish" and a["messaging.operation.type"] == "send", a
    assert a["messaging.destination.name"] == subject, a
    assert a["server.address"] == "127.0.0.1" and a["server.port"] == port, a
    if body is not None:
        assert a["messaging.message.body.size"] == body, a
    if source is not None:
        assert a["genesis.nats.source"] == source, a
    if injected is not None:
        assert a["genesis.nats.injected"] is injected, a


def assert_process_span(s, subject, port, body=None, source=None, group=None):
    a = s["attributes"]
    assert s["kind"] == "CONSUMER" and s["name"] == f"process {subject}", s
    assert a["messaging.operation.name"] == "process" and a["messaging.operation.type"] == "process", a
    assert a["messaging.destination.name"] == subject, a
    assert a["server.address"] == "127.0.0.1" and a["server.port"] == port, a
    if body is not None:
        assert a["messaging.message.body.size"] == body, a
    if source is not None:
        assert a["genesis.nats.source"] == source, a
    assert a.get("messaging.consumer.group.name") == group, a


def assert_linked(consumers, producers):
    """Each consumer span is the child of a distinct producer span of another process, in the
    same trace."""
    prod = by_id(producers)
    seen = set()
    for c in consumers:
        p = prod.get(c.get("parent_span_id"))
        assert p is not None, f"consumer span without its producer: {c}\nproducers: {list(prod)}"
        assert c["trace_id"] == p["trace_id"] and c["parent_remote"] is True, (c, p)
        assert c["resource"]["process.pid"] != p["resource"]["process.pid"], (c, p)
        assert c["span_id"] not in seen
        seen.add(c["span_id"])


def nats_client(*args):
    return [prog("nats_client")] + [str(a) for a in args]
