"""Process metrics (docs/metrics.md#process-metrics): process.cpu.time, process.memory.usage,
process.memory.virtual, process.thread.count, process.unix.file_descriptor.count,
process.context_switches, process.paging.faults and process.uptime, read from /proc/self at each
scrape or push.

A Python program under the library makes one socket call (so the exporter thread starts), then
on each line of stdin: opens 20 files, leaks 50 MB (touched), and so on. Checked on the
Prometheus endpoint: every family is present with sane values that agree with /proc/<pid> read
by the test; the descriptor count follows the 20 files; the resident size grows by the 50 MB
leak. On OTLP: the instruments' types, units, attributes and double values.
"""
import http.server
import json
import os
import re
import subprocess
import threading
import time

import otlp_pb
from conftest import LIB, PY, clean_env, free_port, wait_port
from test_prometheus import scrape, samples

PROG = r'''
import socket, sys
s = socket.socket()
try:
    s.connect(("127.0.0.1", 1))
except OSError:
    pass
print("ready", flush=True)
files, blobs = [], []
for line in sys.stdin:
    cmd = line.strip()
    if cmd == "files":
        files += [open("/dev/null") for _ in range(20)]
    elif cmd == "leak":
        b = bytearray(50 * 1024 * 1024)
        for i in range(0, len(b), 4096):
            b[i] = 1
        blobs.append(b)
    elif cmd == "burn":
        x = 0
        for i in range(3_000_000):
            x += i
    print(cmd, flush=True)
'''

FAMILIES = {
    "process_cpu_time_seconds_total", "process_memory_usage_bytes", "process_memory_virtual_bytes",
    "process_threads", "process_open_fds", "process_context_switches_total",
    "process_paging_faults_total", "process_uptime_seconds",
}


def start(tmp_path, env):
    script = tmp_path / "proc.py"
    script.write_text(PROG)
    e = clean_env({"LD_PRELOAD": str(LIB), "OTEL_TRACES_EXPORTER": "none", **env})
    p = subprocess.Popen([PY, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=e, text=True)
    assert p.stdout.readline().strip() == "ready"
    return p


def command(p, cmd):
    p.stdin.write(cmd + "\n")
    p.stdin.flush()
    assert p.stdout.readline().strip() == cmd


def process_samples(port):
    """{(family, frozenset(labels minus scope)): float} once the process families are served."""
    deadline = time.monotonic() + 10
    while True:
        _, text = scrape(port)
        got = {}
        for name, labels, value, _ in samples(text):
            if name.startswith("process_"):
                labels = {k: v for k, v in labels.items() if not k.startswith("otel_scope")}
                got[(name, frozenset(labels.items()))] = float(value)
        if {n for n, _ in got} >= FAMILIES or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def one(got, name, **labels):
    return got[(name, frozenset(labels.items()))]


def proc_status(pid, key):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key):
            return int(line.split()[1])
    raise KeyError(key)


def test_prometheus_families_sane_and_follow_the_process(tmp_path):
    port = free_port()
    p = start(tmp_path, {"OTEL_METRICS_EXPORTER": "prometheus", "OTEL_EXPORTER_PROMETHEUS_PORT": str(port)})
    try:
        command(p, "burn")
        got = process_samples(port)
        assert {n for n, _ in got} >= FAMILIES, sorted(got)
        rss, vsz = one(got, "process_memory_usage_bytes"), one(got, "process_memory_virtual_bytes")
        assert 2 << 20 < rss < vsz, (rss, vsz)
        assert abs(rss - proc_status(p.pid, "VmRSS:") * 1024) < 8 << 20
        assert one(got, "process_threads") >= 2                   # main + genesis-export
        fds = one(got, "process_open_fds")
        assert abs(fds - len(os.listdir(f"/proc/{p.pid}/fd"))) <= 2, fds
        user = one(got, "process_cpu_time_seconds_total", cpu_mode="user")
        system = one(got, "process_cpu_time_seconds_total", cpu_mode="system")
        up = one(got, "process_uptime_seconds")
        assert 0 < up < 60 and user > 0.05 and user + system <= up * os.cpu_count() + 0.1, (user, system, up)
        assert one(got, "process_context_switches_total", process_context_switch_type="voluntary") > 0
        assert one(got, "process_context_switches_total", process_context_switch_type="involuntary") >= 0
        assert one(got, "process_paging_faults_total", system_paging_fault_type="minor") > 100
        assert one(got, "process_paging_faults_total", system_paging_fault_type="major") >= 0

        command(p, "files")
        got2 = process_samples(port)
        assert one(got2, "process_open_fds") == fds + 20
        command(p, "leak")
        got3 = process_samples(port)
        grown = one(got3, "process_memory_usage_bytes") - one(got2, "process_memory_usage_bytes")
        assert grown > 45 << 20, grown
        assert one(got3, "process_memory_virtual_bytes") - one(got2, "process_memory_virtual_bytes") > 45 << 20
        assert one(got3, "process_uptime_seconds") > up
        assert one(got3, "process_paging_faults_total", system_paging_fault_type="minor") > \
            one(got, "process_paging_faults_total", system_paging_fault_type="minor") + 10000
    finally:
        p.stdin.close()
        p.wait(10)
    assert p.returncode == 0, p.stderr.read()


def test_otlp_instruments(tmp_path):
    bodies, lock = [], threading.Lock()

    class H(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            data = self.rfile.read(int(self.headers["Content-Length"]))
            if self.path == "/v1/metrics":
                with lock:
                    bodies.append(data)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        p = start(tmp_path, {"OTEL_METRICS_EXPORTER": "otlp", "OTEL_METRIC_EXPORT_INTERVAL": "200",
                             "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{srv.server_address[1]}"})
        command(p, "leak")
        time.sleep(0.6)
        p.stdin.close()
        assert p.wait(10) == 0
    finally:
        srv.shutdown()
    points = [d for b in bodies for d in otlp_pb.metric_point_dicts(otlp_pb.decode_metrics(b))]
    last = {}
    for d in points:
        if d["name"].startswith("process."):
            last[(d["name"], tuple(sorted(d["attributes"].items())))] = d
    want = [
        ("process.cpu.time", "s", "sum", True, "cpu.mode", {"user", "system"}),
        ("process.memory.usage", "By", "sum", False, None, None),
        ("process.memory.virtual", "By", "sum", False, None, None),
        ("process.thread.count", "{thread}", "sum", False, None, None),
        ("process.unix.file_descriptor.count", "{file_descriptor}", "sum", False, None, None),
        ("process.context_switches", "{context_switch}", "sum", True, "process.context_switch.type",
         {"voluntary", "involuntary"}),
        ("process.paging.faults", "{fault}", "sum", True, "system.paging.fault.type", {"major", "minor"}),
        ("process.uptime", "s", "gauge", None, None, None),
    ]
    for name, unit, typ, mono, key, values in want:
        pts = [d for (n, _), d in last.items() if n == name]
        assert pts, f"{name} missing: {sorted(last)}"
        for d in pts:
            assert d["unit"] == unit and d["type"] == typ, d
            if typ == "sum":
                assert d["is_monotonic"] == mono and d["aggregation_temporality"] == "CUMULATIVE", d
        if key:
            assert {d["attributes"][key] for d in pts} == values, pts
    cpu = [d["value"] for (n, _), d in last.items() if n == "process.cpu.time"]
    assert all(isinstance(v, float) for v in cpu) and sum(cpu) > 0, cpu
    up = last[("process.uptime", ())]["value"]
    assert isinstance(up, float) and 0 < up < 60, up
    # the exit push comes after Python freed the blob: the largest value pushed saw it
    assert max(d["value"] for d in points if d["name"] == "process.memory.usage") > 50 << 20


def test_view_summary_line(tmp_path):
    """genesis-view prints one `process [service] memory=... ` line per pushed resource."""
    out, err = tmp_path / "view.out", tmp_path / "view.err"
    with open(out, "wb") as o, open(err, "wb") as e:
        view = subprocess.Popen([f"{otlp_pb.BUILD}/genesis-view", "--port", "0"], stdout=o, stderr=e)
    try:
        deadline = time.monotonic() + 5
        while not (m := re.search(r"listening on http://127\.0\.0\.1:(\d+)", err.read_text())):
            assert time.monotonic() < deadline and view.poll() is None, err.read_text()
            time.sleep(0.01)
        p = start(tmp_path, {"OTEL_METRICS_EXPORTER": "otlp", "OTEL_SERVICE_NAME": "proc-svc",
                             "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{m.group(1)}"})
        command(p, "leak")
        p.stdin.close()
        assert p.wait(10) == 0
        deadline = time.monotonic() + 5
        line = re.compile(r"^process \[proc-svc\] memory=[\d.]+MiB virtual=[\d.]+MiB threads=\d+ fds=\d+ "
                          r"cpu=[\d.]+s\(user\)\+[\d.]+s\(system\) uptime=[\d.]+s$", re.M)
        while not line.search(out.read_text()):
            assert time.monotonic() < deadline, out.read_text()
            time.sleep(0.05)
    finally:
        view.terminate()
        view.wait(5)


FAMILY = r'''
import os, socket, sys, time
pids = []
for i in range(2):
    pid = os.fork()
    if pid == 0:
        s = socket.socket()
        try:
            s.connect(("127.0.0.1", 1))
        except OSError:
            pass
        x = 0
        for j in range(2_000_000):
            x += j
        time.sleep(float(sys.argv[1]))
        os._exit(0)
    pids.append(pid)
s = socket.socket()
try:
    s.connect(("127.0.0.1", 1))
except OSError:
    pass
print("ready", flush=True)
sys.stdin.readline()
for p in pids:
    os.waitpid(p, 0)
'''


def test_fork_family_sums_and_names(tmp_path):
    """A forking process with Prometheus (one endpoint for the family, docs/metrics.md#forking-
    servers): the process families keep their names and their double values in the sums."""
    port = free_port()
    script = tmp_path / "family.py"
    script.write_text(FAMILY)
    e = clean_env({"LD_PRELOAD": str(LIB), "OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "prometheus",
                   "OTEL_EXPORTER_PROMETHEUS_PORT": str(port)})
    p = subprocess.Popen([PY, str(script), "3"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=e, text=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        # The endpoint is opened by the exporter thread, which the first record starts: it may
        # still be on its way when the script says it is ready.
        assert wait_port(port, p)
        deadline = time.monotonic() + 10
        while True:
            got = process_samples(port)
            cpu = sum(v for (n, _), v in got.items() if n == "process_cpu_time_seconds_total")
            if cpu > 0.1 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert {n for n, _ in got} >= FAMILIES, sorted(got)
        assert cpu > 0.1, got                       # the children's loops, summed as doubles
        assert one(got, "process_threads") >= 2
        _, text = scrape(port)
        assert "process_thread_count" not in text and "file_descriptor_count" not in text
    finally:
        p.stdin.close()
        p.wait(20)
    assert p.returncode == 0, p.stderr.read()


def test_console_metrics_exporter_prints_double_values(tmp_path):
    out = tmp_path / "console.jsonl"
    p = start(tmp_path, {"OTEL_METRICS_EXPORTER": "console", "GENESIS_CONSOLE_FILE": str(out)})
    command(p, "burn")
    p.stdin.close()
    assert p.wait(10) == 0
    pts = [json.loads(line) for line in out.read_bytes().splitlines()]
    cpu = [x for x in pts if x.get("type") == "metric" and x["name"] == "process.cpu.time"]
    assert {x["attributes"]["cpu.mode"] for x in cpu} == {"user", "system"}, cpu
    assert all(isinstance(x["value"], float) for x in cpu) and sum(x["value"] for x in cpu) > 0.05, cpu
    up = [x for x in pts if x.get("type") == "metric" and x["name"] == "process.uptime"]
    assert up and 0 < up[-1]["value"] < 60, up
