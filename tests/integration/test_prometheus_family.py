"""Pre-forking servers behind one Prometheus endpoint (docs/metrics.md, "Forking servers"):
gunicorn with two sync workers and nginx with two worker processes. Requests are spread over
both workers (each answer names the worker's pid, and the test checks both answered); the
endpoint, served by whichever worker bound the port, shows every request exactly once in
http.server.request.duration."""
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.request

import pytest

from conftest import free_port
from test_http_support import Service
from test_prometheus import histograms, samples

HTTP_HIST = "http_server_request_duration_seconds"
DEBIAN_PY = "/usr/bin/python3"           # python3-gunicorn is Debian's python's module

APP = r'''
import os, time

def app(environ, start_response):
    if environ["PATH_INFO"] == "/slow":
        time.sleep(0.15)            # holds this sync worker: a concurrent request goes to the other
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''


def prom_env(prom_port):
    return {"OTEL_METRICS_EXPORTER": "prometheus", "OTEL_EXPORTER_PROMETHEUS_PORT": str(prom_port),
            "OTEL_TRACES_EXPORTER": "none"}


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.status == 200
        return int(r.read())


def requests_total(text):
    return sum(h.get("count", 0) for h in histograms(samples(text), HTTP_HIST).values())


def scrape_until(port, want, timeout=15):
    deadline = time.monotonic() + timeout
    text = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                text = r.read().decode()
            if want(text):
                return text
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"endpoint never showed what was expected:\n{text}")


def served_by(text):
    return int([lab for n, lab, _, _ in samples(text) if n == "target_info"][0]["process_pid"])


def check_family(prom_port, pids, n):
    """Both workers answered; the endpoint counts all n requests, once, and keeps counting them."""
    assert len(set(pids)) == 2, f"requests were not spread over both workers: {pids}"
    text = scrape_until(prom_port, lambda t: requests_total(t) >= n)
    assert requests_total(text) == n, text
    assert served_by(text) in set(pids)
    time.sleep(1.2)                     # every worker published again: nothing counted twice
    text = scrape_until(prom_port, lambda t: True)
    assert requests_total(text) == n, text


@pytest.fixture
def gunicorn(tmp_path):
    if subprocess.run([DEBIAN_PY, "-c", "import gunicorn"], capture_output=True).returncode != 0:
        pytest.fail("gunicorn missing: scripts/install-deps.sh installs python3-gunicorn")
    (tmp_path / "app.py").write_text(APP)
    port, prom_port = free_port(), free_port()
    srv = Service("gunicorn", [DEBIAN_PY, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--chdir", str(tmp_path),
                               "app:app"], port, tmp_path, env=prom_env(prom_port))
    srv.prom_port = prom_port
    yield srv
    srv.stop()


def test_gunicorn_two_workers_one_endpoint(gunicorn):
    pids = []
    for _ in range(6):                  # two at a time: a busy sync worker leaves the other one
        got = [None, None]
        ts = [threading.Thread(target=lambda i=i: got.__setitem__(i, get(gunicorn.url("/slow"))))
              for i in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        pids += got
    assert None not in pids
    check_family(gunicorn.prom_port, pids, 12)


def nginx_conf(d, port):
    temps = " ".join(f"{k}_temp_path {d}/{k};" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = d / "nginx.conf"
    conf.write_text(f"""user root; daemon off; worker_processes 2; pid {d}/nginx.pid; error_log {d}/error.log;
events {{ worker_connections 512; }}
http {{ access_log off; keepalive_timeout 0; {temps}
  server {{ listen 127.0.0.1:{port} reuseport; location / {{ return 200 "$pid"; }} }} }}
""")
    return conf


def test_nginx_two_workers_one_endpoint(tmp_path):
    d = tmp_path / "nginx"
    d.mkdir()
    port, prom_port = free_port(), free_port()
    srv = Service("nginx", [shutil.which("nginx") or "/usr/sbin/nginx", "-p", str(d), "-e", str(d / "error.log"),
                            "-c", str(nginx_conf(d, port))], port, tmp_path, env=prom_env(prom_port),
                  stop_signal=signal.SIGQUIT)
    try:
        pids = []
        # reuseport spreads new connections over the workers by their source port
        while len(pids) < 12 or min(pids.count(p) for p in set(pids)) < 3 or len(set(pids)) < 2:
            assert len(pids) < 400, f"requests were not spread over both workers: {pids}"
            pids.append(get(srv.url("/")))
        check_family(prom_port, pids, len(pids))
    finally:
        srv.stop()
    assert os.path.exists(d / "error.log")
