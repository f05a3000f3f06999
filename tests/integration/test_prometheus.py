"""The Prometheus endpoint (OTEL_METRICS_EXPORTER=prometheus) of a live process: a Python program
makes a known number of connects (successful and refused) and sends known byte counts under the
library, then stays alive while the test scrapes it with urllib in both formats.

Checks: connect counts per peer match what the program did; histogram buckets are cumulative and
end with +Inf == _count; `promtool check metrics` passes on the text 0.0.4 exposition (promtool
2.42 only parses that format: on OpenMetrics it fails on `info`, exemplars and `_total` samples
under a base-named family, so the OpenMetrics exposition is validated here line by line and by a
real Prometheus in test_prometheus_server.py); exemplars (OpenMetrics only) reference sampled
connect spans of the console output; bytes of closed and still-open sockets; the endpoint's
robustness (400, 404, slow and idle clients never stall it); port in use → one warning, no
endpoint, same program output.
"""
import json
import re
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from decimal import Decimal

import pytest

from conftest import LIB, PY, clean_env, free_port, tool

TEXT_CT = "text/plain; version=0.0.4; charset=utf-8"
OM_CT = "application/openmetrics-text; version=1.0.0; charset=utf-8"
OM_ACCEPT = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
HIST = "genesis_network_connect_duration_seconds"
N_OK, N_REFUSED, KEPT_EXTRA = 7, 4, 1000

# The program: N_OK connects to its own listener (100 bytes each way... sent by the client and
# read by the server side), N_REFUSED connects to a closed port, one connection kept open with
# KEPT_EXTRA more bytes (counted by the live fd-table scan), then it waits for stdin to close.
PROG = r'''
import json, os, socket, sys
n_ok, n_refused, extra = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(256)
port = srv.getsockname()[1]
dead = socket.socket(); dead.bind(("127.0.0.1", 0)); dead_port = dead.getsockname()[1]; dead.close()

def recv_all(s, n):
    got = 0
    while got < n:
        b = s.recv(n - got)
        if not b:
            break
        got += len(b)

kept = []
for i in range(n_ok):
    c = socket.create_connection(("127.0.0.1", port))
    c.sendall(b"x" * 100)
    a, _ = srv.accept()
    recv_all(a, 100)
    if i == 0:
        c.sendall(b"y" * extra)
        recv_all(a, extra)
        kept += [c, a]
    else:
        a.close(); c.close()
for i in range(n_refused):
    try:
        socket.create_connection(("127.0.0.1", dead_port))
    except ConnectionRefusedError:
        pass
print(json.dumps({"port": port, "dead": dead_port, "pid": os.getpid()}), flush=True)
sys.stdin.read()
print("done", flush=True)
'''


class Live:
    """The program running under the library until stop()."""

    def __init__(self, tmp_path, port, env=None, name="prog"):
        self.dir = tmp_path
        script = tmp_path / "connects.py"
        script.write_text(PROG)
        self.console = tmp_path / f"{name}-spans.jsonl"
        e = clean_env({"OTEL_METRICS_EXPORTER": "prometheus", "OTEL_EXPORTER_PROMETHEUS_PORT": str(port),
                       "GENESIS_CONSOLE_FILE": str(self.console), "LD_PRELOAD": str(LIB), **(env or {})})
        self.port = port
        self.stderr_path = tmp_path / f"{name}.err"
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen([PY, str(script), str(N_OK), str(N_REFUSED), str(KEPT_EXTRA)],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=e)
        self.result = None
        self.info = json.loads(self.proc.stdout.readline())

    def stop(self):
        """(exit code, stdout, stderr); idempotent."""
        if self.result is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            out = self.proc.stdout.read()
            self.proc.stdout.close()
            self.result = (self.proc.returncode, out, self.stderr_path.read_bytes())
        return self.result


@pytest.fixture
def live(tmp_path):
    progs = []

    def start(port=None, env=None, name="prog"):
        progs.append(Live(tmp_path, port or free_port(), env, name))
        return progs[-1]

    yield start
    for p in progs:
        p.stop()


def scrape(port, accept=None, path="/metrics", timeout=5):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.headers.get("Content-Type"), r.read().decode()


# ---- parsing expositions ----------------------------------------------------------------------

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( # \{(.*)\} (\S+) (\S+))?$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')


def labels_of(s):
    out, pos = {}, 0
    while pos < len(s):
        m = LABEL.match(s, pos)
        assert m, f"bad label list {s!r} at {pos}"
        out[m.group(1)] = m.group(2)
        pos = m.end()
    return out


def samples(text):
    """[(name, labels, value, exemplar or None)] of every sample line."""
    out = []
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        m = SAMPLE.match(line)
        assert m, f"unparsable sample line {line!r}"
        ex = None
        if m.group(5):
            ex = (labels_of(m.group(6)), m.group(7), m.group(8))
        out.append((m.group(1), labels_of(m.group(3) or ""), m.group(4), ex))
    return out


def histograms(smp, name):
    """{frozen labels without le: {"buckets": [(le, count, exemplar)], "count": n, "sum": x}}"""
    h = {}
    for n, lab, val, ex in smp:
        if not n.startswith(name + "_"):
            continue
        key = frozenset((k, v) for k, v in lab.items() if k != "le")
        e = h.setdefault(key, {"buckets": []})
        if n == name + "_bucket":
            e["buckets"].append((lab["le"], int(val), ex))
        elif n == name + "_count":
            e["count"] = int(val)
        elif n == name + "_sum":
            e["sum"] = float(val)
    return h


def check_histograms(h):
    """Cumulative buckets in increasing le order, ending with +Inf == _count."""
    assert h, "no histogram series"
    for key, e in h.items():
        les = [b[0] for b in e["buckets"]]
        assert les[-1] == "+Inf", f"{dict(key)}: no +Inf bucket (promtool would not notice): {les}"
        vals = [float(x) for x in les]
        assert vals == sorted(vals) and len(set(vals)) == len(vals), les
        counts = [b[1] for b in e["buckets"]]
        assert counts == sorted(counts), f"not cumulative: {counts}"
        assert counts[-1] == e["count"], (counts, e)
        assert "sum" in e


def connect_counts(h):
    """{(peer port, error type or None): count}"""
    return {(int(dict(k)["network_peer_port"]), dict(k).get("error_type")): e["count"] for k, e in h.items()}


def go_float(x):
    """Go strconv.FormatFloat(x, 'g', -1, 64) — what client_golang writes for `le`."""
    if x == float("inf"):
        return "+Inf"
    if x == 0:
        return "0"
    d = Decimal(repr(x)).normalize()
    digits = "".join(map(str, d.as_tuple().digits))
    exp = d.adjusted()
    if exp < -4 or exp >= 6:
        mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{'-' if x < 0 else ''}{mant}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    return f"{x:.{max(len(digits) - exp - 1, 0)}f}"


def om_canonical(x):
    s = go_float(x)
    return s if any(c in s for c in ".eI") else s + ".0"


def check_openmetrics(text):
    """Structural OpenMetrics 1.0 checks (SPECS §6.2) beyond what the sample regex parses."""
    assert text.endswith("# EOF\n") and text.count("# EOF") == 1, text[-200:]
    lines = text[:-len("# EOF\n")].split("\n")[:-1]
    assert all(lines), "empty line in OpenMetrics exposition"
    families, current, seen_meta = {}, None, set()
    for line in lines:
        if line.startswith("#"):
            m = re.match(r"^# (TYPE|UNIT|HELP) ([a-zA-Z_:][a-zA-Z0-9_:]*)(?: (.*))?$", line)
            assert m, f"comment other than TYPE/UNIT/HELP: {line!r}"
            kind, name, rest = m.groups()
            if kind == "TYPE":
                assert name not in families, f"family {name} twice"
                assert rest in ("gauge", "counter", "histogram", "info", "summary", "unknown", "stateset",
                                "gaugehistogram"), line
                families[name] = rest
                current = name
            else:
                assert name == current and (name, kind) not in seen_meta, f"{line!r} outside its family"
                if kind == "UNIT":
                    assert name.endswith("_" + rest), line
            seen_meta.add((name, kind))
            continue
        name = SAMPLE.match(line).group(1)
        allowed = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum", "_created"),
                   "info": ("_info",), "gauge": ("",)}[families[current]]
        assert any(name == current + suf for suf in allowed), f"sample {name} in family {current}"
    assert families.get("target") == "info", families
    for name, lab, val, ex in samples(text):
        if "le" in lab and lab["le"] != "+Inf":
            assert lab["le"] == om_canonical(float(lab["le"])), f"le={lab['le']} is not canonical"
        if ex is not None:
            exl, exv, ext = ex
            assert set(exl) == {"trace_id", "span_id"}, exl
            assert re.fullmatch(r"[0-9a-f]{32}", exl["trace_id"]) and re.fullmatch(r"[0-9a-f]{16}", exl["span_id"])
            assert sum(len(k) + len(v) for k, v in exl.items()) <= 128
            assert name.endswith("_bucket"), name
            assert float(exv) <= float(lab["le"]), (exv, lab["le"])
            assert re.fullmatch(r"\d+\.\d{3}", ext), ext


def wait_scrape(port, want, accept=None, timeout=10):
    """Scrape until want(text) holds (records reach the exporter within ~100 ms)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            ct, text = scrape(port, accept)
            last = text
            if want(text):
                return ct, text
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.05)
    raise AssertionError(f"endpoint on {port} never showed the expected data; last scrape:\n{last}")


def all_counted(p):
    def want(text):
        try:
            h = histograms(samples(text), HIST)
            return connect_counts(h) == {(p.info["port"], None): N_OK, (p.info["dead"], "ECONNREFUSED"): N_REFUSED}
        except (AssertionError, KeyError):
            return False
    return want


# ---- tests --------------------------------------------------------------------------------------

def test_text_format(live, tmp_path):
    p = live()
    ct, text = wait_scrape(p.port, all_counted(p))
    assert ct == TEXT_CT
    smp = samples(text)
    h = histograms(smp, HIST)
    check_histograms(h)
    assert " # {" not in text and "# EOF" not in text and "# UNIT" not in text
    assert text.startswith("# HELP target_info Target metadata\n# TYPE target_info gauge\ntarget_info{")
    target = [lab for n, lab, v, _ in smp if n == "target_info"]
    assert len(target) == 1 and target[0]["process_pid"] == str(p.info["pid"])
    assert target[0]["telemetry_sdk_name"] == "genesis-auto" and target[0]["service_name"].startswith("unknown_service")
    for n, lab, v, _ in smp:
        if n != "target_info":
            assert lab["otel_scope_name"] == "genesis-auto" and lab["otel_scope_version"] == "0.1.0", (n, lab)
    assert "# TYPE genesis_sdk_operations_total counter" in text
    ops = [int(v) for n, _, v, _ in smp if n == "genesis_sdk_operations_total"][0]
    assert ops >= N_OK + N_REFUSED
    (tmp_path / "scrape.txt").write_text(text)
    r = subprocess.run([tool("promtool"), "check", "metrics"], input=text.encode(), capture_output=True)
    assert r.returncode == 0, r.stdout.decode() + r.stderr.decode()
    rc, out, err = p.stop()
    assert (rc, out, err) == (0, b"done\n", b""), (rc, out, err)


def test_openmetrics_format_and_exemplars(live):
    p = live()
    ct, text = wait_scrape(p.port, all_counted(p), accept=OM_ACCEPT)
    assert ct == OM_CT
    check_openmetrics(text)
    h = histograms(samples(text), HIST)
    check_histograms(h)
    assert "# UNIT genesis_network_connect_duration_seconds seconds" in text
    assert "# TYPE genesis_network_io_bytes counter\n# UNIT genesis_network_io_bytes bytes\n" in text
    exemplars = [b[2] for e in h.values() for b in e["buckets"] if b[2] is not None]
    assert exemplars, "no exemplar although every connect span was sampled"
    p.stop()
    spans = [json.loads(line) for line in p.console.read_text().splitlines()]
    ids = {(s["trace_id"], s["span_id"]) for s in spans if s.get("type") == "span"}
    assert len(ids) == N_OK + N_REFUSED
    for exl, _, _ in exemplars:
        assert (exl["trace_id"], exl["span_id"]) in ids, exl


def test_no_exemplars_for_unsampled_spans(live):
    p = live(env={"OTEL_TRACES_SAMPLER": "always_off"})
    ct, text = wait_scrape(p.port, all_counted(p), accept=OM_ACCEPT)     # metrics see every span
    check_openmetrics(text)
    assert " # {" not in text


def test_bytes_of_closed_and_open_sockets(live):
    p = live()
    want = N_OK * 100 + KEPT_EXTRA

    def counted(text):
        io = {}
        for n, lab, v, _ in samples(text):
            if n == "genesis_network_io_bytes_total":
                io[(lab["network_io_direction"], lab.get("network_peer_port"))] = int(v)
        return io.get(("transmit", str(p.info["port"]))) == want and io.get(("receive", None)) == want

    wait_scrape(p.port, counted)
    _, text = scrape(p.port)            # stable: a second collection counts nothing twice
    assert counted(text)


def test_requests_and_robustness(live):
    p = live()
    wait_scrape(p.port, all_counted(p))
    for path in ("/", "/metrics?x=1"):
        assert scrape(p.port, path=path)[0] == TEXT_CT
    with pytest.raises(urllib.error.HTTPError) as e:
        scrape(p.port, path="/other")
    assert e.value.code == 404
    req = urllib.request.Request(f"http://127.0.0.1:{p.port}/metrics", data=b"x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=5)
    assert e.value.code == 405
    with socket.create_connection(("127.0.0.1", p.port)) as s:
        s.sendall(b"\x16\x03\x01 not http\r\n\r\n")
        assert s.recv(100).startswith(b"HTTP/1.1 400 ")
    # Idle and trickling clients hold slots but never stall the endpoint or the exporter.
    idle = [socket.create_connection(("127.0.0.1", p.port)) for _ in range(6)]
    idle[0].sendall(b"GET /metr")
    t0 = time.monotonic()
    while True:
        try:
            scrape(p.port, timeout=10)
            break
        except (urllib.error.URLError, ConnectionError, socket.timeout):
            assert time.monotonic() - t0 < 8
    assert time.monotonic() - t0 < 5, "a scrape waited behind idle clients for too long"
    for s in idle:
        s.close()
    t0 = time.monotonic()
    scrape(p.port)
    assert time.monotonic() - t0 < 1
    rc, out, err = p.stop()
    assert (rc, out, err) == (0, b"done\n", b"")


def test_port_in_use_warns_once(live, tmp_path):
    port = free_port()
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", port))
    blocker.listen(1)
    try:
        p = live(port=port)
        time.sleep(0.5)                 # the exporter started with the first connect
        rc, out, err = p.stop()
    finally:
        blocker.close()
    assert rc == 0 and out == b"done\n"
    lines = err.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("genesis: prometheus endpoint localhost:"), lines
    assert f":{port} not available" in lines[0] and "Address already in use" in lines[0], lines


def test_no_endpoint_unless_configured(live):
    port = free_port()
    p = live(port=port, env={"OTEL_METRICS_EXPORTER": "none"})
    time.sleep(0.3)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert p.stop() == (0, b"done\n", b"")


def test_host_setting_ipv6(live):
    port = free_port()
    p = live(port=port, env={"OTEL_EXPORTER_PROMETHEUS_HOST": "::1"})
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(f"http://[::1]:{port}/metrics", timeout=5) as r:
                text = r.read().decode()
            if all_counted(p)(text):
                break
        except (urllib.error.URLError, ConnectionError):
            pass
        assert time.monotonic() < deadline, "no endpoint on [::1]"
        time.sleep(0.05)
    with pytest.raises(ConnectionRefusedError):         # not on the IPv4 loopback
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_slow_clients_do_not_starve_scrapes(live):
    """Slow-loris: 40 connections that send their request a byte at a time and never finish
    are all open when a normal scrape arrives; it is served at once (the slowest connection
    is closed to make room), and again while the slow ones keep trickling."""
    p = live()
    wait_scrape(p.port, all_counted(p))
    slow = [socket.create_connection(("127.0.0.1", p.port)) for _ in range(40)]
    stop = threading.Event()

    def trickle():
        req = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10000
        i = 0
        while not stop.is_set():
            for s in slow:
                try:
                    s.send(req[i % len(req):i % len(req) + 1])
                except OSError:
                    pass                # closed by the endpoint to make room: expected
            i += 1
            stop.wait(0.05)

    t = threading.Thread(target=trickle, daemon=True)
    t.start()
    try:
        time.sleep(0.5)                 # every slow connection has sent bytes and is waiting
        for _ in range(3):
            ct, text = scrape(p.port, timeout=8)   # starved (main: ~2 s per 4 slow clients) → timeout
            assert ct == TEXT_CT and HIST in text
    finally:
        stop.set()
        t.join()
        for s in slow:
            s.close()
    rc, out, err = p.stop()
    assert (rc, out, err) == (0, b"done\n", b"")
