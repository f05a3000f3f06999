"""genesis-view: OTLP/HTTP receiver round trip, waterfall text, fault options, robustness.

Requests are built with the generated Python protobuf modules (otlp_pb), POSTed with urllib /
http.client / raw sockets to a genesis-view on 127.0.0.1 (port 0 = a free port, read back from
its stderr), and checked against the JSONL file it writes.
"""

import gzip
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

import otlp_pb

VIEW = os.path.join(otlp_pb.BUILD, "genesis-view")
PB = "application/x-protobuf"

TRACE_A = bytes.fromhex("0af7651916cd43dd8448eb211c80319c")
TRACE_B = bytes.fromhex("4bf92f3577b34da6a3ce929d0e0e4736")
ROOT, CHILD, GRANDCHILD, SIBLING = (bytes.fromhex(h) for h in (
    "b7ad6b7169203331", "00f067aa0ba902b7", "53995c3f42cd8ad8", "e457b5a2e4d86bd1"))
T0 = 1_700_000_000_123_456_789


# ---- server fixture ---------------------------------------------------------------------------

class View:
    def __init__(self, tmp_path, args):
        self.jsonl = tmp_path / "view.jsonl"
        self.count_file = tmp_path / "count.json"
        self.stdout_path = tmp_path / "stdout.txt"
        self.stderr_path = tmp_path / "stderr.txt"
        cmd = [VIEW, "--host", "127.0.0.1", "--port", "0", "--jsonl", str(self.jsonl),
               "--count-file", str(self.count_file), *args]
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        self.port = self._wait_port()

    def _wait_port(self):
        deadline = time.time() + 5
        while time.time() < deadline:
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", self.stderr_path.read_text())
            if m:
                return int(m.group(1))
            assert self.proc.poll() is None, self.stderr_path.read_text()
            time.sleep(0.01)
        raise AssertionError("genesis-view did not start")

    def post(self, path, body, ctype=PB, compress=False, timeout=5, headers=None):
        """(status, headers, body) of one POST; HTTP errors are returned, not raised."""
        hdrs = {"Content-Type": ctype, **(headers or {})}
        if compress:
            body = gzip.compress(body)
            hdrs["Content-Encoding"] = "gzip"
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=body, headers=hdrs,
                                     method="POST")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def records(self, n, timeout=5):
        deadline = time.time() + timeout
        while True:
            recs = otlp_pb.read_jsonl(self.jsonl)
            if len(recs) >= n or time.time() > deadline:
                return recs
            time.sleep(0.02)

    def text(self):
        return self.stdout_path.read_text(errors="replace")

    def wait_text(self, needle, timeout=5):
        deadline = time.time() + timeout
        while needle not in self.text():
            assert time.time() < deadline, f"{needle!r} not in stdout:\n{self.text()}"
            time.sleep(0.02)
        return self.text()

    def counts(self):
        return json.loads(self.count_file.read_text())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise


@pytest.fixture
def start_view(tmp_path):
    views = []

    def start(*args):
        d = tmp_path / f"v{len(views)}"
        d.mkdir()
        views.append(View(d, args))
        return views[-1]

    yield start
    for v in views:
        assert v.stop() == 0, v.stderr_path.read_text()


# ---- requests ---------------------------------------------------------------------------------

EVERY_TYPE = {
    "s": "text with \"quotes\", \\ and \u00e9\u4e2d", "empty": "", "i": -42, "big": 2**62 + 1,
    "d": 0.1, "d_int": 3.0, "neg": -1.5e-300, "t": True, "f": False,
    "arr": ["a", 1, 2.5, False, ["nested"]], "kv": {"inner": 7, "deeper": {"x": "y"}},
    "raw": b"\x00\x01\xfe\xff", "nan": float("nan"), "inf": float("-inf"),
}


def resource(service):
    return otlp_pb.resource_pb2.Resource(attributes=[
        otlp_pb.kv("service.name", service), otlp_pb.kv("process.pid", 4242),
        otlp_pb.kv("host.arch", "amd64"), otlp_pb.kv("sampled", True), otlp_pb.kv("ratio", 0.25)])


def span(trace, sid, parent, name, kind, start_ms, dur_ms, **kw):
    s = otlp_pb.trace_pb2.Span(trace_id=trace, span_id=sid, parent_span_id=parent, name=name, kind=kind,
                               start_time_unix_nano=T0 + start_ms * 1_000_000,
                               end_time_unix_nano=T0 + (start_ms + dur_ms) * 1_000_000, **kw)
    return s


def trace_request(trace=TRACE_A, service="view-test"):
    Span, Status = otlp_pb.trace_pb2.Span, otlp_pb.trace_pb2.Status
    root = span(trace, ROOT, b"", "GET /users", Span.SPAN_KIND_SERVER, 0, 20, flags=0x301,
                trace_state="congo=t61rcWkgMzE",
                attributes=[otlp_pb.kv("http.request.method", "GET"), otlp_pb.kv("url.path", "/users"),
                            otlp_pb.kv("http.response.status_code", 200)])
    root.parent_span_id = bytes.fromhex("1111111111111111")  # remote parent, not received
    child = span(trace, CHILD, ROOT, "SELECT shop.users", Span.SPAN_KIND_CLIENT, 2, 10, flags=0x101,
                 attributes=[otlp_pb.kv(k, v) for k, v in EVERY_TYPE.items()],
                 dropped_attributes_count=2, dropped_events_count=1, dropped_links_count=3)
    child.events.add(time_unix_nano=T0 + 3_000_000, name="retry", attributes=[otlp_pb.kv("attempt", 2)],
                     dropped_attributes_count=1)
    child.links.add(trace_id=TRACE_B, span_id=SIBLING, trace_state="a=b", flags=0x1,
                    attributes=[otlp_pb.kv("link.kind", "follows")], dropped_attributes_count=4)
    grand = span(trace, GRANDCHILD, CHILD, "connect 127.0.0.1:3306", Span.SPAN_KIND_INTERNAL, 3, 1,
                 status=Status(code=Status.STATUS_CODE_ERROR, message="connection refused"),
                 attributes=[otlp_pb.kv("error.type", "ECONNREFUSED")])
    sibling = span(trace, SIBLING, ROOT, "render", Span.SPAN_KIND_INTERNAL, 14, 5,
                   status=Status(code=Status.STATUS_CODE_OK))
    req = otlp_pb.ExportTraceServiceRequest()
    rs = req.resource_spans.add(resource=resource(service), schema_url="https://opentelemetry.io/schemas/1.26.0")
    ss = rs.scope_spans.add(schema_url="https://example/scope")
    ss.scope.name, ss.scope.version = "genesis-auto", "0.1.0"
    ss.scope.attributes.append(otlp_pb.kv("scope.attr", 1))
    ss.spans.extend([sibling, grand, root, child])  # arrival order must not matter
    return req


def metrics_request():
    m = otlp_pb.metrics_pb2
    req = otlp_pb.ExportMetricsServiceRequest()
    rm = req.resource_metrics.add(resource=resource("metric-svc"))
    sm = rm.scope_metrics.add()
    sm.scope.name = "genesis-auto"
    h = sm.metrics.add(name="http.server.request.duration", unit="s", description="Duration")
    h.histogram.aggregation_temporality = m.AGGREGATION_TEMPORALITY_CUMULATIVE
    p = h.histogram.data_points.add(start_time_unix_nano=T0, time_unix_nano=T0 + 10**9, count=6, sum=1.75,
                                    min=0.002, max=0.9, bucket_counts=[1, 2, 0, 3],
                                    explicit_bounds=[0.005, 0.1, 0.5], flags=0,
                                    attributes=[otlp_pb.kv("http.request.method", "GET"),
                                                otlp_pb.kv("http.response.status_code", 200)])
    p.exemplars.add(time_unix_nano=T0 + 5, as_double=0.9, trace_id=TRACE_A, span_id=ROOT,
                    filtered_attributes=[otlp_pb.kv("user", "u1")])
    # sum present but 0.0, min/max absent: presence must survive
    h.histogram.data_points.add(time_unix_nano=T0 + 10**9, count=0, sum=0.0, bucket_counts=[0, 0, 0, 0],
                                explicit_bounds=[0.005, 0.1, 0.5])
    g = sm.metrics.add(name="queue.depth", unit="{item}")
    g.gauge.data_points.add(time_unix_nano=T0, as_int=-7, exemplars=[m.Exemplar(as_int=3)])
    s = sm.metrics.add(name="bytes.sent", unit="By")
    s.sum.aggregation_temporality = m.AGGREGATION_TEMPORALITY_DELTA
    s.sum.is_monotonic = True
    s.sum.data_points.add(time_unix_nano=T0, as_double=1e21, flags=1)
    e = sm.metrics.add(name="latency.exp", unit="ms")
    e.exponential_histogram.aggregation_temporality = m.AGGREGATION_TEMPORALITY_DELTA
    ep = e.exponential_histogram.data_points.add(time_unix_nano=T0, count=5, sum=12.5, scale=-2, zero_count=1,
                                                 zero_threshold=1e-9, max=8.0)
    ep.positive.offset, ep.negative.offset = -3, 2
    ep.positive.bucket_counts.extend([1, 2, 1])
    q = sm.metrics.add(name="rpc.summary", unit="s")
    qp = q.summary.data_points.add(time_unix_nano=T0, count=10, sum=4.5)
    qp.quantile_values.add(quantile=0.5, value=0.4)
    qp.quantile_values.add(quantile=1.0, value=0.9)
    return req


def logs_request():
    req = otlp_pb.ExportLogsServiceRequest()
    rl = req.resource_logs.add(resource=resource("log-svc"))
    sl = rl.scope_logs.add()
    sl.scope.name = "genesis-auto"
    sl.log_records.add(time_unix_nano=T0, observed_time_unix_nano=T0 + 1, severity_number=9,
                       severity_text="INFO", body=otlp_pb.make_any("hello\nworld"), flags=1,
                       trace_id=TRACE_A, span_id=ROOT, attributes=[otlp_pb.kv("k", [1, "two"])])
    sl.log_records.add(severity_number=17, body=otlp_pb.make_any({"msg": "structured", "n": 3}),
                       event_name="app.crash")
    sl.log_records.add()  # everything empty
    return req


# ---- round trips --------------------------------------------------------------------------------

def check_ok(status, headers, body, response_cls):
    assert status == 200
    assert headers["Content-Type"] == PB
    resp = response_cls()
    resp.ParseFromString(body)
    assert not resp.HasField("partial_success")


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_traces_round_trip(start_view, compress):
    v = start_view()
    req = trace_request()
    check_ok(*v.post("/v1/traces", req.SerializeToString(), compress=compress),
             otlp_pb.ExportTraceServiceResponse)
    recs = v.records(4)
    assert recs == otlp_pb.span_dicts(req)
    by_name = {r["name"]: r for r in recs}
    child = by_name["SELECT shop.users"]
    assert child["trace_id"] == TRACE_A.hex() and child["span_id"] == CHILD.hex()
    assert child["parent_span_id"] == ROOT.hex() and child["kind"] == "CLIENT"
    assert child["start_time_unix_nano"] == T0 + 2_000_000
    a = child["attributes"]
    assert a["s"] == EVERY_TYPE["s"] and a["big"] == 2**62 + 1 and type(a["big"]) is int
    assert a["d"] == 0.1 and type(a["d_int"]) is float and a["neg"] == -1.5e-300
    assert a["t"] is True and a["f"] is False and a["arr"] == ["a", 1, 2.5, False, ["nested"]]
    assert a["kv"] == {"inner": 7, "deeper": {"x": "y"}} and a["raw"] == "AAH+/w=="
    assert a["nan"] == "NaN" and a["inf"] == "-Infinity"
    assert child["events"][0]["attributes"] == {"attempt": 2} and child["links"][0]["span_id"] == SIBLING.hex()
    root = by_name["GET /users"]
    assert root["parent_remote"] is True and root["trace_flags"] == "01" and root["flags"] == 0x301
    assert root["resource"]["service.name"] == "view-test" and root["resource"]["process.pid"] == 4242
    assert root["scope"] == {"name": "genesis-auto", "version": "0.1.0", "attributes": {"scope.attr": 1},
                             "schema_url": "https://example/scope"}
    assert by_name["connect 127.0.0.1:3306"]["status"] == {"code": "ERROR", "message": "connection refused"}
    assert v.counts()["spans"] == 4 and v.counts()["accepted"] == 1


def test_metrics_round_trip(start_view):
    v = start_view()
    req = metrics_request()
    check_ok(*v.post("/v1/metrics", req.SerializeToString()), otlp_pb.ExportMetricsServiceResponse)
    recs = v.records(6)
    assert recs == otlp_pb.metric_point_dicts(req)
    h = recs[0]
    assert (h["signal"], h["name"], h["unit"], h["type"]) == ("metric", "http.server.request.duration", "s",
                                                               "histogram")
    assert h["attributes"] == {"http.request.method": "GET", "http.response.status_code": 200}
    assert (h["count"], h["sum"], h["min"], h["max"]) == (6, 1.75, 0.002, 0.9)
    assert h["bucket_counts"] == [1, 2, 0, 3] and h["explicit_bounds"] == [0.005, 0.1, 0.5]
    assert h["exemplars"][0]["value"] == 0.9 and h["exemplars"][0]["trace_id"] == TRACE_A.hex()
    assert h["aggregation_temporality"] == "CUMULATIVE"
    assert recs[1]["sum"] == 0.0 and "min" not in recs[1] and "max" not in recs[1]
    assert recs[2]["value"] == -7 and type(recs[2]["value"]) is int
    assert recs[3]["value"] == 1e21 and recs[3]["is_monotonic"] is True
    text = v.wait_text("metric http.server.request.duration [s] histogram CUMULATIVE (metric-svc)")
    assert "count=6 sum=1.75 min=0.002 max=0.9 buckets=[1,2,0,3] bounds=[0.005,0.1,0.5]" in text


def test_logs_round_trip(start_view):
    v = start_view()
    req = logs_request()
    check_ok(*v.post("/v1/logs", req.SerializeToString(), compress=True), otlp_pb.ExportLogsServiceResponse)
    recs = v.records(3)
    assert recs == otlp_pb.log_dicts(req)
    assert recs[0]["body"] == "hello\nworld" and recs[0]["span_id"] == ROOT.hex()
    assert recs[1]["body"] == {"msg": "structured", "n": 3} and recs[2]["body"] is None
    # no trace id: printed as it arrives; the first record waits for its trace (test_view_logs.py)
    v.wait_text('log [log-svc] sev=17 {"msg":"structured","n":3}')


# ---- waterfall ----------------------------------------------------------------------------------

def name_column(line, name):
    """Column of a span name after the 22-char timeline bar."""
    assert line.startswith("[") and line[21:23] == "] ", line
    return line.index(name, 23)


def test_waterfall_indents_children(start_view):
    v = start_view("--settle-ms", "100")
    v.post("/v1/traces", trace_request().SerializeToString())
    text = v.wait_text(f"trace {TRACE_A.hex()}")
    time.sleep(0.1)
    text = v.text()
    block = text[text.index(f"trace {TRACE_A.hex()}"):].split("\n\n")[0].splitlines()
    assert re.match(rf"trace {TRACE_A.hex()}  4 spans  20\.000 ms  1 error$", block[0])
    names = ["GET /users", "SELECT shop.users", "connect 127.0.0.1:3306", "render"]
    lines = {n: next(line for line in block[1:] if f" {n} [" in line) for n in names}
    assert [block.index(lines[n]) for n in names] == [1, 2, 3, 4]  # parents first, start order
    col = {n: name_column(lines[n], n) for n in names}
    assert col["SELECT shop.users"] == col["GET /users"] + 2
    assert col["connect 127.0.0.1:3306"] == col["SELECT shop.users"] + 2
    assert col["render"] == col["GET /users"] + 2
    assert "[view-test] SERVER 20.000 ms (remote parent 1111111111111111)" in lines["GET /users"]
    assert "http.request.method=GET url.path=/users http.response.status_code=200" in lines["GET /users"]
    assert "INTERNAL 1.000 ms ERROR: connection refused  error.type=ECONNREFUSED" in lines["connect 127.0.0.1:3306"]
    assert "ERROR" not in lines["render"]
    assert lines["GET /users"].startswith("[====================] ")


def test_sigterm_prints_pending_traces(start_view):
    v = start_view("--settle-ms", "60000")
    v.post("/v1/traces", trace_request(TRACE_B, "late-svc").SerializeToString())
    v.records(4)
    assert "trace " not in v.text()
    assert v.stop() == 0
    assert f"trace {TRACE_B.hex()}  4 spans" in v.text() and "[late-svc]" in v.text()


def test_waterfall_survives_odd_parent_graphs(start_view):
    v = start_view("--settle-ms", "50")
    Span = otlp_pb.trace_pb2.Span
    ids = [bytes([i]) * 8 for i in range(1, 5)]
    odd = [span(TRACE_B, ids[0], ids[1], "cycle-a", 1, 0, 1), span(TRACE_B, ids[1], ids[0], "cycle-b", 1, 1, 1),
           span(TRACE_B, ids[2], ids[2], "self-parent", 1, 2, 1),
           span(b"\x01\x02\x03", ids[3], b"\x09", "short-ids", 9, 3, 0)]
    chain = [span(TRACE_A, (i + 1).to_bytes(8, "big"), i.to_bytes(8, "big") if i else b"", f"level-{i}",
                  Span.SPAN_KIND_INTERNAL, i, 1) for i in range(3000)]
    req = otlp_pb.ExportTraceServiceRequest()
    req.resource_spans.add().scope_spans.add().spans.extend(odd + chain)
    assert v.post("/v1/traces", req.SerializeToString())[0] == 200
    text = v.wait_text("trace 01020300000000000000000000000000  1 span")
    # trace A is printed last (its 3000 lines may still be being written): wait for its end
    text = v.wait_text(f"trace {TRACE_A.hex()}  3000 spans")
    text = v.wait_text(" level-2999 [?] INTERNAL 1.000 ms\n")
    for name in ("cycle-a", "cycle-b", "self-parent", "short-ids", "level-0", "level-2999"):
        assert text.count(f" {name} [?] ") == 1, name
    assert "short-ids [?] KIND? 0.000 ms (missing parent 0900000000000000)" in text
    deep = next(line for line in text.splitlines() if " level-2999 [" in line)
    assert name_column(deep, "level-2999") == 23 + 2 * 32  # indentation is capped


# ---- answers and faults -------------------------------------------------------------------------

def test_error_answers_and_server_keeps_serving(start_view):
    v = start_view()
    status, headers, body = v.post("/v1/traces", b"\xff\xff\xff garbage \x00")
    assert status == 400 and headers["Content-Type"] == PB
    assert "ExportTraceServiceRequest" in otlp_pb.decode_status(body).message
    assert v.post("/v1/metrics", b"\x0a\x05abc")[0] == 400           # truncated field
    assert v.post("/v1/traces", b"not gzip", headers={"Content-Encoding": "gzip"})[0] == 400
    assert v.post("/v1/traces", b"{}", ctype="application/json")[0] == 415
    assert v.post("/v1/traces", b"", headers={"Content-Encoding": "br"})[0] == 415
    assert v.post("/v1/other", b"")[0] == 404
    status, headers, _ = _get(v.port, "/v1/traces")
    assert status == 405 and headers["Allow"] == "POST"
    assert v.post("/v1/traces", b"")[0] == 200                         # empty request = success
    check_ok(*v.post("/v1/traces", trace_request().SerializeToString()), otlp_pb.ExportTraceServiceResponse)
    assert len(v.records(4)) == 4
    c = v.counts()
    assert c["trace_requests"] == 6 and c["failed"] == 5 and c["accepted"] == 2 and c["requests"] == 9


def _get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", path)
    r = conn.getresponse()
    out = (r.status, r.headers, r.read())
    conn.close()
    return out


def raw_exchange(port, data, timeout=5):
    """Send raw bytes, return everything read until the server closes or goes quiet."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        s.settimeout(0.5)
        chunks = []
        try:
            while True:
                c = s.recv(65536)
                if not c:
                    break
                chunks.append(c)
        except (socket.timeout, ConnectionResetError):
            pass
        return b"".join(chunks)


def test_too_large_is_413(start_view):
    v = start_view()
    head = (b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
            b"Content-Length: %d\r\n\r\n" % (64 * 1024 * 1024 + 1))
    assert raw_exchange(v.port, head).startswith(b"HTTP/1.1 413 ")
    # a client that uploads the whole body first still reads the 413 (lingering close, no RST)
    assert v.post("/v1/traces", bytes(64 * 1024 * 1024 + 1), timeout=10)[0] == 413
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024 + 16))  # ~64 KiB that inflates past the cap
    assert v.post("/v1/traces", bomb, headers={"Content-Encoding": "gzip"})[0] == 413
    assert v.post("/v1/traces", b"")[0] == 200


def test_status_and_retry_after(start_view):
    v = start_view("--status", "503", "--retry-after", "7")
    status, headers, body = v.post("/v1/traces", trace_request().SerializeToString())
    assert status == 503 and headers["Retry-After"] == "7" and headers["Content-Type"] == PB
    assert otlp_pb.decode_status(body).code == 14
    assert v.post("/v1/metrics", metrics_request().SerializeToString())[0] == 503
    time.sleep(0.1)
    assert otlp_pb.read_jsonl(v.jsonl) == []
    assert v.counts()["failed"] == 2 and v.counts()["spans"] == 0


def test_sink_answers_without_decoding(start_view):
    v = start_view("--sink")
    body = trace_request().SerializeToString()
    check_ok(*v.post("/v1/traces", body), otlp_pb.ExportTraceServiceResponse)
    check_ok(*v.post("/v1/traces", b"\xff\xff not protobuf", compress=True), otlp_pb.ExportTraceServiceResponse)
    check_ok(*v.post("/v1/logs", logs_request().SerializeToString()), otlp_pb.ExportLogsServiceResponse)
    assert v.post("/v1/traces", body, ctype="application/json")[0] == 415
    c = v.counts()
    assert (c["trace_requests"], c["log_requests"], c["accepted"], c["spans"], c["log_records"]) == (3, 1, 3, 0, 0)
    assert c["bytes"] > len(body)
    time.sleep(0.1)
    assert otlp_pb.read_jsonl(v.jsonl) == []


def test_status_429(start_view):
    v = start_view("--status", "429")
    status, headers, _ = v.post("/v1/logs", logs_request().SerializeToString())
    assert status == 429 and "Retry-After" not in headers


def test_partial_success(start_view):
    v = start_view("--partial-success", "3:too many attributes")
    status, _, body = v.post("/v1/traces", trace_request().SerializeToString())
    resp = otlp_pb.ExportTraceServiceResponse.FromString(body)
    assert status == 200 and resp.partial_success.rejected_spans == 3
    assert resp.partial_success.error_message == "too many attributes"
    resp = otlp_pb.ExportMetricsServiceResponse.FromString(
        v.post("/v1/metrics", metrics_request().SerializeToString())[2])
    assert resp.partial_success.rejected_data_points == 3
    resp = otlp_pb.ExportLogsServiceResponse.FromString(v.post("/v1/logs", b"")[2])
    assert resp.partial_success.rejected_log_records == 3
    assert len(v.records(4 + 6)) == 10  # partial success still records


def test_delay(start_view):
    v = start_view("--delay-ms", "400")
    t = time.monotonic()
    assert v.post("/v1/traces", b"")[0] == 200
    assert time.monotonic() - t >= 0.38
    t = time.monotonic()
    assert v.post("/v1/other", b"")[0] == 404  # only exports are delayed
    assert time.monotonic() - t < 0.38


def test_blackhole(start_view):
    v = start_view("--blackhole")
    with pytest.raises((socket.timeout, TimeoutError, urllib.error.URLError)):
        v.post("/v1/traces", trace_request().SerializeToString(), timeout=0.5)
    assert v.proc.poll() is None and v.counts()["trace_requests"] == 1


def test_drop(start_view):
    v = start_view("--drop")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError, urllib.error.URLError)):
        v.post("/v1/traces", trace_request().SerializeToString())
    assert v.proc.poll() is None and v.counts()["trace_requests"] == 1


# ---- HTTP framing -------------------------------------------------------------------------------

def request_bytes(body, path="/v1/traces", extra=b""):
    return (b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n%s"
            b"Content-Length: %d\r\n\r\n" % (path.encode(), extra, len(body))) + body


def test_keep_alive_pipelining_chunked_and_continue(start_view):
    v = start_view()
    body = trace_request().SerializeToString()
    # two pipelined requests in one write, answered in order on one connection
    out = raw_exchange(v.port, request_bytes(body) + request_bytes(b"", "/nope"))
    assert out.startswith(b"HTTP/1.1 200 OK\r\n") and out.count(b"HTTP/1.1 ") == 2
    assert out.index(b"HTTP/1.1 404") > out.index(b"HTTP/1.1 200")
    # http.client keep-alive + chunked upload
    conn = http.client.HTTPConnection("127.0.0.1", v.port, timeout=5)
    for _ in range(2):
        conn.request("POST", "/v1/traces", body=iter([body[:10], body[10:]]),
                     headers={"Content-Type": PB}, encode_chunked=True)
        r = conn.getresponse()
        assert r.status == 200 and r.getheader("Connection") == "keep-alive"
        r.read()
    conn.close()
    # Expect: 100-continue
    with socket.create_connection(("127.0.0.1", v.port), timeout=5) as s:
        s.sendall(request_bytes(b"", extra=b"Expect: 100-continue\r\n").replace(
            b"Content-Length: 0", b"Content-Length: %d" % len(body)))
        assert s.recv(100).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        s.sendall(body)
        assert s.recv(4096).startswith(b"HTTP/1.1 200 OK")
    assert len(v.records(16)) == 16
    assert v.counts()["accepted"] == 4


def test_connection_close_and_http10(start_view):
    v = start_view()
    out = raw_exchange(v.port, request_bytes(b"", extra=b"Connection: close\r\n"))
    assert out.startswith(b"HTTP/1.1 200") and b"Connection: close" in out
    out = raw_exchange(v.port, request_bytes(b"").replace(b"HTTP/1.1", b"HTTP/1.0"))
    assert out.startswith(b"HTTP/1.1 200") and b"Connection: close" in out


# ---- robustness ---------------------------------------------------------------------------------

def test_fuzz_garbage_never_crashes(start_view):
    v = start_view("--settle-ms", "0")
    rnd = random.Random(1234)
    valid = [trace_request().SerializeToString(), metrics_request().SerializeToString(),
             logs_request().SerializeToString()]
    paths = ["/v1/traces", "/v1/metrics", "/v1/logs"]
    conn = http.client.HTTPConnection("127.0.0.1", v.port, timeout=5)
    for i in range(300):
        k = i % 3
        if i % 2:
            body = bytearray(valid[k])
            for _ in range(rnd.randint(1, 8)):
                body[rnd.randrange(len(body))] = rnd.randrange(256)
            body = bytes(body)
        else:
            body = rnd.randbytes(rnd.randint(0, 600))
        conn.request("POST", paths[rnd.randrange(3)], body=body, headers={"Content-Type": PB})
        r = conn.getresponse()
        r.read()
        assert r.status in (200, 400)
    conn.close()
    # raw garbage on the socket: HTTP-level errors, each on its own connection
    for i in range(60):
        junk = rnd.randbytes(rnd.randint(1, 3000))
        if i % 3 == 0:
            junk = b"POST /v1/traces HTTP/1.1\r\n" + junk
        raw_exchange(v.port, junk + b"\r\n\r\n", timeout=2)
    # 100k nested AnyValue arrays would overflow a recursive decoder's stack: answered 400
    assert v.post("/v1/logs", deep_logs_request(100_000))[0] == 400
    assert v.proc.poll() is None
    check_ok(*v.post("/v1/traces", valid[0]), otlp_pb.ExportTraceServiceResponse)


def _field(tag, payload):
    return bytes([tag]) + _varint(len(payload)) + payload


def deep_logs_request(depth):
    """Logs request whose attribute value nests `depth` AnyValue{array_value{values}} levels."""
    sizes = [0]  # sizes[i]: encoded AnyValue at nesting level i (innermost empty)
    for _ in range(depth):
        arr = 1 + len(_varint(sizes[-1])) + sizes[-1]
        sizes.append(1 + len(_varint(arr)) + arr)
    heads = []
    for i in range(depth, 0, -1):  # outermost first: AnyValue tag, ArrayValue tag
        arr = 1 + len(_varint(sizes[i - 1])) + sizes[i - 1]
        heads.append(b"\x2a" + _varint(arr) + b"\x0a" + _varint(sizes[i - 1]))
    kv = b"\x0a\x01k\x12" + _varint(sizes[depth]) + b"".join(heads)
    return _field(0x0A, _field(0x12, _field(0x12, _field(0x32, kv))))


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def test_help_and_bad_options():
    r = subprocess.run([VIEW, "--help"], capture_output=True, text=True, timeout=5)
    assert r.returncode == 0 and "--partial-success N:MSG" in r.stdout
    r = subprocess.run([VIEW, "--status", "abc"], capture_output=True, text=True, timeout=5)
    assert r.returncode == 2
