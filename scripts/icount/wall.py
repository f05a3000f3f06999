"""wall.py — the measured (not counted) rows: throughput of three real peers bare and preloaded,
and the resident memory of an nginx worker under load.

Each peer runs `rounds` interleaved rounds (bare and preloaded alternate, the order rotated every
round); a side's figure is the median of its rounds, and the ratio the median of the rounds'
ratios (each round's preloaded figure over its bare one). The
preloaded side uses the library's defaults (100% sampling, OTLP traces and metrics) with the
endpoint set to genesis-view --sink on this host (exports taken, not decoded: a decoding receiver
would compete with the measured program for the same two cores). Wall clock on a shared 2-core VM is noisy:
these rows are informative and never part of the CI guard.

  redis:    redis-benchmark -c 50 -n N -t get (the client preloaded) against a bare redis-server
  nginx:    wrk -t2 -c50 -d S against nginx (one worker; nginx preloaded); the worker's VmRSS
            after each round gives the RSS row
  sysbench: sysbench oltp_point_select --threads=4 --time S (the client preloaded, libmariadb)
            against a bare mariadbd
"""
import os
import re
import signal
import statistics
import subprocess

import procs


def _out(argv, env, timeout=120):
    p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       stdin=subprocess.DEVNULL, timeout=timeout)
    text = p.stdout.decode(errors="replace")
    if p.returncode != 0 or "cannot be preloaded" in text:
        raise RuntimeError("%s failed (exit %d): %s" % (argv[0], p.returncode, text[-600:]))
    return text


def _grab(pattern, text, what):
    m = re.search(pattern, text)
    if not m:
        raise RuntimeError("no %s figure in: %s" % (what, text[-400:]))
    return float(m.group(1))


def _interleave(rounds, sides):
    """sides: {name: callable() -> number}; returns {name: [values]}."""
    names = list(sides)
    got = {n: [] for n in names}
    for r in range(rounds):
        for i in range(len(names)):
            n = names[(i + r) % len(names)]
            got[n].append(sides[n]())
    return got


def redis(ctx, pre_env, rounds, n=100000):
    r = ctx.peer("redis")
    argv = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(r.port), "-c", "50", "-n", str(n), "-t", "get", "-q"]
    pat = r"GET: ([0-9.]+) requests per second"
    return _interleave(rounds, {
        "bare": lambda: _grab(pat, _out(argv, procs.clean_env()), "redis-benchmark"),
        "pre": lambda: _grab(pat, _out(argv, ctx.env(pre_env)), "redis-benchmark")})


def _vmrss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmRSS for pid %d" % pid)


def nginx(ctx, pre_env, rounds, secs=3):
    """Returns ({'bare': [req/s], 'pre': [...]}, {'bare': [MiB], 'pre': [...]})."""
    servers = {"bare": procs.Nginx(ctx.work, "nginx-wall-bare", procs.clean_env(), master=True),
               "pre": procs.Nginx(ctx.work, "nginx-wall-pre", ctx.env(pre_env), master=True)}
    rss = {"bare": [], "pre": []}

    def one(side):
        s = servers[side]
        text = _out(["wrk", "-t2", "-c50", "-d%ds" % secs, "http://127.0.0.1:%d/index.html" % s.port],
                    procs.clean_env())
        rss[side].append(_vmrss_mib(s.worker_pid()))
        return _grab(r"Requests/sec:\s+([0-9.]+)", text, "wrk")

    try:
        rps = _interleave(rounds, {"bare": lambda: one("bare"), "pre": lambda: one("pre")})
    finally:
        for s in servers.values():
            procs.stop(s.proc, signal.SIGQUIT, timeout=30)
    return rps, rss


def sysbench(ctx, pre_env, rounds, secs=3):
    m = ctx.peer("mariadb")
    common = ["sysbench", "oltp_point_select", "--db-driver=mysql", "--mysql-host=127.0.0.1",
              "--mysql-port=%d" % m.port, "--mysql-user=root", "--mysql-password=",
              "--mysql-db=sbtest", "--tables=1", "--table-size=10000"]
    if not os.path.exists(os.path.join(m.dir, "data", "sbtest")):
        m.sql("CREATE DATABASE IF NOT EXISTS sbtest")
        _out(common + ["prepare"], procs.clean_env(), timeout=300)
    argv = common + ["--threads=4", "--time=%d" % secs, "run"]
    pat = r"transactions:\s+\d+\s+\(([0-9.]+) per sec"
    return _interleave(rounds, {
        "bare": lambda: _grab(pat, _out(argv, procs.clean_env()), "sysbench"),
        "pre": lambda: _grab(pat, _out(argv, ctx.env(pre_env)), "sysbench")})


def median(vals):
    return statistics.median(vals) if vals else None
