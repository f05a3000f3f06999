"""The Prometheus endpoint across fork() (docs/metrics.md, "Forking servers"):

- every process forked from the one that loaded the library is a member of one family: the
  endpoint shows the sums of every member's series, nothing counted twice (a child starts
  empty; what its parent counted before the fork is the parent's);
- a process that started its endpoint keeps it; its forked children never serve the parent's
  listener and say nothing;
- a pre-forking server whose master never observed anything before forking (so never started
  its exporter): the first worker to start its exporter binds the port and serves the sums of
  all workers (target_info carries its pid); the others say nothing;
- when the serving member exits, another member takes the port over, and what the exited one
  counted stays counted.
"""
import json
import os
import signal
import subprocess
import time
import urllib.request

from conftest import LIB, PY, clean_env, free_port

from test_prometheus import HIST, connect_counts, histograms, samples

PROG = r'''
import json, os, socket, sys
mode = sys.argv[1]
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(512)
port = srv.getsockname()[1]

def connects(n):
    for _ in range(n):
        socket.create_connection(("127.0.0.1", port)).close()

def child(n, w):
    connects(n)
    os.write(w, b"x")
    sys.stdin.read()
    os._exit(0)

r, w = os.pipe()
workers = {}
if mode == "parent-first":
    connects(2)                     # the parent starts its exporter and binds the port
    kids = [5]
else:                               # pre-fork: the master observes nothing before forking
    kids = [1, 2, 3]
for n in kids:
    pid = os.fork()
    if pid == 0:
        child(n, w)
    workers[pid] = n
for _ in kids:
    os.read(r, 1)
print(json.dumps({"port": port, "pid": os.getpid(), "workers": workers}), flush=True)
sys.stdin.read()
for pid in workers:
    os.waitpid(pid, 0)
print("done", flush=True)
'''


def run(tmp_path, mode):
    script = tmp_path / "forks.py"
    script.write_text(PROG)
    port = free_port()
    env = clean_env({"OTEL_METRICS_EXPORTER": "prometheus", "OTEL_EXPORTER_PROMETHEUS_PORT": str(port),
                     "OTEL_TRACES_EXPORTER": "none", "LD_PRELOAD": str(LIB)})
    err_path = tmp_path / "err.txt"
    with open(err_path, "wb") as err:
        proc = subprocess.Popen([PY, str(script), mode], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=err, env=env)
    info = json.loads(proc.stdout.readline())
    return proc, port, info, err_path


def stop(proc, err_path):
    proc.stdin.close()
    proc.wait(10)
    out = proc.stdout.read()
    proc.stdout.close()
    return proc.returncode, out, err_path.read_bytes()


def scrape_until(port, want, timeout=10):
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
        time.sleep(0.05)
    raise AssertionError(f"unexpected endpoint content:\n{text}")


def served_by(text):
    smp = samples(text)
    pid = int([lab for n, lab, _, _ in smp if n == "target_info"][0]["process_pid"])
    return pid, connect_counts(histograms(smp, HIST))


def test_children_of_a_serving_parent_never_bind(tmp_path):
    proc, port, info, err = run(tmp_path, "parent-first")
    try:
        text = scrape_until(port, lambda t: served_by(t)[1] == {(info["port"], None): 7})
        time.sleep(1.2)                 # every member published again: nothing counted twice
        text = scrape_until(port, lambda t: True)
        pid, counts = served_by(text)
        assert pid == info["pid"] and counts == {(info["port"], None): 7}, (pid, counts)
    finally:
        rc, out, errs = stop(proc, err)
    assert (rc, out, errs) == (0, b"done\n", b"")


def test_prefork_first_worker_binds_others_silent(tmp_path):
    proc, port, info, err = run(tmp_path, "prefork")
    workers = {int(k): v for k, v in info["workers"].items()}
    try:
        def all_workers(t):
            pid, counts = served_by(t)
            return pid in workers and counts == {(info["port"], None): 6}
        text = scrape_until(port, all_workers)
        pid, _ = served_by(text)
        assert pid != info["pid"]
        time.sleep(1.2)
        pid2, counts = served_by(scrape_until(port, lambda t: True))
        assert pid2 == pid and counts == {(info["port"], None): 6}     # the same worker keeps it
    finally:
        rc, out, errs = stop(proc, err)
    assert (rc, out, errs) == (0, b"done\n", b""), errs


TAKEOVER = r'''
import json, os, signal, socket, sys
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(512)
port = srv.getsockname()[1]

def bye(*_):
    sys.exit(0)                     # a graceful exit: atexit handlers (and the library's) run

r, w = os.pipe()
workers = {}
for n in (1, 2, 3):
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGTERM, bye)
        for _ in range(n):
            socket.create_connection(("127.0.0.1", port)).close()
        os.write(w, b"x")
        while True:
            signal.pause()
    workers[pid] = n
for _ in workers:
    os.read(r, 1)
print(json.dumps({"port": port, "workers": workers}), flush=True)
sys.stdin.read()
for pid in workers:
    os.kill(pid, signal.SIGTERM)
    os.waitpid(pid, 0)
print("done", flush=True)
'''


def test_serving_member_exits_another_takes_over(tmp_path):
    """The serving worker exits: within a few seconds another one serves the port, and what
    the exited worker counted is still counted (its last totals stay in the family)."""
    script = tmp_path / "takeover.py"
    script.write_text(TAKEOVER)
    port = free_port()
    env = clean_env({"OTEL_METRICS_EXPORTER": "prometheus", "OTEL_EXPORTER_PROMETHEUS_PORT": str(port),
                     "OTEL_TRACES_EXPORTER": "none", "LD_PRELOAD": str(LIB)})
    err_path = tmp_path / "err.txt"
    with open(err_path, "wb") as err:
        proc = subprocess.Popen([PY, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=env)
    info = json.loads(proc.stdout.readline())
    workers = {int(k): v for k, v in info["workers"].items()}
    want = {(info["port"], None): 6}
    try:
        first, counts = served_by(scrape_until(port, lambda t: served_by(t)[1] == want))
        assert first in workers
        os.kill(first, signal.SIGTERM)  # a zombie until the end: its port is free, its pid taken
        text = scrape_until(port, lambda t: served_by(t)[0] not in (first,), timeout=15)
        second, counts = served_by(text)
        assert second in workers and counts == want, (second, counts)
    finally:
        rc, out, errs = stop(proc, err_path)
    assert (rc, out, errs) == (0, b"done\n", b""), errs
