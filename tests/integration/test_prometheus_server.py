"""A real Prometheus (Debian's 2.42, a Go binary: LD_PRELOAD cannot see into it) scrapes the
endpoint of a live program every second. Prometheus 2.42 asks for OpenMetrics first, so this
validates the OpenMetrics exposition end to end: its HTTP API must return the connect histogram
with the counts the program made, target_info, the self-metrics, and (exemplar storage on) the
exemplars of sampled connect spans. The first scrape lands ~5.5 s after Prometheus starts.
"""
import json
import signal
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from conftest import free_port, tool, wait_port

from test_prometheus import HIST, N_OK, N_REFUSED, all_counted, live, wait_scrape  # noqa: F401 (fixture)


def api(port, path, **params):
    url = f"http://127.0.0.1:{port}/api/v1/{path}?{urllib.parse.urlencode(params)}"
    with urllib.request.urlopen(url, timeout=5) as r:
        body = json.loads(r.read())
    assert body["status"] == "success", body
    return body["data"]


@pytest.fixture
def prometheus(tmp_path):
    procs = []

    def start(target_port):
        port = free_port()
        cfg = tmp_path / "prometheus.yml"
        cfg.write_text(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n"
            "scrape_configs:\n  - job_name: genesis\n    static_configs:\n"
            f"      - targets: ['127.0.0.1:{target_port}']\n")
        log = open(tmp_path / "prometheus.log", "wb")
        proc = subprocess.Popen([tool("prometheus"), f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                                 f"--web.listen-address=127.0.0.1:{port}", "--enable-feature=exemplar-storage"],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        procs.append((proc, log))
        assert wait_port(port, proc, timeout=20), (tmp_path / "prometheus.log").read_text()[-3000:]
        deadline = time.monotonic() + 20
        while True:                     # 503 until the TSDB is open
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=2):
                    return port
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "prometheus.log").read_text()[-3000:]
                time.sleep(0.1)

    yield start
    for proc, log in procs:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def query_until(port, promql, want, timeout=30):
    deadline = time.monotonic() + timeout
    data = None
    while time.monotonic() < deadline:
        data = api(port, "query", query=promql)
        if want(data["result"]):
            return data["result"]
        time.sleep(0.5)
    raise AssertionError(f"{promql}: {data}")


def test_prometheus_scrapes_the_endpoint(live, prometheus):
    p = live()
    wait_scrape(p.port, all_counted(p))
    prom = prometheus(p.port)
    up = query_until(prom, 'up{job="genesis"}', lambda r: r and r[0]["value"][1] == "1")
    assert up[0]["metric"]["instance"] == f"127.0.0.1:{p.port}"
    counts = query_until(prom, f"{HIST}_count", lambda r: len(r) == 2)
    got = {(int(s["metric"]["network_peer_port"]), s["metric"].get("error_type")): int(s["value"][1]) for s in counts}
    assert got == {(p.info["port"], None): N_OK, (p.info["dead"], "ECONNREFUSED"): N_REFUSED}, got
    for s in counts:
        m = s["metric"]
        assert m["network_peer_address"] == "127.0.0.1" and m["network_transport"] == "tcp"
        assert m["otel_scope_name"] == "genesis-auto", m
    inf = query_until(prom, f'{HIST}_bucket{{le="+Inf"}}', lambda r: len(r) == 2)
    assert sorted(int(s["value"][1]) for s in inf) == sorted([N_OK, N_REFUSED])
    target = query_until(prom, "target_info", lambda r: len(r) == 1)[0]["metric"]
    assert target["process_pid"] == str(p.info["pid"]) and target["telemetry_sdk_name"] == "genesis-auto"
    ops = query_until(prom, "genesis_sdk_operations_total", lambda r: len(r) == 1)
    assert int(ops[0]["value"][1]) >= N_OK + N_REFUSED
    now = time.time()
    ex = api(prom, "query_exemplars", query=f"{HIST}_bucket", start=now - 600, end=now + 60)
    found = [e for series in ex for e in series["exemplars"]]
    assert found, f"no exemplars stored: {ex}"
    assert all(len(e["labels"]["trace_id"]) == 32 and len(e["labels"]["span_id"]) == 16 for e in found), found
    rc, out, err = p.stop()
    assert (rc, out, err) == (0, b"done\n", b"")
