"""Shared machinery of the OTLP exporter tests (no tests here).

- Receiver: a small OTLP/HTTP receiver in the test process that records every request (time, path,
  headers, raw body) and answers from a script (status, headers, body, delay, or no answer at all).
  It exists next to genesis-view because some checks need what genesis-view does not keep: the exact
  path of a per-signal endpoint, request headers, and arrival times of retries.
- GenesisView: build/genesis-view started with --jsonl / --count-file and its fault options.
- CLIENT: a Python host program that connects N times to a port, optionally sleeps, and prints.
- otlp_env(): the environment of a run exporting traces over OTLP (plus console, whose file gives
  the self-metrics line), metrics off.

Bodies are decoded with the protobuf definitions (otlp_pb, generated from proto/), never grepped.
"""
import os
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import otlp_pb
from conftest import BUILD, free_port, wait_port

CLIENT = r"""
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
ok = 0
for _ in range(n):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port))
        ok += 1
    except OSError:
        pass
    s.close()
if len(sys.argv) > 3:
    time.sleep(float(sys.argv[3]))
print("connects", n, "ok", ok)
"""


def otlp_env(endpoint=None, **extra):
    env = {"OTEL_TRACES_EXPORTER": "otlp,console", "OTEL_METRICS_EXPORTER": "none"}
    if endpoint is not None:
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint
    env.update({k: str(v) for k, v in extra.items()})
    return env


class Request:
    def __init__(self, path, headers, body):
        self.time = time.monotonic()
        self.path = path
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body

    def traces(self):
        return otlp_pb.decode_traces(self.body)

    def spans(self):
        return [s for rs in self.traces().resource_spans for ss in rs.scope_spans for s in ss.spans]


# A self-signed certificate for 127.0.0.1 (valid until 2126), for the https receiver only.
TEST_CERT = """-----BEGIN CERTIFICATE-----
MIIBoDCCAUagAwIBAgIUU70ngbWGFkc1szVQ4I3Ybz1mIicwCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRZ2VuZXNpcy1hdXRvIHRlc3QwIBcNMjYxMTI4MDAzMjEwWhgP
MjEyNjExMDQwMDMyMTBaMBwxGjAYBgNVBAMMEWdlbmVzaXMtYXV0byB0ZXN0MFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEY3wMeJ5+Ox6pVAK1cWIqQ7fAbzIxUeau
e9br6gYiThMqtC/y/phExk8QuUKlhaNK32t2W+wwkqKJ7Waz+errhqNkMGIwHQYD
VR0OBBYEFOJbGteqScBcvBbv8MjGhlUfm4v9MB8GA1UdIwQYMBaAFOJbGteqScBc
vBbv8MjGhlUfm4v9MA8GA1UdEwEB/wQFMAMBAf8wDwYDVR0RBAgwBocEfwAAATAK
BggqhkjOPQQDAgNIADBFAiAHey11Yn6iDn5CP9jAAfNr4darCB6dSp9bVVrBGWnu
owIhAPezSbStmimtaQPevyaRdpnD0MBQ/953eK7RvkQQ/FFO
-----END CERTIFICATE-----
"""
TEST_KEY = """-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgK0+F5h9u5PjPLNKl
LmzFzC8Qi38q91UbEO3PHNk7WRuhRANCAARjfAx4nn47HqlUArVxYipDt8BvMjFR
5q571uvqBiJOEyq0L/L+mETGTxC5QqWFo0rfa3Zb7DCSoontZrP56uuG
-----END PRIVATE KEY-----
"""


class Receiver:
    """Answers requests from `script` (a list of dicts: status, headers, body, delay, hang); the last
    entry repeats. Default: 200 with an empty ExportTraceServiceResponse. With tls=True it serves
    https with TEST_CERT (self.cert_file is the CA file a client needs)."""

    def __init__(self, script=None, tls=False):
        self.script = script or [{"status": 200}]
        self.requests = []
        self.lock = threading.Lock()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                with receiver.lock:
                    receiver.requests.append(Request(self.path, dict(self.headers), body))
                    step = receiver.script[min(len(receiver.requests), len(receiver.script)) - 1]
                if step.get("hang"):
                    receiver.release.wait(30)
                    self.close_connection = True
                    return
                time.sleep(step.get("delay", 0))
                out = step.get("body", b"")
                self.send_response(step.get("status", 200))
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(out)))
                for k, v in step.get("headers", {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(out)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.scheme = "http"
        self.cert_file = None
        if tls:
            self.dir = tempfile.TemporaryDirectory()
            self.cert_file = os.path.join(self.dir.name, "cert.pem")
            key_file = os.path.join(self.dir.name, "key.pem")
            with open(self.cert_file, "w") as f:
                f.write(TEST_CERT)
            with open(key_file, "w") as f:
                f.write(TEST_KEY)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(self.cert_file, key_file)
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
            self.scheme = "https"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path=""):
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def wait_requests(self, n, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.requests) >= n:
                    return list(self.requests)
            time.sleep(0.02)
        with self.lock:
            return list(self.requests)

    def all_spans(self):
        return [s for r in self.requests if r.path.endswith("traces") for s in r.spans()]

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(script=None, tls=False):
        r = Receiver(script, tls)
        made.append(r)
        return r
    yield make
    for r in made:
        r.stop()


class GenesisView:
    def __init__(self, workdir, *fault_args):
        self.port = free_port()
        self.jsonl = Path(workdir) / f"view-{self.port}.jsonl"
        self.counts = Path(workdir) / f"view-{self.port}.counts.json"
        self.log = open(Path(workdir) / f"view-{self.port}.log", "wb")
        argv = [str(BUILD / "genesis-view"), "--port", str(self.port), "--jsonl", str(self.jsonl),
                "--count-file", str(self.counts), "--quiet", *fault_args]
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
                                     env={k: v for k, v in os.environ.items() if k != "LD_PRELOAD"})
        if not wait_port(self.port, self.proc):
            self.stop()
            pytest.fail(f"genesis-view did not start: {argv}")

    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def records(self, want=0, timeout=5.0):
        """JSON lines recorded so far; waits until at least `want` span records exist."""
        deadline = time.monotonic() + timeout
        while True:
            recs = otlp_pb.read_jsonl(str(self.jsonl)) if self.jsonl.exists() else []
            if sum(1 for r in recs if r.get("signal") == "span") >= want or time.monotonic() > deadline:
                return recs
            time.sleep(0.05)

    def request_count(self):
        import json
        return json.loads(self.counts.read_text())["trace_requests"] if self.counts.exists() else 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@pytest.fixture
def view(tmp_path):
    made = []

    def make(*fault_args):
        v = GenesisView(tmp_path, *fault_args)
        made.append(v)
        return v
    yield make
    for v in made:
        v.stop()


@pytest.fixture
def sink():
    """A port that completes connects without answering (listen backlog 4096, never accepted): many
    fast, successful connects, unlike python's http.server whose backlog of 5 makes the kernel drop
    SYNs (1 s retransmits)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(4096)
    yield s.getsockname()[1]
    s.close()


def assert_collector_unobserved(spans, collector_port):
    """No span (console dicts or genesis-view records) refers to the collector's port."""
    for s in spans:
        a = s.get("attributes", {})
        assert str(collector_port) not in s["name"], s
        assert collector_port not in (a.get("network.peer.port"), a.get("server.port")), s


def attr_map(kvs):
    return otlp_pb.attrs(kvs)


def genesis_lines(stderr):
    return [line for line in stderr.decode(errors="replace").splitlines() if line.startswith("genesis: ")]


def without_genesis_lines(stderr):
    return "\n".join(line for line in stderr.decode(errors="replace").splitlines()
                     if not line.startswith("genesis: "))
