"""Local tail sampling (GENESIS_TAIL_SAMPLING, docs/sampling.md) on a two-process HTTP chain at 1 %
head sampling: a Python front (http.server) calls a Python backend for each request, both under
the library, exporting OTLP to a receiver in the test (decoded with otlp_pb). Of 1,000 requests
5 fail with 500 and 5 are slow: every one of those 10 traces arrives complete from both processes
(one trace id, the backend's server span the child of the front's client span); the successful
ones arrive at about 1 %, whole or not at all. A long request with many children and a small
GENESIS_TAIL_BUFFER keeps its memory bounded and counts the overflow (tests/progs/tail_burst.c)."""
import json
import random
import subprocess
import sys
import time
import http.client

import pytest

import otlp_pb
from conftest import LIB, clean_env, free_port, prog, wait_port
from test_otlp_support import receiver  # noqa: F401 (fixture)

SLOW_S = 0.35

BACKEND = r"""
import signal, sys, time
from http.server import HTTPServer, BaseHTTPRequestHandler
class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_GET(self):
        if self.path.startswith("/slow"):
            time.sleep(float(sys.argv[2]))
        code = 500 if self.path.startswith("/fail") else 200
        self.send_response(code)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))   # exit(): the library flushes
HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""

FRONT = r"""
import http.client, signal, sys
from http.server import HTTPServer, BaseHTTPRequestHandler
backend = int(sys.argv[2])
class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_GET(self):
        c = http.client.HTTPConnection("127.0.0.1", backend, timeout=10)
        c.request("GET", self.path)
        r = c.getresponse()
        body = r.read()
        c.close()
        self.send_response(r.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))   # exit(): the library flushes
HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""

def lib_env(tmp_path, service, endpoint, **extra):
    env = clean_env({"LD_PRELOAD": str(LIB), "OTEL_SERVICE_NAME": service,
                     "OTEL_TRACES_EXPORTER": "otlp,console", "OTEL_METRICS_EXPORTER": "otlp",
                     "GENESIS_CONSOLE_FILE": str(tmp_path / f"{service}-%p.jsonl"),
                     "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_BSP_SCHEDULE_DELAY": "200",
                     "OTEL_BSP_MAX_QUEUE_SIZE": "65536", "OTEL_METRIC_EXPORT_INTERVAL": "3600000",
                     "GENESIS_EXIT_FLUSH_MS": "5000",
                     "OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.01",
                     "GENESIS_TAIL_SAMPLING": "errors,slow", "GENESIS_TAIL_SLOW_MS": "250"})
    env.update(extra)
    return env


def start(tmp_path, name, code, args, env):
    script = tmp_path / f"{name}.py"
    script.write_text(code)
    port = free_port()
    log = open(tmp_path / f"{name}.log", "wb")
    p = subprocess.Popen([sys.executable, str(script), str(port), *map(str, args)], env=env,
                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    if not wait_port(port, p):
        p.kill()
        pytest.fail(f"{name} did not start: {(tmp_path / f'{name}.log').read_text()}")
    return p, port


def stop(p):
    """SIGTERM: the programs exit through exit(), so the library flushes what it holds."""
    p.terminate()
    try:
        p.wait(20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body


def spans_by_service(rcv):
    """{service.name: [span dict]} of every trace request the receiver got."""
    out = {}
    for req in rcv.requests:
        if req.path.endswith("/v1/traces"):
            for s in otlp_pb.span_dicts(req.traces()):
                out.setdefault(s["resource"]["service.name"], []).append(s)
    return out


def self_line(tmp_path, service):
    for f in tmp_path.glob(f"{service}-*.jsonl"):
        for line in f.read_text().splitlines():
            rec = json.loads(line)
            if rec.get("type") == "self":
                return rec
    pytest.fail(f"no self line for {service}")


def last_metric_points(rcv, service, name):
    pts = []
    for req in rcv.requests:
        if req.path.endswith("/v1/metrics"):
            for p in otlp_pb.metric_point_dicts(otlp_pb.decode_metrics(req.body)):
                if p["name"] == name and p["resource"]["service.name"] == service:
                    pts.append(p)
    last = {}
    for p in pts:
        key = json.dumps(p["attributes"], sort_keys=True)
        if key not in last or int(p["time_unix_nano"]) >= int(last[key]["time_unix_nano"]):
            last[key] = p
    return list(last.values())


def test_errors_and_slow_requests_arrive_complete_from_both_processes(tmp_path, receiver):  # noqa: F811
    rcv = receiver()
    be, be_port = start(tmp_path, "backend", BACKEND, [SLOW_S], lib_env(tmp_path, "backend", rcv.url()))
    fe, fe_port = start(tmp_path, "front", FRONT, [be_port], lib_env(tmp_path, "front", rcv.url()))
    n = 1000
    rnd = random.Random(16)
    special = rnd.sample(range(n), 10)
    kinds = {i: ("fail" if k < 5 else "slow") for k, i in enumerate(special)}
    try:
        for i in range(n):
            kind = kinds.get(i, "ok")
            status, _ = get(fe_port, f"/{kind}?i={i}")
            assert status == (500 if kind == "fail" else 200), (i, kind, status)
        # The front's last server span ends when it closes that connection, which may come just
        # after the client has the response: let it close before SIGTERM, so it is not in flight
        # when the exit flush runs (its segment would then be neither kept nor discarded).
        time.sleep(0.5)
    finally:
        stop(fe)
        stop(be)
    got = spans_by_service(rcv)
    front, backend = got.get("front", []), got.get("backend", [])

    def request_of(s):
        return int(s["attributes"]["url.query"].split("=")[1])

    servers = {request_of(s): s for s in front if s["kind"] == "SERVER"}
    for i, kind in kinds.items():
        assert i in servers, f"request {i} ({kind}) has no front SERVER span; got {sorted(servers)}"
        root = servers[i]
        tid = root["trace_id"]
        assert "parent_span_id" not in root
        mine = [s for s in front if s["trace_id"] == tid]
        theirs = [s for s in backend if s["trace_id"] == tid]
        client = [s for s in mine if s["kind"] == "CLIENT" and s["attributes"].get("url.full", "").endswith(f"i={i}")]
        assert len(client) == 1 and client[0]["parent_span_id"] == root["span_id"], mine
        assert all(s.get("parent_span_id") == root["span_id"] for s in mine if s is not root), mine
        bserver = [s for s in theirs if s["kind"] == "SERVER"]
        assert len(bserver) == 1, theirs
        assert bserver[0]["parent_span_id"] == client[0]["span_id"] and bserver[0]["parent_remote"], bserver
        assert request_of(bserver[0]) == i
        for s in mine + theirs:
            if s["trace_flags"] == "00":    # kept by the tail sampler (not head-sampled at 1 %)
                assert s["attributes"]["genesis.sampling.tail"] == ("error" if kind == "fail" else "slow"), s
        if kind == "fail":
            assert root["status"]["code"] == "ERROR" and bserver[0]["status"]["code"] == "ERROR"
        else:
            assert int(root["end_time_unix_nano"]) - int(root["start_time_unix_nano"]) > SLOW_S * 1e9
    # the successful requests: head-sampled at 1 % (flags 01), whole; a few may be kept as slow
    # when the machine is so busy that a request took longer than GENESIS_TAIL_SLOW_MS
    ok = {i: s for i, s in servers.items() if i not in kinds}
    head = {i: s for i, s in ok.items() if s["trace_flags"] == "01"}
    assert 1 <= len(head) <= 35, f"{len(head)} successful traces head-sampled at 1 %"
    assert all("genesis.sampling.tail" not in s["attributes"] for s in head.values())
    for s in ok.values():
        if s["trace_flags"] == "00":
            assert s["attributes"]["genesis.sampling.tail"] == "slow", s
            assert int(s["end_time_unix_nano"]) - int(s["start_time_unix_nano"]) > 0.25e9, s
    bservers = [s for s in backend if s["kind"] == "SERVER"]
    btraces = {s["trace_id"] for s in bservers}
    assert {s["trace_id"] for s in head.values()} <= btraces
    assert btraces <= {s["trace_id"] for s in servers.values()}, "the backend kept a trace the front did not"
    # self-metrics: every head-dropped request was a segment, kept or discarded, none overflowed
    for svc, roots in (("front", list(servers.values())), ("backend", bservers)):
        me = self_line(tmp_path, svc)
        seg = me["tail_segments"]
        assert seg["kept"] == sum(1 for s in roots if s["trace_flags"] == "00"), (svc, me)
        assert seg["overflowed"] == 0, (svc, me)
        sampled = sum(1 for s in servers.values() if s["trace_flags"] == "01")   # specials too
        assert seg["kept"] + seg["discarded"] == n - sampled, (svc, me)
        pts = last_metric_points(rcv, svc, "genesis.sdk.tail.segments")
        by = {p["attributes"]["outcome"]: int(p["value"]) for p in pts}
        assert by == seg, (svc, by, seg)
        # metrics are unchanged: they count every request, sampled or not
        hist = last_metric_points(rcv, svc, "http.server.request.duration")
        assert sum(int(p["count"]) for p in hist) == n, hist


def test_small_buffer_bounds_memory_and_counts_the_overflow(tmp_path):
    """tests/progs/tail_burst: one HTTP request whose handler makes n Redis commands (n spans
    under one local root), head sampling off, once without tail sampling and once with a buffer
    of 64 spans: the same peak memory, the overflow counted, nothing exported."""
    n = 50000
    out = {}
    for buf in ("off", "64"):
        (tmp_path / buf).mkdir()
        env = lib_env(tmp_path / buf, "burst", "http://127.0.0.1:9", OTEL_TRACES_SAMPLER="always_off",
                      OTEL_METRICS_EXPORTER="none", OTEL_TRACES_EXPORTER="console",
                      GENESIS_QUEUE_SIZE="65536", GENESIS_TAIL_SLOW_MS="600000", GENESIS_TAIL_BUFFER="64",
                      GENESIS_EXIT_FLUSH_MS="20000",
                      GENESIS_TAIL_SAMPLING="off" if buf == "off" else "errors,slow")
        p = subprocess.run([prog("tail_burst"), str(n)], env=env, capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        out[buf] = dict(kv.split("=") for kv in p.stdout.split())
    print(out)
    me = self_line(tmp_path / "64", "burst")
    seg = me["tail_segments"]
    assert me["operations"] >= n and me["dropped_queue_full"] == 0, me
    assert seg["overflowed"] >= n // 64 - 1 and seg["kept"] == 0 and seg["discarded"] >= 1, me
    assert me["spans_exported"] == 0, me
    # the held spans are bounded by GENESIS_TAIL_BUFFER: no growth beyond the run without it
    assert int(out["64"]["vmhwm_kb"]) - int(out["off"]["vmhwm_kb"]) < 4096, out
