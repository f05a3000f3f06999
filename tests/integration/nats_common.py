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
