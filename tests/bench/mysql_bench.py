#!/usr/bin/python3
"""mysql_bench.py — point selects through libmariadb (tests/progs/mysql_bench) and through PyMySQL,
bare and under the library, in one run against one throw-away mariadbd (temp datadir, free port,
stopped by pid). Bare and preloaded runs alternate ROUNDS times; the best of each is kept.

Each client first runs 5,000 untimed queries (the library's record ring is mapped on first use
and its first few thousand records pay page faults once per process).
Prints per client: queries/s bare and preloaded, their ratio (goal >= 0.97), and the CPU time the
library adds per query on the application thread (thread CPU time of the querying thread, goal
<= 200 ns). Preloaded runs export spans with the console exporter to /dev/null.

    /usr/bin/python3 tests/bench/mysql_bench.py [N=10000] [ROUNDS=3]   (env GENESIS_LIB, GENESIS_BUILD)
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("GENESIS_BUILD", ROOT / "build"))
LIB = Path(os.environ.get("GENESIS_LIB", BUILD / "libgenesis_auto.so"))
PY = "/usr/bin/python3"

PYBENCH = """
import sys, time, pymysql
c = pymysql.connect(host="127.0.0.1", port=int(sys.argv[1]), user="root", password="", database="test")
cur = c.cursor(); n = int(sys.argv[2])
for i in range(5000):                       # warm-up: the library maps its record ring on first use
    cur.execute("SELECT body FROM messages WHERE id = %s", (1 + i % 3,)); cur.fetchall()
t0, c0 = time.monotonic_ns(), time.thread_time_ns()
for i in range(n):
    cur.execute("SELECT body FROM messages WHERE id = %s", (1 + i % 3,)); cur.fetchall()
print(time.monotonic_ns() - t0, time.thread_time_ns() - c0)
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(d):
    port = free_port()
    subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={d}/data", "--user=root",
                    "--auth-root-authentication-method=normal", "--skip-test-db"], check=True, capture_output=True)
    proc = subprocess.Popen(["mariadbd", "--no-defaults", f"--datadir={d}/data", f"--socket={d}/mysqld.sock",
                             f"--port={port}", "--bind-address=127.0.0.1", "--user=root", f"--log-error={d}/error.log",
                             "--skip-log-bin", "--innodb-buffer-pool-size=64M"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cli = ["mariadb", "--no-defaults", "-h127.0.0.1", f"-P{port}", "-uroot", "-e"]
    for _ in range(300):
        if subprocess.run(cli + ["SELECT 1"], capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    subprocess.run(cli + ["CREATE DATABASE test; CREATE TABLE test.messages (id INT PRIMARY KEY, body VARCHAR(100));"
                          "INSERT INTO test.messages VALUES (1,'hello'),(2,'world'),(3,'again');"], check=True)
    return proc, port


def measure(argv, preload):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "GENESIS_")) and k != "LD_PRELOAD"}
    if preload:
        env.update(LD_PRELOAD=str(LIB), OTEL_TRACES_EXPORTER="console", GENESIS_CONSOLE_FILE="/dev/null",
                   OTEL_METRICS_EXPORTER="none", OTEL_LOGS_EXPORTER="none")
    out = subprocess.run(argv, env=env, capture_output=True, check=True, text=True).stdout.split()
    return int(out[0]), int(out[1])


def report(name, argv, n, rounds):
    bare, pre = [], []
    for _ in range(rounds):
        bare.append(measure(argv, False))
        pre.append(measure(argv, True))
    tb, tp = min(t for t, _ in bare), min(t for t, _ in pre)
    cb, cp = min(c for _, c in bare), min(c for _, c in pre)
    print(f"{name:10} bare {n * 1e9 / tb:8.0f} q/s  preloaded {n * 1e9 / tp:8.0f} q/s  ratio {tb / tp:5.3f}  "
          f"app-thread CPU {cb / n:6.0f} -> {cp / n:6.0f} ns/query ({(cp - cb) / n:+.0f} ns)")


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    bench = BUILD / "tests" / "progs" / "mysql_bench"
    if not bench.is_file() or not LIB.is_file():
        sys.exit("build first: make")
    d = Path(tempfile.mkdtemp(prefix="genesis-mysql-bench."))
    proc = None
    try:
        proc, port = start_server(d)
        print(f"mysql_bench: {n} point selects per run, best of {rounds} alternating runs, "
              f"mariadbd on 127.0.0.1:{port}")
        report("libmariadb", [str(bench), "127.0.0.1", str(port), "root", "", "test", str(n)], n, rounds)
        report("PyMySQL", [PY, "-c", PYBENCH, str(port), str(n)], n, rounds)
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
