"""http.server.active_requests: a Python server under the library whose handler holds a request
open; while it is in flight the Prometheus endpoint shows 1 for its method, after it 0, and the
OTLP-side type is an UpDownCounter (a Prometheus gauge)."""
import subprocess
import threading
import time
import urllib.request

from conftest import LIB, PY, clean_env, free_port, wait_port
from test_prometheus import samples

SERVER = r'''
import http.server, sys, threading, time
release = threading.Event()
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path == "/slow":
            release.wait(20)
        elif self.path == "/release":
            release.set()
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers()
        self.wfile.write(b"ok")
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
'''


def _active(prom):
    with urllib.request.urlopen(f"http://127.0.0.1:{prom}/metrics", timeout=5) as r:
        text = r.read().decode()
    vals = {lab.get("http_request_method"): float(v) for n, lab, v, _ in samples(text)
            if n == "http_server_active_requests"}
    return text, vals


def _wait_for(prom, want):
    deadline, vals, text = time.monotonic() + 10, None, ""
    while time.monotonic() < deadline:
        try:
            text, vals = _active(prom)
            if vals.get("GET", 0.0) == want:
                return text, vals
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"active GET requests never became {want}: {vals}\n{text[-1500:]}")


def test_active_requests_follow_a_request_in_flight(tmp_path):
    port, prom = free_port(), free_port()
    env = clean_env({"OTEL_METRICS_EXPORTER": "prometheus", "OTEL_EXPORTER_PROMETHEUS_PORT": str(prom),
                     "OTEL_TRACES_EXPORTER": "none", "LD_PRELOAD": str(LIB)})
    proc = subprocess.Popen([PY, "-c", SERVER, str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)
    slow = None
    try:
        assert wait_port(port, proc)
        urllib.request.urlopen(f"http://127.0.0.1:{port}/warm", timeout=5).read()
        _wait_for(prom, 0.0)
        slow = threading.Thread(target=lambda: urllib.request.urlopen(
            f"http://127.0.0.1:{port}/slow", timeout=20).read())
        slow.start()
        text, vals = _wait_for(prom, 1.0)
        assert "# TYPE http_server_active_requests gauge" in text
        assert 'url_scheme="http"' in text
        urllib.request.urlopen(f"http://127.0.0.1:{port}/release", timeout=5).read()
        slow.join(10)
        text, vals = _wait_for(prom, 0.0)
        assert vals.get("GET") == 0.0, vals     # the series stays, back at zero
    finally:
        proc.terminate()
        proc.wait(10)
        if slow is not None:
            slow.join(1)
