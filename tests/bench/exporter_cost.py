#!/usr/bin/python3
"""exporter_cost.py — instructions the exporter thread ("genesis-export") spends per exported
span, counted by valgrind's callgrind, for three span kinds: HTTP server (nginx, keep-alive
static GET), Redis (redis-benchmark -c 1 -t get) and MySQL (libmariadb point select,
tests/progs/mysql_bench: hooks + wire). Everything the exporter thread does per record is in the
figure: the drain, the metrics aggregation of the record, the span name and attributes, the OTLP
encoding, gzip when asked, and the record's share of the HTTP POSTs to a local receiver
(build/genesis-view --quiet).

Method: each workload runs twice under `valgrind --tool=callgrind --separate-threads=yes`, with
N1 and N2 operations; the exporter thread's instruction total of the two runs is differenced and
divided by N2 - N1, so start-up, the exit flush and the metrics push cancel. The receiver's
counters check that every span arrived (a drop would make the figure meaningless).

The exporter keeps what it derives from a record per distinct record content (a keep-alive
client asking for the same page, the same Redis key, the same statement): the default
workloads repeat their records, as these benchmarks do. --vary makes every record new (a
query string per HTTP request, random Redis keys, a new id in every SQL text) to measure
records never seen before.

    /usr/bin/python3 tests/bench/exporter_cost.py [--n1 2000] [--n2 6000] [--kinds http,redis,mysql]
                                                 [--gzip off,on] [--vary]  (env GENESIS_BUILD, GENESIS_LIB)
"""
import argparse
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import http.client
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("GENESIS_BUILD", ROOT / "build"))
LIB = Path(os.environ.get("GENESIS_LIB", BUILD / "libgenesis_auto.so")).resolve()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, secs=60):
    end = time.time() + secs
    while time.time() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("server exited early")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


class Receiver:
    """build/genesis-view --quiet on a free port, counting what arrives."""

    def __init__(self, d):
        self.count = Path(d) / "counts.json"
        self.proc = subprocess.Popen([str(BUILD / "genesis-view"), "--quiet", "--port", "0",
                                      "--count-file", str(self.count)],
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stderr.readline()
        self.port = int(re.search(r":(\d+) ", line).group(1))

    def spans(self):
        try:
            c = json.loads(self.count.read_text())
        except (OSError, ValueError):
            return 0
        return c.get("spans", 0)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(10)


def preload_env(recv, gzip):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "GENESIS_")) and k != "LD_PRELOAD"}
    env.update(LD_PRELOAD=str(LIB), OTEL_SERVICE_NAME="exporter-cost",
               OTEL_TRACES_EXPORTER="otlp", OTEL_METRICS_EXPORTER="otlp", OTEL_LOGS_EXPORTER="none",
               OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{recv.port}",
               OTEL_EXPORTER_OTLP_COMPRESSION="gzip" if gzip else "none",
               OTEL_EXPORTER_OTLP_TIMEOUT="0", OTEL_BSP_EXPORT_TIMEOUT="0",
               GENESIS_QUEUE_SIZE="65536", OTEL_BSP_MAX_QUEUE_SIZE="65536",
               GENESIS_EXIT_FLUSH_MS="60000", GENESIS_LOG_LEVEL="warn")
    return env


def callgrind(out_dir):
    return ["valgrind", "--tool=callgrind", "--separate-threads=yes",
            f"--callgrind-out-file={out_dir}/cg.%p"]


def exporter_instr(out_dir, keep=None):
    """The instruction total of the thread whose profile holds the exporter's main loop (its
    profile copied to `keep` when given, for callgrind_annotate)."""
    found = []
    for f in glob.glob(f"{out_dir}/cg.*"):
        text = Path(f).read_text(errors="replace")
        if "ga__main" not in text:
            continue
        m = re.search(r"^(?:totals|summary): (\d+)", text, re.M)
        found.append(int(m.group(1)))
        if keep:
            shutil.copy(f, keep)
    if len(found) != 1:
        raise RuntimeError(f"expected one exporter thread profile in {out_dir}, found {len(found)}")
    return found[0]


# ---- workloads: each runs N operations in a process under callgrind + the library ----------

def run_http(d, n, env, ctx):
    port = free_port()
    root = Path(d) / "www"
    root.mkdir(exist_ok=True)
    (root / "index.html").write_bytes(b"x" * 1400)
    conf = Path(d) / "nginx.conf"
    conf.write_text(f"""user root; daemon off; master_process off; worker_processes 1;
pid {d}/nginx.pid; error_log {d}/error.log;
events {{ worker_connections 64; }}
http {{ access_log off; keepalive_requests 1000000; client_body_temp_path {d}/cb;
  proxy_temp_path {d}/px; fastcgi_temp_path {d}/fc; uwsgi_temp_path {d}/uw; scgi_temp_path {d}/sc;
  server {{ listen 127.0.0.1:{port}; root {root}; }} }}
""")
    proc = subprocess.Popen(callgrind(ctx) + ["nginx", "-p", d, "-e", f"{d}/error.log", "-c", str(conf)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, proc)
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        hdrs = {"User-Agent": "exporter-cost/1.0", "Accept": "*/*"}
        for i in range(n):
            c.request("GET", f"/index.html?id={i}" if VARY else "/index.html", headers=hdrs)
            r = c.getresponse()
            r.read()
            if r.status != 200:
                raise RuntimeError(f"nginx answered {r.status}")
        c.close()
    finally:
        stop_nginx(proc)
    return n


def stop_nginx(proc):
    """SIGTERM makes single-process nginx exit() after its event loop, where the library
    flushes. nginx checks its flag before it waits for events: a signal handled in between
    (likely under valgrind, which delivers signals at its own scheduling points) leaves it
    waiting with no timeout, so the signal is repeated until it leaves."""
    for _ in range(90):
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(2)
            return
        except subprocess.TimeoutExpired:
            pass
    proc.kill()
    raise RuntimeError("nginx did not exit")


def run_redis(d, n, env, ctx):
    subprocess.run(callgrind(ctx) + ["redis-benchmark", "-h", "127.0.0.1", "-p", str(ctx_ports["redis"]),
                                     "-c", "1", "-n", str(n), "-t", "get", "-q"]
                   + (["-r", "1000000000"] if VARY else []),
                   env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return n


def run_mysql(d, n, env, ctx):
    subprocess.run(callgrind(ctx) + [str(BUILD / "tests/progs/mysql_bench"), "127.0.0.1",
                                     str(ctx_ports["mysql"]), "root", "", "test", str(n), "0",
                                     "1000000000" if VARY else "3"],
                   env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return n


ctx_ports = {}
VARY = False


def start_redis(d, procs):
    port = free_port()
    p = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--dir", d,
                          "--save", "", "--appendonly", "no", "--daemonize", "no",
                          "--logfile", f"{d}/redis.log"], stdout=subprocess.DEVNULL)
    procs.append(p)
    wait_port(port, p)
    ctx_ports["redis"] = port


def start_mysql(d, procs):
    port = free_port()
    subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={d}/data", "--user=root",
                    "--auth-root-authentication-method=normal", "--skip-test-db"], check=True,
                   capture_output=True)
    p = subprocess.Popen(["mariadbd", "--no-defaults", f"--datadir={d}/data", f"--socket={d}/mysqld.sock",
                          f"--port={port}", "--bind-address=127.0.0.1", "--user=root",
                          f"--log-error={d}/error.log", "--skip-log-bin", "--innodb-buffer-pool-size=64M"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs.append(p)
    cli = ["mariadb", "--no-defaults", "-h127.0.0.1", f"-P{port}", "-uroot", "-e"]
    for _ in range(300):
        if subprocess.run(cli + ["SELECT 1"], capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    subprocess.run(cli + ["CREATE DATABASE test; CREATE TABLE test.messages (id INT PRIMARY KEY, "
                          "body VARCHAR(100)); INSERT INTO test.messages VALUES "
                          "(1,'hello'),(2,'world'),(3,'again');"], check=True)
    ctx_ports["mysql"] = port


WORKLOADS = {"http": run_http, "redis": run_redis, "mysql": run_mysql}


def measure(kind, n, gzip, recv, base, keep=None, tries=2):
    d = tempfile.mkdtemp(prefix=f"{kind}-{n}-", dir=base)
    before = recv.spans()
    try:
        WORKLOADS[kind](d, n, preload_env(recv, gzip), d)
    except (subprocess.TimeoutExpired, RuntimeError, OSError) as e:
        if tries <= 1:
            raise
        print(f"  ({kind} N={n}: {e.__class__.__name__}: {e}; run again)", file=sys.stderr)
        shutil.rmtree(d, ignore_errors=True)
        return measure(kind, n, gzip, recv, base, keep, tries - 1)
    for _ in range(100):                    # the receiver counts after answering
        if recv.spans() - before >= n:
            break
        time.sleep(0.05)
    got = recv.spans() - before
    instr = exporter_instr(d, keep and f"{keep}/callgrind.{kind}-gzip{int(gzip)}-{n}")
    shutil.rmtree(d, ignore_errors=True)
    return instr, got


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n1", type=int, default=2000)
    ap.add_argument("--n2", type=int, default=6000)
    ap.add_argument("--kinds", default="http,redis,mysql")
    ap.add_argument("--gzip", default="off,on")
    ap.add_argument("--keep", metavar="DIR", help="keep the exporter thread's profiles here")
    ap.add_argument("--vary", action="store_true", help="every record new (see above)")
    a = ap.parse_args()
    global VARY
    VARY = a.vary
    kinds = [k for k in a.kinds.split(",") if k]
    gz = [g == "on" for g in a.gzip.split(",") if g]
    if not LIB.is_file():
        sys.exit(f"no library at {LIB}: make")
    if a.keep:
        os.makedirs(a.keep, exist_ok=True)
    base = tempfile.mkdtemp(prefix="genesis-exporter-cost.")
    procs = []
    recv = None
    try:
        recv = Receiver(base)
        if "redis" in kinds:
            start_redis(base, procs)
        if "mysql" in kinds:
            start_mysql(base, procs)
        print(f"exporter thread instructions per exported span (callgrind, N={a.n1} vs N={a.n2}, "
              f"OTLP to genesis-view, metrics on, {'every record new' if VARY else 'records repeat'})")
        for kind in kinds:
            for g in gz:
                i1, s1 = measure(kind, a.n1, g, recv, base, a.keep)
                i2, s2 = measure(kind, a.n2, g, recv, base, a.keep)
                per = (i2 - i1) / (a.n2 - a.n1)
                spans = (s2 - s1) / (a.n2 - a.n1)
                print(f"{kind:6} gzip {'on ' if g else 'off'}  {per:9.0f} instr/span   "
                      f"(exporter thread {i1} / {i2}; spans received {s1} / {s2}, {spans:.2f} per op)",
                      flush=True)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
            p.wait(60)
        if recv is not None:
            recv.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
