"""OTLP metrics push (OTEL_METRICS_EXPORTER=otlp): a live program makes known connects under the
library; its metrics are pushed to /v1/metrics every OTEL_METRIC_EXPORT_INTERVAL and at exit.

Received by genesis-view (--jsonl, decoded by protobuf-c) and by a plain Python receiver whose
bodies are decoded with the official Python protobuf runtime (otlp_pb). Checks: the connect
histogram (cumulative, one start time across pushes, counts per peer as made, bounds, bucket
counts summing to count, min/max, exemplars naming exported spans), the byte counters, the
self-metrics, resource and scope; a dead collector changes nothing for the program.
"""
import http.server
import json
import re
import subprocess
import threading
import time
import urllib.request

import pytest

import otlp_pb
from conftest import LIB, PY, clean_env, free_port, prog

from test_prometheus import KEPT_EXTRA, N_OK, N_REFUSED, PROG

VIEW = f"{otlp_pb.BUILD}/genesis-view"
HIST = "genesis.network.connect.duration"
BOUNDS = [1e-05, 2.5e-05, 5e-05, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
          0.5, 1.0, 2.5, 5.0, 10.0]


@pytest.fixture
def view(tmp_path):
    jsonl, err = tmp_path / "view.jsonl", tmp_path / "view.err"
    with open(err, "wb") as e:
        proc = subprocess.Popen([VIEW, "--port", "0", "--quiet", "--jsonl", str(jsonl)], stderr=e)
    deadline = time.monotonic() + 5
    while not (m := re.search(r"listening on http://127\.0\.0\.1:(\d+)", err.read_text())):
        assert time.monotonic() < deadline and proc.poll() is None, err.read_text()
        time.sleep(0.01)
    yield int(m.group(1)), jsonl
    proc.terminate()
    proc.wait(5)


def run_prog(tmp_path, endpoint, env=None, stay=0.0):
    """Run the connects program under the library until `stay` s after it is ready."""
    script = tmp_path / "connects.py"
    script.write_text(PROG)
    e = clean_env({"OTEL_METRICS_EXPORTER": "otlp", "OTEL_TRACES_EXPORTER": "otlp",
                   "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "LD_PRELOAD": str(LIB),
                   "GENESIS_EXIT_FLUSH_MS": "2000", **(env or {})})
    proc = subprocess.Popen([PY, str(script), str(N_OK), str(N_REFUSED), str(KEPT_EXTRA)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e)
    info = json.loads(proc.stdout.readline())
    time.sleep(stay)
    t0 = time.monotonic()
    out, err = proc.communicate(b"", timeout=30)
    return info, proc.returncode, out, err, time.monotonic() - t0


def points(jsonl, name):
    return [r for r in otlp_pb.read_jsonl(jsonl) if r["signal"] == "metric" and r["name"] == name]


def wait_points(jsonl, name, n, timeout=5):
    deadline = time.monotonic() + timeout
    while len(pts := points(jsonl, name)) < n and time.monotonic() < deadline:
        time.sleep(0.05)
    return pts


def check_histogram_point(p):
    assert p["type"] == "histogram" and p["unit"] == "s" and p["aggregation_temporality"] == "CUMULATIVE"
    assert p["explicit_bounds"] == BOUNDS
    assert len(p["bucket_counts"]) == len(BOUNDS) + 1 and sum(p["bucket_counts"]) == p["count"]
    assert 0 < p["start_time_unix_nano"] <= p["time_unix_nano"]
    assert 0 <= p["min"] <= p["max"] and p["min"] * p["count"] <= p["sum"] <= p["max"] * p["count"] + 1e-12
    for e in p["exemplars"]:
        i = next(i for i, b in enumerate(BOUNDS + [float("inf")]) if e["value"] <= b)
        assert p["bucket_counts"][i] > 0, (e, p["bucket_counts"])


def counts_by_peer(pts):
    return {(p["attributes"]["network.peer.port"], p["attributes"].get("error.type")): p["count"] for p in pts}


def test_periodic_and_final_push(tmp_path, view):
    port, jsonl = view
    info, rc, out, err, _ = run_prog(tmp_path, f"http://127.0.0.1:{port}",
                                     {"OTEL_METRIC_EXPORT_INTERVAL": "300"}, stay=1.2)
    assert (rc, out, err) == (0, b"done\n", b"")
    pts = wait_points(jsonl, HIST, 6)
    pushes = sorted({p["time_unix_nano"] for p in pts})
    assert len(pushes) >= 3, f"expected periodic pushes every 300 ms, got {len(pushes)}"
    assert len({p["start_time_unix_nano"] for p in pts}) == 1, "cumulative series keep their start time"
    for p in pts:
        check_histogram_point(p)
    last = [p for p in pts if p["time_unix_nano"] == pushes[-1]]
    want = {(info["port"], None): N_OK, (info["dead"], "ECONNREFUSED"): N_REFUSED}
    assert counts_by_peer(last) == want
    for p in last:
        assert p["attributes"]["network.peer.address"] == "127.0.0.1"
        assert p["attributes"]["network.transport"] == "tcp" and p["attributes"]["network.type"] == "ipv4"
        assert p["scope"] == {"name": "genesis-auto", "version": "0.1.0", "attributes": {}}
        assert p["resource"]["process.pid"] == info["pid"]
        assert p["resource"]["telemetry.sdk.name"] == "genesis-auto"
    spans = {(r["trace_id"], r["span_id"]) for r in otlp_pb.read_jsonl(jsonl) if r["signal"] == "span"}
    assert len(spans) == N_OK + N_REFUSED
    exemplars = [e for p in last for e in p["exemplars"]]
    assert exemplars and all((e["trace_id"], e["span_id"]) in spans for e in exemplars), exemplars

    def last_value(name, **attrs):
        vals = [p for p in points(jsonl, name) if p["time_unix_nano"] == pushes[-1]
                and all(p["attributes"].get(k) == v for k, v in attrs.items())]
        assert len(vals) == 1, (name, attrs, vals)
        assert vals[0]["type"] in ("sum", "gauge")
        if vals[0]["type"] == "sum":
            assert vals[0]["is_monotonic"] and vals[0]["aggregation_temporality"] == "CUMULATIVE"
        return vals[0]["value"]

    assert last_value("genesis.sdk.operations") >= N_OK + N_REFUSED
    assert last_value("genesis.sdk.spans.exported") == N_OK + N_REFUSED
    assert last_value("genesis.sdk.spans.dropped", reason="queue_full") == 0
    assert last_value("genesis.sdk.export.failures", **{"error.type": "connect"}) == 0
    assert last_value("genesis.sdk.queue.capacity") == 4096
    want_bytes = N_OK * 100 + KEPT_EXTRA
    assert last_value("genesis.network.io", **{"network.io.direction": "transmit",
                                               "network.peer.port": info["port"]}) == want_bytes
    assert last_value("genesis.network.io", **{"network.io.direction": "receive"}) == want_bytes


def test_push_at_exit_only_by_default(tmp_path, view):
    port, jsonl = view
    info, rc, out, err, _ = run_prog(tmp_path, f"http://127.0.0.1:{port}")
    assert (rc, out, err) == (0, b"done\n", b"")
    pts = wait_points(jsonl, HIST, 2)
    assert len({p["time_unix_nano"] for p in pts}) == 1, "one push: at exit (interval 60 s)"
    assert counts_by_peer(pts) == {(info["port"], None): N_OK, (info["dead"], "ECONNREFUSED"): N_REFUSED}


class _Receiver(http.server.BaseHTTPRequestHandler):
    bodies = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).bodies.append((self.path, self.headers.get("Content-Type"), body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_decoded_by_python_protobuf(tmp_path):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.bodies = []
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        info, rc, out, err, _ = run_prog(tmp_path, f"http://127.0.0.1:{srv.server_address[1]}",
                                         {"OTEL_TRACES_EXPORTER": "none",
                                          "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=t%C3%A9st"})
    finally:
        srv.shutdown()
    assert (rc, out, err) == (0, b"done\n", b"")
    metrics = [b for path, ct, b in _Receiver.bodies if path == "/v1/metrics"]
    assert len(metrics) == 1 and all(ct == "application/x-protobuf" for _, ct, _ in _Receiver.bodies)
    req = otlp_pb.decode_metrics(metrics[0])
    rm = req.resource_metrics[0]
    assert otlp_pb.attrs(rm.resource.attributes)["deployment.environment"] == "t\u00e9st"
    sm = rm.scope_metrics[0]
    assert (sm.scope.name, sm.scope.version) == ("genesis-auto", "0.1.0")
    m = {x.name: x for x in sm.metrics}
    h = m[HIST]
    assert h.WhichOneof("data") == "histogram" and h.unit == "s"
    assert h.histogram.aggregation_temporality == otlp_pb.metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE
    by_peer = {}
    for dp in h.histogram.data_points:
        a = otlp_pb.attrs(dp.attributes)
        assert dp.HasField("sum") and dp.HasField("min") and dp.HasField("max")
        assert list(dp.explicit_bounds) == BOUNDS and sum(dp.bucket_counts) == dp.count
        assert dp.start_time_unix_nano > 0 and dp.time_unix_nano >= dp.start_time_unix_nano
        by_peer[(a["network.peer.port"], a.get("error.type"))] = dp.count
    assert by_peer == {(info["port"], None): N_OK, (info["dead"], "ECONNREFUSED"): N_REFUSED}
    assert m["genesis.network.io"].sum.is_monotonic
    assert m["genesis.sdk.queue.depth"].WhichOneof("data") == "gauge"
    assert m["genesis.sdk.operations"].sum.data_points[0].as_int >= N_OK + N_REFUSED


def test_dead_collector_changes_nothing(tmp_path):
    info, rc, out, err, elapsed = run_prog(tmp_path, f"http://127.0.0.1:{free_port()}",
                                           {"OTEL_METRIC_EXPORT_INTERVAL": "200", "GENESIS_EXIT_FLUSH_MS": "500"},
                                           stay=0.7)
    assert rc == 0 and out == b"done\n"
    lines = err.decode().splitlines()
    assert all(ln.startswith("genesis: ") for ln in lines) and len(lines) <= 2, lines
    assert elapsed < 3, f"exit took {elapsed:.2f}s"


def test_counts_under_load_with_concurrent_scrapes(tmp_path, view):
    """16 threads x 2000 refused connects while the endpoint is scraped in a loop: the final push
    accounts for every connect (histogram count + operations lost to a full queue)."""
    port, jsonl = view
    prom_port = free_port()
    env = clean_env({"OTEL_METRICS_EXPORTER": "otlp,prometheus", "OTEL_TRACES_EXPORTER": "none",
                     "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}",
                     "OTEL_EXPORTER_PROMETHEUS_PORT": str(prom_port), "GENESIS_EXIT_FLUSH_MS": "5000",
                     "LD_PRELOAD": str(LIB)})
    proc = subprocess.Popen([prog("threads_connect"), "16", "2000"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    scrapes, stop = [0], threading.Event()

    def scraper():
        while not stop.is_set():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{prom_port}/metrics", timeout=2) as r:
                    r.read()
                scrapes[0] += 1
            except OSError:
                time.sleep(0.005)

    t = threading.Thread(target=scraper)
    t.start()
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        stop.set()
        t.join()
    assert proc.returncode == 0 and err == b"", err
    assert out == b"threads=16 per_thread=2000 connects=32000 unexpected=0\n"
    pts = wait_points(jsonl, HIST, 1)
    assert len(pts) == 1, pts
    dropped = [p["value"] for p in points(jsonl, "genesis.sdk.spans.dropped")
               if p["attributes"]["reason"] == "queue_full"]
    ops = [p["value"] for p in points(jsonl, "genesis.sdk.operations")]
    assert pts[0]["count"] + dropped[0] == 32000, (pts[0]["count"], dropped)
    assert ops == [32000]
    assert pts[0]["attributes"]["error.type"] == "ECONNREFUSED"
