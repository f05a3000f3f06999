"""OTEL_PROPAGATORS with real programs: curl (bare) sends a request carrying trace context in
one format to a python http.server under the library; the handler makes an outgoing request
with urllib (same process, same thread) to a capturing server that records its exact bytes.
The server span's identity must come from the configured format, the outgoing request must
carry the configured headers (and no others of ours), and the spans are read from the OTLP
requests the library sent to a receiver (decoded with otlp_pb)."""
import re
import subprocess
import time
from pathlib import Path

import otlp_pb
from conftest import PY, free_port, tool
from test_http_support import Capture, Service, http_spans
from test_otlp_support import receiver  # noqa: F401  (fixture)

TID = "80f198ee56343ba864fe8b2a57d3eff7"
SID = "e457b5a2e4d86bd1"
TP = f"00-{TID}-{SID}-01"
BAGGAGE = "userId=alice,serverNode=DF%2028,isProduction=false"

SERVER = r"""
import signal, sys, urllib.request
from http.server import HTTPServer, BaseHTTPRequestHandler
port, upstream = int(sys.argv[1]), int(sys.argv[2])

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def do_GET(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{upstream}/down", timeout=10) as r:
            r.read()
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))    # a normal exit: the exit flush runs
HTTPServer(("127.0.0.1", port), H).serve_forever()
"""


class Run:
    """One scenario: the server under the library with `propagators`, one curl request with
    `headers`; after it: the spans the receiver got, the bytes of the outgoing request, the
    server's stderr (and stdout)."""

    def __init__(self, tmp_path, rcv, propagators, headers):
        script = Path(tmp_path) / "server.py"
        script.write_text(SERVER)
        cap = Capture()
        port = free_port()
        env = {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": rcv.url(),
               "OTEL_BSP_SCHEDULE_DELAY": "100", "GENESIS_EXIT_FLUSH_MS": "3000"}
        if propagators is not None:
            env["OTEL_PROPAGATORS"] = propagators
        svc = Service("http.server", [PY, str(script), str(port), str(cap.port)], port, tmp_path,
                      env=env)
        try:
            argv = [tool("curl"), "-sS", "--max-time", "20", svc.url("/up")]
            for h in headers:
                argv += ["-H", h]
            out = subprocess.run(argv, capture_output=True, timeout=30)
            assert out.returncode == 0 and out.stdout == b"ok", out
        finally:
            svc.stop()
            cap.close()
        self.log = (Path(tmp_path) / "http.server.out").read_text(errors="replace")
        assert len(cap.conns) == 1, cap.conns
        self.wire = bytes(cap.conns[0])
        deadline = time.monotonic() + 5
        while True:
            spans = [d for r in rcv.requests if r.path.endswith("/v1/traces")
                     for d in otlp_pb.span_dicts(r.traces())]
            self.server = http_spans(spans, "SERVER")
            self.client = http_spans(spans, "CLIENT")
            if (self.server and self.client) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert len(self.server) == 1 and len(self.client) == 1, ([r.path for r in rcv.requests], spans, self.log)
        (self.server,) = self.server
        (self.client,) = self.client
        assert self.client["trace_id"] == self.server["trace_id"]
        assert self.client["parent_span_id"] == self.server["span_id"]

    def header(self, name):
        """The values of header `name` (any case) in the outgoing request."""
        return [m.group(1).decode() for m in
                re.finditer(rb"(?im)^" + re.escape(name.encode()) + rb": ([^\r\n]*)\r$", self.wire)]


def test_b3multi_extract_and_inject(tmp_path, receiver):
    r = Run(tmp_path, receiver(), "b3multi",
            [f"X-B3-TraceId: {TID}", f"X-B3-SpanId: {SID}", "X-B3-Sampled: 1"])
    assert r.server["trace_id"] == TID
    assert r.server["parent_span_id"] == SID
    assert r.server["span_id"] != SID            # B3: never the incoming span id
    assert r.header("X-B3-TraceId") == [TID]
    assert r.header("X-B3-SpanId") == [r.client["span_id"]]
    assert r.header("X-B3-Sampled") == ["1"]
    assert b"traceparent" not in r.wire.lower() and b"\r\nb3:" not in r.wire.lower()
    assert "genesis:" not in r.log


def test_b3_single_extract_and_inject(tmp_path, receiver):
    r = Run(tmp_path, receiver(), "b3", [f"b3: {TID}-{SID}-1"])
    assert r.server["trace_id"] == TID
    assert r.server["parent_span_id"] == SID
    assert r.header("b3") == [f"{TID}-{r.client['span_id']}-1"]
    assert b"traceparent" not in r.wire.lower() and b"x-b3-" not in r.wire.lower()


def test_tracecontext_and_baggage(tmp_path, receiver):
    r = Run(tmp_path, receiver(), "tracecontext,baggage", [f"traceparent: {TP}", f"baggage: {BAGGAGE}"])
    assert r.server["trace_id"] == TID and r.server["parent_span_id"] == SID
    assert r.header("traceparent") == [f"00-{TID}-{r.client['span_id']}-01"]
    assert r.header("baggage") == [BAGGAGE]


def test_list_order_decides_extraction(tmp_path, receiver):
    """Both formats present: the first listed that yields a valid context wins; an invalid
    first one gives way to the next."""
    other = "0af7651916cd43dd8448eb211c80319c"
    r = Run(tmp_path, receiver(), "b3,tracecontext", [f"traceparent: {TP}", f"b3: {other}-{SID}-1"])
    assert r.server["trace_id"] == other
    assert len(r.header("traceparent")) == 1 and len(r.header("b3")) == 1
    assert r.header("b3")[0].startswith(other + "-")


def test_none_neither_extracts_nor_injects(tmp_path, receiver):
    r = Run(tmp_path, receiver(), "none", [f"traceparent: {TP}", f"X-B3-TraceId: {TID}", f"X-B3-SpanId: {SID}"])
    assert r.server["trace_id"] != TID and "parent_span_id" not in r.server
    low = r.wire.lower()
    assert b"traceparent" not in low and b"b3" not in low and b"baggage" not in low


def test_unknown_value_warns_once_default_stays(tmp_path, receiver):
    r = Run(tmp_path, receiver(), "jaeger,tracecontext,xray", [f"traceparent: {TP}", f"baggage: {BAGGAGE}"])
    warnings = [l for l in r.log.splitlines() if l.startswith("genesis:") and "OTEL_PROPAGATORS" in l]
    assert len(warnings) == 1, r.log
    assert "jaeger" in warnings[0] and "not a list of supported propagators" in warnings[0]
    assert r.server["trace_id"] == TID and r.server["parent_span_id"] == SID
    assert r.header("traceparent") == [f"00-{TID}-{r.client['span_id']}-01"]
    assert r.header("baggage") == []             # baggage is not in the default
