"""Semantic-convention histograms fed by the protocol op descriptors (exporter/ops.h):

- http.server.request.duration of a Python http.server under the library, scraped from its
  Prometheus endpoint: one series per method/status with the semconv buckets, counts = requests;
- db.client.operation.duration of redis-cli under the library, pushed over OTLP at exit:
  one point per command name, counts = commands (redis-cli adds its own COMMAND DOCS).
"""
import re
import subprocess
import time
import urllib.error
import urllib.request

import otlp_pb
from conftest import LIB, PY, clean_env, free_port, tool, wait_port

from test_prometheus import histograms, samples, check_histograms

HTTP_LE = ["0.005", "0.01", "0.025", "0.05", "0.075", "0.1", "0.25", "0.5", "0.75", "1", "2.5", "5", "7.5", "10", "+Inf"]


def test_http_server_duration_on_the_endpoint(tmp_path):
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "a.txt").write_text("hello\n")
    port, prom = free_port(), free_port()
    env = clean_env({"OTEL_METRICS_EXPORTER": "prometheus", "OTEL_EXPORTER_PROMETHEUS_PORT": str(prom),
                     "OTEL_TRACES_EXPORTER": "none", "LD_PRELOAD": str(LIB)})
    proc = subprocess.Popen([PY, "-m", "http.server", "--bind", "127.0.0.1", str(port), "--directory",
                             str(tmp_path / "www")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        assert wait_port(port, proc)
        for path, n in (("/a.txt", 3), ("/missing", 2)):
            for _ in range(n):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5).read()
                except urllib.error.HTTPError as e:
                    assert e.code == 404
        deadline, got = time.monotonic() + 10, None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{prom}/metrics", timeout=5) as r:
                    text = r.read().decode()
                h = histograms(samples(text), "http_server_request_duration_seconds")
                got = {dict(k)["http_response_status_code"]: e["count"] for k, e in h.items()}
                if got == {"200": 3, "404": 2}:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        assert got == {"200": 3, "404": 2}, got
        check_histograms(h)
        for key, e in h.items():
            lab = dict(key)
            assert lab["http_request_method"] == "GET" and lab["url_scheme"] == "http", lab
            assert [b[0] for b in e["buckets"]] == HTTP_LE
            assert "url_path" not in lab, "raw paths are never labels"
        assert "# TYPE http_server_request_duration_seconds histogram" in text
        r = subprocess.run([tool("promtool"), "check", "metrics"], input=text.encode(), capture_output=True)
        assert r.returncode == 0, r.stdout.decode() + r.stderr.decode()
    finally:
        proc.terminate()
        proc.wait(5)


def test_db_client_duration_pushed(tmp_path, redis_server):
    err = tmp_path / "view.err"
    jsonl = tmp_path / "view.jsonl"
    with open(err, "wb") as e:
        view = subprocess.Popen([f"{otlp_pb.BUILD}/genesis-view", "--port", "0", "--quiet", "--jsonl", str(jsonl)],
                                stderr=e)
    try:
        deadline = time.monotonic() + 5
        while not (m := re.search(r"listening on http://127\.0\.0\.1:(\d+)", err.read_text())):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        env = clean_env({"OTEL_METRICS_EXPORTER": "otlp", "OTEL_TRACES_EXPORTER": "none",
                         "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{m.group(1)}", "LD_PRELOAD": str(LIB)})
        r = subprocess.run([tool("redis-cli"), "-p", str(redis_server.port)], input=b"SET a 1\nGET a\nGET a\nINCR c\n",
                           capture_output=True, env=env, timeout=30)
        assert r.returncode == 0 and r.stdout == b"OK\n1\n1\n1\n" and r.stderr == b"", r
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            pts = [p for p in otlp_pb.read_jsonl(jsonl) if p["signal"] == "metric"
                   and p["name"] == "db.client.operation.duration"]
            if pts:
                break
            time.sleep(0.05)
    finally:
        view.terminate()
        view.wait(5)
    counts = {p["attributes"]["db.operation.name"]: p["count"] for p in pts}
    assert {k: v for k, v in counts.items() if k != "COMMAND DOCS"} == {"SET": 1, "GET": 2, "INCR": 1}, counts
    for p in pts:
        assert p["unit"] == "s" and p["aggregation_temporality"] == "CUMULATIVE"
        assert p["explicit_bounds"] == [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0]
        assert p["attributes"]["db.system.name"] == "redis"
        assert p["attributes"]["server.port"] == redis_server.port
        assert "db.query.text" not in p["attributes"], "query text is never a metric attribute"
